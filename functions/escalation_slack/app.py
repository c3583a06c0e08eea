"""Escalation queue -> the brand's Slack managers channel. The queue (subscribed to the
escalation topic, raw delivery) hands over up to a minute of notices at a time: a burst of
breaches becomes one digest per kind and tier. Each notice is posted once (a digest of its
body is marked after the post); the records Slack refused are reported back (partial batch
response) and come again, five times, then wait in the dead-letter queue, alarmed.

Why not Powertools' batch processor: it hands records over one by one, and a digest needs
the whole batch at once. The partial batch response is the same shape."""

import hashlib
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.data_classes import SQSEvent
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from socialcare.adapters.conversation_reads import ConversationReads
from socialcare.adapters.posted_notices import DynamoPostedNotices, DynamoPostLog
from socialcare.config import load_brands
from socialcare.models.escalation import EscalationNotice
from socialcare.observability import MetricUnit, logger, metrics
from socialcare.services.escalation_slack import Arrival, EscalationPostDeps, post_escalations
from socialcare.settings import SlackSettings, load_settings
from socialcare.wiring_slack import slack_poster


@cache
def build_deps() -> EscalationPostDeps:
    settings = load_settings(SlackSettings)
    return EscalationPostDeps(
        brands=load_brands(settings.BRANDS_DIR),
        poster=slack_poster(settings),
        cards=ConversationReads(settings.TABLE_NAME),
        posts=DynamoPostLog(settings.TABLE_NAME),
        notices=DynamoPostedNotices(settings.TABLE_NAME),
    )


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(
    event: dict[str, Any], context: LambdaContext, deps: EscalationPostDeps | None = None
) -> dict[str, Any]:
    arrivals, unreadable = [], []
    for record in SQSEvent(event).records:
        try:
            notice = EscalationNotice.model_validate_json(record.body)
        except ValidationError as exc:
            # Not ours to drop: it goes round to the dead-letter queue, where ops see it.
            logger.error(
                "an escalation notice that does not parse",
                extra={"message_id": record.message_id, "errors": exc.error_count()},
            )
            metrics.add_metric(name="EscalationUnreadable", unit=MetricUnit.Count, value=1)
            unreadable.append(record.message_id)
            continue
        digest = hashlib.sha256(record.body.encode()).hexdigest()
        arrivals.append(Arrival(record.message_id, notice, digest))
    failed = unreadable + post_escalations(arrivals, deps or build_deps())
    return {"batchItemFailures": [{"itemIdentifier": f} for f in failed]}
