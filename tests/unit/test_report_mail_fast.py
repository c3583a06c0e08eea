"""The report function on its triggers (the hourly tick, and events/schedule_daily_report.json
asking for one report) with the report store, its ledger and SES in memory: which reports
go when, once each, and what a refusal leaves owed. SES and DynamoDB on moto:
tests/integration/test_reports.py."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from functions.send_report import app as report_function
from socialcare.config import load_brands
from socialcare.errors import ConfigurationError, StorageUnavailable
from socialcare.reports.facts import MessageFact, Seen, Started
from socialcare.services.report_mail import ReportMailDeps, ReportsFailed
from tests.conftest import BRANDS_DIR, EVENTS, LambdaContext
from tests.support.fake_reports import FakeMailer, InMemoryReportLedger

# Acme's reports go at 08:00 in Moscow (05:00 UTC); 31 August 2026 is a Monday.
MONDAY_8 = datetime(2026, 8, 31, 5, 0, tzinfo=UTC)


class World:
    def __init__(self) -> None:
        self.store, self.mailer = InMemoryReportLedger(), FakeMailer()
        at = datetime(2026, 8, 30, 9, tzinfo=UTC)
        self.store.add(
            "acme",
            Started("c1", at, "x", "public", "open", "@janeroe"),
            Seen(MessageFact(True, at), "MSG#1", inbound=True, text="where is my order?"),
        )

    def run(self, event: dict[str, Any], at: datetime) -> Any:
        deps = ReportMailDeps(
            store=self.store, mailer=self.mailer, brands=load_brands(BRANDS_DIR), clock=lambda: at
        )
        return report_function.lambda_handler(event, LambdaContext(), deps=deps)

    @property
    def subjects(self) -> list[str]:
        return [str(message["Subject"]) for message in self.mailer.sent]


def test_on_monday_at_the_brands_hour_the_day_and_the_week_go_once() -> None:
    world = World()
    # Before Monday's hour: Sunday's report (of Saturday) is owed from Sunday 08:00.
    assert world.run({}, MONDAY_8 - timedelta(minutes=5)) == {"sent": ["acme day 2026-08-29"]}
    sent = world.run({}, MONDAY_8)["sent"]
    assert sent == ["acme day 2026-08-30", "acme week 2026-08-24"]
    assert len(world.subjects) == 3 and all("Acme Store" in s for s in world.subjects)
    assert world.run({}, MONDAY_8 + timedelta(hours=1)) == {"sent": []}  # never twice
    assert len(world.mailer.sent) == 3


def test_a_report_ses_refused_is_owed_and_goes_with_a_later_tick() -> None:
    world = World()
    world.mailer.failing = StorageUnavailable("SES throttled")
    with pytest.raises(ReportsFailed, match="2 report"):
        world.run({}, MONDAY_8)
    world.mailer.failing = None
    later = world.run({}, MONDAY_8 + timedelta(hours=3))["sent"]
    assert later == ["acme day 2026-08-30", "acme week 2026-08-24"]


def test_a_tick_more_than_a_day_late_sends_only_what_is_due_in_its_last_24_hours() -> None:
    world = World()
    # Tuesday 09:00 in Moscow: Monday's reports (of Sunday, of the week) are 25 hours old.
    assert world.run({}, MONDAY_8 + timedelta(hours=25))["sent"] == ["acme day 2026-08-31"]


def test_one_report_asked_for_by_hand_goes_once() -> None:
    world = World()
    asked = json.loads((EVENTS / "schedule_daily_report.json").read_text("utf-8"))
    assert world.run(asked, MONDAY_8)["sent"] == ["Mon 24 Aug 2026"]
    assert world.run(asked, MONDAY_8)["sent"] == []
    [message] = world.mailer.sent
    assert "24 Aug" in str(message["Subject"])


def test_a_period_not_over_yet_is_refused_and_nothing_recorded() -> None:
    world = World()
    with pytest.raises(ConfigurationError, match="has not ended yet"):
        world.run({"brand": "acme", "period": "week", "date": "2026-08-31"}, MONDAY_8)
    assert world.store.ledger == {} and world.mailer.sent == []
