"""The report's figures against a fixture whose expected numbers are worked out by hand here
(see each comment), not by calling the code under test: Monday 24 Aug 2026 in Moscow
(UTC+3), business hours Mon-Fri 09:00-18:00."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from socialcare.adapters.report_store import seen_of, started_of
from socialcare.reports import render
from socialcare.reports.facts import FIRST_TEXT_CHARS, Activity, ConversationFacts, MessageFact
from socialcare.reports.figures import HORIZON, compute
from socialcare.reports.period import Period, PeriodKind
from tests.support.report_cases import (
    C1,
    C2,
    C3,
    C4,
    C5,
    CALENDAR,
    DAY,
    MSK,
    PREVIOUS,
    at,
    clock,
    conversation,
)

# Spans midnight: written at 23:30, answered at 00:30 the next day, after the period.
# Before opening hours: 75 minutes by the clock, 15 in business time. A returning customer,
# who writes again at 11:00 (answered 11:20), resolved at noon.


@pytest.fixture(scope="module")
def figures():  # type: ignore[no-untyped-def]
    return compute([C1, C2, C3, C4, C5], PREVIOUS, DAY, CALENDAR)


def test_volume_customers_and_spam(figures) -> None:  # type: ignore[no-untyped-def]
    assert figures.headline.conversations == 4 and figures.spam == 1
    assert figures.by_platform == {"x": 2, "vk": 2}
    assert figures.by_channel == {"public": 3, "private": 1}
    hours = [0] * 24
    hours[8] = hours[10] = hours[14] = hours[23] = 1  # local hours, not UTC
    assert figures.by_hour == hours
    assert (figures.new_customers, figures.returning_customers) == (3, 1)


def test_response_rate_and_first_response_times(figures) -> None:  # type: ignore[no-untyped-def]
    h = figures.headline
    assert h.answered == 2 and h.response_rate == 0.5  # c1, c3; c2's answer came the next day
    assert h.within_hour == 0.25 and h.within_day == 0.5  # only c1 within the hour
    frt = figures.first_response
    assert (frt.calendar.median, frt.calendar.p90, frt.calendar.mean) == (3150, 4500, 3150)
    assert (frt.business.median, frt.business.p90, frt.business.mean) == (1350, 1800, 1350)


def test_next_response_and_resolution(figures) -> None:  # type: ignore[no-untyped-def]
    assert figures.next_response.calendar.median == 1200  # 11:00 -> 11:20
    assert figures.resolution.calendar.median == 4 * 3600  # 08:00 -> 12:00
    assert figures.resolution.business.median == 3 * 3600  # 09:00 -> 12:00


def test_deadlines_warnings_breaches_escalations(figures) -> None:  # type: ignore[no-untyped-def]
    first = figures.clocks["first_response"]
    assert (first.started, first.met, first.breached) == (3, 2, 1)
    assert figures.clocks["next_response"].met == 1
    assert figures.headline.deadlines_met == 3 / 4  # 2 + 1 met of 4 decided
    assert (figures.warnings, figures.breaches, figures.escalations_by_tier) == (1, 1, {1: 1})


def test_topics_sentiment_and_the_answer_base(figures) -> None:  # type: ignore[no-untyped-def]
    assert [(t.topic, t.count, t.change) for t in figures.topics] == [
        ("delivery", 2, -1),
        ("order_status", 1, 1),
        ("other", 1, 1),
    ]
    assert figures.sentiment == {"negative": 0.5, "neutral": 0.25, "positive": 0.25}
    assert figures.suggested_share == 1 / 5  # c1's of five customer messages
    assert figures.used_suggestion_share == 1 / 3  # c1's of three replies in the period


def test_agents_slowest_and_backlog(figures) -> None:  # type: ignore[no-untyped-def]
    assert [(a.agent, a.answered, a.replies) for a in figures.agents] == [
        ("U1", 1, 1),
        ("U2", 1, 2),
    ]
    assert figures.agents[1].first_response.median == 4500
    assert [f.id for f in figures.slowest] == ["c3", "c1"]
    assert [f.id for f in figures.backlog] == ["c5", "c2"]  # oldest first


def test_the_previous_period_is_compared(figures) -> None:  # type: ignore[no-untyped-def]
    assert figures.previous.conversations == 3 and figures.previous.response_rate == 1.0
    assert figures.previous.first_response_median == 3600


def test_a_period_with_no_conversations_is_empty_with_no_rates() -> None:
    empty = compute([], [], DAY, CALENDAR)
    assert empty.empty and empty.headline.response_rate is None
    assert empty.first_response.calendar.median is None and empty.topics == []


def test_business_time_over_a_weekend() -> None:
    week = Period(PeriodKind.WEEK, date(2026, 8, 17), MSK)
    friday = conversation(
        "f", at(17, day=21), first_response_at=at(10, day=22), first_responder="U1"
    )  # Friday 17:00 -> Saturday 10:00: 17 hours by the clock, one business hour
    found = compute([friday], [], week, CALENDAR)
    assert found.first_response.calendar.median == 17 * 3600
    assert found.first_response.business.median == 3600


def test_periods_follow_the_local_calendar() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    short = Period(PeriodKind.DAY, date(2026, 3, 29), berlin)  # clocks go forward
    assert short.end - short.start == timedelta(hours=23)
    assert DAY.start == datetime(2026, 8, 23, 21, tzinfo=UTC)
    assert DAY.utc_days() == ["2026-08-23", "2026-08-24"]
    monday = datetime(2026, 8, 31, 8, tzinfo=MSK)
    assert Period.ending_before(PeriodKind.WEEK, monday, MSK).first_day == date(2026, 8, 24)


def test_a_report_made_later_counts_answers_given_after_the_period() -> None:
    # Made at 08:00 the next morning: c2's answer at 00:30 now counts (3 of 4 answered).
    later = compute([C1, C2, C3, C4, C5], [], DAY, CALENDAR, as_of=at(8, day=25))
    assert later.headline.answered == 3 and later.headline.response_rate == 0.75
    assert [f.id for f in later.backlog] == ["c5"]
    assert later.first_response.calendar.count == 3
    assert later.first_response.calendar.median == 3600  # 30 min, 60 min, 75 min


def test_a_report_asked_for_long_after_counts_what_happened_up_to_a_week_after() -> None:
    # c2's answer came at 00:30 the next day; a late one, ten days after, is not counted.
    late = conversation("late", at(9), first_response_at=at(9) + timedelta(days=10))
    month_after = compute([C2, late], [], DAY, CALENDAR, as_of=at(9) + timedelta(days=30))
    week_after = compute([C2, late], [], DAY, CALENDAR, as_of=at(0, day=25) + HORIZON)
    assert month_after == week_after
    assert month_after.cutoff == DAY.end + HORIZON
    assert month_after.headline.answered == 1 and [f.id for f in month_after.backlog] == ["late"]


def test_a_breach_after_midnight_counts_in_the_conversations_own_day_once() -> None:
    late = conversation(
        "late",
        at(23, 30),
        clocks=(
            clock("first_response", "started", at(23, 30)),
            clock("first_response", "breached", at(0, 30, day=25)),
        ),
    )
    same_night = compute([late], [], DAY, CALENDAR, as_of=at(8, day=25))
    assert same_night.breaches == 1 and same_night.clocks["first_response"].breached == 1
    at_midnight = compute([late], [], DAY, CALENDAR)  # made at the period's end: not yet
    assert at_midnight.breaches == 0 and at_midnight.clocks["first_response"].breached == 0


def test_the_period_before_is_seen_with_the_same_lag() -> None:
    # Answered 30 minutes after the previous day's end: counted, as this day's 00:30 answer.
    before = conversation("b", at(23, 30, day=23), first_response_at=at(0, 0, day=24))
    made_at_eight = compute([C2], [before], DAY, CALENDAR, as_of=at(8, day=25))
    assert made_at_eight.previous.response_rate == 1.0
    assert made_at_eight.headline.response_rate == 1.0


def test_a_conversation_resolved_without_an_answer_is_not_backlog() -> None:
    closed = conversation("r", at(9), status="resolved", resolved_at=at(9, 5))
    assert compute([closed, C5], [], DAY, CALENDAR).backlog == [C5]


def test_a_send_hour_the_clocks_skip_still_sends_that_day() -> None:
    from socialcare.config.brands import Brand
    from socialcare.services.report_mail import due

    brand = Brand.model_validate(
        {
            "id": "b",
            "name": "B",
            "accounts": {"x": [{"id": "1"}]},
            "reports": {
                "sender": "r@b.example",
                "recipients": ["lead@b.example"],
                "hour": 2,  # 02:00 does not exist in Berlin on 29 March 2026
                "timezone": "Europe/Berlin",
            },
        }
    )
    morning = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 03:30 summer time
    assert [p.first_day for p in due(brand, morning)] == [date(2026, 3, 28)]
    early = due(brand, datetime(2026, 3, 29, 0, 30, tzinfo=UTC))  # 01:30: not yet 02:00
    assert date(2026, 3, 28) not in [p.first_day for p in early]


def test_encrypted_chats_are_counted_as_unreadable_here() -> None:
    chat = conversation(
        "c9",
        at(12),
        channel_type="private",
        messages=(
            MessageFact(True, at(12), encrypted=True),
            MessageFact(True, at(12, 5)),
            MessageFact(True, at(12, 9), encrypted=True),
        ),
    )
    spam = conversation(
        "c10", at(13), status="spam", messages=(MessageFact(True, at(13), encrypted=True),)
    )
    figures = compute([C1, chat, spam], [], DAY, CALENDAR)
    assert figures.encrypted_chats == 2  # spam left out, as everywhere in the report
    assert compute([C1], [], DAY, CALENDAR).encrypted_chats == 0


def test_a_stored_encrypted_chat_reads_as_an_encrypted_message_fact() -> None:
    meta = {"id": "c9", "created_at": "2026-08-24T09:00:00+00:00", "channel_type": "private"}
    items = [
        {
            "sk": "MSG#1",
            "direction": "inbound",
            "kind": "encrypted_chat",
            "text": "",
            "sent_at": "2026-08-24T09:00:00+00:00",
        },
        {
            "sk": "MSG#2",
            "direction": "inbound",
            "kind": "direct",
            "text": "hi",
            "sent_at": "2026-08-24T09:01:00+00:00",
        },
    ]
    activity = Activity.of([seen_of(item) for item in items])
    facts = ConversationFacts.gathered(started_of(meta), activity)
    assert [m.encrypted for m in facts.messages] == [True, False]


def test_the_first_message_is_the_earliest_stored_whatever_order_it_is_read_in() -> None:
    """Activity days are read one by one, and a message can arrive after a later one."""
    later = {
        "sk": "MSG#2026-08-24T09:05:00.000Z#2",
        "direction": "inbound",
        "text": "still waiting",
        "sent_at": "2026-08-24T09:05:00+00:00",
    }
    first = {
        "sk": "MSG#2026-08-24T09:00:00.000Z#1",
        "direction": "inbound",
        "text": "where is my order? " * 40,
        "sent_at": "2026-08-24T09:00:00+00:00",
        "classification": {"priority": {"earlier_conversations": 2}},
    }
    ours = {
        "sk": "MSG#2026-08-24T08:59:00.000Z#0",
        "direction": "outbound",
        "agent": "U1",
        "sent_at": "2026-08-24T08:59:00+00:00",
    }
    activity = Activity.of([seen_of(later), seen_of(ours), seen_of(first)])
    assert activity.first_text == first["text"][:FIRST_TEXT_CHARS]
    assert len(activity.first_text) == FIRST_TEXT_CHARS and activity.returning
    assert [m.inbound for m in activity.messages] == [True, False, True]


def test_messenger_facebook_and_instagram_count_in_every_figure() -> None:
    """A Messenger message answered in 20 minutes inside its deadline, an Instagram comment
    answered in 2 hours after its deadline broke, a Facebook comment never answered."""
    messenger = conversation(
        "m1",
        at(10),
        platform="messenger",
        channel_type="private",
        status="answered",
        first_response_at=at(10, 20),
        first_responder="U1",
        messages=(MessageFact(True, at(10)), MessageFact(False, at(10, 20), agent="U1")),
        clocks=(
            clock("first_response", "started", at(10)),
            clock("first_response", "met", at(10, 20)),
        ),
    )
    instagram = conversation(
        "i1",
        at(11),
        platform="instagram",
        status="answered",
        first_response_at=at(13),
        first_responder="U1",
        messages=(MessageFact(True, at(11)), MessageFact(False, at(13), agent="U1")),
        clocks=(
            clock("first_response", "started", at(11)),
            clock("first_response", "breached", at(12)),
        ),
    )
    facebook = conversation(
        "f1", at(12), platform="facebook", messages=(MessageFact(True, at(12)),)
    )
    found = compute([messenger, instagram, facebook], [], DAY, CALENDAR)
    assert found.by_platform == {"messenger": 1, "instagram": 1, "facebook": 1}
    assert found.headline.conversations == 3
    assert found.headline.answered == 2  # response rate 2 of 3
    assert found.headline.deadlines_met == 0.5  # one met, one breached
    text = render.text(found, "Acme Store")
    assert "Channels             facebook 1, instagram 1, messenger 1" in text
