"""The X webhook health check: its handler against the X stand-in (which really calls the X
ingest function for its CRC), the moto table ingest writes, and the repository's brands."""

import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from functions.ingest_x import app as ingest_x
from functions.x_gap_fill.app import GapFillRequest
from functions.x_webhook_health import app as health_app
from socialcare.adapters.x_activity import DynamoLastEvents
from socialcare.adapters.x_admin import XAdmin
from socialcare.config import load_brands
from socialcare.services.x_health import HealthDeps, XOutage
from socialcare.services.x_webhook import XWebhookDeps
from socialcare_tools import local_secrets as local
from socialcare_tools.apigw import x_delivery
from socialcare_tools.local.standins import StandIns
from socialcare_tools.samples import tweet, x_tweets
from socialcare_tools.template_resources import Backbone
from tests.conftest import BRANDS_DIR, LambdaContext
from tests.support.metrics import emf
from tests.support.x_webhook_server import Webhook

PUT = "PUT /2/webhooks/:webhook_id"
NOW = datetime.now(UTC).replace(microsecond=0)


def deps(backbone: Backbone, x: StandIns, outages: list[XOutage], now: datetime) -> HealthDeps:
    return HealthDeps(
        admin=XAdmin(local.X_BEARER_TOKEN, x.x_url),
        events=DynamoLastEvents(backbone.table),
        brands=list(load_brands(BRANDS_DIR).brands.values()),
        now=lambda: now,
        on_outage=outages.append,
    )


def check(d: HealthDeps) -> dict[str, Any]:
    return health_app.lambda_handler({}, LambdaContext(), deps=d)  # type: ignore[arg-type]


def registered(x: StandIns, hook: Webhook) -> str:
    return XAdmin(local.X_BEARER_TOKEN, x.x_url).register(hook.url).id


def test_an_invalid_webhook_is_revalidated_once_and_alarmed(
    backbone: Backbone,
    x_standin: StandIns,
    x_webhook: Webhook,
    metrics_on: None,
    captured_logs: io.StringIO,
    capsys: pytest.CaptureFixture[str],
) -> None:
    webhook_id = registered(x_standin, x_webhook)
    x_standin.x.webhooks.invalidate(webhook_id)
    outages: list[XOutage] = []

    result = check(deps(backbone, x_standin, outages, NOW))

    assert result["invalid"] == [webhook_id] and result["revalidated"] == [webhook_id]
    puts = [c for c in x_standin.recorder.calls("x") if c["method"] == PUT]
    assert len(puts) == 1
    x_standin.x.webhooks.settle()  # X's CRC, run after X answered the PUT
    assert x_standin.x.webhooks.crc_checks[-1] == (x_webhook.url, True)
    assert x_standin.x.webhooks.webhooks[webhook_id]["valid"] is True
    errors = [json.loads(line) for line in captured_logs.getvalue().splitlines()]
    assert any(
        e["level"] == "ERROR" and e["message"].startswith("x webhook invalid") for e in errors
    )
    assert emf(capsys.readouterr().out)["XWebhookInvalid"][0][0] == 1.0
    [outage] = outages
    assert outage.webhook_id == webhook_id and outage.end == NOW
    assert outage.start == NOW - timedelta(hours=24)  # nothing stored yet: a day back
    # The gap fill function's input, one per support account, and it accepts it.
    brands = list(load_brands(BRANDS_DIR).brands.values())
    [request] = outage.gap_fills(brands)
    assert request["brand"] == "acme" and request["account_id"] == "1500000000000000001"
    accepted = GapFillRequest.model_validate(request)
    assert (accepted.start, accepted.end) == (NOW - timedelta(hours=24), NOW)


