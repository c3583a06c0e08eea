"""An in-memory stand-in for the classifier's store, for the fast tier: the stored messages
and conversations it reads, the take-up it writes once, the customer's earlier
conversations and the promotional-text tallies it counts."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from socialcare.adapters.conversation_reads import conversation_of, message_of
from socialcare.deadlines.plan import ClockPlan
from socialcare.models.classification import Classification
from socialcare.models.conversation import Conversation
from socialcare.ports import Recorded, TakeUp
from socialcare.services.batch_reads import Key, Loaded
from tests.support.once import record_once

Item = dict[str, Any]


@dataclass
class FakeClassifyStore:
    """services.classify.ClassifyStore. A take-up writes the classification on the message
    once (a second one finds it processed) and the latest message's labels on the
    conversation; the status rules of the real transaction are DynamoDB's tests' business."""

    messages: dict[Key, Item] = field(default_factory=dict)
    conversations: dict[str, Item] = field(default_factory=dict)
    earlier: int = 0  # the customer's other conversations in the repeat window
    tallies: dict[str, set[str]] = field(default_factory=dict)
    take_ups: int = 0
    counted: int = 0  # how often the customer's earlier conversations were counted

    def load(self, conversation_id: str, message_sk: str) -> Loaded:
        return message_of(self.messages.get((conversation_id, message_sk))), conversation_of(
            self.conversations.get(conversation_id)
        )

    def take_up(
        self,
        conversation_id: str,
        message_sk: str,
        classification: Classification,
        seen_status: str | None,
        clocks: tuple[ClockPlan, ...] = (),
    ) -> TakeUp:
        message = self.messages[(conversation_id, message_sk)]
        if "processed_at" in message:
            return TakeUp.ALREADY
        self.take_ups += 1
        message["processed_at"] = "2026-08-24T10:15:03.000Z"
        message["classification"] = classification.model_dump(mode="json", exclude_none=True)
        meta = self.conversations[conversation_id]
        meta["language"] = classification.language.code
        meta["topic"] = classification.topic.code if classification.topic else None
        if classification.priority is not None:
            meta.setdefault("earlier_conversations", classification.priority.earlier_conversations)
        return TakeUp.TAKEN

    def earlier_conversations(self, conversation: Conversation, window: timedelta) -> int:
        self.counted += 1
        return self.earlier

    def copies(self, brand_id: str, day: str, text_key: str, message_ref: str) -> int:
        counted = self.tallies.setdefault(f"{brand_id}#{day}#{text_key}", set())
        counted.add(message_ref)
        return len(counted)


@dataclass
class FakeAlertStore:
    """services.alerts.AlertStore: each alert recorded once with whether its notice went;
    negative messages counted once per reference, by brand, topic and hour."""

    alerts: dict[str, bool] = field(default_factory=dict)  # key -> notice sent
    negatives: dict[str, set[str]] = field(default_factory=dict)  # "brand topic hour" -> refs

    def priority_alert(
        self, conversation_id: str, generation: int, reasons: tuple[str, ...], at: datetime
    ) -> Recorded:
        return self._record(f"priority {conversation_id} {generation}")

    def priority_alert_sent(self, conversation_id: str, generation: int) -> None:
        self.alerts[f"priority {conversation_id} {generation}"] = True

    def count_negative(self, brand_id: str, topic: str, hour: str, message_ref: str) -> int:
        refs = self.negatives.setdefault(f"{brand_id} {topic} {hour}", set())
        refs.add(message_ref)
        return len(refs)

    def negative_history(self, brand_id: str, topic: str, hours: list[str]) -> list[int]:
        return [len(self.negatives.get(f"{brand_id} {topic} {hour}", ())) for hour in hours]

    def spike_alert(
        self, brand_id: str, topic: str, hour: str, count: int, at: datetime
    ) -> Recorded:
        return self._record(f"spike {brand_id} {topic} {hour}")

    def spike_alert_sent(self, brand_id: str, topic: str, hour: str) -> None:
        self.alerts[f"spike {brand_id} {topic} {hour}"] = True

    def _record(self, key: str) -> Recorded:
        return record_once(self.alerts, key)


@dataclass
class FakeClockStarter:
    """services.clock_task.ClockStarter: the clocks each message started."""

    started: list[tuple[ClockPlan, ...]] = field(default_factory=list)

    def start(self, plans: tuple[ClockPlan, ...]) -> None:
        self.started.append(plans)


@dataclass
class FakeRetention:
    """services.retention.Retention: which conversations were settled, and how."""

    settled: list[tuple[str, timedelta]] = field(default_factory=list)
    followed: list[str] = field(default_factory=list)

    def settle(self, conversation_id: str, retention: timedelta, now: datetime) -> str:
        self.settled.append((conversation_id, retention))
        return "expiring"

    def follow(self, conversation_id: str) -> None:
        self.followed.append(conversation_id)
