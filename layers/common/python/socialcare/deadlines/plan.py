"""A clock's plan: when it warns, when it is due, when each manager tier hears of it.

Made once, when the clock starts (pure: the policy, the calendar and the platform's reply
window decide everything), and carried by the clock's Step Functions execution, which only
waits until each step's time and asks the clock task whether the step still applies. A clock
is identified by its conversation, its kind and its generation (the customer message that
started it, in epoch milliseconds); the clocks one message starts share an execution
(``deadlines.execution``), so a redelivered message names the same one.
"""

from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict

from socialcare.deadlines.arithmetic import due_time, effective_due, reply_window_closes
from socialcare.deadlines.calendar import BusinessCalendar
from socialcare.models.common import Platform
from socialcare.models.conversation import ClockSummary
from socialcare.models.message import iso


class ClockTargets(Protocol):
    """A policy's targets (config.policies.Targets, read from the brand's policies file):
    how long each clock may run, when to warn, when each tier is told."""

    @property
    def first_response(self) -> timedelta: ...
    @property
    def next_response(self) -> timedelta: ...
    @property
    def resolution(self) -> timedelta: ...
    @property
    def warn_at(self) -> float: ...
    @property
    def escalate_after(self) -> tuple[timedelta, ...]: ...


class ClockKind(StrEnum):
    FIRST_RESPONSE = "first_response"
    NEXT_RESPONSE = "next_response"
    RESOLUTION = "resolution"


class Step(BaseModel):
    model_config = ConfigDict(frozen=True)

    action: Literal["warn", "escalate"]
    at: datetime
    tier: int = 0  # escalation tier; tier 1 is the breach


class ClockPlan(BaseModel):
    model_config = ConfigDict(frozen=True)

    conversation_id: str
    brand_id: str
    clock: ClockKind
    generation: int
    started_at: datetime
    policy: str
    policy_version: str
    due_at: datetime
    steps: tuple[Step, ...]
    spent_seconds: float = 0.0  # running time used before a pause; > 0: a resumed clock

    def as_summary(self) -> ClockSummary:
        """The summary as the conversation's model holds it."""
        return ClockSummary(
            generation=self.generation,
            started_at=self.started_at,
            due_at=self.due_at,
            policy=self.policy,
            policy_version=self.policy_version,
            spent_seconds=self.spent_seconds,
        )

    def summary(self) -> dict[str, object]:
        """What the conversation keeps of its current clock (``clock_<kind>``)."""
        return {
            "generation": self.generation,
            "started_at": iso(self.started_at),
            "due_at": iso(self.due_at),
            "policy": self.policy,
            "policy_version": self.policy_version,
            "spent_seconds": Decimal(str(self.spent_seconds)),
        }


def plan_clock(
    *,
    conversation_id: str,
    brand_id: str,
    clock: ClockKind,
    started_at: datetime,
    targets: ClockTargets,
    calendar: BusinessCalendar | None,
    platform: Platform,
    policy: str,
    policy_version: str,
    human_agent_tag: bool = False,
    spent: timedelta = timedelta(0),
    public: bool = False,
) -> ClockPlan:
    """``spent``: the running time a paused clock had used; the resumed clock counts the
    rest of its target from ``started_at``."""
    target: timedelta = getattr(targets, clock.value)
    left = max(target - spent, timedelta(0))
    policy_due = due_time(started_at, left, calendar)
    # Meta's window binds direct messages only: a comment can be answered at any time.
    window = None if public else reply_window_closes(platform, started_at, human_agent_tag)
    due = effective_due(policy_due, window)
    if due is None:  # unreachable: an unpaused clock always has a due time
        raise ValueError("a clock without a due time")
    steps = []
    warn_left = target * targets.warn_at - spent
    warn = due_time(started_at, warn_left, calendar) if warn_left > timedelta(0) else None
    if warn is not None and warn < due:
        steps.append(Step(action="warn", at=warn))
    steps += [
        Step(action="escalate", at=due + after, tier=tier)
        for tier, after in enumerate(targets.escalate_after, start=1)
    ]
    return ClockPlan(
        conversation_id=conversation_id,
        brand_id=brand_id,
        clock=clock,
        generation=int(started_at.timestamp() * 1000),
        started_at=started_at,
        policy=policy,
        policy_version=policy_version,
        due_at=due,
        steps=tuple(steps),
        spent_seconds=spent.total_seconds(),
    )
