"""Building a brand's report for a period: read the conversations that began in it (and in
the previous period, for the comparison), their messages and clock events, turn them into
facts, compute the figures.

The reads follow days, not conversations: the conversations of each UTC day the periods
touch (ByDay), then everything that happened on each day from the previous period's start
to the report's cutoff (ByActivityDay), kept for the conversations asked about. A week at
~6,700 conversations a day is a few hundred Query pages, not ~94,000 queries."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from socialcare.config.brands import Brand
from socialcare.reports.facts import Activity, ConversationFacts, Seen, Started
from socialcare.reports.figures import Figures, compute, report_cutoff
from socialcare.reports.period import Period, utc_days


class ReportStore(Protocol):
    def started_on_day(self, brand_id: str, day: str) -> list[Started]: ...
    def activity_on_day(
        self, brand_id: str, day: str, wanted: set[str]
    ) -> Iterable[tuple[str, Seen]]: ...
    def activity_of(self, conversation_id: str) -> list[Seen]: ...
    def spikes(self, brand_id: str, topics: list[str], hours: list[str]) -> list[str]: ...


@dataclass(frozen=True)
class ReportDeps:
    store: ReportStore


def conversations_of(brand: Brand, period: Period, store: ReportStore) -> list[Started]:
    """The conversations whose first message falls in the period (local days, read as the
    UTC days of the ByDay index they overlap)."""
    return [
        started
        for day in period.utc_days()
        for started in store.started_on_day(brand.id, day)
        if period.holds(started.created_at)
    ]


def activity_of(
    brand: Brand,
    conversations: list[Started],
    since: datetime,
    until: datetime,
    store: ReportStore,
) -> dict[str, Activity]:
    """Each conversation's messages and clock events up to ``until``, read by the days they
    happened on and boiled down to facts as they come. A day early: a message can be older
    than the one that opened its conversation (delivered out of order). A conversation with
    no customer message found was stored before items carried activity keys: its partition
    is read instead."""
    found = {started.id: Activity() for started in conversations}
    wanted = set(found)
    for day in utc_days(since - timedelta(days=1), until):
        for conversation_id, seen in store.activity_on_day(brand.id, day, wanted):
            found[conversation_id].add(seen)
    for conversation_id, activity in found.items():
        if not activity.has_inbound:
            found[conversation_id] = Activity.of(store.activity_of(conversation_id))
    return found


def build_figures(
    brand: Brand, period: Period, deps: ReportDeps, as_of: datetime | None = None
) -> Figures:
    store = deps.store
    before = period.previous()
    current, previous = (
        conversations_of(brand, period, store),
        conversations_of(brand, before, store),
    )
    # The period before is seen with the same lag (figures.compute): its items are read up
    # to this period's cutoff, which covers that.
    cutoff = report_cutoff(period, as_of)
    activity = activity_of(brand, previous + current, before.start, cutoff, store)
    facts = [ConversationFacts.gathered(c, activity.pop(c.id)) for c in current]
    earlier = [ConversationFacts.gathered(c, activity.pop(c.id)) for c in previous]
    topics = sorted({f.topic for f in facts if f.topic})
    hours = [
        (period.start + timedelta(hours=h)).strftime("%Y-%m-%dT%H")
        for h in range(int((period.end - period.start).total_seconds() // 3600))
    ]
    spikes = store.spikes(brand.id, topics, hours) if topics else []
    return compute(facts, earlier, period, brand.policies.calendar, spikes, as_of=as_of)
