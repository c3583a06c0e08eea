"""SQS → Lambda, the way Lambda's event source mapping does it.

moto's own mapping invokes one message at a time inside ``SendMessage`` and ignores
``batchItemFailures`` (aws-local.md §4), so each queue source gets a poller thread:
receive up to the batch size, invoke with Lambda's SQS event, delete what succeeded, and
leave each failure invisible for the queue's visibility timeout (divided by the time
factor) so the redrive policy moves a poison message to its dead-letter queue after
``maxReceiveCount`` receives. A failure whose visibility the function itself changed (the
send function postpones a reply to a platform's rate-limit reset) keeps that visibility, as
on SQS, where nothing but the function touches a received message.

A queue gets as many pollers as its function may run invocations at once, so batches are
handled side by side as Lambda's mapping scales out; on a FIFO queue SQS hands out no
message of a group while an earlier one of that group is in flight, so each conversation
keeps its order.
"""

import logging
import threading
import time
from typing import Any

import boto3
import requests

from socialcare_tools.local.deploy import QueueSource
from socialcare_tools.local.runtime import LocalRuntime

LOG = logging.getLogger("socialcare_tools.local.pollers")
FILL_PAUSE = 0.05  # seconds between looks for more while a batching window is open


def lambda_record(message: Any, queue_arn: str) -> dict[str, Any]:
    attributes = message.get("Attributes", {})
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": {k: str(v) for k, v in attributes.items()},
        "messageAttributes": {
            name: {
                "stringValue": value.get("StringValue"),
                "binaryValue": value.get("BinaryValue"),
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": value["DataType"],
            }
            for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": "eu-west-1",
    }


def failed_ids(result: Any, ok: bool, batch: list[str], report_failures: bool) -> set[str]:
    """Lambda's rules: an error fails the batch; without ReportBatchItemFailures a success
    deletes all; an identifier that is not in the batch fails the whole batch."""
    if not ok:
        return set(batch)
    if not report_failures or not isinstance(result, dict):
        return set()
    ids = {str(f.get("itemIdentifier", "")) for f in result.get("batchItemFailures") or []}
    return set(batch) if ids - set(batch) else ids


class SqsPoller:
    def __init__(
        self, runtime: LocalRuntime, function: str, source: QueueSource, time_factor: float
    ) -> None:
        self.runtime, self.function, self.source = runtime, function, source
        self.retry_after = int(source.visibility_timeout / time_factor)
        self.time_factor = time_factor
        self.sqs = boto3.client("sqs")
        self._aws = requests.Session()  # the embedded AWS's own routes
        self.queue_arn = self.sqs.get_queue_attributes(
            QueueUrl=source.queue_url, AttributeNames=["QueueArn"]
        )["Attributes"]["QueueArn"]
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"poller-{function}", daemon=True)
        self.batches = 0

    def start(self) -> "SqsPoller":
        self.thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once(wait_seconds=1)
            except Exception:  # keep polling, like Lambda's poller, but say why it failed
                if not self._stop.is_set():
                    LOG.exception("poller of %s failed; polling again", self.function)
                    self._stop.wait(0.5)

    def poll_once(self, wait_seconds: int = 0) -> int:
        messages = self._receive(self.source.batch_size, wait_seconds)
        if not messages:
            return 0
        for again in [
            m for m in messages if m["Attributes"].get("ApproximateReceiveCount", "1") != "1"
        ]:
            LOG.warning("%s receives %s again", self.function, again["MessageId"])
        if self.source.batching_window and len(messages) < self.source.batch_size:
            messages += self._fill(self.source.batch_size - len(messages))
        self.batches += 1
        event = {"Records": [lambda_record(m, self.queue_arn) for m in messages]}
        received = self._in_flight_until(messages)
        outcome = self.runtime.invoke(self.function, event)
        batch = [m["MessageId"] for m in messages]
        failed = failed_ids(outcome.result, outcome.ok, batch, self.source.report_failures)
        done = [m for m in messages if m["MessageId"] not in failed]
        for start in range(0, len(done), 10):
            answer = self.sqs.delete_message_batch(
                QueueUrl=self.source.queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                    for i, m in enumerate(done[start : start + 10])
                ],
            )
            for refused in answer.get("Failed", []):  # it comes back after its timeout
                LOG.warning(
                    "a handled message of %s was not deleted: %s %s",
                    self.function,
                    refused.get("Code"),
                    done[start + int(refused["Id"])]["MessageId"],
                )
        now = self._in_flight_until([m for m in messages if m["MessageId"] in failed])
        for message in messages:
            handle = message["ReceiptHandle"]
            moved = now.get(handle) != received.get(handle)
            if message["MessageId"] in failed and not moved:
                self.sqs.change_message_visibility(
                    QueueUrl=self.source.queue_url,
                    ReceiptHandle=message["ReceiptHandle"],
                    VisibilityTimeout=self.retry_after,
                )
        return len(messages)

    def _receive(self, up_to: int, wait_seconds: int) -> list[Any]:
        found: list[Any] = self.sqs.receive_message(
            QueueUrl=self.source.queue_url,
            MaxNumberOfMessages=min(up_to, 10),
            WaitTimeSeconds=wait_seconds,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        return found

    def _fill(self, wanted: int) -> list[Any]:
        """Lambda's batching window: once a batch has begun, it waits up to the window (in
        the stack's time) for more, and invokes when the batch is full or the window over."""
        ends = time.monotonic() + self.source.batching_window / self.time_factor
        more: list[Any] = []
        while len(more) < wanted and not self._stop.is_set():
            left = ends - time.monotonic()
            if left <= 0:
                break
            # A long poll while a second or more is left (it answers as soon as a message
            # comes); short looks for the last fraction.
            got = self._receive(wanted - len(more), 1 if left >= 1 else 0)
            more += got
            if not got and left < 1:
                self._stop.wait(min(FILL_PAUSE, left))
        return more

    def _in_flight_until(self, messages: list[Any]) -> dict[str, float]:
        """When each received message comes back (by receipt handle), read from the embedded
        SQS: no AWS API tells, and a function may have moved it."""
        if not messages:
            return {}
        response = self._aws.post(
            f"{self.sqs.meta.endpoint_url}/_local/sqs/in-flight",
            json={
                "queue_url": self.source.queue_url,
                "region": self.sqs.meta.region_name,
                "receipt_handles": [m["ReceiptHandle"] for m in messages],
            },
            timeout=10,
        )
        response.raise_for_status()
        found: dict[str, float] = response.json()
        return found


def pollers_for(
    runtime: LocalRuntime, function: str, source: QueueSource, time_factor: float
) -> list[SqsPoller]:
    """Started pollers of one queue source: one per invocation its function may run at once."""
    count = runtime.environments[function].limit
    return [SqsPoller(runtime, function, source, time_factor).start() for _ in range(count)]
