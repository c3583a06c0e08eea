"""The local stack's ReceiveMessage, taken by several pollers at once on a FIFO queue, keeps
SQS's promises: a message is in flight with one receiver only, and a group has one message
in flight at a time, in order. And a long poll that finds only held groups waits instead of
spinning."""

import hashlib
import inspect
import sys
import threading
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.sqs.models import sqs_backends

from socialcare_tools.local import moto_sqs_receive

GROUPS, PER_GROUP, POLLERS = 40, 3, 6


@pytest.fixture
def patched() -> Iterator[None]:
    moto_sqs_receive.install()
    yield
    moto_sqs_receive.uninstall()


@pytest.fixture
def busy_switching() -> Iterator[None]:
    """Threads switch every microsecond, so that a race shows in a short test."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


def fifo_queue(sqs: Any) -> str:
    url: str = sqs.create_queue(
        QueueName="work.fifo",
        Attributes={"FifoQueue": "true", "VisibilityTimeout": "60"},
    )["QueueUrl"]
    for n in range(PER_GROUP):
        for group in range(GROUPS):
            sqs.send_message(
                QueueUrl=url,
                MessageBody=f"{group}:{n}",
                MessageGroupId=f"g{group}",
                MessageDeduplicationId=f"{group}-{n}",
            )
    return url


def test_pollers_at_once_never_share_a_message_or_a_group(
    patched: None, busy_switching: None
) -> None:
    with mock_aws():
        sqs = boto3.client("sqs", region_name="eu-west-1")
        url = fifo_queue(sqs)
        lock = threading.Lock()
        in_flight: set[str] = set()  # groups being processed now
        seen: list[str] = []
        problems: list[str] = []

        def poll() -> None:
            client = boto3.client("sqs", region_name="eu-west-1")
            idle = 0
            while idle < 3:
                got = client.receive_message(QueueUrl=url, MaxNumberOfMessages=3)
                messages = got.get("Messages", [])
                idle = 0 if messages else idle + 1
                for message in messages:
                    group = message["Body"].split(":")[0]
                    with lock:
                        if group in in_flight:
                            problems.append(f"group {group} twice in flight")
                        in_flight.add(group)
                        seen.append(message["Body"])
                    with lock:
                        in_flight.discard(group)
                    client.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])

        threads = [threading.Thread(target=poll) for _ in range(POLLERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert problems == []
        assert sorted(seen) == sorted(f"{g}:{n}" for g in range(GROUPS) for n in range(PER_GROUP))
        for group in range(GROUPS):  # each group in the order it was sent
            order = [int(body.split(":")[1]) for body in seen if body.split(":")[0] == str(group)]
            assert order == sorted(order)


def test_a_long_poll_on_held_groups_waits_instead_of_spinning(patched: None) -> None:
    with mock_aws():
        sqs = boto3.client("sqs", region_name="eu-west-1")
        url = sqs.create_queue(QueueName="one.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
        for n in range(2):
            sqs.send_message(
                QueueUrl=url, MessageBody=str(n), MessageGroupId="g", MessageDeduplicationId=str(n)
            )
        [first] = sqs.receive_message(QueueUrl=url)["Messages"]  # its group is now held
        passes: list[int] = []
        original = moto_sqs_receive.ORIGINAL_RECEIVE_MESSAGE

        def counted(*args: Any, **kwargs: Any) -> Any:
            passes.append(1)
            return original(*args, **kwargs)

        moto_sqs_receive.ORIGINAL_RECEIVE_MESSAGE = counted  # type: ignore[assignment]
        try:
            got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)
        finally:
            moto_sqs_receive.ORIGINAL_RECEIVE_MESSAGE = original
        assert got.get("Messages", []) == []  # the second message waits for the first
        # one pass per wake-up (20 a second), where moto's own loop ran flat out
        assert len(passes) <= 1 / moto_sqs_receive.WAKE_SECONDS + 5
        assert first["Body"] == "0"


# moto 5.2.5's SQSBackend.receive_message, as reviewed
REVIEWED_RECEIVE = "065f3e5e7d2144089ce3b5d16d9306243ccd2f3ee11b44beb851292fadb7652f"


def test_the_receive_we_wrap_is_the_one_we_reviewed() -> None:
    source = inspect.getsource(moto_sqs_receive.ORIGINAL_RECEIVE_MESSAGE)
    assert hashlib.sha256(source.encode()).hexdigest() == REVIEWED_RECEIVE, (
        "moto changed ReceiveMessage: review socialcare_tools.local.moto_sqs_receive"
    )


def test_deletes_and_sends_at_once_never_bring_back_a_deleted_message_or_drop_a_new_one(
    patched: None, busy_switching: None
) -> None:
    """moto's DeleteMessage rebuilds the queue's list without a lock: two at once could put
    back a message the other deleted (handled, deleted, and back after its visibility
    timeout: the local burst's 180 s stall), and one beside a SendMessage could drop the new
    message."""
    with mock_aws():
        sqs = boto3.client("sqs", region_name="eu-west-1")
        url = sqs.create_queue(QueueName="work", Attributes={"VisibilityTimeout": "60"})["QueueUrl"]
        for n in range(120):
            sqs.send_message(QueueUrl=url, MessageBody=f"old {n}")
        handles = []
        while len(handles) < 120:
            got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
            handles += [m["ReceiptHandle"] for m in got.get("Messages", [])]

        def delete(share: list[str]) -> None:
            client = boto3.client("sqs", region_name="eu-west-1")
            for handle in share:
                client.delete_message(QueueUrl=url, ReceiptHandle=handle)

        def send(first: int) -> None:
            client = boto3.client("sqs", region_name="eu-west-1")
            for n in range(first, first + 30):
                client.send_message(QueueUrl=url, MessageBody=f"new {n}")

        threads = [threading.Thread(target=delete, args=(handles[k::4],)) for k in range(4)]
        threads += [threading.Thread(target=send, args=(first,)) for first in (0, 30)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        # What the queue holds (in flight or not): a message put back would be here.
        queue = sqs_backends[DEFAULT_ACCOUNT_ID]["eu-west-1"].queues["work"]
        assert sorted(m.body for m in queue._messages) == sorted(f"new {n}" for n in range(60))


# moto 5.2.5's Queue.delete_message, as reviewed
REVIEWED_DELETE = "fa6fd5b9bd2cafb4aaacd79da7fc656e513e1513197c2939ff002f9ebfd4be46"


def test_the_delete_we_wrap_is_the_one_we_reviewed() -> None:
    source = inspect.getsource(moto_sqs_receive.ORIGINAL_DELETE_MESSAGE)
    assert hashlib.sha256(source.encode()).hexdigest() == REVIEWED_DELETE, (
        "moto changed Queue.delete_message: review socialcare_tools.local.moto_sqs_receive"
    )
