"""Escalations to SNS, with message attributes subscribers filter on (brand, tier, kind,
platform, priority, topic, reason); the managers' e-mail and the Slack poster read the same
topic."""

from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from socialcare.errors import StorageUnavailable
from socialcare.models.escalation import EscalationNotice

SUBJECT_LIMIT = 100  # SNS subjects are at most 100 ASCII characters


class SnsEscalations:
    def __init__(self, topic_arn: str, client: Any = None) -> None:
        self._topic = topic_arn
        self._client = client or boto3.client("sns")

    def publish(self, notice: EscalationNotice) -> None:
        attributes = {
            "brand": notice.brand_id,
            "tier": str(notice.tier),
            "kind": notice.kind,
            "platform": notice.platform or "-",
            "priority": notice.priority or "-",
            "topic": notice.topic or "-",
            "reason": notice.reason,
        }
        subject = f"[{notice.brand_id}] tier {notice.tier}: {notice.reason}"
        try:
            self._client.publish(
                TopicArn=self._topic,
                Subject=subject.encode("ascii", "replace").decode()[:SUBJECT_LIMIT],
                Message=notice.model_dump_json(),
                MessageAttributes={
                    name: {"DataType": "String", "StringValue": value}
                    for name, value in attributes.items()
                },
            )
        except (ClientError, BotoCoreError) as exc:
            raise StorageUnavailable(f"publishing the escalation failed: {exc}") from exc
