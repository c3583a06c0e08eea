"""The clock task: what a clock's Step Functions execution asks at each step, and how a
clock starts.

One execution carries the clocks one customer message starts (``deadlines.execution``): it
waits until the earliest next step and calls ``advance``. A step applies only while the
conversation still waits on the brand and its clock is the conversation's current one (an
answer, a resolution or a newer clock of the same kind outdates it); a clock found outdated
at any wake ends then, so the execution never wakes for it again. Each warning,
breach and escalation is an audit event written once (a conditional write); the
escalation is published only by the writer that created the event, or by a retry that
finds it created but not yet published, so retried tasks and duplicate starts never tell a
manager twice.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from socialcare.clock import Clock, utc_now
from socialcare.config.policies import BrandPolicies
from socialcare.deadlines.arithmetic import elapsed
from socialcare.deadlines.execution import (
    ENDED,
    ClockWake,
    Cursor,
    SingleClockWake,
    cursor,
    step_time,
    timestamp,
)
from socialcare.deadlines.plan import ClockKind, ClockPlan, Step, plan_clock
from socialcare.models import ChannelType, ClassifyRequest
from socialcare.models.classification import Classification
from socialcare.models.conversation import (
    RESPONDED,
    WAITING,
    ClockSummary,
    Conversation,
    ConversationStatus,
)
from socialcare.models.escalation import EscalationNotice
from socialcare.models.stored import StoredMessage
from socialcare.observability import MetricUnit, logger, metrics
from socialcare.ports import Escalations, Recorded
from socialcare.services import retention
from socialcare.services.retention import Retention

PAUSED = ConversationStatus.PENDING  # waiting on the customer: the resolution clock pauses


class ClockStore(Protocol):
    def conversation(self, conversation_id: str) -> Conversation | None: ...

    def record_clock_event(
        self, plan: ClockPlan, event: str, tier: int, at: datetime, notify: bool
    ) -> Recorded: ...

    def mark_notified(self, plan: ClockPlan, event: str, tier: int) -> None: ...


class ClockStarter(Protocol):
    def start(self, plans: tuple[ClockPlan, ...]) -> None:
        """One execution for the clocks one message starts."""


@dataclass(frozen=True)
class ClockTaskDeps:
    store: ClockStore
    escalations: Escalations
    clock: Clock = utc_now
    retention: Retention | None = None  # events after a close expire with the conversation


class ClockNotRecordedYet(Exception):
    """The classifier starts a clock before its transaction records the clock's generation
    (so that a failed start retries the whole record): a step already due can run first. The
    task fails, and the state machine's Retry runs it again once the record is there."""


def _recorded_generation(plan: ClockPlan, conversation: Conversation | None) -> int:
    current = conversation.clock(plan.clock.value) if conversation else None
    return current.generation if current else -1


def is_current(plan: ClockPlan, conversation: Conversation | None) -> bool:
    if conversation is None or conversation.status not in WAITING:
        return False
    return _recorded_generation(plan, conversation) == plan.generation


def advance(wake: ClockWake, deps: ClockTaskDeps) -> Cursor:
    """One wake of a clock execution: every clock that has become moot ends (whether its
    step is due or not, so the execution never wakes again for it), every step due by the
    wake's instant is carried out, and the execution is told its next wake."""
    plans, steps = wake.clocks, list(wake.next.steps)
    logger.append_keys(conversation_id=plans[0].conversation_id)
    conversation = deps.store.conversation(plans[0].conversation_id)
    running = [n for n, position in enumerate(steps) if position != ENDED]
    due = [n for n in running if step_time(plans[n], steps[n]) <= wake.next.at]
    waiting = conversation is not None and conversation.status in WAITING
    for n in due:  # before any step runs: the wake is retried whole
        if waiting and _recorded_generation(plans[n], conversation) < plans[n].generation:
            raise ClockNotRecordedYet(
                f"clock generation {plans[n].generation} of {plans[n].conversation_id}"
                " is not recorded yet"
            )
    outcomes = []
    for n in running:
        plan = plans[n]
        logger.append_keys(clock=plan.clock.value)
        if waiting and _recorded_generation(plan, conversation) < plan.generation:
            continue  # not due, and its start not committed yet: looked at when due
        outcome, steps[n] = _wake_one(plan, steps[n], n in due, conversation, deps)
        if outcome:
            outcomes.append(f"{plan.clock.value} {outcome}")
    logger.remove_keys(["clock"])
    return cursor(plans, tuple(steps), ", ".join(outcomes) or "nothing due")


