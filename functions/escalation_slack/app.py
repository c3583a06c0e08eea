"""Escalation topic -> the brand's Slack managers channel. SNS invokes asynchronously: Lambda
retries a failure twice, then the event goes to the dead-letter queue. Each notice is posted
once (Powertools idempotency keyed on the notice itself, which names its conversation, clock
and tier: a notice published twice, or delivered twice, is one post)."""

import os
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.data_classes import SNSEvent
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from socialcare.adapters.secrets import secret_reader
from socialcare.adapters.slack import SlackPoster
from socialcare.config import load_brands
from socialcare.models.escalation import EscalationNotice
from socialcare.observability import logger, metrics
from socialcare.services.escalation_post import EscalationPostDeps, post_escalation
from socialcare.settings import EscalationSlackSettings, load_settings
from socialcare.slack.secrets import SlackSecrets

# The idempotency records share the conversations table (pk/sk, TTL expires_at).
persistence = DynamoDBPersistenceLayer(
    table_name=os.environ.get("TABLE_NAME", "not-configured"),
    key_attr="pk",
    sort_key_attr="sk",
    expiry_attr="expires_at",
)
once = IdempotencyConfig(event_key_jmespath="body", expires_after_seconds=7 * 86400)


@cache
def build_deps() -> EscalationPostDeps:
    settings = load_settings(EscalationSlackSettings)
    secrets = secret_reader(
        settings.SLACK_SECRET_ARN, SlackSecrets, settings.SECRETS_MAX_AGE_SECONDS
    )
    return EscalationPostDeps(
        brands=load_brands(settings.BRANDS_DIR),
        poster=SlackPoster(secrets, settings.SLACK_API_URL or None),
    )


@idempotent_function(data_keyword_argument="message", config=once, persistence_store=persistence)
def post_once(message: dict[str, Any], deps: EscalationPostDeps) -> str | None:
    return post_escalation(EscalationNotice.model_validate_json(message["body"]), deps)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(
    event: dict[str, Any], context: LambdaContext, deps: EscalationPostDeps | None = None
) -> dict[str, Any]:
    once.register_lambda_context(context)
    wired = deps or build_deps()
    posted = []
    for record in SNSEvent(event).records:
        message = {"message_id": record.sns.message_id, "body": record.sns.message}
        logger.append_keys(sns_message_id=record.sns.message_id)
        posted.append(post_once(message=message, deps=wired))
    return {"posted": posted}
