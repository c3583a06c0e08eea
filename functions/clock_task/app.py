"""A clock's Step Functions execution calls this at each step: warn, breach, escalate."""

from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from socialcare.adapters.dynamodb import DynamoConversationStore
from socialcare.adapters.erasure_store import DynamoRetentionStore
from socialcare.adapters.escalations import SnsEscalations
from socialcare.deadlines.plan import ClockPlan
from socialcare.observability import logger, metrics
from socialcare.services.clocks import ClockTaskDeps, advance
from socialcare.settings import ClockTaskSettings, load_settings


@cache
def build_deps() -> ClockTaskDeps:
    settings = load_settings(ClockTaskSettings)
    return ClockTaskDeps(
        store=DynamoConversationStore(settings.TABLE_NAME),
        escalations=SnsEscalations(settings.ESCALATION_TOPIC_ARN),
        retention=DynamoRetentionStore(settings.TABLE_NAME),
    )


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(
    event: dict[str, Any], context: LambdaContext, deps: ClockTaskDeps | None = None
) -> dict[str, Any]:
    plan = ClockPlan.model_validate(event["plan"])
    return advance(plan, int(event["next"]["index"]), deps or build_deps())
