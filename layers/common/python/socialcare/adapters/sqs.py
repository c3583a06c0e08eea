"""SQS queues: a FIFO queue per hand-off, deduplicated on the id the caller chooses."""

from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from socialcare.errors import StorageUnavailable
from socialcare.models import ClassifyRequest


class SqsClassifyQueue:
    """A FIFO hand-off of stored messages (ingest -> classify, classify -> the Slack desk)."""

    def __init__(self, queue_url: str, client: Any = None, what: str = "classification") -> None:
        self._url = queue_url
        self._client = client or boto3.client("sqs")
        self._what = what

    def send(self, request: ClassifyRequest, *, group: str, dedup_id: str) -> None:
        try:
            self._client.send_message(
                QueueUrl=self._url,
                MessageBody=request.model_dump_json(),
                MessageGroupId=group,
                MessageDeduplicationId=dedup_id,
            )
        except (ClientError, BotoCoreError) as exc:
            raise StorageUnavailable(f"queueing for {self._what} failed: {exc}") from exc
