"""Builders for queue-driven tests: SQS records shaped as Lambda delivers them, tweets
ingested for real and what reached the classify queue, and the classify function run over
them."""

import json
from typing import Any

from functions.classify_message import app as classify
from functions.ingest_x import app as ingest_x
from socialcare.adapters.classify_store import DynamoClassifyStore
from socialcare.config import load_brands
from socialcare.ports import ClassifyQueue
from socialcare.services.classify import ClassifyDeps, Knowledge
from socialcare.services.x_webhook import XWebhookDeps
from socialcare_tools import local_secrets as local
from socialcare_tools.apigw import x_delivery
from socialcare_tools.samples import x_tweets
from socialcare_tools.template_resources import Backbone
from tests.conftest import BRANDS_DIR, LambdaContext
from tests.support.inspect import drain


def record(body: str, group: str, message_id: str) -> dict[str, Any]:
    return {
        "messageId": message_id,
        "receiptHandle": f"rh-{message_id}",
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": "1787566502000",
            "SenderId": "AIDA",
            "ApproximateFirstReceiveTimestamp": "1787566502000",
            "MessageGroupId": group,
            "MessageDeduplicationId": message_id,
            "SequenceNumber": "1",
        },
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:test-classify.fifo",
        "awsRegion": "eu-west-1",
    }


def queued_records(
    backbone: Backbone, x_live: XWebhookDeps, *tweets: dict[str, Any]
) -> list[dict[str, Any]]:
    """Ingest tweets for real, then shape what reached the queue as Lambda delivers it."""
    ingest_x.lambda_handler(
        x_delivery(x_tweets(*tweets), local.X_CONSUMER_SECRET), LambdaContext(), deps=x_live
    )
    return [
        record(json.dumps(q["body"]), q["group"], f"m{i}")
        for i, q in enumerate(drain(backbone.classify_queue))
    ]


def consume(
    backbone: Backbone, records: list[dict[str, Any]], desk: ClassifyQueue | None = None
) -> dict[str, Any]:
    brands = load_brands(BRANDS_DIR).brands.values()  # as the handler's cold start builds them
    deps = ClassifyDeps(
        store=DynamoClassifyStore(backbone.table),
        brands={brand.id: Knowledge.of(brand) for brand in brands},
        desk=desk,
    )
    result: dict[str, Any] = classify.lambda_handler(
        {"Records": records}, LambdaContext(), deps=deps
    )
    return result
