"""Building a brand's report for a period: read the conversations that began in it (and in
the previous period, for the comparison), turn them into facts, compute the figures."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from socialcare.config.brands import Brand
from socialcare.reports.facts import ConversationFacts, moment
from socialcare.reports.figures import Figures, compute
from socialcare.reports.period import Period


class ReportStore(Protocol):
    def started_on_day(self, brand_id: str, day: str) -> list[dict[str, Any]]: ...
    def items(self, conversation_id: str) -> list[dict[str, Any]]: ...
    def spikes(self, brand_id: str, topics: list[str], hours: list[str]) -> list[str]: ...


@dataclass(frozen=True)
class ReportDeps:
    store: ReportStore


def conversations_of(brand: Brand, period: Period, store: ReportStore) -> list[dict[str, Any]]:
    """The conversations whose first message falls in the period (local days, read as the
    UTC days of the ByDay index they overlap)."""
    found = []
    for day in period.utc_days():
        for meta in store.started_on_day(brand.id, day):
            started = moment(meta.get("created_at"))
            if started is not None and period.holds(started):
                found.append(meta)
    return found


def build_figures(
    brand: Brand, period: Period, deps: ReportDeps, as_of: datetime | None = None
) -> Figures:
    facts = [
        ConversationFacts.of(meta, deps.store.items(str(meta["id"])))
        for meta in conversations_of(brand, period, deps.store)
    ]
    # The period before, for the comparison (its clocks too: deadlines met then and now).
    previous = [
        ConversationFacts.of(meta, deps.store.items(str(meta["id"])))
        for meta in conversations_of(brand, period.previous(), deps.store)
    ]
    topics = sorted({f.topic for f in facts if f.topic})
    hours = [
        (period.start + timedelta(hours=h)).strftime("%Y-%m-%dT%H")
        for h in range(int((period.end - period.start).total_seconds() // 3600))
    ]
    spikes = deps.store.spikes(brand.id, topics, hours) if topics else []
    return compute(facts, previous, period, brand.policies.calendar, spikes, as_of=as_of)
