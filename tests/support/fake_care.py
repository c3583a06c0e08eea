"""services.care.DeskStore in memory: conversations, their messages, and the day and queue
views the real store reads through indexes (DayStats, ByDueTime), worked out here."""

from dataclasses import dataclass, field
from datetime import UTC, datetime

from socialcare.models import Conversation
from socialcare.models.conversation import WAITING
from socialcare.models.stored import DayEntry, StoredMessage


@dataclass
class FakeCareStore:
    conversations: dict[str, Conversation] = field(default_factory=dict)
    messages: dict[str, list[StoredMessage]] = field(default_factory=dict)

    def add(self, conversation: Conversation, *messages: StoredMessage) -> None:
        self.conversations[conversation.id] = conversation
        self.messages[conversation.id] = sorted(messages, key=lambda m: m.message_sk)

    def waiting(self, brand_id: str, limit: int) -> list[Conversation]:
        """What waits on the brand, the most urgent reply first (ByDueTime)."""
        waiting = [c for c in self.conversations.values() if c.brand_id == brand_id and _due(c)]
        return sorted(waiting, key=lambda c: _due(c) or datetime.max.replace(tzinfo=UTC))[:limit]

    def started_on(self, brand_id: str, day: str) -> list[DayEntry]:
        return [
            DayEntry(status=c.status, priority=c.priority, reply_due=_due(c))
            for c in self.conversations.values()
            if c.brand_id == brand_id and c.created_at.astimezone(UTC).date().isoformat() == day
        ]

    def conversation(self, conversation_id: str) -> Conversation | None:
        return self.conversations.get(conversation_id)

    def list_messages(self, conversation_id: str) -> list[StoredMessage]:
        return list(self.messages.get(conversation_id, []))


def _due(conversation: Conversation) -> datetime | None:
    if conversation.status not in WAITING:
        return None
    clock = conversation.clock_next_response or conversation.clock_first_response
    return clock.due_at if clock else None
