"""SQS queues: a FIFO queue per hand-off, deduplicated on the id the caller chooses."""

import hashlib
import math
import re
from collections.abc import Sequence
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel

from socialcare.errors import StorageUnavailable
from socialcare.models.reply import OutboundReply
from socialcare.observability import logger
from socialcare.ports import SEND_BATCH_LIMIT, Queued

DEDUP_ID_LIMIT = 128  # SQS's, characters
_DEDUP_ALPHABET = re.compile(r"^[\x21-\x7e]+$")  # SQS takes printable ASCII, no spaces


def deduplication_id(wanted: str) -> str:
    """``wanted`` as it is when SQS takes it (so an id in flight stays the same id), else a
    digest of it: Instagram's message ids alone run past SQS's 128 characters."""
    if len(wanted) <= DEDUP_ID_LIMIT and _DEDUP_ALPHABET.match(wanted):
        return wanted
    return hashlib.sha256(wanted.encode()).hexdigest()


class SqsClassifyQueue:
    """A FIFO hand-off of stored messages (ingest -> classify, classify -> the Slack desk),
    or of Instagram mentions to read (the Meta webhook -> the mention reader)."""

    def __init__(self, queue_url: str, client: Any = None, what: str = "classification") -> None:
        self._url = queue_url
        self._client = client or boto3.client("sqs")
        self._what = what

    def sibling(self, queue_url: str, what: str) -> "SqsClassifyQueue":
        """Another queue on this one's client (a client costs a cold start its creation)."""
        return SqsClassifyQueue(queue_url, self._client, what)

    def send(self, request: BaseModel, *, group: str, dedup_id: str) -> None:
        try:
            self._client.send_message(
                QueueUrl=self._url,
                MessageBody=request.model_dump_json(),
                MessageGroupId=group,
                MessageDeduplicationId=deduplication_id(dedup_id),
            )
        except (ClientError, BotoCoreError) as exc:
            raise StorageUnavailable(f"queueing for {self._what} failed: {exc}") from exc

    def send_batch(self, entries: Sequence[Queued]) -> set[int]:
        if not 0 < len(entries) <= SEND_BATCH_LIMIT:
            raise ValueError(f"a batch holds 1 to {SEND_BATCH_LIMIT} requests, not {len(entries)}")
        try:
            answer = self._client.send_message_batch(
                QueueUrl=self._url,
                Entries=[
                    {
                        "Id": str(position),
                        "MessageBody": entry.request.model_dump_json(),
                        "MessageGroupId": entry.group,
                        "MessageDeduplicationId": deduplication_id(entry.dedup_id),
                    }
                    for position, entry in enumerate(entries)
                ],
            )
        except (ClientError, BotoCoreError) as exc:
            raise StorageUnavailable(f"queueing for {self._what} failed: {exc}") from exc
        refused = {int(failure["Id"]) for failure in answer.get("Failed", [])}
        for failure in answer.get("Failed", []):
            logger.warning(
                f"queueing for {self._what} refused one request",
                extra={"code": failure.get("Code"), "sender_fault": failure.get("SenderFault")},
            )
        return refused


MAX_VISIBILITY_SECONDS = 12 * 3600  # SQS's ceiling


class SqsOutbox:
    """The outbox: a FIFO queue of agents' replies, one group per conversation (its replies
    go out in the order agents wrote them), deduplicated on the reply id."""

    def __init__(self, queue_url: str, client: Any = None) -> None:
        self._url = queue_url
        self._client = client or boto3.client("sqs")

    def send(self, reply: OutboundReply) -> None:
        try:
            self._client.send_message(
                QueueUrl=self._url,
                MessageBody=reply.model_dump_json(),
                MessageGroupId=reply.conversation_id,
                # Slack ids carry characters SQS refuses in a deduplication id: a digest.
                MessageDeduplicationId=hashlib.sha256(reply.reply_id.encode()).hexdigest(),
            )
        except (ClientError, BotoCoreError) as exc:
            raise StorageUnavailable(f"queueing the reply failed: {exc}") from exc

    def postpone(self, receipt_handle: str, seconds: float) -> None:
        """The received reply comes back after ``seconds`` (a platform's rate-limit reset)."""
        wait = max(1, min(MAX_VISIBILITY_SECONDS, math.ceil(seconds)))
        try:
            self._client.change_message_visibility(
                QueueUrl=self._url, ReceiptHandle=receipt_handle, VisibilityTimeout=wait
            )
        except (ClientError, BotoCoreError) as exc:
            raise StorageUnavailable(f"postponing the reply failed: {exc}") from exc
