"""A clock's Step Functions execution calls this at each wake: warn, breach, escalate; and,
when a wake failed past its retries (the state machine's Catch), to record the failure."""

from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from socialcare.adapters.clock_store import DynamoClockStore
from socialcare.adapters.escalations import SnsEscalations
from socialcare.adapters.retention_store import DynamoRetentionStore
from socialcare.deadlines.execution import ClockWake, SingleClockWake
from socialcare.observability import logger, metrics
from socialcare.services.clock_task import ClockTaskDeps, advance, advance_single, record_failure
from socialcare.settings import ClockTaskSettings, load_settings


@cache
def build_deps() -> ClockTaskDeps:
    settings = load_settings(ClockTaskSettings)
    return ClockTaskDeps(
        store=DynamoClockStore(settings.TABLE_NAME),
        escalations=SnsEscalations(settings.ESCALATION_TOPIC_ARN),
        retention=DynamoRetentionStore(settings.TABLE_NAME),
    )


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(
    event: dict[str, Any], context: LambdaContext, deps: ClockTaskDeps | None = None
) -> dict[str, Any]:
    deps = deps or build_deps()
    if "plan" in event:  # an execution started before clocks shared one
        return advance_single(SingleClockWake.model_validate(event), deps)
    wake = ClockWake.model_validate(event)
    answer = record_failure(wake, deps) if wake.failure else advance(wake, deps)
    return answer.model_dump(mode="json")
