"""Reply clocks on moto: started by the classifier, stepped as the state machine steps them,
each warning, breach and escalation once, stopped by an answer or a resolution."""

import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

from functions.clock_task import app as clock_task
from socialcare.adapters.clock_store import DynamoClockStore
from socialcare.adapters.desk_store import DynamoDeskStore
from socialcare.adapters.escalations import SnsEscalations
from socialcare.adapters.stepfunctions import StepFunctionsClocks
from socialcare.deadlines.execution import cursor
from socialcare.deadlines.plan import ClockKind, ClockPlan
from socialcare.services.clock_task import ClockNotRecordedYet, ClockTaskDeps
from socialcare.services.x_webhook import XWebhookDeps
from socialcare_tools.samples import tweet
from socialcare_tools.template_resources import Backbone
from tests.conftest import LambdaContext
from tests.integration.conftest import Escalated
from tests.support.clocks import (
    a_waiting_conversation,
    classify_with_clocks,
    first_response,
    only,
    run_to_the_end,
    set_status,
    started_executions,
    started_plans,
    step,
)
from tests.support.inspect import items, of_kind
from tests.support.metrics import emf
from tests.support.queues import queued_records

pytestmark = pytest.mark.integration


def at_step(execution: dict[str, Any], position: int) -> dict[str, Any]:
    """The execution's cursor at that step of its one clock, as its wake hands it over."""
    [plan] = [ClockPlan.model_validate(p) for p in execution["clocks"]]
    return cursor((plan,), (position,), "").model_dump(mode="json")


def test_a_new_conversation_starts_its_clocks_once_with_the_policy_it_falls_under(
    backbone: Backbone, x_live: XWebhookDeps, machine: str
) -> None:
    records = a_waiting_conversation(backbone, x_live, machine)
    classify_with_clocks(backbone, machine, [{**records[0], "messageId": "again"}])
    [execution] = started_executions(machine)  # one execution carries both clocks
    assert [p["clock"] for p in execution["clocks"]] == ["first_response", "resolution"]
    again = tuple(ClockPlan.model_validate(p) for p in execution["clocks"])
    StepFunctionsClocks(machine).start(again)  # started again
    assert len(started_executions(machine)) == 1  # the same execution name: still one timer
    [plan] = first_response(machine)["clocks"]
    assert plan["policy"] == "public posts"  # a public tweet, not P1
    assert [s["action"] for s in plan["steps"]] == ["warn", "escalate", "escalate"]
    [meta] = of_kind(backbone.table, "META")
    assert meta["clock_first_response"]["generation"] == plan["generation"]
    started = [e for e in of_kind(backbone.table, "CLOCK#") if e["event"] == "started"]
    assert len(started) == 2 and {e["policy_version"] for e in started} != {""}


def test_a_conversation_left_waiting_is_warned_then_escalated_tier_by_tier_once_each(
    backbone: Backbone, x_live: XWebhookDeps, machine: str, escalated: Escalated
) -> None:
    a_waiting_conversation(backbone, x_live, machine)
    start = first_response(machine)
    assert run_to_the_end(backbone, escalated, start) == [
        "first_response warned",
        "first_response escalated to tier 1",
        "first_response escalated to the last tier",
    ]
    notices = escalated.received()  # what the managers get: no warning (it is the thread's)
    assert [m["MessageAttributes"]["tier"]["StringValue"] for m in notices] == ["1", "2"]
    [warned] = [e for e in of_kind(backbone.table, "CLOCK#") if e["event"] == "warned"]
    assert warned["notified"] is True  # the warning went out to the thread's poster
    attributes = notices[0]["MessageAttributes"]
    assert attributes["brand"]["StringValue"] == "acme"
    assert attributes["platform"]["StringValue"] == "x"
    assert attributes["reason"]["StringValue"] == "first_response overdue"
    body = json.loads(notices[0]["Body"])
    assert body["link"].startswith("https://x.com/") and body["policy"] == "public posts"
    events = sorted(
        e["event"] for e in of_kind(backbone.table, "CLOCK#") if e["clock"] == "first_response"
    )
    assert events == ["breached", "escalated", "escalated", "started", "warned"]

    # The task retried at every step (Step Functions' Retry), and the whole run again
    # (a duplicate start): nothing new reaches the managers.
    run_to_the_end(backbone, escalated, start)
    assert escalated.received() == []