def test_a_webhook_that_stays_invalid_is_revalidated_once_per_run(
    backbone: Backbone,
    x_standin: StandIns,
    x_webhook: Webhook,
    captured_logs: io.StringIO,
) -> None:
    webhook_id = registered(x_standin, x_webhook)
    x_standin.x.webhooks.invalidate(webhook_id)
    x_standin.x.webhooks.consumer_secret = "rotated-on-x"  # our CRC answer is now wrong
    outages: list[XOutage] = []

    for run in (1, 2):
        result = check(deps(backbone, x_standin, outages, NOW))
        x_standin.x.webhooks.settle()
        assert result["invalid"] == [webhook_id]  # alarmed again on the next run
        puts = [c for c in x_standin.recorder.calls("x") if c["method"] == PUT]
        assert len(puts) == run
        assert x_standin.x.webhooks.crc_checks[-1] == (x_webhook.url, False)
    assert captured_logs.getvalue().count("x webhook invalid: revalidating") == 2
    assert len(outages) == 2


def test_a_valid_webhook_is_left_alone(
    backbone: Backbone, x_standin: StandIns, x_webhook: Webhook
) -> None:
    registered(x_standin, x_webhook)
    outages: list[XOutage] = []
    result = check(deps(backbone, x_standin, outages, NOW))
    assert result["invalid"] == []
    assert [o.webhook_id for o in outages] == [None]  # only the never-heard account's fill
    assert not [c for c in x_standin.recorder.calls("x") if c["method"] == PUT]


def test_silence_is_measured_from_the_stored_events(
    backbone: Backbone,
    x_live: XWebhookDeps,
    x_standin: StandIns,
    metrics_on: None,
    captured_logs: io.StringIO,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sent = NOW - timedelta(minutes=30)
    for n, at in enumerate((sent - timedelta(hours=3), sent)):
        delivery = x_delivery(
            x_tweets(
                tweet(
                    f"19700000000000000{n}",
                    "@AcmeSupport hello?",
                    millis=int(at.timestamp() * 1000),
                )
            ),
            local.X_CONSUMER_SECRET,
        )
        assert ingest_x.lambda_handler(delivery, LambdaContext(), deps=x_live)["statusCode"] == 200
    outages: list[XOutage] = []

    result = check(deps(backbone, x_standin, outages, NOW))
    assert result["minutes"] == {local.X_ACCOUNT_ID: 30}
    assert result["silent"] == []
    printed = emf(capsys.readouterr().out)
    [(minutes, dimensions)] = printed["XMinutesSinceLastEvent"]
    assert minutes == 30.0 and dimensions["account"] == local.X_ACCOUNT_ID
    assert printed["XAccountsSilent"][0][0] == 0.0

    later = NOW + timedelta(hours=4)  # acme: silent_after_minutes 240
    result = check(deps(backbone, x_standin, outages, later))
    assert result["minutes"] == {local.X_ACCOUNT_ID: 270}
    assert result["silent"] == [local.X_ACCOUNT_ID]
    assert emf(capsys.readouterr().out)["XAccountsSilent"][0][0] == 1.0
    assert "x account silent" in captured_logs.getvalue()
    # The webhook looks valid, yet nothing came for this account (a revoked subscription, a
    # token gone): its window since the last message goes to the gap fill, for it alone.
    brands = list(load_brands(BRANDS_DIR).brands.values())
    [outage] = outages
    assert outage.webhook_id is None and outage.accounts == frozenset({local.X_ACCOUNT_ID})
    [request] = outage.gap_fills(brands)
    asked = GapFillRequest.model_validate(request)
    assert (asked.start, asked.end) == (sent, later)
    # Still silent a run later: the next window starts where the last one ended, so the
    # timeline is not read (and paid for) again from the start of the silence.
    check(deps(backbone, x_standin, outages, later + timedelta(minutes=15)))
    [request] = outages[-1].gap_fills(brands)
    asked = GapFillRequest.model_validate(request)
    overlap = timedelta(minutes=2)  # X's timeline may show a post a little late
    assert (asked.start, asked.end) == (later - overlap, later + timedelta(minutes=15))


def test_an_account_never_heard_from_counts_as_silent_for_the_whole_window(
    backbone: Backbone, x_standin: StandIns
) -> None:
    result = check(deps(backbone, x_standin, [], NOW))
    assert result["minutes"] == {local.X_ACCOUNT_ID: 2 * 1440}
    assert result["silent"] == [local.X_ACCOUNT_ID]
