"""Redrawing a conversation's card (its Slack thread root) as the conversation now stands:
after an agent's action, a sent reply, a deadline warning or breach."""

from typing import Any, Protocol

from socialcare.ports import SlackDesk
from socialcare.slack.card import card


class CardStore(Protocol):
    def conversation(self, conversation_id: str) -> dict[str, Any] | None: ...
    def first_inbound(self, conversation_id: str) -> dict[str, Any] | None: ...
    def clock_events(self, conversation_id: str) -> list[dict[str, Any]]: ...


def refresh_card(conversation_id: str, store: CardStore, slack: SlackDesk) -> None:
    meta = store.conversation(conversation_id)
    thread = (meta or {}).get("slack_thread")
    if meta is None or not thread:
        return  # no card yet: the thread poster draws it as it stands when it posts
    first = store.first_inbound(conversation_id) or {}
    text, blocks = card(meta, first, store.clock_events(conversation_id))
    slack.update(str(thread["channel"]), str(thread["ts"]), text, blocks)
