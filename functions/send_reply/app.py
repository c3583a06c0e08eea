"""The outbox -> the customer's platform: each queued reply is sent once with tweepy,
vk_api, the Graph API or the Telegram Bot API, and the outcome shown in the conversation's
Slack thread.

FIFO per conversation (its replies go in the order agents wrote them); a failure holds back
only its conversation. A platform rate limit keeps the message invisible until the
platform's reset time, then it comes back; other failures retry, then land in the DLQ."""

from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from socialcare.adapters.dynamo_table import ConversationTable
from socialcare.adapters.meta_sender import MetaSender
from socialcare.adapters.reply_store import DynamoReplyStore
from socialcare.adapters.secrets import secret_reader
from socialcare.adapters.slack import SlackPoster
from socialcare.adapters.sqs import SqsOutbox
from socialcare.adapters.telegram_bot_api import TelegramBotApi
from socialcare.adapters.telegram_connections import DynamoTelegramConnections
from socialcare.adapters.telegram_sender import TelegramSender
from socialcare.adapters.vk_sender import VkSender
from socialcare.adapters.x_sender import XSender
from socialcare.config import load_brands
from socialcare.models.common import Platform
from socialcare.models.reply import OutboundReply
from socialcare.observability import logger, metrics
from socialcare.platforms.publishing import PublishingSecrets
from socialcare.platforms.telegram.secret import TelegramSecrets
from socialcare.services.send_reply import PlatformSender, SendDeps, deliver_queued
from socialcare.settings import SendSettings, load_settings
from socialcare.slack.secrets import SlackSecrets

processor = SqsFifoPartialProcessor(skip_group_on_error=True)


@cache
def build_deps() -> SendDeps:
    settings = load_settings(SendSettings)
    age = settings.SECRETS_MAX_AGE_SECONDS
    publishing = secret_reader(settings.PUBLISHING_SECRET_ARN, PublishingSecrets, age)
    brands = load_brands(settings.BRANDS_DIR)
    handles = {
        account.id: account.handle or "i/web"
        for brand in brands.brands.values()
        for account in brand.accounts.x
    }
    meta = MetaSender(publishing, settings.META_API_URL or None)
    table = ConversationTable(settings.TABLE_NAME)
    senders: dict[Platform, PlatformSender] = {
        Platform.X: XSender(publishing, handles, settings.X_API_URL or None),
        Platform.VK: VkSender(publishing, settings.VK_API_URL or None),
        Platform.MESSENGER: meta,
        Platform.FACEBOOK: meta,
        Platform.INSTAGRAM: meta,
    }
    if settings.TELEGRAM_SECRET_ARN:
        bots = secret_reader(settings.TELEGRAM_SECRET_ARN, TelegramSecrets, age)
        api = TelegramBotApi(bots, settings.TELEGRAM_API_URL or None)
        owned = {
            bot.id: bot.business_accounts
            for brand in brands.brands.values()
            for bot in brand.accounts.telegram
        }
        senders[Platform.TELEGRAM] = TelegramSender(api, DynamoTelegramConnections(table), owned)
    return SendDeps(
        store=DynamoReplyStore(table),
        senders=senders,
        slack=SlackPoster(
            secret_reader(settings.SLACK_SECRET_ARN, SlackSecrets, age),
            settings.SLACK_API_URL or None,
        ),
        outbox=SqsOutbox(settings.OUTBOX_QUEUE_URL),
        max_receives=settings.OUTBOX_MAX_RECEIVES,
    )


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(
    event: dict[str, Any], context: LambdaContext, deps: SendDeps | None = None
) -> PartialItemFailureResponse:
    wired = deps or build_deps()

    def handle(record: SQSRecord) -> None:
        reply = OutboundReply.model_validate_json(record.body)
        receives = int(record.attributes.approximate_receive_count)
        outcome = deliver_queued(reply, record.receipt_handle, receives, wired)
        logger.info("reply", extra={"outcome": outcome})

    return process_partial_response(
        event=event, record_handler=handle, processor=processor, context=context
    )
