"""Which reports are due, and sending each once. An hourly schedule asks; a brand's daily
report is due at its configured local hour (for the day before), its weekly report at the
same hour on Mondays (for the week before). Each report is recorded before it is sent and
marked sent after: a retried invocation, or any tick of the next 24 hours, sends what is
still owed, and nothing twice."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from email.message import EmailMessage
from typing import Protocol

from socialcare.clock import Clock, utc_now
from socialcare.config.brands import Brand, BrandDirectory
from socialcare.errors import ConfigurationError, SupportError
from socialcare.observability import MetricUnit, logger, metrics
from socialcare.ports import Recorded
from socialcare.reports.email import report_email
from socialcare.reports.period import Period, PeriodKind
from socialcare.services.reports import ReportDeps, ReportStore, build_figures


class ReportLedger(ReportStore, Protocol):
    def record_report(self, brand_id: str, period: Period) -> Recorded:
        """Written once before the report goes; DONE: it went before."""
        ...

    def report_sent(self, brand_id: str, period: Period) -> None: ...


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> str: ...


@dataclass(frozen=True)
class ReportMailDeps:
    store: ReportLedger
    mailer: Mailer
    brands: BrandDirectory
    clock: Clock = utc_now


CATCH_UP = 24  # hours: a report a failed tick owed goes with the following ticks


def due(brand: Brand, now: datetime) -> list[Period]:
    """The reports whose send time (the brand's local hour on a local day) came in the 24
    hours up to ``now``; the once-per-period record skips those already sent. The send time
    is an instant of that day even when the local hour does not exist (a DST jump)."""
    settings = brand.reports
    if settings is None:
        return []
    today = now.astimezone(brand.zone).date()
    periods: list[Period] = []
    for day in (today - timedelta(days=1), today):
        send_at = datetime.combine(day, time(settings.hour), brand.zone).astimezone(UTC)
        if not now - timedelta(hours=CATCH_UP) < send_at <= now:
            continue
        if settings.daily:
            periods.append(Period(PeriodKind.DAY, day - timedelta(days=1), brand.zone))
        if settings.weekly and day.weekday() == 0:
            periods.append(Period(PeriodKind.WEEK, day - timedelta(days=7), brand.zone))
    return periods


def send_due(deps: ReportMailDeps) -> list[str]:
    """Every brand's due reports; one brand failing (its sender refused, say) does not keep
    the others' from going: the failure is raised after, so the tick is retried."""
    now = deps.clock()
    sent, failed = [], []
    for brand in deps.brands.brands.values():
        for period in due(brand, now):
            try:
                if send_report(brand, period, deps):
                    sent.append(f"{brand.id} {period.kind} {period.first_day}")
            except Exception as exc:
                logger.exception("report failed", extra={"brand": brand.id})
                failed.append(f"{brand.id} {period.kind} {period.first_day}: {exc}")
    if failed:
        raise ReportsFailed(f"{len(failed)} report(s) not sent ({'; '.join(failed)}); sent: {sent}")
    return sent


def send_on_demand(
    brand_id: str, kind: PeriodKind, day: date | None, deps: ReportMailDeps
) -> list[str]:
    """One report asked for by hand: the period of ``kind`` containing ``day`` (the brand's
    local date), or the last whole one. Answers the period sent, or nothing if it had gone
    already. An unknown brand, one without reports, or a period not over yet is refused:
    an unfinished period would be recorded as sent and its real report skipped."""
    brand = deps.brands.brands.get(brand_id)
    if brand is None or brand.reports is None:
        raise ConfigurationError(f"brand {brand_id!r} has no reports configured")
    now = deps.clock()
    if day is None:
        period = Period.ending_before(kind, now, brand.zone)
    else:
        period = Period.containing(kind, day, brand.zone)
    if period.end > now:
        raise ConfigurationError(f"{period.label} has not ended yet: ask once it has")
    return [str(period.label)] if send_report(brand, period, deps) else []


class ReportsFailed(SupportError):
    """Some reports of a tick were not sent: the invocation fails so Lambda retries."""


def send_report(brand: Brand, period: Period, deps: ReportMailDeps) -> bool:
    """Send the brand's report for ``period`` unless it went already (True: sent now)."""
    assert brand.reports is not None
    recorded = deps.store.record_report(brand.id, period)
    if recorded is Recorded.DONE:
        logger.info("report sent before", extra={"brand": brand.id, "period": period.label})
        return False
    figures = build_figures(brand, period, ReportDeps(deps.store), as_of=deps.clock())
    message = report_email(figures, brand.name, brand.reports.sender, brand.reports.recipients)
    message_id = deps.mailer.send(message)
    deps.store.report_sent(brand.id, period)
    metrics.add_metric(name="ReportSent", unit=MetricUnit.Count, value=1)
    logger.info(
        "report sent",
        extra={"brand": brand.id, "period": period.label, "ses_message_id": message_id},
    )
    return True
