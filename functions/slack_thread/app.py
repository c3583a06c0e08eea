"""The desk queue -> the conversation's Slack thread: the card on its first message, the
customer's follow-ups into the thread. FIFO per conversation; each stored message is posted
once (its copy on the desk is recorded on it, services.slack_thread); a failure holds back
only its conversation."""

from dataclasses import replace
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from socialcare.adapters.conversation_reads import ConversationReads
from socialcare.adapters.dynamo_table import ConversationTable
from socialcare.adapters.meta_profiles import MetaProfiles
from socialcare.adapters.secrets import secret_reader
from socialcare.adapters.thread_store import DynamoThreadStore
from socialcare.config import load_brands
from socialcare.models import DeskRequest
from socialcare.observability import logger, metrics
from socialcare.platforms.publishing import PublishingSecrets
from socialcare.services.batch_reads import queued_keys
from socialcare.services.slack_thread import PrefetchedThreads, ThreadDeps, post_to_thread
from socialcare.settings import ThreadSettings, load_settings
from socialcare.wiring_slack import slack_poster

processor = SqsFifoPartialProcessor(skip_group_on_error=True)


@cache
def build_deps() -> ThreadDeps:
    settings = load_settings(ThreadSettings)
    table = ConversationTable(settings.TABLE_NAME)  # one client for both
    publishing = settings.PUBLISHING_SECRET_ARN
    return ThreadDeps(
        store=DynamoThreadStore(table),
        poster=slack_poster(settings),
        brands=load_brands(settings.BRANDS_DIR),
        cards=ConversationReads(table),
        profiles=MetaProfiles(
            secret_reader(publishing, PublishingSecrets, settings.SECRETS_MAX_AGE_SECONDS),
            settings.META_API_URL or None,
        )
        if publishing
        else None,
    )


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(
    event: dict[str, Any], context: LambdaContext, deps: ThreadDeps | None = None
) -> PartialItemFailureResponse:
    wired = deps or build_deps()
    # One read of the batch's messages and conversations instead of one per record.
    batch = replace(wired, store=PrefetchedThreads(wired.store, queued_keys(event)))

    def handle(record: SQSRecord) -> None:
        post_to_thread(DeskRequest.model_validate_json(record.body), batch)

    return process_partial_response(
        event=event, record_handler=handle, processor=processor, context=context
    )
