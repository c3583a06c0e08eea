"""Reply clocks in tests: conversations whose clocks the classifier started on moto, and the
state machine's steps run by hand as Step Functions would run them."""

import json
from typing import Any

import boto3

from functions.classify_message import app as classify
from functions.clock_task import app as clock_task
from socialcare.adapters.classify_store import DynamoClassifyStore
from socialcare.adapters.clock_store import DynamoClockStore
from socialcare.adapters.escalations import SnsEscalations
from socialcare.adapters.stepfunctions import StepFunctionsClocks
from socialcare.config import load_brands
from socialcare.deadlines.execution import execution_input
from socialcare.deadlines.plan import ClockPlan
from socialcare.services.classify import ClassifyDeps, Knowledge
from socialcare.services.clock_task import ClockTaskDeps
from socialcare.services.x_webhook import XWebhookDeps
from socialcare_tools.samples import tweet
from socialcare_tools.template_resources import Backbone
from tests.conftest import BRANDS_DIR, LambdaContext
from tests.integration.conftest import Escalated
from tests.support.inspect import of_kind
from tests.support.queues import queued_records


def classify_with_clocks(backbone: Backbone, machine: str, records: list[dict[str, Any]]) -> None:
    brands = load_brands(BRANDS_DIR).brands.values()
    deps = ClassifyDeps(
        store=DynamoClassifyStore(backbone.table),
        brands={brand.id: Knowledge.of(brand) for brand in brands},
        clocks=StepFunctionsClocks(machine),
    )
    classify.lambda_handler({"Records": records}, LambdaContext(), deps=deps)


def started_executions(machine: str) -> list[dict[str, Any]]:
    client = boto3.client("stepfunctions")
    runs = client.list_executions(stateMachineArn=machine)["executions"]
    return [
        json.loads(client.describe_execution(executionArn=run["executionArn"])["input"])
        for run in runs
    ]


def started_plans(machine: str) -> list[dict[str, Any]]:
    """Every clock started, whichever execution carries it."""
    return [plan for run in started_executions(machine) for plan in run["clocks"]]


def step(backbone: Backbone, escalated: Escalated, execution: dict[str, Any]) -> dict[str, Any]:
    """One RunStep of the state machine: the clock task, as Step Functions invokes it."""
    deps = ClockTaskDeps(
        store=DynamoClockStore(backbone.table),
        escalations=SnsEscalations(escalated.topic),
    )
    result: dict[str, Any] = clock_task.lambda_handler(execution, LambdaContext(), deps=deps)
    return result


def run_to_the_end(backbone: Backbone, escalated: Escalated, start: dict[str, Any]) -> list[str]:
    execution, outcomes = dict(start), []
    while not execution["next"]["done"]:
        execution["next"] = step(backbone, escalated, execution)
        outcomes.append(execution["next"]["outcome"])
    return outcomes


def a_waiting_conversation(
    backbone: Backbone, x_live: XWebhookDeps, machine: str
) -> list[dict[str, Any]]:
    """Jane's tweet, ingested and classified: its clocks start. The queue records, for
    redelivering."""
    records = queued_records(backbone, x_live, tweet("100", "@AcmeSupport where is my order?"))
    classify_with_clocks(backbone, machine, records)
    return records


def only(machine: str, clock: str) -> dict[str, Any]:
    """An execution of that one clock, as the state machine would carry it alone."""
    plan = next(p for p in started_plans(machine) if p["clock"] == clock)
    return execution_input((ClockPlan.model_validate(plan),))


def first_response(machine: str) -> dict[str, Any]:
    return only(machine, "first_response")


def set_status(backbone: Backbone, status: str) -> None:
    """What an agent's action will do from Slack (issue 6): answer, resolve."""
    [meta] = of_kind(backbone.table, "META")
    boto3.client("dynamodb").update_item(
        TableName=backbone.table,
        Key={"pk": {"S": meta["pk"]}, "sk": {"S": "META"}},
        UpdateExpression="SET #s = :s",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": {"S": status}},
    )