def _wake_one(
    plan: ClockPlan,
    position: int,
    is_due: bool,
    conversation: Conversation | None,
    deps: ClockTaskDeps,
) -> tuple[str, int]:
    """What one clock does at a wake: its outcome (empty: nothing happened) and its next
    position."""
    if conversation is None:
        # Erased (or never stored): an event written now would be the only item of an
        # erased conversation, and without an expiry.
        logger.info("clock ended: the conversation is gone")
        return "gone", ENDED
    if conversation.status == PAUSED and plan.clock is ClockKind.RESOLUTION:
        logger.info("clock paused: the conversation waits on the customer")
        return "paused", ENDED  # the pause recorded it; the customer's reply resumes it
    if not is_current(plan, conversation):
        status = conversation.status
        event = "met" if status in RESPONDED else "stopped"
        deps.store.record_clock_event(plan, event, 0, deps.clock(), notify=False)
        retention.follow(deps.retention, conversation)  # closed: the event expires with it
        logger.info(f"clock {event}", extra={"status": status})
        return event, ENDED
    if not is_due:
        return "", position
    step = plan.steps[position]
    if step.action == "warn":
        _warn(plan, conversation, deps)
    else:
        _escalate(plan, step, conversation, deps)
    following = position + 1 if position + 1 < len(plan.steps) else ENDED
    if following == ENDED:
        return "escalated to the last tier", ENDED
    return ("warned" if step.action == "warn" else f"escalated to tier {step.tier}"), following


def record_failure(wake: ClockWake, deps: ClockTaskDeps) -> Cursor:
    """A wake failed past its retries (the state machine's Catch): the deadlines of its
    running clocks are no longer enforced. Said on the conversation (a ``failed`` event in
    each clock's audit trail, once), in an ERROR log and the ``ClockFailed`` metric; the
    execution then fails, which its alarm reports. Only the error's name is logged: its
    cause may quote anything."""
    error = (wake.failure.Error if wake.failure else "unknown")[:200]
    logger.append_keys(conversation_id=wake.clocks[0].conversation_id)
    ended = tuple(ENDED for _ in wake.clocks)
    for plan, position in zip(wake.clocks, wake.next.steps, strict=True):
        if position == ENDED:
            continue
        deps.store.record_clock_event(plan, "failed", 0, deps.clock(), notify=False)
        logger.error(
            "clock failed: its deadline is no longer enforced",
            extra={
                "clock": plan.clock.value,
                "error": error,
                "step": position,
                "due_at": timestamp(plan.due_at),
            },
        )
        metrics.add_metric(name="ClockFailed", unit=MetricUnit.Count, value=1)
    return Cursor(done=True, steps=ended, at="", outcome="failed")


def advance_single(wake: SingleClockWake, deps: ClockTaskDeps) -> dict[str, Any]:
    """An execution started with one clock (see ``deadlines.execution``): the same wake,
    answered in its shape."""
    as_set = ClockWake(
        clocks=(wake.plan,),
        next=cursor((wake.plan,), (wake.next.index,), "legacy"),
        failure=wake.failure,
    )
    answer = record_failure(as_set, deps) if wake.failure else advance(as_set, deps)
    [position] = answer.steps
    return {
        "done": answer.done,
        "index": position,
        "at": answer.at,
        "outcome": answer.outcome.removeprefix(f"{wake.plan.clock.value} "),
    }


def _warn(plan: ClockPlan, conversation: Conversation, deps: ClockTaskDeps) -> None:
    """The conversation's thread hears the deadline is near (tier 0: managers' e-mail
    filters it out); written once and sent once, as escalations are."""
    recorded = deps.store.record_clock_event(plan, "warned", 0, deps.clock(), True)
    if recorded is Recorded.DONE:
        return
    deps.escalations.publish(
        EscalationNotice.about(
            conversation,
            kind="warning",
            brand_id=plan.brand_id,
            tier=0,
            reason=f"{plan.clock.value} due {timestamp(plan.due_at)[11:16]} UTC",
            clock=plan.clock.value,
            due_at=plan.due_at,
            policy=plan.policy,
            policy_version=plan.policy_version,
        )
    )
    deps.store.mark_notified(plan, "warned", 0)
    metrics.add_metric(name="ClockWarned", unit=MetricUnit.Count, value=1)


