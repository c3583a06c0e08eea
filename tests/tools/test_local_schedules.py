"""EventBridge schedule expressions as the local stack reads them."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from socialcare_tools.local.schedules import cron_fields, next_cron, rate_seconds

BERLIN = ZoneInfo("Europe/Berlin")


def test_rate_expressions_in_seconds() -> None:
    assert rate_seconds("rate(5 minutes)") == 300
    assert rate_seconds("rate(1 day)") == 86400
    assert rate_seconds("cron(0 8 * * ? *)") is None


def test_cron_drops_the_year_and_reads_question_marks_as_any() -> None:
    assert cron_fields("cron(0 8 * * ? *)") == "0 8 * * *"
    assert cron_fields("rate(1 hour)") is None


def test_numeric_days_of_week_shift_from_sunday_one_to_sunday_zero() -> None:
    # EventBridge: 2 is Monday; standard cron: 1 is Monday.
    assert cron_fields("cron(0 9 ? * 2 *)") == "0 9 * * 1"
    assert cron_fields("cron(0 9 ? * 2-6 *)") == "0 9 * * 1-5"
    assert cron_fields("cron(0 9 ? * MON-FRI *)") == "0 9 * * MON-FRI"


def test_six_fields_are_required() -> None:
    with pytest.raises(ValueError, match="six fields"):
        cron_fields("cron(0 9 * * *)")


def test_the_weekly_report_fires_on_monday_morning_in_the_brands_zone() -> None:
    fields = cron_fields("cron(0 8 ? * MON *)")
    assert fields is not None
    thursday = datetime(2026, 11, 26, 12, 0, tzinfo=BERLIN)
    assert next_cron(fields, thursday) == datetime(2026, 11, 30, 8, 0, tzinfo=BERLIN)


def test_a_daily_schedule_keeps_local_time_across_the_dst_change() -> None:
    fields = cron_fields("cron(0 8 * * ? *)")
    assert fields is not None
    before = datetime(2026, 10, 24, 9, 0, tzinfo=BERLIN)  # summer time ends on Oct 25
    after = next_cron(fields, next_cron(fields, before))
    assert (after.hour, after.utcoffset().total_seconds()) == (8, 3600)  # type: ignore[union-attr]
