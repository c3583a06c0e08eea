"""Retention: a closed conversation (resolved or spam) is kept ``retention_days`` (brand.yaml)
after it closed, then DynamoDB's TTL removes it with everything that hangs off it; one that
reopens is kept again. The store makes every item of the conversation say so (``settle``);
the paths that close or reopen a conversation, or add to a closed one, call it."""

from datetime import datetime, timedelta
from typing import Protocol

from socialcare.models.conversation import CLOSED, Conversation


class Retention(Protocol):
    def settle(self, conversation_id: str, retention: timedelta, now: datetime) -> str: ...

    def follow(self, conversation_id: str) -> None: ...


def may_change(conversation: Conversation | None) -> bool:
    """Whether the conversation is, or was until a moment ago, closed: only then can its
    items' expiry need a change (an open conversation never carries one)."""
    return conversation is not None and (
        conversation.status in CLOSED or conversation.closed_at is not None
    )


def settle(
    retention: Retention | None, conversation_id: str, days: int, now: datetime
) -> str | None:
    if retention is None:
        return None
    return retention.settle(conversation_id, timedelta(days=days), now)


def follow(retention: Retention | None, conversation: Conversation | None) -> None:
    """After writing into a conversation that was closed when read: the new item expires
    with it (nothing to do for an open one: no read, no write)."""
    if retention is not None and conversation is not None and conversation.expires_at:
        retention.follow(conversation.id)
