"""``Conversation``: one customer's thread with one account."""

from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict

from socialcare.models.common import ChannelType, Platform
from socialcare.models.message import Customer


class ConversationStatus(StrEnum):
    """``new -> open -> answered -> (customer writes again) open -> ... -> resolved``, + spam.

    Ingest creates conversations as ``new``; the classifier moves them on (it reads the
    conversation anyway), so ingest stays one transaction with no read before the write.
    """

    NEW = "new"
    OPEN = "open"
    ANSWERED = "answered"
    RESOLVED = "resolved"
    PENDING = "pending"  # the agent asked the customer something: the resolution clock pauses
    SPAM = "spam"


# The groups the pipeline decides by, named once.
_S = ConversationStatus
WAITING = frozenset({_S.NEW, _S.OPEN})  # on the brand: in the queue, its clocks run
CLOSED = frozenset({_S.RESOLVED, _S.SPAM})  # kept for the retention period, then gone
RESPONDED = frozenset({_S.ANSWERED, _S.RESOLVED, _S.PENDING})  # an answer exists


class Conversation(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    key: str
    status: ConversationStatus
    platform: Platform
    account_id: str
    brand_id: str
    channel_type: ChannelType
    customer: Customer
    created_at: AwareDatetime
    last_inbound_at: AwareDatetime
    waiting_since: AwareDatetime | None = None
    message_count: int
    link: str | None = None
    language: str | None = None  # the customer's, from the latest classified message
    topic: str | None = None
    priority: str | None = None  # P1..P4, from the latest classified message
    sentiment: str | None = None  # negative, neutral or positive, of the latest message
