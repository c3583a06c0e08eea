"""The local stack's SQS attribute shortcut answers exactly as moto does: the same keys and
values for every queue shape, and the same GetQueueAttributes, SendMessage and
ReceiveMessage answers. Checked against moto itself on random queues."""

import hashlib
import inspect
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.sqs.models import Queue, sqs_backends

from socialcare_tools.local import moto_sqs_attributes

# the source of Queue.attributes, as reviewed
REVIEWED_ATTRIBUTES = "40cb990b121628d535cecbcd0e0d333984024633b70a097489ae8611e1a59338"
REGION = "eu-west-1"

queue_shapes = st.fixed_dictionaries(
    {
        "fifo": st.booleans(),
        "content_dedup": st.booleans(),
        "kms": st.booleans(),
        "policy": st.booleans(),
        "dead_letters": st.booleans(),
        "delay": st.sampled_from(["0", "5"]),
        "sent": st.integers(0, 6),
        "received": st.integers(0, 4),
    }
)


def _create(client: Any, shape: dict[str, Any]) -> str:
    attributes: dict[str, str] = {"VisibilityTimeout": "30"}
    if shape["kms"]:
        attributes["KmsMasterKeyId"] = "alias/aws/sqs"
    if shape["policy"]:
        attributes["Policy"] = json.dumps({"Version": "2012-10-17", "Statement": []})
    if shape["dead_letters"]:
        fifo = {"FifoQueue": "true"} if shape["fifo"] else {}
        name = "dlq.fifo" if shape["fifo"] else "dlq"
        dlq = client.create_queue(QueueName=name, Attributes=fifo)["QueueUrl"]
        arn = client.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])
        target = arn["Attributes"]["QueueArn"]
        attributes["RedrivePolicy"] = json.dumps(
            {"deadLetterTargetArn": target, "maxReceiveCount": 3}
        )
    if shape["fifo"]:
        attributes["FifoQueue"] = "true"
        attributes["ContentBasedDeduplication"] = str(shape["content_dedup"]).lower()
    else:
        attributes["DelaySeconds"] = shape["delay"]
    name = "q.fifo" if shape["fifo"] else "q"
    return str(client.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"])


def _fill(client: Any, url: str, shape: dict[str, Any]) -> list[Any]:
    answers: list[Any] = []
    for n in range(shape["sent"]):
        extra = (
            {"MessageGroupId": f"g{n % 2}", "MessageDeduplicationId": f"d{n}"}
            if shape["fifo"]
            else {}
        )
        answers.append(
            client.send_message(QueueUrl=url, MessageBody=f"m{n}", **extra)["MD5OfMessageBody"]
        )
    for _ in range(shape["received"]):
        got = client.receive_message(QueueUrl=url, MaxNumberOfMessages=2).get("Messages", [])
        answers.append(sorted(m["Body"] for m in got))
    return answers


def _observed(shape: dict[str, Any], patched: bool) -> list[Any]:
    if patched:
        moto_sqs_attributes.install()
    try:
        with mock_aws():
            client = boto3.client("sqs", region_name=REGION)
            url = _create(client, shape)
            answers = _fill(client, url, shape)
            for names in (
                ["All"],
                ["MessageRetentionPeriod"],
                ["ApproximateNumberOfMessages", "FifoQueue"],
            ):
                answers.append(
                    client.get_queue_attributes(QueueUrl=url, AttributeNames=names).get(
                        "Attributes"
                    )
                )
            queue = sqs_backends[DEFAULT_ACCOUNT_ID][REGION].get_queue(url.rsplit("/", 1)[-1])
            answers.append(dict(queue.attributes))
            return answers
    finally:
        moto_sqs_attributes.uninstall()


def _timeless(answers: list[Any]) -> list[Any]:
    """Creation times differ between the two runs by the clock, not by the shortcut."""
    clocks = ("CreatedTimestamp", "LastModifiedTimestamp")
    return [
        {k: v for k, v in a.items() if k not in clocks} if isinstance(a, dict) else a
        for a in answers
    ]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(queue_shapes)
def test_the_shortcut_answers_as_moto_does_for_every_queue(shape: dict[str, Any]) -> None:
    assert _timeless(_observed(shape, patched=True)) == _timeless(_observed(shape, patched=False))


@pytest.fixture
def patched() -> Iterator[None]:
    moto_sqs_attributes.install()
    yield
    moto_sqs_attributes.uninstall()


def test_one_attribute_read_no_longer_counts_the_messages(patched: None) -> None:
    """The point of the patch: asking whether a FIFO queue deduplicates by content does not
    walk the queue's messages, as moto's three approximate counts did."""
    with mock_aws():
        client = boto3.client("sqs", region_name=REGION)
        url = client.create_queue(QueueName="q.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
        for n in range(20):
            client.send_message(
                QueueUrl=url, MessageBody="m", MessageGroupId="g", MessageDeduplicationId=str(n)
            )
        queue = sqs_backends[DEFAULT_ACCOUNT_ID][REGION].get_queue("q.fifo")
        walked: list[int] = []
        original = Queue.messages
        Queue.messages = property(lambda q: walked.append(1) or original.fget(q))  # type: ignore[method-assign, assignment]
        try:
            assert queue.attributes.get("ContentBasedDeduplication") == "false"
            assert queue.attributes["MessageRetentionPeriod"] == 345600
            assert "KmsMasterKeyId" not in queue.attributes
        finally:
            Queue.messages = original  # type: ignore[method-assign]
        assert walked == []
        assert queue.attributes["ApproximateNumberOfMessages"] == 20


def test_the_attributes_we_replace_are_the_ones_we_reviewed() -> None:
    source = inspect.getsource(moto_sqs_attributes.ORIGINAL_ATTRIBUTES.fget)
    assert hashlib.sha256(source.encode()).hexdigest() == REVIEWED_ATTRIBUTES, (
        "moto changed Queue.attributes: review socialcare_tools.local.moto_sqs_attributes"
    )
