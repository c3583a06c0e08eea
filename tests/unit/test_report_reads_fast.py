"""Which conversations and which of their moments a report counts, read from the store by
days (services/reports.py), on an in-memory store: the periods are local, the store's days
UTC; a conversation stored before its items carried days is read by its partition."""

from datetime import UTC, date, datetime

from socialcare.config import load_brands
from socialcare.reports.facts import ClockFact, MessageFact, Seen, Started
from socialcare.reports.period import Period, PeriodKind
from socialcare.services.reports import ReportDeps, build_figures
from tests.conftest import BRANDS_DIR
from tests.support.fake_reports import InMemoryReports

BRAND = load_brands(BRANDS_DIR).brands["acme"]  # Europe/Moscow, UTC+3
WEEK = Period(PeriodKind.WEEK, date(2026, 8, 24), BRAND.zone)
MADE_AT = datetime(2026, 8, 31, 5, tzinfo=UTC)


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 8, day, hour, minute, tzinfo=UTC)


def started(cid: str, when: datetime, **more: object) -> Started:
    return Started(cid, when, "x", "public", str(more.pop("status", "open")), f"@{cid}", **more)  # type: ignore[arg-type]


def asked(when: datetime, text: str = "where is my order?", returning: bool = False) -> Seen:
    position = f"MSG#{when.isoformat()}"
    return Seen(MessageFact(True, when), position, inbound=True, text=text, returning=returning)


def answered(when: datetime, agent: str = "U0AGENT01") -> Seen:
    return Seen(MessageFact(False, when, agent=agent), f"MSG#{when.isoformat()}")


def clock(event: str, when: datetime) -> Seen:
    return Seen(ClockFact("first_response", 0, event, 0, when), f"CLOCK#{when.isoformat()}")


def test_the_week_is_the_brands_local_week_read_as_the_utc_days_it_overlaps() -> None:
    store = InMemoryReports()
    # Monday 01:00 in Moscow is Sunday 22:00 UTC: in the week.
    store.add("acme", started("early", utc(23, 22)), asked(utc(23, 22)))
    # Monday 31 Aug 00:30 in Moscow: the next week, though the 30th in UTC.
    store.add("acme", started("next", utc(30, 21, 30)), asked(utc(30, 21, 30)))
    store.add("acme", started("mid", utc(26, 9)), asked(utc(26, 9)))
    store.add("other", started("theirs", utc(26, 9)), asked(utc(26, 9)))
    figures = build_figures(BRAND, WEEK, ReportDeps(store), as_of=MADE_AT)
    assert sorted(f.id for f in figures.conversations) == ["early", "mid"]
    days = sorted(day for kind, day in store.asked if kind == "day")
    # Both weeks' local days cover 8 UTC days each.
    assert days[0] == "2026-08-16" and days[-1] == "2026-08-30" and len(days) == 16


def test_answers_and_clocks_count_on_the_day_they_happened_not_the_day_it_started() -> None:
    store = InMemoryReports()
    store.add(
        "acme",
        started(
            "c1",
            utc(24, 7),
            status="answered",
            first_response_at=utc(25, 8),
            first_responder="U0AGENT01",
        ),
        asked(utc(24, 7)),
        clock("started", utc(24, 7)),
        answered(utc(25, 8)),
        clock("breached", utc(24, 8)),
    )
    figures = build_figures(BRAND, WEEK, ReportDeps(store), as_of=MADE_AT)
    assert [(a.agent, a.replies) for a in figures.agents] == [("U0AGENT01", 1)]
    assert figures.clocks["first_response"].breached == 1
    assert figures.headline.answered == 1
    assert ("partition", "c1") not in store.asked  # found by its days


def test_what_happened_after_the_cutoff_is_not_counted() -> None:
    store = InMemoryReports()
    store.add(
        "acme",
        started("late", utc(30, 18)),
        asked(utc(30, 18)),
        answered(utc(31, 6)),  # after the report was made
    )
    figures = build_figures(BRAND, WEEK, ReportDeps(store), as_of=MADE_AT)
    assert figures.agents == [] and figures.headline.answered == 0


def test_a_conversation_stored_before_items_carried_days_is_read_by_its_partition() -> None:
    store = InMemoryReports()
    store.add("acme", started("new", utc(25, 9)), asked(utc(25, 9)))
    store.add(
        "acme",
        started("old", utc(25, 10)),
        asked(utc(25, 10), text="my parcel is late", returning=True),
        filed=False,
    )
    figures = build_figures(BRAND, WEEK, ReportDeps(store), as_of=MADE_AT)
    assert [kind_id for kind_id in store.asked if kind_id[0] == "partition"] == [
        ("partition", "old")
    ]
    old = next(f for f in figures.conversations if f.id == "old")
    assert old.first_text == "my parcel is late" and old.returning
    assert figures.returning_customers == 1 and figures.new_customers == 1


def test_the_week_before_is_counted_for_the_comparison() -> None:
    store = InMemoryReports()
    store.add("acme", started("before", utc(18, 9)), asked(utc(18, 9)))
    store.add("acme", started("now1", utc(25, 9)), asked(utc(25, 9)))
    store.add("acme", started("now2", utc(25, 10)), asked(utc(25, 10)))
    figures = build_figures(BRAND, WEEK, ReportDeps(store), as_of=MADE_AT)
    assert figures.headline.conversations == 2 and figures.previous.conversations == 1


def test_spikes_are_asked_for_the_topics_of_the_week_only() -> None:
    store = InMemoryReports(spiked={"delivery 2026-08-25T09"})
    store.add("acme", started("c1", utc(25, 9), topic="delivery"), asked(utc(25, 9)))
    figures = build_figures(BRAND, WEEK, ReportDeps(store), as_of=MADE_AT)
    assert figures.spikes == ["delivery 2026-08-25T09:00 UTC"]
    assert ("spikes", "delivery") in store.asked
    quiet = InMemoryReports()
    quiet.add("acme", started("c2", utc(25, 9)), asked(utc(25, 9)))
    build_figures(BRAND, WEEK, ReportDeps(quiet), as_of=MADE_AT)
    assert not [a for a in quiet.asked if a[0] == "spikes"]  # no topic: nothing to ask
