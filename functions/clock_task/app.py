"""A clock's Step Functions execution calls this at each step: warn, breach, escalate; and,
when a step failed past its retries (the state machine's Catch), to record the failure."""

from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from socialcare.adapters.dynamodb import DynamoConversationStore
from socialcare.adapters.erasure_store import DynamoRetentionStore
from socialcare.adapters.escalations import SnsEscalations
from socialcare.deadlines.plan import ClockPlan
from socialcare.observability import logger, metrics
from socialcare.services.clocks import ClockTaskDeps, advance, record_failure
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
    index = int(event["next"]["index"])
    if "failure" in event:  # {"Error": ..., "Cause": ...} from the Catch
        error = str(event["failure"].get("Error", "unknown"))[:200]
        return record_failure(plan, index, error, deps or build_deps())
    return advance(plan, index, deps or build_deps())
