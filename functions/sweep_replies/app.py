"""Every 5 minutes (EventBridge Scheduler): agents' replies stuck on their way go into the
outbox again, or are given up, and their Slack thread hears it (services/reply_sweeper).
A failure fails the invocation: Lambda retries it twice, then the event waits in the
sweeper's dead-letter queue (alarmed); the next tick looks again anyway."""

from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from socialcare.adapters.reply_store import DynamoReplyStore
from socialcare.adapters.sqs import SqsOutbox
from socialcare.observability import logger, metrics
from socialcare.services.reply_sweeper import SweepDeps, sweep
from socialcare.settings import SweepSettings, load_settings
from socialcare.wiring_slack import slack_poster


@cache
def build_deps() -> SweepDeps:
    settings = load_settings(SweepSettings)
    return SweepDeps(
        store=DynamoReplyStore(settings.TABLE_NAME),
        outbox=SqsOutbox(settings.OUTBOX_QUEUE_URL),
        slack=slack_poster(settings),
    )


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(
    event: dict[str, Any], context: LambdaContext, deps: SweepDeps | None = None
) -> dict[str, int]:
    swept = sweep(deps or build_deps())
    logger.info("swept", extra=vars(swept))
    return vars(swept)
