"""The Telegram webhook's wiring, apart from ``wiring`` so the other webhooks' cold starts do
not load Telegram's models."""

from collections.abc import Callable

from socialcare.adapters.dynamo_table import ConversationTable
from socialcare.adapters.intake_store import DynamoIntakeStore
from socialcare.adapters.outside_replies import DynamoOutsideReplies
from socialcare.adapters.reachability import DynamoReachability
from socialcare.adapters.secrets import secret_reader
from socialcare.adapters.sqs import SqsClassifyQueue
from socialcare.adapters.telegram_connections import DynamoTelegramConnections
from socialcare.config import load_brands
from socialcare.platforms.telegram.payloads import BusinessConnection
from socialcare.platforms.telegram.secret import TelegramSecrets
from socialcare.services.ingest import IngestDeps
from socialcare.services.telegram_webhook import LookUpConnection, TelegramWebhookDeps
from socialcare.settings import TelegramIngestSettings


def telegram_webhook_deps(settings: TelegramIngestSettings) -> TelegramWebhookDeps:
    secrets = secret_reader(
        settings.TELEGRAM_SECRET_ARN, TelegramSecrets, settings.SECRETS_MAX_AGE_SECONDS
    )
    table = ConversationTable(settings.TABLE_NAME)
    classify = SqsClassifyQueue(settings.CLASSIFY_QUEUE_URL)
    return TelegramWebhookDeps(
        ingest=IngestDeps(store=DynamoIntakeStore(table), queue=classify),
        brands=load_brands(settings.BRANDS_DIR),
        secrets=secrets,
        max_body_bytes=settings.MAX_BODY_BYTES,
        connections=DynamoTelegramConnections(table),
        reachability=DynamoReachability(table),
        outside=DynamoOutsideReplies(table),
        look_up=_look_up(secrets, settings.TELEGRAM_API_URL or None),
        desk=classify.sibling(settings.DESK_QUEUE_URL, what="the Slack desk")
        if settings.DESK_QUEUE_URL
        else None,
    )


def _look_up(secrets: Callable[[], TelegramSecrets], base_url: str | None) -> LookUpConnection:
    """getBusinessConnection, with the Bot API client imported on the first use: a connection
    made before the desk kept them is rare, and ``requests`` costs every cold start."""

    def look_up(bot_id: str, connection_id: str) -> BusinessConnection | None:
        from socialcare.adapters.telegram_bot_api import (  # noqa: PLC0415 - see above
            TelegramBotApi,
            business_connection,
        )

        return business_connection(TelegramBotApi(secrets, base_url), bot_id, connection_id)

    return look_up
