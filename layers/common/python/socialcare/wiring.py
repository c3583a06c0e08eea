"""Production wiring, built once per cold start by each function's ``build_deps``."""

from socialcare.adapters.dynamo_table import ConversationTable
from socialcare.adapters.intake_store import DynamoIntakeStore
from socialcare.adapters.outside_replies import DynamoOutsideReplies
from socialcare.adapters.secrets import secret_reader
from socialcare.adapters.sqs import SqsClassifyQueue
from socialcare.config import load_brands
from socialcare.platforms.meta.payloads import MetaSecrets
from socialcare.platforms.vk.payloads import VkSecrets
from socialcare.platforms.x.payloads import XSecrets
from socialcare.services.ingest import IngestDeps
from socialcare.services.meta_webhook import MetaWebhookDeps
from socialcare.services.vk_webhook import VkWebhookDeps
from socialcare.services.x_webhook import XWebhookDeps
from socialcare.settings import (
    IngestSettings,
    MetaIngestSettings,
    VkIngestSettings,
    XIngestSettings,
)


def ingest_deps(settings: IngestSettings) -> IngestDeps:
    return IngestDeps(
        store=DynamoIntakeStore(settings.TABLE_NAME),
        queue=SqsClassifyQueue(settings.CLASSIFY_QUEUE_URL),
    )


def x_webhook_deps(settings: XIngestSettings) -> XWebhookDeps:
    return XWebhookDeps(
        ingest=ingest_deps(settings),
        brands=load_brands(settings.BRANDS_DIR),
        secrets=secret_reader(settings.X_SECRET_ARN, XSecrets, settings.SECRETS_MAX_AGE_SECONDS),
        max_body_bytes=settings.MAX_BODY_BYTES,
        desk=SqsClassifyQueue(settings.DESK_QUEUE_URL, what="the Slack desk")
        if settings.DESK_QUEUE_URL
        else None,
    )


def vk_webhook_deps(settings: VkIngestSettings) -> VkWebhookDeps:
    return VkWebhookDeps(
        ingest=ingest_deps(settings),
        brands=load_brands(settings.BRANDS_DIR),
        secrets=secret_reader(settings.VK_SECRET_ARN, VkSecrets, settings.SECRETS_MAX_AGE_SECONDS),
        max_body_bytes=settings.MAX_BODY_BYTES,
    )


def meta_webhook_deps(settings: MetaIngestSettings) -> MetaWebhookDeps:
    # One DynamoDB client for the intake and the outside replies, one SQS client for both
    # queues: each client costs the cold start.
    table = ConversationTable(settings.TABLE_NAME)
    classify = SqsClassifyQueue(settings.CLASSIFY_QUEUE_URL)
    return MetaWebhookDeps(
        ingest=IngestDeps(store=DynamoIntakeStore(table), queue=classify),
        brands=load_brands(settings.BRANDS_DIR),
        secrets=secret_reader(
            settings.META_SECRET_ARN, MetaSecrets, settings.SECRETS_MAX_AGE_SECONDS
        ),
        max_body_bytes=settings.MAX_BODY_BYTES,
        outside=DynamoOutsideReplies(table),
        desk=classify.sibling(settings.DESK_QUEUE_URL, what="the Slack desk")
        if settings.DESK_QUEUE_URL
        else None,
        mentions=classify.sibling(settings.MENTION_QUEUE_URL, what="reading the mention")
        if settings.MENTION_QUEUE_URL
        else None,
    )