def test_an_escalation_whose_notice_failed_is_sent_by_the_retry(
    backbone: Backbone, x_live: XWebhookDeps, machine: str, escalated: Escalated
) -> None:
    a_waiting_conversation(backbone, x_live, machine)
    execution = first_response(machine)
    execution["next"] = at_step(execution, 1)
    broken = SnsEscalations("arn:aws:sns:eu-west-1:123456789012:no-such-topic")
    deps = ClockTaskDeps(store=DynamoClockStore(backbone.table), escalations=broken)
    with pytest.raises(Exception, match="publishing the escalation failed"):
        clock_task.lambda_handler(execution, LambdaContext(), deps=deps)
    assert escalated.received() == []
    step(backbone, escalated, execution)  # Step Functions retries the task
    assert len(escalated.received()) == 1
    step(backbone, escalated, execution)
    assert escalated.received() == []


@pytest.mark.parametrize("status", ["answered", "resolved"])
def test_an_answered_or_resolved_conversation_stops_its_clock_before_the_next_step(
    backbone: Backbone, x_live: XWebhookDeps, machine: str, escalated: Escalated, status: str
) -> None:
    a_waiting_conversation(backbone, x_live, machine)
    execution = first_response(machine)
    execution["next"] = step(backbone, escalated, execution)  # warned
    execution["next"] = step(backbone, escalated, execution)  # tier 1
    set_status(backbone, status)
    assert step(backbone, escalated, execution)["outcome"] == "first_response met"
    assert len(escalated.received()) == 1  # tier 1 only: tier 2 never went out


def test_a_conversation_answered_before_its_due_time_never_escalates(
    backbone: Backbone, x_live: XWebhookDeps, machine: str, escalated: Escalated
) -> None:
    a_waiting_conversation(backbone, x_live, machine)
    set_status(backbone, "answered")
    assert run_to_the_end(backbone, escalated, first_response(machine)) == ["first_response met"]
    assert escalated.received() == []


def test_a_newer_clock_outdates_the_older_one(
    backbone: Backbone, x_live: XWebhookDeps, machine: str, escalated: Escalated
) -> None:
    a_waiting_conversation(backbone, x_live, machine)
    older = first_response(machine)
    plan = ClockPlan.model_validate(older["clocks"][0])
    newer = plan.model_copy(update={"generation": plan.generation + 1})
    [meta] = of_kind(backbone.table, "META")
    boto3.client("dynamodb").update_item(
        TableName=backbone.table,
        Key={"pk": {"S": meta["pk"]}, "sk": {"S": "META"}},
        UpdateExpression="SET clock_first_response.generation = :g",
        ExpressionAttributeValues={":g": {"N": str(newer.generation)}},
    )
    assert run_to_the_end(backbone, escalated, older) == ["first_response stopped"]
    assert escalated.received() == []
    assert plan.clock is ClockKind.FIRST_RESPONSE


def test_a_customer_writing_after_an_answer_starts_the_next_response_clock(
    backbone: Backbone, x_live: XWebhookDeps, machine: str
) -> None:
    a_waiting_conversation(backbone, x_live, machine)
    set_status(backbone, "answered")
    later = tweet("101", "@AcmeSupport still nothing", reply_to="100", millis=1787570102000)
    classify_with_clocks(backbone, machine, queued_records(backbone, x_live, later))
    plans = {p["clock"]: p for p in started_plans(machine)}
    assert set(plans) == {"first_response", "resolution", "next_response"}
    assert plans["next_response"]["started_at"].startswith("2026-08-24T11:15:02")
    [meta] = of_kind(backbone.table, "META")
    assert meta["status"] == "open"
    assert meta["clock_next_response"]["generation"] == plans["next_response"]["generation"]


