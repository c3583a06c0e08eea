"""Typed models shared by every function. Raw platform payloads stay in ``platforms``."""

from socialcare.models.common import ChannelType, Platform
from socialcare.models.conversation import Conversation, ConversationStatus
from socialcare.models.message import Customer, InboundMessage, MessageKind
from socialcare.models.queue import ClassifyRequest, DeskRequest, MentionRequest

__all__ = [
    "ChannelType",
    "ClassifyRequest",
    "Conversation",
    "ConversationStatus",
    "Customer",
    "DeskRequest",
    "InboundMessage",
    "MentionRequest",
    "MessageKind",
    "Platform",
]
