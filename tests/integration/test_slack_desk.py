"""/care through the real Bolt app: signed like Slack signs, answered ephemerally, customer
text escaped; forged or stale requests get 401. DynamoDB in moto."""

import json
import time
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from socialcare.adapters.conversation_reads import ConversationReads
from socialcare.adapters.desk_store import DynamoDeskStore
from socialcare.adapters.slack import SlackPoster
from socialcare.adapters.sqs import SqsOutbox
from socialcare.config import load_brands
from socialcare.desk_app import DeskRequestHandler, build_app
from socialcare.services.care import DeskDeps
from socialcare.services.desk_actions import ActionDeps
from socialcare.services.x_webhook import XWebhookDeps
from socialcare.slack.secrets import SlackSecrets
from socialcare_tools import local_secrets as local
from socialcare_tools.local.standins import StandIns
from socialcare_tools.samples import JANE, tweet
from socialcare_tools.template_resources import Backbone, create_queue
from tests.conftest import BRANDS_DIR, LambdaContext
from tests.support.clocks import a_waiting_conversation, classify_with_clocks, set_status
from tests.support.desk_cases import (
    command,
)
from tests.support.queues import queued_records

pytestmark = pytest.mark.integration
SECRETS = SlackSecrets.model_validate(local.SLACK_SECRET_VALUE)


@pytest.fixture
def slack_url(slack: StandIns) -> str:
    return slack.slack_url


def answer(
    backbone: Backbone, event: dict[str, Any], slack_url: str, now: datetime | None = None
) -> dict[str, Any]:
    """What Slack gets back; Bolt checks the bot token on the Slack stand-in (auth.test)."""
    deps = DeskDeps(
        store=ConversationReads(backbone.table),
        brands=load_brands(BRANDS_DIR),
        clock=(lambda: now) if now else None,
    )
    actions = ActionDeps(
        store=DynamoDeskStore(backbone.table),
        outbox=SqsOutbox(create_queue("OutboxQueue")),
        slack=SlackPoster(lambda: SECRETS, slack_url),
        brands=deps.brands,
    )
    app = build_app(SECRETS, deps, actions, slack_url)
    handler = DeskRequestHandler(app, SECRETS.signing_secret.get_secret_value())
    response: dict[str, Any] = handler.handle(event, LambdaContext())
    return response


def test_care_queue_lists_what_waits_with_the_most_urgent_reply_first(
    backbone: Backbone, x_live: XWebhookDeps, machine: str, slack_url: str
) -> None:
    a_waiting_conversation(backbone, x_live, machine)
    response = answer(backbone, command("queue"), slack_url)
    assert response["statusCode"] == 200
    body = response["body"]
    assert '"response_type":"ephemeral"' in body.replace(" ", "")
    assert "1 waiting, the most urgent reply first" in body
    assert "*overdue* since 24 Aug" in body and "@janeroe" in body


def test_care_show_escapes_what_the_customer_wrote(
    backbone: Backbone, x_live: XWebhookDeps, machine: str, slack_url: str
) -> None:

    hostile = tweet("300", "@AcmeSupport <!channel> *free* <https://evil.example|bank.com>")
    classify_with_clocks(backbone, machine, queued_records(backbone, x_live, hostile))
    [meta] = [
        i
        for i in boto3.client("dynamodb").scan(TableName=backbone.table)["Items"]
        if i["sk"]["S"] == "META"
    ]
    body = answer(backbone, command(f"show {meta['id']['S']}"), slack_url)["body"]
    assert (
        "<!channel>" not in body and "&amp;lt;!channel&amp;gt;" in body
    ) or "&lt;!channel&gt;" in body
    assert "<https://evil.example|bank.com>" not in body
    assert "Jane Roe" in body


def test_care_show_keeps_the_name_on_one_line_and_quotes_every_line_of_text(
    backbone: Backbone, x_live: XWebhookDeps, machine: str, slack_url: str
) -> None:

    spoofer = JANE | {"name": "Jane\n*P1* \u202e:rotating_light:"}
    text = "@AcmeSupport hi\n*resolved by* @\u200bchannel :rotating_light:"
    classify_with_clocks(
        backbone, machine, queued_records(backbone, x_live, tweet("301", text, user=spoofer))
    )
    [meta] = [
        i
        for i in boto3.client("dynamodb").scan(TableName=backbone.table)["Items"]
        if i["sk"]["S"] == "META"
    ]
    body = answer(backbone, command(f"show {meta['id']['S']}"), slack_url)["body"]
    shown = json.loads(body)["text"].split("\n")
    assert shown[0].startswith("*Jane ∗P1∗ ꞉rotating_light:* (@janeroe)")
    assert shown[-1] == ">∗resolved by∗ ＠channel ꞉rotating_light:"
    assert shown[-2].startswith("> ") and shown[-2].endswith("  @AcmeSupport hi")


@pytest.mark.parametrize(
    ("signing", "why"),
    [({"secret": "not-the-secret"}, "forged"), ({"timestamp": int(time.time()) - 3600}, "stale")],
)
def test_a_forged_or_stale_request_gets_401_and_no_answer(
    backbone: Backbone, signing: dict[str, Any], why: str, slack_url: str
) -> None:
    response = answer(backbone, command("queue", **signing), slack_url)
    assert response["statusCode"] == 401, why
    assert "waiting" not in response.get("body", "")


def test_unknown_words_get_the_usage(backbone: Backbone, slack_url: str) -> None:
    body = answer(backbone, command("dance <!here>"), slack_url)["body"]
    assert "I don't know" in body and "*/care queue*" in body and "<!here>" not in body


def test_care_stats_counts_the_days_conversations_through_the_day_index(
    backbone: Backbone, x_live: XWebhookDeps, machine: str, slack_url: str
) -> None:
    from tests.support.clocks import classify_with_clocks

    classify_with_clocks(
        backbone, machine, queued_records(backbone, x_live, tweet("100", "@AcmeSupport hi, order?"))
    )
    set_status(backbone, "answered")  # an agent answered Jane
    bot = {**JANE, "id_str": "777", "screen_name": "promo"}
    other = {**JANE, "id_str": "888", "screen_name": "kate"}
    classify_with_clocks(
        backbone,
        machine,
        queued_records(
            backbone,
            x_live,
            tweet("200", "@AcmeSupport WIN a free iPhone https://x.co/a", user=bot),
            tweet("300", "@AcmeSupport where is my parcel?", user=other),
        ),
    )
    evening = datetime(2026, 8, 24, 18, 0, tzinfo=UTC)
    text = json.loads(answer(backbone, command("stats"), slack_url, evening)["body"])["text"]
    assert "2 conversations · answered 1 (50 %) · waiting 1 (1 past their reply deadline)" in text
    assert "spam 1" in text
    # What the figures read: the narrow index, never a conversation's text or customer.
    rows = boto3.client("dynamodb").query(
        TableName=backbone.table,
        IndexName="DayStats",
        KeyConditionExpression="day_pk = :day",
        ExpressionAttributeValues={":day": {"S": "DAY#acme#2026-08-24"}},
    )["Items"]
    assert len(rows) == 3
    assert set().union(*rows) <= {"pk", "sk", "day_pk", "day_sk", "status", "priority", "queue_sk"}
    entries = ConversationReads(backbone.table).started_on("acme", "2026-08-24")
    assert sorted(e.status for e in entries) == ["answered", "open", "spam"]