def test_waiting_on_the_customer_pauses_the_resolution_clock_and_the_reply_resumes_it(
    backbone: Backbone, x_live: XWebhookDeps, machine: str, escalated: Escalated
) -> None:
    # Jane's public tweet, Monday 2026-08-24 10:15:02 UTC (13:15 in Moscow, in the lunch
    # break): acme's "public posts" policy, resolution 1 day of business time.
    a_waiting_conversation(backbone, x_live, machine)
    store = DynamoDeskStore(backbone.table)
    [meta] = of_kind(backbone.table, "META")
    conversation = str(meta["id"])
    # The agent asks for the order number at 12:00 UTC (15:00 Moscow): 1 h of business time
    # was spent (14:00-15:00; the lunch break does not count).
    assert store.wait_on_customer(conversation, datetime(2026, 8, 24, 12, 0, tzinfo=UTC))
    resolution = only(machine, "resolution")
    assert run_to_the_end(backbone, escalated, resolution) == ["resolution paused"]
    assert run_to_the_end(backbone, escalated, first_response(machine)) == ["first_response met"]

    # Jane answers the next day at 07:00 UTC (10:00 Moscow): the clock resumes with 23 h left.
    reply = tweet("101", "@AcmeSupport it's 4411", reply_to="100", millis=1787641200000)
    classify_with_clocks(backbone, machine, queued_records(backbone, x_live, reply))
    resumed = [
        p for p in started_plans(machine) if p["clock"] == "resolution" and p["spent_seconds"]
    ]
    [plan] = resumed
    assert plan["spent_seconds"] == 3600
    # 23 h of Moscow business time (09-13, 14-20) from Tuesday 10:00: Tue 9 h, Wed 10 h,
    # Thu 09:00-13:00 4 h: Thursday 13:00 Moscow, 10:00 UTC.
    assert plan["due_at"].startswith("2026-08-27T10:00:00")
    events = sorted(
        e["event"] for e in of_kind(backbone.table, "CLOCK#") if e["clock"] == "resolution"
    )
    assert events == ["paused", "resumed", "started"]


def test_the_queue_index_orders_waiting_conversations_by_their_reply_due_time(
    backbone: Backbone, x_live: XWebhookDeps, machine: str
) -> None:
    a_waiting_conversation(backbone, x_live, machine)
    [meta] = of_kind(backbone.table, "META")
    due = meta["clock_first_response"]["due_at"]
    assert meta["queue_sk"] == f"{due}#{meta['id']}"


def test_a_step_that_runs_before_the_classifier_recorded_its_clock_is_retried(
    backbone: Backbone, x_live: XWebhookDeps, machine: str, escalated: Escalated
) -> None:
    a_waiting_conversation(backbone, x_live, machine)
    execution = first_response(machine)
    [plan] = [ClockPlan.model_validate(p) for p in execution["clocks"]]
    [meta] = of_kind(backbone.table, "META")

    def recorded(generation: int) -> None:
        boto3.client("dynamodb").update_item(
            TableName=backbone.table,
            Key={"pk": {"S": meta["pk"]}, "sk": {"S": "META"}},
            UpdateExpression="SET clock_first_response.generation = :g",
            ExpressionAttributeValues={":g": {"N": str(generation)}},
        )

    recorded(plan.generation - 1)  # the classifier's transaction has not committed yet
    with pytest.raises(ClockNotRecordedYet):
        step(backbone, escalated, execution)
    recorded(plan.generation)
    assert step(backbone, escalated, execution)["outcome"] == "first_response warned"


def test_the_clock_of_an_erased_conversation_writes_nothing_into_it(
    backbone: Backbone, x_live: XWebhookDeps, machine: str, escalated: Escalated
) -> None:
    """/care forget deletes the conversation while its clocks run: their next step must not
    leave an item (with no expiry) in the erased conversation's partition."""
    a_waiting_conversation(backbone, x_live, machine)
    start = first_response(machine)
    [meta] = of_kind(backbone.table, "META")
    ddb = boto3.client("dynamodb")
    partition = ddb.query(
        TableName=backbone.table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": meta["pk"]}},
    )["Items"]
    for item in partition:
        ddb.delete_item(TableName=backbone.table, Key={"pk": item["pk"], "sk": item["sk"]})
    assert run_to_the_end(backbone, escalated, start) == ["first_response gone"]
    assert escalated.received() == []
    assert [i for i in items(backbone.table) if i["pk"] == meta["pk"]] == []


