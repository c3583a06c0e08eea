"""What a clock execution carries between its states, and what the clock task answers.

One Standard execution runs every clock that one customer message starts (a new
conversation's first-response and resolution clocks; a next-response clock with a resumed
resolution clock): it waits until the earliest step of the clocks still running, and the
clock task runs every step due by then. State transitions are most of the clocks' AWS bill
(three per wake: Wait, Task, Choice), so clocks that share an execution share its wakes, and
a wake that finds a clock moot (the conversation answered, resolved, gone) ends that clock
without waking again for it.

Executions started before clocks shared an execution carry one ``plan`` and an ``index``;
Step Functions keeps running them on the definition they started with, so the clock task
still answers that shape (``SingleClockWake``) until the last of them has ended.
"""

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from socialcare.deadlines.plan import ClockPlan

ENDED = -1  # a clock's position once it has ended (met, stopped, paused, last tier, gone)


class Failure(BaseModel):
    """What the state machine's Catch puts in ``$.failure``. The cause is not kept: it may
    quote anything (a stack trace, a payload)."""

    model_config = ConfigDict(extra="ignore")

    Error: str = "unknown"


class Cursor(BaseModel):
    """Where a clock execution is: each clock's next step (``ENDED`` once it has ended) and
    the instant the execution waits for (RFC 3339 UTC to the second; empty when done)."""

    done: bool
    steps: tuple[int, ...]
    at: str
    outcome: str


class ClockWake(BaseModel):
    """The clock task's input from a clock execution."""

    clocks: tuple[ClockPlan, ...] = Field(min_length=1)
    next: Cursor
    failure: Failure | None = None


class SingleClockWake(BaseModel):
    """The input of an execution started with one clock (before clocks shared one)."""

    class Position(BaseModel):
        index: int

    plan: ClockPlan
    next: Position
    failure: Failure | None = None


def timestamp(moment: datetime) -> str:
    """Step Functions' TimestampPath wants RFC 3339 in UTC with a Z, to the second: rounded
    up, so that a step never runs before its time."""
    exact = moment.astimezone(UTC)
    whole = exact.replace(microsecond=0) + (
        timedelta(seconds=1) if exact.microsecond else timedelta()
    )
    return whole.strftime("%Y-%m-%dT%H:%M:%SZ")


def step_time(plan: ClockPlan, position: int) -> str:
    return timestamp(plan.steps[position].at)


def cursor(plans: tuple[ClockPlan, ...], steps: tuple[int, ...], outcome: str) -> Cursor:
    """The execution's next wake: the earliest next step of the clocks still running."""
    waiting = [step_time(p, s) for p, s in zip(plans, steps, strict=True) if s != ENDED]
    if not waiting:
        return Cursor(done=True, steps=steps, at="", outcome=outcome)
    return Cursor(done=False, steps=steps, at=min(waiting), outcome=outcome)


def execution_input(plans: tuple[ClockPlan, ...]) -> dict[str, Any]:
    """What a clock execution starts with: its clocks, each at its first step."""
    steps = tuple(0 if plan.steps else ENDED for plan in plans)
    return {
        "clocks": [plan.model_dump(mode="json") for plan in plans],
        "next": cursor(plans, steps, "started").model_dump(mode="json"),
    }


def execution_name(plans: tuple[ClockPlan, ...]) -> str:
    """One name per conversation and starting message (the clocks' shared generation), so
    a redelivered message names the same execution; within Step Functions' 80 characters,
    and never one of the older one-clock names (``<kind>-<digest>-<generation>``)."""
    first = plans[0]
    digest = hashlib.sha256(first.conversation_id.encode()).hexdigest()[:24]
    return f"clocks-{digest}-{first.generation}"
