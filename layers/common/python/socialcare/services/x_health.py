"""Every 15 minutes: is X still delivering? (functions/x_webhook_health)

1. Each of the app's webhooks (``GET /2/webhooks``): one X marks invalid gets no events at
   all. It is revalidated (``PUT``, which makes X run the CRC again) once per run, an ERROR
   is logged, ``XWebhookInvalid`` counts it (alarmed), and the outage window is handed to
   the gap fill (``on_outage``), which fetches what the webhook missed.
2. Each X support account: ``XMinutesSinceLastEvent`` (dimension ``account``), the minutes
   since the latest customer message stored for it; past the brand's
   ``x.silent_after_minutes`` an ERROR names the account and ``XAccountsSilent`` counts it
   (alarmed). A webhook X still calls valid can stop delivering for one account (a revoked
   subscription, a token gone): only this catches that, so a silent account's window is
   handed to the gap fill too, for that account alone.

Each account's "filled until" mark (written when a window is handed over) starts the next
silent account's window (less two minutes: X's timeline may show a post a little late), so
a silence that lasts hours is read 15 minutes at a time, not from its start every run: the
mentions timeline bills per post returned, and a truly quiet account returns none. An
invalid webhook's window is never shortened by a mark: it runs from the latest customer
message of any account.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from math import ceil
from typing import Protocol

from aws_lambda_powertools.metrics import single_metric

from socialcare.config.brands import Brand
from socialcare.observability import MetricUnit, logger, metrics
from socialcare.platforms.x.admin import Webhook

NAMESPACE = "socialcare"
DEFAULT_OUTAGE_LOOKBACK = timedelta(hours=24)  # no event stored at all: how far back to fill
MARK_OVERLAP = timedelta(minutes=2)


@dataclass(frozen=True)
class XOutage:
    """What the gap fill receives: the window X may not have delivered, and why."""

    webhook_id: str | None  # None: one account went silent, the webhook looks valid
    start: datetime
    end: datetime
    reason: str
    accounts: frozenset[str] | None = None  # None: every account (the webhook was down)

    def gap_fills(self, brands: Iterable[Brand]) -> list[dict[str, str]]:
        """One gap-fill request per X support account concerned (the gap fill function's
        input)."""
        why = f"{self.reason} (webhook {self.webhook_id})" if self.webhook_id else self.reason
        return [
            {
                "brand": brand.id,
                "account_id": account.id,
                "from": self.start.isoformat(),
                "to": self.end.isoformat(),
                "reason": why,
            }
            for brand in brands
            for account in brand.accounts.x
            if self.accounts is None or account.id in self.accounts
        ]


class WebhookAdmin(Protocol):
    def webhooks(self) -> list[Webhook]: ...
    def revalidate(self, webhook_id: str) -> bool: ...


class LastEvents(Protocol):
    def latest_inbound(self, brand_id: str, account_id: str, days: list[str]) -> datetime | None:
        """The latest customer message stored for the account in conversations begun on
        ``days`` (UTC dates)."""

    def filled_until(self, account_id: str) -> datetime | None:
        """Where the account's last handed-over gap fill window ended."""

    def mark_filled(self, account_id: str, until: datetime) -> None: ...


@dataclass
class HealthDeps:
    admin: WebhookAdmin
    events: LastEvents
    brands: Iterable[Brand]
    now: Callable[[], datetime]
    on_outage: Callable[[XOutage], None]


@dataclass
class Health:
    invalid: list[str] = field(default_factory=list)  # webhook ids X reported invalid
    revalidated: list[str] = field(default_factory=list)  # ... and X attempted a CRC
    silent: list[str] = field(default_factory=list)  # account ids past their threshold
    minutes: dict[str, int] = field(default_factory=dict)  # account id -> minutes


def lookback_days(now: datetime, silent_after_minutes: int | None) -> list[str]:
    """The UTC days whose conversations are read: enough to see past the threshold, two at
    least (a conversation begun before midnight gets messages after it)."""
    span = max(2, ceil((silent_after_minutes or 0) / 1440) + 1)
    return [(now - timedelta(days=n)).date().isoformat() for n in range(span)]


def check(deps: HealthDeps) -> Health:
    now = deps.now()
    health = Health()
    seen: dict[str, datetime | None] = {}  # account -> its latest customer message
    _measure_silence(deps, now, health, seen)
    latest_seen = [moment for moment in seen.values() if moment is not None]
    for hook in deps.admin.webhooks():
        if hook.valid:
            continue
        health.invalid.append(hook.id)
        logger.error("x webhook invalid: revalidating", extra={"webhook_id": hook.id})
        # Once per run. X answers "attempted" and runs the CRC (perhaps after answering):
        # the next run reads the outcome, and alarms again if it is still invalid.
        if deps.admin.revalidate(hook.id):
            health.revalidated.append(hook.id)
        else:
            logger.error("x webhook revalidation not attempted", extra={"webhook_id": hook.id})
        start = max(latest_seen) if latest_seen else now - DEFAULT_OUTAGE_LOOKBACK
        deps.on_outage(XOutage(hook.id, start, now, "webhook invalid"))
    silent = [] if health.invalid else health.silent  # else every account went to a fill
    for account in silent:
        start = seen[account] or now - DEFAULT_OUTAGE_LOOKBACK
        filled = deps.events.filled_until(account)
        if filled is not None:
            # X's timeline may show a post a little after it was made: the windows overlap a
            # little (what is read twice is absorbed as a duplicate).
            start = max(start, filled - MARK_OVERLAP)
        if start < now:
            deps.on_outage(XOutage(None, start, now, "account silent", frozenset({account})))
    for account in seen if health.invalid else silent:
        deps.events.mark_filled(account, now)
    metrics.add_metric(name="XWebhookInvalid", unit=MetricUnit.Count, value=len(health.invalid))
    return health


def _measure_silence(
    deps: HealthDeps, now: datetime, health: Health, seen: dict[str, datetime | None]
) -> None:
    """Each account's minutes since its last customer message (a metric, ``health.minutes``)
    and the accounts past their brand's threshold (``health.silent``)."""
    for brand in deps.brands:
        threshold = brand.x.silent_after_minutes
        days = lookback_days(now, threshold)
        for account in brand.accounts.x:
            last = deps.events.latest_inbound(brand.id, account.id, days)
            seen[account.id] = last
            ceiling = len(days) * 1440  # never seen in the window: at least this long
            since = ceiling if last is None else int((now - last).total_seconds() // 60)
            minutes = min(ceiling, since)
            health.minutes[account.id] = minutes
            _account_metric(account.id, minutes)
            if threshold is not None and minutes > threshold:
                health.silent.append(account.id)
                logger.error(
                    "x account silent",
                    extra={"account_id": account.id, "brand": brand.id, "minutes": minutes},
                )
    metrics.add_metric(name="XAccountsSilent", unit=MetricUnit.Count, value=len(health.silent))


def _account_metric(account_id: str, minutes: int) -> None:
    """Its own EMF document: the ``account`` dimension must not reach the run's metrics."""
    with single_metric(
        name="XMinutesSinceLastEvent",
        unit=MetricUnit.Count,
        value=minutes,
        namespace=NAMESPACE,
        default_dimensions=metrics.default_dimensions,
    ) as metric:
        metric.add_dimension(name="account", value=account_id)
