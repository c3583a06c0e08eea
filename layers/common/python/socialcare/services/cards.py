"""Redrawing a conversation's card (its Slack thread root) as the conversation now stands:
after an agent's action, a sent reply, a deadline warning or breach."""

from typing import Protocol

from socialcare.models.conversation import Conversation
from socialcare.models.stored import ClockEvent, StoredMessage
from socialcare.ports import SlackDesk
from socialcare.slack.card import card


class CardStore(Protocol):
    def conversation(self, conversation_id: str) -> Conversation | None: ...
    def first_inbound(self, conversation_id: str) -> StoredMessage | None: ...
    def clock_events(self, conversation_id: str) -> list[ClockEvent]: ...


def refresh_card(conversation_id: str, store: CardStore, slack: SlackDesk) -> None:
    meta = store.conversation(conversation_id)
    thread = meta.slack_thread if meta else None
    if meta is None or thread is None:
        return  # no card yet: the thread poster draws it as it stands when it posts
    first = store.first_inbound(conversation_id)
    if first is None:
        return  # its messages are being erased: the erasure replaces the card
    text, blocks = card(meta, first, store.clock_events(conversation_id))
    slack.update(thread.channel, thread.ts, text, blocks)
