"""Escalation topic -> the brand's Slack managers channel. SNS invokes asynchronously: Lambda
retries a failure twice, then the event goes to the dead-letter queue. Each notice is posted
once (Powertools idempotency keyed on the notice itself, which names its conversation, clock
and tier: a notice published twice, or delivered twice, is one post)."""

from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.data_classes import SNSEvent
from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.typing import LambdaContext

from socialcare.adapters.desk_store import DynamoDeskStore
from socialcare.adapters.erasure_store import DynamoErasureStore
from socialcare.adapters.idempotency import KEPT_SECONDS, conversations_table_store
from socialcare.config import load_brands
from socialcare.models.escalation import EscalationNotice
from socialcare.observability import logger, metrics
from socialcare.services.escalation_post import EscalationPostDeps, post_escalation
from socialcare.settings import SlackSettings, load_settings
from socialcare.slack.wiring import slack_poster

persistence = conversations_table_store()
once = IdempotencyConfig(event_key_jmespath="body", expires_after_seconds=KEPT_SECONDS)


@cache
def build_deps() -> EscalationPostDeps:
    settings = load_settings(SlackSettings)
    return EscalationPostDeps(
        brands=load_brands(settings.BRANDS_DIR),
        poster=slack_poster(settings),
        cards=DynamoDeskStore(settings.TABLE_NAME),
        posts=DynamoErasureStore(settings.TABLE_NAME),
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
