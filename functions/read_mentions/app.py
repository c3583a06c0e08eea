"""The mention queue -> the conversation store: each Instagram @mention the Meta webhook
queued (ids only) is read from the Graph API and stored like any message. A mention that
cannot be read now fails alone and comes back after the queue's visibility timeout."""

from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from socialcare.adapters.meta_mentions import MetaMentions
from socialcare.adapters.secrets import secret_reader
from socialcare.models import MentionRequest
from socialcare.observability import logger, metrics
from socialcare.platforms.publishing import PublishingSecrets
from socialcare.services.instagram_mentions import MentionDeps, take_mention
from socialcare.settings import MentionSettings, load_settings
from socialcare.wiring import ingest_deps

# Grouped by media (the webhook's choice): one failing holds back only those on its media.
processor = SqsFifoPartialProcessor(skip_group_on_error=True)


@cache
def build_deps() -> MentionDeps:
    settings = load_settings(MentionSettings)
    tokens = secret_reader(
        settings.PUBLISHING_SECRET_ARN, PublishingSecrets, settings.SECRETS_MAX_AGE_SECONDS
    )
    return MentionDeps(
        reader=MetaMentions(tokens, settings.META_API_URL or None), ingest=ingest_deps(settings)
    )


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(
    event: dict[str, Any], context: LambdaContext, deps: MentionDeps | None = None
) -> PartialItemFailureResponse:
    wired = deps or build_deps()

    def handle(record: SQSRecord) -> None:
        take_mention(MentionRequest.model_validate_json(record.body), wired)

    return process_partial_response(
        event=event, record_handler=handle, processor=processor, context=context
    )
