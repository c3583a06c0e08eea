"""Clock arithmetic on business calendars: worked examples, then properties over many
zones, starts and targets (closed hours, holidays, DST changes)."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socialcare.deadlines.arithmetic import (
    due_time,
    effective_due,
    elapsed,
    reply_window_closes,
    warning_time,
)
from socialcare.deadlines.calendar import BusinessCalendar
from socialcare.deadlines.plan import ClockKind, plan_clock
from socialcare.models.common import Platform

MOSCOW = ZoneInfo("Europe/Moscow")
BERLIN = ZoneInfo("Europe/Berlin")
WEEKDAYS_9_TO_18 = dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), ("09:00-18:00",))


def calendar(zone: str = "Europe/Moscow", **changes: object) -> BusinessCalendar:
    fields: dict[str, object] = {"timezone": zone, "hours": WEEKDAYS_9_TO_18} | changes
    return BusinessCalendar.model_validate(fields)


def at(zone: ZoneInfo, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=zone)  # type: ignore[misc]


def test_friday_evening_plus_an_hour_is_monday_morning() -> None:
    friday = at(MOSCOW, 2026, 11, 27, 17, 30)
    assert due_time(friday, timedelta(hours=1), calendar()) == at(MOSCOW, 2026, 11, 30, 9, 30)


def test_a_message_at_night_waits_for_opening_then_counts() -> None:
    night = at(MOSCOW, 2026, 11, 25, 23, 0)
    assert due_time(night, timedelta(minutes=15), calendar()) == at(MOSCOW, 2026, 11, 26, 9, 15)


def test_a_lunch_break_does_not_count() -> None:
    split = calendar(hours={"thu": ("09:00-13:00", "14:00-18:00")})
    start = at(MOSCOW, 2026, 11, 26, 12, 30)
    assert due_time(start, timedelta(hours=1), split) == at(MOSCOW, 2026, 11, 26, 14, 30)


def test_holidays_are_skipped() -> None:
    new_year = calendar(holidays=[date(2026, 12, 31), date(2027, 1, 1)])
    start = at(MOSCOW, 2026, 12, 30, 17, 0)
    assert due_time(start, timedelta(hours=2), new_year) == at(MOSCOW, 2027, 1, 4, 10, 0)


def test_calendar_time_ignores_the_calendar() -> None:
    start = at(MOSCOW, 2026, 11, 27, 17, 30)
    assert due_time(start, timedelta(hours=1)) == start + timedelta(hours=1)


def test_an_overnight_dst_change_shortens_the_night_not_the_business_day() -> None:
    # Berlin springs forward on Sunday 2027-03-28 at 02:00. Open 00:00-24:00 that day: 23 h.
    always = calendar("Europe/Berlin", hours={"sun": ("00:00-24:00",)})
    start = at(BERLIN, 2027, 3, 28, 0, 0)
    assert elapsed(start, at(BERLIN, 2027, 3, 29, 0, 0), always) == timedelta(hours=23)
    # 01:30 + 1 h of open time is 03:30 on the wall: the hour 02:00-03:00 never happened.
    assert due_time(at(BERLIN, 2027, 3, 28, 1, 30), timedelta(hours=1), always) == at(
        BERLIN, 2027, 3, 28, 3, 30
    )


def test_hours_that_open_inside_the_skipped_hour_open_when_the_clock_jumps() -> None:
    early = calendar("Europe/Berlin", hours={"sun": ("02:30-04:00",)})
    windows = early.open_windows(at(BERLIN, 2027, 3, 27, 12, 0))
    opens, closes = next(windows)
    assert opens == at(BERLIN, 2027, 3, 28, 3, 0) and closes == at(BERLIN, 2027, 3, 28, 4, 0)


def test_the_autumn_repeated_hour_counts_twice_when_open() -> None:
    # Berlin falls back on Sunday 2027-10-31 at 03:00 to 02:00: 01:00-04:00 is 4 real hours.
    night = calendar("Europe/Berlin", hours={"sun": ("01:00-04:00",)})
    start = at(BERLIN, 2027, 10, 30, 12, 0)
    assert elapsed(start, start + timedelta(days=2), night) == timedelta(hours=4)


def test_a_pause_pushes_the_due_time_by_the_open_time_it_covered() -> None:
    start = at(MOSCOW, 2026, 11, 26, 10, 0)
    pause = (at(MOSCOW, 2026, 11, 26, 10, 30), at(MOSCOW, 2026, 11, 26, 11, 30))
    assert due_time(start, timedelta(hours=1), calendar(), [pause]) == at(
        MOSCOW, 2026, 11, 26, 12, 0
    )
    still_paused = (at(MOSCOW, 2026, 11, 26, 10, 30), None)
    assert due_time(start, timedelta(hours=1), calendar(), [still_paused]) is None


def test_the_warning_comes_at_three_quarters_of_the_target_by_default() -> None:
    start = at(MOSCOW, 2026, 11, 26, 17, 0)
    assert warning_time(start, timedelta(hours=2), calendar()) == at(MOSCOW, 2026, 11, 27, 9, 30)


def test_messenger_and_instagram_reply_windows_cap_the_due_time() -> None:
    last = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    window = reply_window_closes(Platform.MESSENGER, last)
    assert window == last + timedelta(hours=24)
    assert reply_window_closes(Platform.INSTAGRAM, last, human_agent_tag=True) == last + timedelta(
        days=7
    )
    assert reply_window_closes(Platform.X, last) is None
    late_policy = last + timedelta(days=2)
    assert effective_due(late_policy, window) == window
    assert effective_due(late_policy, None) == late_policy


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "unknown time zone"),
        ({"hours": {"mon": ("18:00-09:00",)}}, "ends before it starts"),
        ({"hours": {"mon": ("09:00-13:00", "12:00-18:00")}}, "intervals overlap"),
        ({"hours": {"mon": ("9-18",)}}, "not an interval"),
        ({"hours": {"mon": ()}}, "never open"),
        ({"hours": {"mon": ("09:00-18:00",)}, "extra": 1}, "Extra inputs"),
    ],
)
def test_a_bad_calendar_is_refused_with_a_clear_reason(
    fields: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        calendar(**fields)


ZONES = ["Europe/Moscow", "Europe/Berlin", "America/New_York", "Europe/Zagreb", "Australia/Sydney"]
HOURS = st.sampled_from(
    [
        WEEKDAYS_9_TO_18,
        {"mon": ("09:00-13:00", "14:00-18:00"), "sat": ("10:00-16:00",)},
        dict.fromkeys(("sat", "sun"), ("00:00-02:30", "22:00-24:00")),  # night shifts, DST hours
        {"wed": ("01:30-03:30",)},
    ]
)
STARTS = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)
TARGETS = st.timedeltas(min_value=timedelta(minutes=1), max_value=timedelta(days=5))
HOLIDAYS = st.sets(st.dates(min_value=date(2026, 1, 1), max_value=date(2029, 1, 31)), max_size=40)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(ZONES), HOURS, HOLIDAYS, STARTS, TARGETS)
def test_a_due_time_is_never_in_closed_hours_and_gives_back_its_target(
    zone: str,
    hours: dict[str, tuple[str, ...]],
    holidays: set[date],
    start: datetime,
    target: timedelta,
) -> None:
    business = calendar(zone, hours=hours, holidays=holidays)
    due = due_time(start, target, business)
    assert due is not None and due > start
    opens, closes = next(business.open_windows(due - timedelta(microseconds=1)))
    assert opens < due <= closes  # inside an open window, or exactly at its closing
    assert due.astimezone(ZoneInfo(zone)).date() not in holidays or (
        due == closes and due.astimezone(ZoneInfo(zone)).time() == datetime.min.time()
    )
    assert elapsed(start, due, business) == target


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(ZONES), HOURS, STARTS, STARTS, TARGETS)
def test_a_later_start_never_gives_an_earlier_due_time(
    zone: str, hours: dict[str, tuple[str, ...]], a: datetime, b: datetime, target: timedelta
) -> None:
    business = calendar(zone, hours=hours)
    early, late = sorted((a, b))
    first, second = due_time(early, target, business), due_time(late, target, business)
    assert first is not None and second is not None and first <= second


def test_the_window_caps_a_direct_conversations_clock_and_not_a_comments() -> None:

    @dataclass(frozen=True)
    class Targets:
        first_response: timedelta = timedelta(hours=48)
        next_response: timedelta = timedelta(hours=48)
        resolution: timedelta = timedelta(days=5)
        warn_at: float = 0.75
        escalate_after: tuple[timedelta, ...] = (timedelta(0),)

    start = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)

    def due(public: bool) -> datetime:
        plan = plan_clock(
            conversation_id="c1",
            brand_id="acme",
            clock=ClockKind.FIRST_RESPONSE,
            started_at=start,
            targets=Targets(),
            calendar=None,
            platform=Platform.INSTAGRAM,
            policy="default",
            policy_version="v1",
            public=public,
        )
        return plan.due_at

    assert due(public=False) == start + timedelta(hours=24)  # Meta's window first
    assert due(public=True) == start + timedelta(hours=48)  # a comment: the policy's own
