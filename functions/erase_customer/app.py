"""An erasure handed over by the Slack desk (``/care forget``) -> the customer's data goes,
and the manager who asked is told what went, ephemerally (services/erasure.py).

Its own function so that only it may delete the conversations table's items in bulk: the
Slack desk, which faces the internet, may only invoke it. Invoked asynchronously: an
unexpected failure is raised, Lambda retries it twice, then it is kept in the dead-letter
queue, which is alarmed. The erasure is resumable and idempotent, so a retry finishes what
a failed run began and a repeated request changes nothing. A request that cannot be read
erases nothing: it is logged, counted and, where it names the manager, told."""

from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from socialcare.adapters.erasure_store import DynamoErasureStore
from socialcare.config import load_brands
from socialcare.observability import MetricUnit, logger, metrics
from socialcare.services.erasure import (
    AnswerTo,
    ErasingDeps,
    ErasureDeps,
    ErasureRequest,
    erase_and_tell,
    tell,
)
from socialcare.settings import SlackSettings, load_settings
from socialcare.wiring_slack import slack_poster

UNREADABLE = "An erasure request could not be read ({fields}). Nothing was erased."


@cache
def build_deps() -> ErasingDeps:
    settings = load_settings(SlackSettings)
    slack = slack_poster(settings)
    return ErasingDeps(
        brands=load_brands(settings.BRANDS_DIR),
        erasure=ErasureDeps(store=DynamoErasureStore(settings.TABLE_NAME), slack=slack),
        tell=slack,
    )


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(
    event: dict[str, Any], context: LambdaContext, deps: ErasingDeps | None = None
) -> dict[str, Any]:
    wired = deps or build_deps()
    try:
        request = ErasureRequest.model_validate(event)
    except ValidationError as exc:
        fields = ", ".join(".".join(map(str, e["loc"])) or "the event" for e in exc.errors())
        logger.error("erasure request unreadable", extra={"fields": fields})
        metrics.add_metric(name="ErasureRejected", unit=MetricUnit.Count, value=1)
        tell(_answer_to(event), UNREADABLE.format(fields=fields), wired)
        return {"error": f"unreadable request: {fields}"}
    logger.append_keys(brand=request.brand, requested_by=request.requested_by)
    answer = erase_and_tell(request, wired)
    logger.info("erasure request done")
    return {"answer": answer}


def _answer_to(event: Any) -> AnswerTo | None:
    """The manager to tell, if the unreadable request still names one."""
    try:
        return AnswerTo.model_validate(event.get("answer_to") if isinstance(event, dict) else None)
    except ValidationError:
        return None
