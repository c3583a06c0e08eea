"""Escalations that do not wait for a deadline.

- A priority-1 conversation (for example a negative public post from an account with wide
  reach): tier 1 is told at once, once per response clock of the conversation.
- A spike: negative messages on one topic in the current hour reach a multiple of that
  topic's usual hourly rate over the brand's history window (a crisis); told once per topic
  and hour.

Each notice is recorded once before it is published (as clock escalations are): a retried
record finds it and sends only a notice still owed.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from socialcare.config.policies import Spikes
from socialcare.deadlines.plan import ClockKind, ClockPlan
from socialcare.models import ClassifyRequest
from socialcare.models.classification import Classification, Sentiment
from socialcare.models.conversation import Conversation
from socialcare.models.escalation import EscalationNotice
from socialcare.observability import MetricUnit, logger, metrics
from socialcare.ports import Escalations, Recorded

RESPONSE_CLOCKS = (ClockKind.FIRST_RESPONSE, ClockKind.NEXT_RESPONSE)


class AlertStore(Protocol):
    def priority_alert(
        self, conversation_id: str, generation: int, reasons: tuple[str, ...], at: datetime
    ) -> Recorded: ...

    def priority_alert_sent(self, conversation_id: str, generation: int) -> None: ...

    def count_negative(self, brand_id: str, topic: str, hour: str, message_ref: str) -> int: ...

    def negative_history(self, brand_id: str, topic: str, hours: list[str]) -> list[int]: ...

    def spike_alert(
        self, brand_id: str, topic: str, hour: str, count: int, at: datetime
    ) -> Recorded: ...

    def spike_alert_sent(self, brand_id: str, topic: str, hour: str) -> None: ...


@dataclass(frozen=True)
class AlertDeps:
    store: AlertStore
    escalations: Escalations


@dataclass(frozen=True)
class Occasion:
    """A message just classified, with its conversation as the classifier saw it."""

    request: ClassifyRequest
    conversation: Conversation
    found: Classification
    plans: tuple[ClockPlan, ...]  # the clocks this message started
    now: datetime


def raise_alerts(occasion: Occasion, spikes: Spikes, deps: AlertDeps) -> None:
    found, conversation = occasion.found, occasion.conversation
    if found.spam.is_spam:
        return
    current = conversation.model_copy(
        update={
            "priority": found.priority.level if found.priority else conversation.priority,
            "topic": str(found.topic.code) if found.topic else conversation.topic,
        }
    )
    if found.priority is not None and found.priority.level == "P1":
        _priority(occasion, current, deps)
    negative = found.sentiment is not None and found.sentiment.label is Sentiment.NEGATIVE
    if negative and found.topic is not None:
        _spike(occasion, current, spikes, deps)


def _priority(occasion: Occasion, conversation: Conversation, deps: AlertDeps) -> None:
    request, found, now = occasion.request, occasion.found, occasion.now
    generation = _response_generation(conversation, occasion.plans)
    reasons = found.priority.reasons if found.priority else ()
    recorded = deps.store.priority_alert(request.conversation_id, generation, reasons, now)
    if recorded is Recorded.DONE:
        return
    deps.escalations.publish(
        EscalationNotice.about(
            conversation,
            kind="priority",
            brand_id=request.brand_id,
            tier=1,
            reason="priority P1: " + "; ".join(reasons),
        )
    )
    deps.store.priority_alert_sent(request.conversation_id, generation)
    metrics.add_metric(name="EscalatedPriority", unit=MetricUnit.Count, value=1)
    logger.info("priority 1 escalated at once")


def _response_generation(conversation: Conversation, plans: tuple[ClockPlan, ...]) -> int:
    """The response clock this alert belongs to: started now, or already running."""
    for plan in plans:
        if plan.clock in RESPONSE_CLOCKS:
            return plan.generation
    for kind in (ClockKind.NEXT_RESPONSE, ClockKind.FIRST_RESPONSE):
        if clock := conversation.clock(kind.value):
            return clock.generation
    return 0


def _spike(occasion: Occasion, conversation: Conversation, spikes: Spikes, deps: AlertDeps) -> None:
    request, now, topic = occasion.request, occasion.now, str(conversation.topic)
    hour = _hour(now)
    count = deps.store.count_negative(request.brand_id, topic, hour, request.message_ref)
    if count < spikes.min_messages:
        return
    history = [_hour(now - timedelta(hours=h)) for h in range(1, spikes.history_hours + 1)]
    usual = sum(deps.store.negative_history(request.brand_id, topic, history)) / len(history)
    if count < spikes.multiple * usual:
        return
    recorded = deps.store.spike_alert(request.brand_id, topic, hour, count, now)
    if recorded is Recorded.DONE:
        return
    deps.escalations.publish(
        EscalationNotice(
            kind="spike",
            brand_id=request.brand_id,
            tier=1,
            topic=topic,
            platform=conversation.platform,
            reason=(
                f"spike: {count} negative messages on {topic} since {hour[11:]}:00 UTC,"
                f" usually {usual:.1f} an hour"
            ),
        )
    )
    deps.store.spike_alert_sent(request.brand_id, topic, hour)
    metrics.add_metric(name="SpikeReported", unit=MetricUnit.Count, value=1)
    logger.warning("spike reported", extra={"topic": topic, "count": count, "usual": usual})


def _hour(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H")
