"""Our own outage towards X: the 503 alarm's notifications (through SNS) reach the health
function, which keeps the outage's start in the table and, when the alarm clears, hands
the window to the gap fill for every X support account."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from functions.x_gap_fill.app import GapFillRequest
from functions.x_webhook_health import app as health_app
from socialcare.adapters.x_activity import DynamoLastEvents
from socialcare.adapters.x_admin import XAdmin
from socialcare.config import load_brands
from socialcare.services.x_health import HealthDeps, XOutage
from socialcare_tools.samples import sns_alarm
from socialcare_tools.template_resources import Backbone
from tests.conftest import BRANDS_DIR, LambdaContext

pytestmark = pytest.mark.integration

BRANDS = list(load_brands(BRANDS_DIR).brands.values())
ALARM_AT = datetime(2026, 12, 6, 3, 20, tzinfo=UTC)
OK_AT = datetime(2026, 12, 6, 3, 47, tzinfo=UTC)


def cloudwatch_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000+0000")  # as CloudWatch writes it


def notify(backbone: Backbone, state: str, at: datetime, outages: list[XOutage]) -> Any:
    return deliver(backbone, sns_alarm(state, cloudwatch_time(at)), at, outages)


def deliver(backbone: Backbone, event: dict[str, Any], at: datetime, outages: list[XOutage]) -> Any:
    deps = HealthDeps(
        admin=XAdmin("never-used", "http://127.0.0.1:9"),  # an alarm reads no webhook
        events=DynamoLastEvents(backbone.table),
        brands=BRANDS,
        now=lambda: at,
        on_outage=outages.append,
    )
    return health_app.lambda_handler(  # type: ignore[call-arg]
        event, LambdaContext(), deps=deps, marks=DynamoLastEvents(backbone.table)
    )


def requests_of(outage: XOutage) -> list[GapFillRequest]:
    return [GapFillRequest.model_validate(r) for r in outage.gap_fills(BRANDS)]


def test_when_the_503_alarm_clears_its_outage_goes_to_the_gap_fill(backbone: Backbone) -> None:
    outages: list[XOutage] = []
    assert notify(backbone, "ALARM", ALARM_AT, outages) == {"outages_handed_over": 0}
    assert outages == []  # not while it lasts: what X sends now may still fail

    assert notify(backbone, "OK", OK_AT, outages) == {"outages_handed_over": 1}

    [outage] = outages
    assert outage.accounts is None  # a 503 does not say whose delivery it was
    assert "503" in outage.reason
    [request] = requests_of(outage)  # acme's one X account
    # from the alarm's minute less its period and a minute of margin, to the all-clear
    assert (request.start, request.end) == (ALARM_AT - timedelta(minutes=2), OK_AT)


def test_repeated_notifications_change_nothing(backbone: Backbone) -> None:
    """SNS delivers at least once: a second ALARM keeps the first start, a second OK hands
    nothing over again (the window would be read, and paid for, twice)."""
    outages: list[XOutage] = []
    notify(backbone, "ALARM", ALARM_AT, outages)
    notify(backbone, "ALARM", ALARM_AT + timedelta(minutes=5), outages)
    notify(backbone, "OK", OK_AT, outages)
    notify(backbone, "OK", OK_AT + timedelta(minutes=1), outages)
    [outage] = outages
    assert outage.start == ALARM_AT - timedelta(minutes=2)


def test_an_all_clear_without_its_alarm_fills_the_quarter_hour_before_it(
    backbone: Backbone,
) -> None:
    outages: list[XOutage] = []
    notify(backbone, "OK", OK_AT, outages)
    [outage] = outages
    assert (outage.start, outage.end) == (OK_AT - timedelta(minutes=15), OK_AT)


def test_insufficient_data_is_not_an_outage(backbone: Backbone) -> None:
    outages: list[XOutage] = []
    notify(backbone, "INSUFFICIENT_DATA", ALARM_AT, outages)
    notify(backbone, "OK", OK_AT, outages)  # no ALARM was kept: the fallback window
    [outage] = outages
    assert outage.start == OK_AT - timedelta(minutes=15)


def test_a_notification_that_is_not_an_alarm_fails_the_invocation(backbone: Backbone) -> None:
    """Lambda retries it, then keeps it in the function's dead-letter queue (alarmed)."""
    event = sns_alarm("ALARM", cloudwatch_time(ALARM_AT))
    event["Records"][0]["Sns"]["Message"] = json.dumps({"AlarmName": "x"})  # no state, no time
    outages: list[XOutage] = []
    with pytest.raises(ValidationError):
        deliver(backbone, event, ALARM_AT, outages)
    assert outages == []
