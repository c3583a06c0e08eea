"""The clock task on its sample trigger (events/sfn_clock_wake.json, a first-response clock
at its first step), stepped as the state machine steps it, with the store and the managers'
topic in memory. The same paths on moto's Step Functions and DynamoDB are in
tests/integration/test_clocks.py."""

import json
from datetime import datetime
from typing import Any

from functions.clock_task import app as clock_task
from socialcare.deadlines.plan import ClockPlan
from socialcare.services.clock_task import ClockTaskDeps
from tests.conftest import EVENTS, LambdaContext
from tests.support.fake_clocks import FakeClockStore, FakeEscalations
from tests.support.items import clock_summary, conversation_item


def the_sample() -> dict[str, Any]:
    wake: dict[str, Any] = json.loads((EVENTS / "sfn_clock_wake.json").read_text("utf-8"))
    return wake


def waiting(status: str = "new") -> tuple[FakeClockStore, ClockPlan]:
    """The sample's conversation, its clock recorded by the classifier, nobody answering."""
    [plan] = [ClockPlan.model_validate(c) for c in the_sample()["clocks"]]
    store = FakeClockStore()
    store.conversations[plan.conversation_id] = conversation_item(
        id=plan.conversation_id,
        status=status,
        brand_id=plan.brand_id,
        **{f"clock_{plan.clock.value}": clock_summary(generation=plan.generation)},
    )
    return store, plan


def run_to_the_end(store: FakeClockStore, topic: FakeEscalations) -> list[str]:
    """Each wake at its step's time, as the Wait state hands it over."""
    execution, outcomes = the_sample(), []
    while not execution["next"]["done"]:
        at = datetime.fromisoformat(execution["next"]["at"])
        deps = ClockTaskDeps(store=store, escalations=topic, clock=lambda at=at: at)
        execution["next"] = clock_task.lambda_handler(execution, LambdaContext(), deps=deps)
        outcomes.append(execution["next"]["outcome"])
    return outcomes


def test_nobody_answering_is_warned_then_escalated_tier_by_tier() -> None:
    store, plan = waiting()
    topic = FakeEscalations()
    outcomes = run_to_the_end(store, topic)
    assert outcomes[0] == "first_response warned"
    assert outcomes[1] == "first_response escalated to tier 1"
    assert outcomes[-1] == "first_response escalated to the last tier"
    tiers = [n.tier for n in topic.published]
    assert tiers == list(range(len(plan.steps)))  # the warning (tier 0), then each tier once
    assert topic.published[1].reason == "first_response overdue"


def test_a_whole_run_again_tells_the_managers_nothing_new() -> None:
    store, _ = waiting()
    topic = FakeEscalations()
    run_to_the_end(store, topic)
    sent = len(topic.published)
    run_to_the_end(store, topic)  # a duplicate start, every step retried
    assert len(topic.published) == sent


def test_an_answered_conversation_ends_its_clock_at_the_first_wake() -> None:
    store, _ = waiting(status="answered")
    topic = FakeEscalations()
    assert run_to_the_end(store, topic) == ["first_response met"]
    assert topic.published == []
