"""Escalations to SNS, with message attributes subscribers filter on (brand, tier, platform,
priority, topic, reason); the e-mail subscription and the Slack poster read the same topic."""

import json
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from socialcare.deadlines.plan import ClockPlan
from socialcare.errors import StorageUnavailable

SUBJECT_LIMIT = 100  # SNS subjects are at most 100 ASCII characters


class SnsEscalations:
    def __init__(self, topic_arn: str, client: Any = None) -> None:
        self._topic = topic_arn
        self._client = client or boto3.client("sns")

    def publish(self, plan: ClockPlan, tier: int, conversation: dict[str, Any]) -> None:
        attributes = {
            "brand": plan.brand_id,
            "tier": str(tier),
            "platform": str(conversation.get("platform", "")),
            "priority": str(conversation.get("priority", "")),
            "topic": str(conversation.get("topic", "")),
            "reason": f"{plan.clock.value} overdue",
        }
        body = {
            "conversation_id": plan.conversation_id,
            "brand": plan.brand_id,
            "clock": plan.clock.value,
            "tier": tier,
            "due_at": plan.due_at.isoformat(),
            "policy": plan.policy,
            "policy_version": plan.policy_version,
            "link": conversation.get("link"),
            "customer": conversation.get("customer", {}),
            **{k: attributes[k] for k in ("platform", "priority", "topic")},
        }
        subject = f"[{plan.brand_id}] tier {tier}: {plan.clock.value} overdue"
        try:
            self._client.publish(
                TopicArn=self._topic,
                Subject=subject.encode("ascii", "replace").decode()[:SUBJECT_LIMIT],
                Message=json.dumps(body, ensure_ascii=False, default=str),
                MessageAttributes={
                    name: {"DataType": "String", "StringValue": value or "-"}
                    for name, value in attributes.items()
                },
            )
        except (ClientError, BotoCoreError) as exc:
            raise StorageUnavailable(f"publishing the escalation failed: {exc}") from exc
