"""The hourly report tick (EventBridge Scheduler) -> the reports due now, by SES. Also takes
``{"brand": "acme", "period": "day"|"week", "date": "YYYY-MM-DD"}`` to send one report on
demand (the date: any day of the period, local). A failure fails the invocation: Lambda
retries it twice, then the event waits in the dead-letter queue; what went is never resent."""

import datetime as dt
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict

from socialcare.adapters.mailer import SesMailer
from socialcare.adapters.report_store import DynamoReportStore
from socialcare.config import load_brands
from socialcare.observability import logger, metrics
from socialcare.reports.period import PeriodKind
from socialcare.services.report_mail import ReportMailDeps, send_due, send_on_demand
from socialcare.settings import ReportSettings, load_settings


class ReportRequest(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    brand: str | None = None  # none: whatever is due now, for every brand
    period: PeriodKind = PeriodKind.DAY
    date: dt.date | None = None


@cache
def build_deps() -> ReportMailDeps:
    settings = load_settings(ReportSettings)
    return ReportMailDeps(
        store=DynamoReportStore(settings.TABLE_NAME),
        mailer=SesMailer(),
        brands=load_brands(settings.BRANDS_DIR),
    )


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(
    event: dict[str, Any], context: LambdaContext, deps: ReportMailDeps | None = None
) -> dict[str, Any]:
    wired = deps or build_deps()
    request = ReportRequest.model_validate(event if isinstance(event, dict) else {})
    if request.brand is None:
        return {"sent": send_due(wired)}
    return {"sent": send_on_demand(request.brand, request.period, request.date, wired)}
