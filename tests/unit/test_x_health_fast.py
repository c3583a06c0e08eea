"""Is X still delivering? (services/x_health.py) on in-memory ports: which windows go to the
gap fill, for which accounts, from when; the moto and X stand-in run is in
tests/integration/test_x_webhook_health.py."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from functions.x_webhook_health import app as health_function
from socialcare.config import load_brands
from socialcare.platforms.x.admin import Webhook
from socialcare.services.x_health import Health, HealthDeps, XOutage, check
from tests.conftest import BRANDS_DIR, EVENTS, LambdaContext
from tests.support.fake_x_health import FakeLastEvents, FakeOutageMarks, FakeWebhookAdmin

ACME = load_brands(BRANDS_DIR).brands["acme"]  # X account 1500000000000000001, silent > 240 min
ACCOUNT = "1500000000000000001"
NOW = datetime(2026, 8, 24, 12, 0, tzinfo=UTC)
VALID = Webhook(id="wh1", url="https://desk.example/webhooks/x", valid=True)
INVALID = Webhook(id="wh1", url="https://desk.example/webhooks/x", valid=False)


def run(admin: FakeWebhookAdmin, events: FakeLastEvents) -> tuple[list[XOutage], Health]:
    handed: list[XOutage] = []
    health = check(HealthDeps(admin, events, [ACME], lambda: NOW, handed.append))
    return handed, health


def test_a_valid_webhook_and_a_recent_message_hand_nothing_over() -> None:
    events = FakeLastEvents(latest={ACCOUNT: NOW - timedelta(minutes=30)})
    admin = FakeWebhookAdmin([VALID])
    handed, health = run(admin, events)
    assert handed == [] and admin.revalidated == []
    assert health.minutes == {ACCOUNT: 30} and health.silent == []
    assert events.filled == {}


def test_an_invalid_webhook_is_revalidated_and_its_window_runs_from_the_latest_message() -> None:
    last = NOW - timedelta(minutes=50)
    events = FakeLastEvents(latest={ACCOUNT: last})
    admin = FakeWebhookAdmin([INVALID])
    handed, health = run(admin, events)
    assert admin.revalidated == ["wh1"] and health.revalidated == ["wh1"]
    assert handed == [XOutage("wh1", last, NOW, "webhook invalid")]  # every account
    assert events.filled == {ACCOUNT: NOW}
    assert [r["account_id"] for r in handed[0].gap_fills([ACME])] == [a.id for a in ACME.accounts.x]


def test_a_revalidation_x_did_not_attempt_still_hands_the_window_over() -> None:
    admin = FakeWebhookAdmin([INVALID], attempts=False)
    handed, health = run(admin, FakeLastEvents(latest={ACCOUNT: NOW - timedelta(hours=1)}))
    assert health.revalidated == [] and health.invalid == ["wh1"]
    assert len(handed) == 1


def test_a_silent_account_hands_over_its_own_window_from_its_last_message() -> None:
    last = NOW - timedelta(minutes=300)
    events = FakeLastEvents(latest={ACCOUNT: last})
    handed, health = run(FakeWebhookAdmin([VALID]), events)
    assert health.silent == [ACCOUNT]
    assert handed == [XOutage(None, last, NOW, "account silent", frozenset({ACCOUNT}))]
    assert events.filled[ACCOUNT] == NOW


def test_a_long_silence_is_read_from_the_last_mark_not_from_its_start() -> None:
    """The mentions timeline bills per post: 15 minutes at a time, overlapping by two."""
    events = FakeLastEvents(
        latest={ACCOUNT: NOW - timedelta(hours=6)}, filled={ACCOUNT: NOW - timedelta(minutes=15)}
    )
    handed, _ = run(FakeWebhookAdmin([VALID]), events)
    [outage] = handed
    assert outage.start == NOW - timedelta(minutes=17) and outage.end == NOW


def test_an_account_never_heard_from_is_read_back_a_day() -> None:
    events = FakeLastEvents()
    handed, health = run(FakeWebhookAdmin([VALID]), events)
    [outage] = handed
    assert outage.start == NOW - timedelta(hours=24)
    assert health.minutes[ACCOUNT] == 2 * 1440
    assert events.days_read[0] == ["2026-08-24", "2026-08-23"]


def alarm_event(state: str, at: str) -> dict[str, Any]:
    """The sample SNS notification (events/sns_x_delivery_alarm.json) in another state."""
    event: dict[str, Any] = json.loads((EVENTS / "sns_x_delivery_alarm.json").read_text("utf-8"))
    message = json.loads(event["Records"][0]["Sns"]["Message"])
    message |= {"NewStateValue": state, "StateChangeTime": at}
    event["Records"][0]["Sns"]["Message"] = json.dumps(message)
    return event


def on_sns(event: dict[str, Any], marks: FakeOutageMarks) -> tuple[list[XOutage], int]:
    handed: list[XOutage] = []
    deps = HealthDeps(FakeWebhookAdmin(), FakeLastEvents(), [ACME], lambda: NOW, handed.append)
    result = health_function.lambda_handler(event, LambdaContext(), deps=deps, marks=marks)
    return handed, int(result["outages_handed_over"])


def test_our_503_outage_is_handed_to_the_gap_fill_once_when_its_alarm_clears() -> None:
    marks = FakeOutageMarks()
    assert on_sns(alarm_event("ALARM", "2026-08-24T09:41:00.000+0000"), marks) == ([], 0)
    # SNS delivers the ALARM again, later: the first start stays.
    on_sns(alarm_event("ALARM", "2026-08-24T09:50:00.000+0000"), marks)
    handed, count = on_sns(alarm_event("OK", "2026-08-24T10:05:00.000+0000"), marks)
    [outage] = handed
    assert count == 1 and outage.accounts is None  # a 503 does not say whose delivery it was
    assert outage.start == datetime(2026, 8, 24, 9, 39, tzinfo=UTC)  # less period and margin
    assert outage.end == datetime(2026, 8, 24, 10, 5, tzinfo=UTC)
    assert on_sns(alarm_event("OK", "2026-08-24T10:05:00.000+0000"), marks) == ([], 0)


def test_an_ok_whose_alarm_never_came_fills_the_quarter_hour_before_it() -> None:
    [outage], _ = on_sns(alarm_event("OK", "2026-08-24T10:05:00.000+0000"), FakeOutageMarks())
    assert outage.start == datetime(2026, 8, 24, 9, 50, tzinfo=UTC)