def _escalate(plan: ClockPlan, step: Step, conversation: Conversation, deps: ClockTaskDeps) -> None:
    if step.tier == 1:
        deps.store.record_clock_event(plan, "breached", 0, deps.clock(), notify=False)
        metrics.add_metric(name="ClockBreached", unit=MetricUnit.Count, value=1)
    recorded = deps.store.record_clock_event(plan, "escalated", step.tier, deps.clock(), True)
    if recorded is Recorded.DONE:
        logger.info("escalation already sent", extra={"tier": step.tier})
        return
    deps.escalations.publish(
        EscalationNotice.about(
            conversation,
            kind="overdue",
            brand_id=plan.brand_id,
            tier=step.tier,
            reason=f"{plan.clock.value} overdue",
            clock=plan.clock.value,
            due_at=plan.due_at,
            policy=plan.policy,
            policy_version=plan.policy_version,
        )
    )
    deps.store.mark_notified(plan, "escalated", step.tier)
    metrics.add_metric(name=f"EscalatedTier{step.tier}", unit=MetricUnit.Count, value=1)
    logger.info("escalated", extra={"tier": step.tier})


def clocks_to_start(
    request: ClassifyRequest,
    message: StoredMessage,
    conversation: Conversation,
    found: Classification,
    policies: BrandPolicies,
    *,
    human_agent: bool = False,
) -> tuple[ClockPlan, ...]:
    """The clocks a customer message starts: the first message of a conversation starts the
    first-response and resolution clocks; the first message after an answer (or after a
    resolution) starts the next-response clock. Spam starts none; a brand without policies
    has no clocks. The policy is chosen by platform, channel type and this message's
    priority, and the clock counts from the platform's timestamp of the message. A Meta
    direct message's clock is due by Meta's reply window at the latest: 24 hours, or 7 days
    for an account with the human agent permission (``human_agent``)."""
    status = conversation.status
    if found.spam.is_spam or status not in (ConversationStatus.NEW, *RESPONDED):
        return ()
    platform, channel = conversation.platform, conversation.channel_type
    priority = found.priority.level if found.priority else "P4"
    chosen = policies.select(platform, channel, priority)
    if chosen is None:
        return ()
    name, targets = chosen
    kinds = (
        (ClockKind.FIRST_RESPONSE, ClockKind.RESOLUTION)
        if status == ConversationStatus.NEW
        else (ClockKind.NEXT_RESPONSE,)
    )
    started = message.sent_at
    plans = [
        plan_clock(
            conversation_id=request.conversation_id,
            brand_id=request.brand_id,
            clock=kind,
            started_at=started,
            targets=targets,
            calendar=policies.calendar_for(targets),
            platform=platform,
            policy=name,
            policy_version=policies.version,
            public=channel is ChannelType.PUBLIC,
            human_agent_tag=human_agent,
        )
        for kind in kinds
    ]
    paused = conversation.clock_resolution
    resumed = (
        _resume(request, paused, started, conversation, policies, human_agent=human_agent)
        if status == PAUSED and paused is not None and paused.paused_at is not None
        else None
    )
    if resumed is not None:
        plans.append(resumed)
    return tuple(plans)


def _resume(
    request: ClassifyRequest,
    paused: ClockSummary,
    started: datetime,
    conversation: Conversation,
    policies: BrandPolicies,
    *,
    human_agent: bool,
) -> ClockPlan | None:
    """The customer answered the agent's question: the resolution clock resumes, under the
    policy it started with, with what it had left (a new generation; the paused one ended)."""
    name = paused.policy
    targets = policies.named(name)
    if targets is None:  # the policy was renamed since: the clock cannot be resumed truly
        logger.warning("a paused clock's policy is gone", extra={"policy": name})
        return None
    calendar = policies.calendar_for(targets)
    assert paused.paused_at is not None  # the caller resumes paused clocks only
    spent = timedelta(seconds=paused.spent_seconds) + elapsed(
        paused.started_at, paused.paused_at, calendar
    )
    return plan_clock(
        conversation_id=request.conversation_id,
        brand_id=request.brand_id,
        clock=ClockKind.RESOLUTION,
        started_at=started,
        targets=targets,
        calendar=calendar,
        platform=conversation.platform,
        policy=name,
        policy_version=policies.version,
        spent=spent,
        public=conversation.channel_type is ChannelType.PUBLIC,
        human_agent_tag=human_agent,
    )
