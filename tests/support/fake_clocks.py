"""In-memory stand-ins for the clock task: the conversations and the once-only clock events
it reads and writes, and the managers' topic, for the fast tier."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from socialcare.adapters.conversation_reads import conversation_of
from socialcare.deadlines.plan import ClockPlan
from socialcare.models.conversation import Conversation
from socialcare.models.escalation import EscalationNotice
from socialcare.ports import Recorded
from tests.support.once import record_once

EventKey = tuple[str, str, int, str, int]  # conversation, clock, generation, event, tier


@dataclass
class FakeClockStore:
    """services.clock_task.ClockStore: each clock event written once; ``notified`` as the
    table's flag (a notice owed is sent by the retry)."""

    conversations: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: dict[EventKey, bool] = field(default_factory=dict)  # -> notified

    def conversation(self, conversation_id: str) -> Conversation | None:
        return conversation_of(self.conversations.get(conversation_id))

    def record_clock_event(
        self, plan: ClockPlan, event: str, tier: int, at: datetime, notify: bool
    ) -> Recorded:
        return record_once(self.events, _key(plan, event, tier), sent=not notify)

    def mark_notified(self, plan: ClockPlan, event: str, tier: int) -> None:
        self.events[_key(plan, event, tier)] = True


def _key(plan: ClockPlan, event: str, tier: int) -> EventKey:
    return (plan.conversation_id, plan.clock.value, plan.generation, event, tier)


@dataclass
class FakeEscalations:
    """ports.Escalations: what the managers' topic was given."""

    published: list[EscalationNotice] = field(default_factory=list)

    def publish(self, notice: EscalationNotice) -> None:
        self.published.append(notice)
