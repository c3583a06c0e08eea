"""The local runtime under load: SQS polling as Lambda's event source mapping does it,
invocations run side by side within each function's concurrency."""

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from socialcare.local.deploy import FunctionSpec, QueueSource
from socialcare.local.pollers import SqsPoller
from socialcare.local.runtime import LocalRuntime
from tests.conftest import ROOT

pytestmark = pytest.mark.integration
FUNCTIONS = ROOT / "tests" / "fixtures" / "local_functions"


def spec(name: str, handler: str, **extra: Any) -> FunctionSpec:
    return FunctionSpec(
        logical_id=name,
        name=name,
        code_dir=FUNCTIONS,
        handler=f"handlers.{handler}",
        environment=extra.pop("environment", {}),
        timeout=30,
        **extra,
    )


@pytest.fixture
def queue() -> Iterator[str]:
    with mock_aws():
        yield boto3.client("sqs").create_queue(
            QueueName="replies", Attributes={"VisibilityTimeout": "60"}
        )["QueueUrl"]


def poller_of(queue: str) -> SqsPoller:
    function = spec("Postpone", "postpone", environment={"QUEUE_URL": queue})
    source = QueueSource("Replies", queue, 10, report_failures=False, visibility_timeout=60)
    # A time factor larger than the visibility timeout: a failure is retried at once.
    return SqsPoller(LocalRuntime({"Postpone": function}), "Postpone", source, time_factor=1000)


def receive(queue: str) -> list[str]:
    found = boto3.client("sqs").receive_message(QueueUrl=queue, MaxNumberOfMessages=10)
    return [m["Body"] for m in found.get("Messages", [])]


def test_a_plain_failure_comes_back_promptly(queue: str) -> None:
    boto3.client("sqs").send_message(QueueUrl=queue, MessageBody="fail")
    assert poller_of(queue).poll_once() == 1
    assert receive(queue) == ["fail"]


def test_a_message_the_function_postponed_stays_away_until_its_time(queue: str) -> None:
    boto3.client("sqs").send_message(QueueUrl=queue, MessageBody="postpone")
    boto3.client("sqs").send_message(QueueUrl=queue, MessageBody="fail")
    assert poller_of(queue).poll_once() == 2
    assert receive(queue) == ["fail"]  # the postponed one is not back before its hour
