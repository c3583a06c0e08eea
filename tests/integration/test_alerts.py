"""Escalations that do not wait for a deadline: priority 1 at once, and spikes; once each."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from functions.classify_message import app as classify
from socialcare.adapters.alert_store import DynamoAlertStore
from socialcare.adapters.classify_store import DynamoClassifyStore
from socialcare.adapters.escalations import SnsEscalations
from socialcare.adapters.stepfunctions import StepFunctionsClocks
from socialcare.clock import utc_now
from socialcare.config import load_brands
from socialcare.services.alerts import AlertDeps
from socialcare.services.classify import ClassifyDeps, Knowledge
from socialcare.services.x_webhook import XWebhookDeps
from socialcare_tools.samples import JANE, tweet
from socialcare_tools.template_resources import Backbone
from tests.conftest import BRANDS_DIR, LambdaContext
from tests.integration.conftest import Escalated
from tests.support.queues import queued_records

pytestmark = pytest.mark.integration

URGENT = "@AcmeSupport СРОЧНО! ужасный сервис, где мой заказ?"  # P1 for Jane (1,532 followers)


def classify_with_alerts(
    backbone: Backbone,
    machine: str,
    escalated: Escalated,
    records: list[dict[str, Any]],
    now: datetime | None = None,
) -> None:
    brands = load_brands(BRANDS_DIR).brands.values()
    deps = ClassifyDeps(
        store=DynamoClassifyStore(backbone.table),
        brands={brand.id: Knowledge.of(brand) for brand in brands},
        clocks=StepFunctionsClocks(machine),
        alerts=AlertDeps(DynamoAlertStore(backbone.table), SnsEscalations(escalated.topic)),
        clock=(lambda: now) if now else utc_now,
    )
    classify.lambda_handler({"Records": records}, LambdaContext(), deps=deps)


def test_a_priority_1_conversation_reaches_tier_1_at_once_and_only_once(
    backbone: Backbone, x_live: XWebhookDeps, machine: str, escalated: Escalated
) -> None:
    first = queued_records(backbone, x_live, tweet("100", URGENT))
    classify_with_alerts(backbone, machine, escalated, first)
    [notice] = escalated.received()
    attributes = {k: v["StringValue"] for k, v in notice["MessageAttributes"].items()}
    assert (attributes["kind"], attributes["tier"], attributes["priority"]) == (
        "priority",
        "1",
        "P1",
    )
    body = json.loads(notice["Body"])
    assert "negative sentiment (+2)" in body["reason"] and body["conversation_id"]

    again = tweet("101", "@AcmeSupport СРОЧНО ответьте!!! ужас", reply_to="100")
    classify_with_alerts(backbone, machine, escalated, queued_records(backbone, x_live, again))
    classify_with_alerts(backbone, machine, escalated, [{**first[0], "messageId": "again"}])
    assert escalated.received() == []  # the same response clock: told once


def negative_tweets(start: int, count: int) -> list[dict[str, Any]]:
    people = [
        {**JANE, "id_str": f"66{i}", "screen_name": f"angry{i}", "followers_count": 3}
        for i in range(start, start + count)
    ]
    return [
        tweet(f"7{i}", f"@AcmeSupport курьер опять сорвал доставку, ужас {i}", user=people[n])
        for n, i in enumerate(range(start, start + count))
    ]


def spikes(escalated: Escalated) -> list[dict[str, Any]]:
    return [
        m for m in escalated.received() if m["MessageAttributes"]["kind"]["StringValue"] == "spike"
    ]


def test_a_burst_of_negative_messages_on_one_topic_is_reported_once_as_a_spike(
    backbone: Backbone, x_live: XWebhookDeps, machine: str, escalated: Escalated
) -> None:
    now = datetime(2026, 11, 26, 15, 20, tzinfo=UTC)
    records = queued_records(backbone, x_live, *negative_tweets(0, 4))
    classify_with_alerts(backbone, machine, escalated, records + records[:2], now)  # 2 redelivered
    assert spikes(escalated) == []  # 4 messages: under the minimum of 5
    more = queued_records(backbone, x_live, *negative_tweets(4, 3))
    classify_with_alerts(backbone, machine, escalated, more, now)
    [spike] = spikes(escalated)
    assert spike["MessageAttributes"]["topic"]["StringValue"] == "delivery"
    assert json.loads(spike["Body"])["reason"].startswith("spike: 5 negative messages on delivery")


def test_the_usual_rate_of_a_topic_is_no_spike(
    backbone: Backbone, x_live: XWebhookDeps, machine: str, escalated: Escalated
) -> None:
    now = datetime(2026, 11, 26, 15, 20, tzinfo=UTC)
    store = DynamoAlertStore(backbone.table)
    for hours_ago in range(1, 25):  # 3 negative delivery messages every hour of the last day
        hour = (now - timedelta(hours=hours_ago)).strftime("%Y-%m-%dT%H")
        for n in range(3):
            store.count_negative("acme", "delivery", hour, f"old-{hours_ago}-{n}")
    records = queued_records(backbone, x_live, *negative_tweets(0, 6))
    classify_with_alerts(backbone, machine, escalated, records, now)
    assert spikes(escalated) == []  # 6 against a usual 3: under three times the usual rate


def test_two_priority_1_messages_of_one_conversation_in_one_batch_alert_once(
    backbone: Backbone, x_live: XWebhookDeps, machine: str, escalated: Escalated
) -> None:
    first = tweet("100", URGENT)
    again = tweet(
        "101", "@AcmeSupport СРОЧНО ответьте!!! ужас", reply_to="100", millis=1787566562000
    )
    classify_with_alerts(
        backbone, machine, escalated, queued_records(backbone, x_live, first, again)
    )
    notices = escalated.received()
    assert [n["MessageAttributes"]["kind"]["StringValue"] for n in notices] == ["priority"]
