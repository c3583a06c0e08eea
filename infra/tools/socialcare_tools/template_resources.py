"""Build the AWS resources a test needs from ``template.yaml`` itself, inside moto.

Properties are read from the template, so the test schema (keys, indexes, FIFO, redrive)
cannot drift from what ``sam deploy`` creates.
"""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from samtranslator.yaml_helper import yaml_parse

from socialcare_tools import local_secrets as local

STACK = "test"
ROOT = Path(__file__).resolve().parents[3]  # infra/tools/socialcare_tools


def template_resources(template_path: Path | None = None) -> dict[str, Any]:
    template = yaml_parse((template_path or ROOT / "template.yaml").read_text())
    resources: dict[str, Any] = template["Resources"]
    return resources


def _name(value: Any) -> str:
    """Resolve the few intrinsics used in names: ``!Sub ${AWS::StackName}-x``."""
    if isinstance(value, dict) and "Fn::Sub" in value:
        return str(value["Fn::Sub"]).replace("${AWS::StackName}", STACK)
    return str(value)


def create_table(logical_id: str = "ConversationsTable") -> str:
    props = template_resources()[logical_id]["Properties"]
    client = boto3.client("dynamodb")
    name = f"{STACK}-{logical_id}"
    client.create_table(
        TableName=name,
        BillingMode=props["BillingMode"],
        KeySchema=props["KeySchema"],
        AttributeDefinitions=props["AttributeDefinitions"],
        GlobalSecondaryIndexes=props.get("GlobalSecondaryIndexes", []),
    )
    ttl = props["TimeToLiveSpecification"]
    client.update_time_to_live(
        TableName=name,
        TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True},
    )
    return name


_QUEUE_ATTRIBUTES = {
    "FifoQueue": "FifoQueue",
    "ContentBasedDeduplication": "ContentBasedDeduplication",
    "DeduplicationScope": "DeduplicationScope",
    "FifoThroughputLimit": "FifoThroughputLimit",
    "VisibilityTimeout": "VisibilityTimeout",
    "MessageRetentionPeriod": "MessageRetentionPeriod",
}


def create_queue(logical_id: str) -> str:
    """Create a queue (and, first, the dead-letter queue its redrive policy names)."""
    resources = template_resources()
    props = resources[logical_id]["Properties"]
    attributes: dict[Any, str] = {
        target: str(props[source]).lower()
        if isinstance(props[source], bool)
        else str(props[source])
        for source, target in _QUEUE_ATTRIBUTES.items()
        if source in props
    }
    client = boto3.client("sqs")
    if "RedrivePolicy" in props:
        policy = props["RedrivePolicy"]
        dlq_id = policy["deadLetterTargetArn"]["Fn::GetAtt"][0]
        dlq_url = create_queue(dlq_id)
        dlq_arn = client.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])
        attributes["RedrivePolicy"] = json.dumps(
            {
                "deadLetterTargetArn": dlq_arn["Attributes"]["QueueArn"],
                "maxReceiveCount": policy["maxReceiveCount"],
            }
        )
    url: str = client.create_queue(QueueName=_name(props["QueueName"]), Attributes=attributes)[
        "QueueUrl"
    ]
    return url


def create_local_secret(name: str, value: dict[str, Any]) -> str:
    arn: str = boto3.client("secretsmanager").create_secret(
        Name=name, SecretString=json.dumps(value)
    )["ARN"]
    return arn


@dataclass(frozen=True)
class Backbone:
    table: str
    classify_queue: str
    classify_dlq: str
    x_secret_arn: str
    vk_secret_arn: str
    meta_secret_arn: str
    telegram_secret_arn: str


def create_backbone() -> Backbone:
    table = create_table()
    queue = create_queue("ClassifyQueue")
    dlq_name = _name(template_resources()["ClassifyDLQ"]["Properties"]["QueueName"])
    return Backbone(
        table=table,
        classify_queue=queue,
        classify_dlq=boto3.client("sqs").get_queue_url(QueueName=dlq_name)["QueueUrl"],
        x_secret_arn=create_local_secret("socialcare/test/x", local.X_SECRET_VALUE),
        vk_secret_arn=create_local_secret("socialcare/test/vk", local.VK_SECRET_VALUE),
        meta_secret_arn=create_local_secret("socialcare/test/meta", local.META_SECRET_VALUE),
        telegram_secret_arn=create_local_secret(
            "socialcare/test/telegram", local.TELEGRAM_SECRET_VALUE
        ),
    )
