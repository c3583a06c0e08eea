"""Reading what landed in moto, the way an operator would look at the console."""

import json
from typing import Any

import boto3
from boto3.dynamodb.types import TypeDeserializer

_des = TypeDeserializer()


def items(table: str) -> list[dict[str, Any]]:
    pages = boto3.client("dynamodb").get_paginator("scan").paginate(TableName=table)
    return [
        {k: _des.deserialize(v) for k, v in item.items()}
        for page in pages
        for item in page["Items"]
    ]


def dynamodb_calls(client: Any) -> list[tuple[str, str | None]]:
    """(operation, index) of every call ``client`` makes from now on, as botocore sends it."""
    calls: list[tuple[str, str | None]] = []
    client.meta.events.register(
        "provide-client-params.dynamodb.*",
        lambda params, model, **_: calls.append((model.name, params.get("IndexName"))),
    )
    return calls


def of_kind(table: str, prefix: str) -> list[dict[str, Any]]:
    return [i for i in items(table) if str(i["sk"]).startswith(prefix)]


def drain(queue_url: str) -> list[dict[str, Any]]:
    """Every message now in the queue (received and deleted), with group and body."""
    sqs = boto3.client("sqs")
    found: list[dict[str, Any]] = []
    while True:
        batch = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, AttributeNames=["All"], WaitTimeSeconds=0
        ).get("Messages", [])
        if not batch:
            return found
        for message in batch:
            found.append(
                {
                    "body": json.loads(message["Body"]),
                    "group": message["Attributes"]["MessageGroupId"],
                }
            )
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