def test_a_step_that_failed_past_its_retries_is_recorded_on_the_conversation(
    backbone: Backbone,
    x_live: XWebhookDeps,
    machine: str,
    escalated: Escalated,
    captured_logs: io.StringIO,
    metrics_on: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The state machine's Catch hands the failure to the clock task: a deadline nobody
    enforces any more is said on the conversation, in an ERROR and a metric; the execution
    then fails, and its alarm tells ops."""
    a_waiting_conversation(backbone, x_live, machine)
    execution = first_response(machine) | {
        "failure": {"Error": "Lambda.Unknown", "Cause": "Task timed out after 10.00 seconds"}
    }

    answer = step(backbone, escalated, execution)
    step(backbone, escalated, execution)  # the Catch's own retry: recorded once

    assert answer["done"] is True and answer["outcome"] == "failed"
    [failed] = [e for e in of_kind(backbone.table, "CLOCK#") if e["event"] == "failed"]
    assert failed["clock"] == "first_response"
    assert escalated.received() == []  # nothing to tell managers: ops hear of it
    assert "clock failed: its deadline is no longer enforced" in captured_logs.getvalue()
    assert "Task timed out" not in captured_logs.getvalue()  # the cause stays out of logs
    assert [v for v, _ in emf(capsys.readouterr().out)["ClockFailed"]] == [1.0, 1.0]


def test_every_failure_of_a_clock_step_ends_in_the_recorded_failed_state() -> None:
    definition = json.loads(
        (Path(__file__).parents[2] / "infra/statemachines/clock.asl.json").read_text()
    )
    states = definition["States"]
    AmazonStateLanguageParser.parse(json.dumps(definition))  # moto's parser takes it
    [catch] = states["RunStep"]["Catch"]
    assert catch["ErrorEquals"] == ["States.ALL"] and catch["Next"] == "RecordFailure"
    recording = states["RecordFailure"]
    assert recording["Parameters"]["Payload"]["failure.$"] == "$.failure"
    # recorded or not, the execution fails: its ExecutionsFailed metric is alarmed
    assert recording["Next"] == "ClockFailed"
    assert [c["Next"] for c in recording["Catch"]] == ["ClockFailed"]
    assert states["ClockFailed"]["Type"] == "Fail"


def the_execution(machine: str) -> dict[str, Any]:
    """The one execution the classifier started: both clocks of the new conversation."""
    [execution] = started_executions(machine)
    return execution


def wakes_to_the_end(
    backbone: Backbone, escalated: Escalated, start: dict[str, Any]
) -> list[tuple[str, str]]:
    """Each wake the state machine makes: the instant it waited for and what the task did."""
    execution, wakes = dict(start), []
    while not execution["next"]["done"]:
        at = execution["next"]["at"]
        execution["next"] = step(backbone, escalated, execution)
        wakes.append((at, execution["next"]["outcome"]))
    return wakes


def test_the_clocks_of_one_message_share_one_execution_and_each_runs_every_step(
    backbone: Backbone, x_live: XWebhookDeps, machine: str, escalated: Escalated
) -> None:
    """Left waiting, both clocks warn and escalate tier by tier, each step once, in time
    order: the execution wakes at the earliest next step of either clock."""
    a_waiting_conversation(backbone, x_live, machine)
    execution = the_execution(machine)
    plans = [ClockPlan.model_validate(p) for p in execution["clocks"]]
    wakes = wakes_to_the_end(backbone, escalated, execution)

    instants = [at for at, _ in wakes]
    assert instants == sorted(set(instants))  # in time order, never twice for one instant
    every_step = {cursor((p,), (n,), "").at for p in plans for n in range(len(p.steps))}
    assert set(instants) == every_step  # one wake per distinct step time, none wasted
    events = sorted(
        (str(e["clock"]), str(e["event"]), int(e["tier"]))
        for e in of_kind(backbone.table, "CLOCK#")
    )
    for plan in plans:
        ran = [(event, tier) for clock, event, tier in events if clock == plan.clock.value]
        tiers = [s.tier for s in plan.steps if s.action == "escalate"]
        assert sorted(ran) == sorted(
            [("started", 0), ("warned", 0), ("breached", 0)] + [("escalated", t) for t in tiers]
        )
    notices = escalated.received()
    assert len(notices) == sum(len(p.steps) - 1 for p in plans)  # warnings go to the thread
    assert wakes[-1][1].endswith("escalated to the last tier")


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        ("resolved", "first_response met, resolution met"),
        ("pending", "first_response met, resolution paused"),
    ],
)
def test_one_wake_ends_every_clock_the_conversation_made_moot(
    backbone: Backbone,
    x_live: XWebhookDeps,
    machine: str,
    escalated: Escalated,
    status: str,
    outcome: str,
) -> None:
    """Resolved (or waiting on the customer) before the first warning: the first wake ends
    both clocks; the execution never waits for the resolution clock's steps, a day away."""
    a_waiting_conversation(backbone, x_live, machine)
    set_status(backbone, status)
    assert wakes_to_the_end(backbone, escalated, the_execution(machine)) == [
        (the_execution(machine)["next"]["at"], outcome)
    ]
    assert escalated.received() == []


def test_a_clock_made_moot_ends_at_the_other_clocks_wake_and_the_other_waits_on(
    backbone: Backbone, x_live: XWebhookDeps, machine: str, escalated: Escalated
) -> None:
    """A newer first-response clock outdated this one: it ends (stopped) at the first wake,
    and the resolution clock's first step is the next wake."""
    a_waiting_conversation(backbone, x_live, machine)
    execution = the_execution(machine)
    [meta] = of_kind(backbone.table, "META")
    boto3.client("dynamodb").update_item(
        TableName=backbone.table,
        Key={"pk": {"S": meta["pk"]}, "sk": {"S": "META"}},
        UpdateExpression="SET clock_first_response.generation = :g",
        ExpressionAttributeValues={":g": {"N": str(execution["clocks"][0]["generation"] + 1)}},
    )
    answer = step(backbone, escalated, execution)
    resolution = ClockPlan.model_validate(execution["clocks"][1])
    assert answer == {
        "done": False,
        "steps": [-1, 0],
        "at": cursor((resolution,), (0,), "").at,
        "outcome": "first_response stopped",
    }
    assert escalated.received() == []


def test_a_clock_whose_start_is_not_recorded_yet_is_left_running_until_its_step(
    backbone: Backbone, x_live: XWebhookDeps, machine: str, escalated: Escalated
) -> None:
    """Only a due step waits for its clock's record (the task is retried); a clock not due
    yet is not judged outdated on a record still being written."""
    a_waiting_conversation(backbone, x_live, machine)
    execution = the_execution(machine)
    [meta] = of_kind(backbone.table, "META")
    generation = execution["clocks"][1]["generation"]
    boto3.client("dynamodb").update_item(
        TableName=backbone.table,
        Key={"pk": {"S": meta["pk"]}, "sk": {"S": "META"}},
        UpdateExpression="SET clock_resolution.generation = :g",
        ExpressionAttributeValues={":g": {"N": str(generation - 1)}},
    )
    answer = step(backbone, escalated, execution)
    assert answer["steps"] == [1, 0] and answer["outcome"] == "first_response warned"
    assert not [e for e in of_kind(backbone.table, "CLOCK#") if e["event"] == "stopped"]


def test_an_execution_started_before_clocks_shared_one_is_still_answered_in_its_shape(
    backbone: Backbone, x_live: XWebhookDeps, machine: str, escalated: Escalated
) -> None:
    """Step Functions runs an execution on the definition it started with: those carrying
    one ``plan`` keep getting ``index`` answers from the new task."""
    a_waiting_conversation(backbone, x_live, machine)
    plan = the_execution(machine)["clocks"][0]
    legacy = {
        "plan": plan,
        "next": {"done": False, "index": 0, "at": plan["steps"][0]["at"], "outcome": "started"},
    }
    answer = step(backbone, escalated, legacy)
    assert answer == {
        "done": False,
        "index": 1,
        "at": cursor((ClockPlan.model_validate(plan),), (1,), "").at,
        "outcome": "warned",
    }
    set_status(backbone, "answered")
    assert step(backbone, escalated, legacy | {"next": answer}) == {
        "done": True,
        "index": -1,
        "at": "",
        "outcome": "met",
    }


def test_a_failed_wake_records_the_failure_on_each_clock_it_carried(
    backbone: Backbone,
    x_live: XWebhookDeps,
    machine: str,
    escalated: Escalated,
    metrics_on: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    a_waiting_conversation(backbone, x_live, machine)
    execution = the_execution(machine) | {"failure": {"Error": "States.Timeout"}}
    assert step(backbone, escalated, execution)["outcome"] == "failed"
    failed = sorted(e["clock"] for e in of_kind(backbone.table, "CLOCK#") if e["event"] == "failed")
    assert failed == ["first_response", "resolution"]
    assert [v for v, _ in emf(capsys.readouterr().out)["ClockFailed"]] == [1.0, 1.0]
