"""Escalations in the managers' Slack channel: slack_sdk for real, talking HTTP to the local
Slack stand-in (slack_sdk uses urllib, which `responses` cannot stop); secrets and
idempotency records in moto."""

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from functions.escalation_slack import app as poster
from functions.slack_thread import app as thread
from socialcare.devtools import local_secrets as local
from socialcare.devtools.samples import tweet
from socialcare.devtools.template_resources import Backbone, create_queue
from socialcare.errors import StorageUnavailable
from socialcare.local.standins import StandIns
from socialcare.models.escalation import EscalationNotice
from socialcare.services.x_webhook import XWebhookDeps
from tests.conftest import BRANDS_DIR, LambdaContext
from tests.integration.desk_support import to_the_desk
from tests.integration.test_classify import queued_records
from tests.support.inspect import of_kind

pytestmark = pytest.mark.integration


def posts(slack: StandIns) -> list[dict[str, Any]]:
    return [
        call["params"]
        for call in slack.recorder.calls("slack")
        if call["method"] == "chat.postMessage" and call["status"] == 200
    ]


@pytest.fixture
def wired(backbone: Backbone, slack: StandIns, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    arn = boto3.client("secretsmanager").create_secret(
        Name="socialcare/test/slack", SecretString=json.dumps(local.SLACK_SECRET_VALUE)
    )["ARN"]
    for key, value in {
        "TABLE_NAME": backbone.table,
        "BRANDS_DIR": str(BRANDS_DIR),
        "SLACK_SECRET_ARN": arn,
        "SLACK_API_URL": slack.slack_url,
    }.items():
        monkeypatch.setenv(key, value)
    poster.persistence.table_name = backbone.table
    poster.load_settings.cache_clear()
    poster.build_deps.cache_clear()
    yield
    poster.build_deps.cache_clear()
    poster.load_settings.cache_clear()


def sns_event(notice: EscalationNotice, message_id: str = "m-1") -> dict[str, Any]:
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": "arn:aws:sns:eu-west-1:123456789012:escalations:sub",
                "Sns": {
                    "Type": "Notification",
                    "MessageId": message_id,
                    "TopicArn": "arn:aws:sns:eu-west-1:123456789012:escalations",
                    "Subject": "escalation",
                    "Message": notice.model_dump_json(),
                    "Timestamp": "2026-11-26T12:00:00.000Z",
                    "MessageAttributes": {},
                },
            }
        ]
    }


NOTICE = EscalationNotice(
    kind="overdue",
    brand_id="acme",
    tier=2,
    reason="first_response overdue",
    conversation_id="c-1",
    clock="first_response",
    platform="x",
    priority="P2",
    topic="delivery",
    link="https://x.com/janeroe/status/1960000000000000123",
    customer={"name": "<!channel> *Jane* <https://evil.example|bank.com>", "handle": "janeroe"},
)


def test_an_escalation_is_posted_once_to_the_managers_channel_with_the_customer_escaped(
    wired: None, slack: StandIns
) -> None:
    poster.lambda_handler(sns_event(NOTICE, "m-1"), LambdaContext())
    poster.lambda_handler(sns_event(NOTICE, "m-2"), LambdaContext())  # delivered again
    [sent] = posts(slack)
    assert sent["channel"] == "C0ACMEMANAGERS"
    text = sent["text"]
    assert text.startswith("*Overdue reply · tier 2* · first_response overdue")
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text
    assert "<https://evil.example|bank.com>" not in text
    assert "\u2217Jane\u2217" in text and "*Jane*" not in text  # look-alike asterisks, no bold
    assert "<https://x.com/janeroe/status/1960000000000000123|open the message>" in text


def test_an_escalation_keeps_the_customers_name_on_its_line(wired: None, slack: StandIns) -> None:
    spoofer = {"name": "Jane\ntier 3 · :rotating_light: \u202eP1", "handle": "jane\nroe"}
    notice = NOTICE.model_copy(update={"customer": spoofer})
    poster.lambda_handler(sns_event(notice, "m-3"), LambdaContext())
    [sent] = posts(slack)
    lines = sent["text"].split("\n")
    assert "customer: Jane tier 3 · ꞉rotating_light: P1 (@jane roe)" in lines
    assert not [line for line in lines if line.startswith("tier 3")]


def test_a_short_rate_limit_is_waited_out_as_slack_asks(wired: None, slack: StandIns) -> None:
    """Slack's 429 with Retry-After 1: the post waits that second and goes (slack_sdk's
    rate-limit retry handler), no failure, no retry of the whole invocation."""
    slack.slack.fail_next("chat.postMessage", "ratelimited", retry_after=1)
    poster.lambda_handler(sns_event(NOTICE), LambdaContext())
    attempts = [c for c in slack.recorder.calls("slack") if c["method"] == "chat.postMessage"]
    assert len(attempts) == 2 and len(posts(slack)) == 1


def test_a_long_rate_limit_fails_the_invocation_so_lambda_retries_it(
    wired: None, slack: StandIns
) -> None:
    """Retry-After 30 is not slept through in a Lambda function: it fails at once and
    Lambda's retry (minutes later) posts it."""
    slack.slack.fail_next("chat.postMessage", "ratelimited", retry_after=30)
    with pytest.raises(StorageUnavailable, match="ratelimited"):
        poster.lambda_handler(sns_event(NOTICE), LambdaContext())
    assert posts(slack) == []
    poster.lambda_handler(sns_event(NOTICE), LambdaContext())  # Lambda's retry posts it
    assert len(posts(slack)) == 1


def test_a_brand_without_a_managers_channel_posts_nothing(wired: None, slack: StandIns) -> None:
    unknown = NOTICE.model_copy(update={"brand_id": "nobody"})
    assert poster.lambda_handler(sns_event(unknown), LambdaContext()) == {"posted": [None]}
    assert posts(slack) == []


def test_an_escalation_links_the_conversations_slack_thread(wired: None, slack: StandIns) -> None:
    root = str(slack.slack.add_message("C0ACMESUPPORT", "the card", user="U0BOT")["ts"])
    notice = NOTICE.model_copy(update={"slack_thread": {"channel": "C0ACMESUPPORT", "ts": root}})
    poster.lambda_handler(sns_event(notice), LambdaContext())
    [sent] = posts(slack)
    assert f"/C0ACMESUPPORT/p{root.replace('.', '')}|the conversation's thread>" in sent["text"]


def test_a_deadline_warning_goes_into_the_conversations_thread_not_to_the_managers(
    wired: None, slack: StandIns
) -> None:
    root = str(slack.slack.add_message("C0ACMESUPPORT", "the card", user="U0BOT")["ts"])
    warning = NOTICE.model_copy(
        update={
            "kind": "warning",
            "tier": 0,
            "reason": "first_response due 10:30 UTC",
            "slack_thread": {"channel": "C0ACMESUPPORT", "ts": root},
        }
    )
    poster.lambda_handler(sns_event(warning), LambdaContext())
    [sent] = posts(slack)
    assert (sent["channel"], sent["thread_ts"]) == ("C0ACMESUPPORT", root)
    assert "Reply due soon" in sent["text"] and "10:30 UTC" in sent["text"]
    no_thread = warning.model_copy(update={"slack_thread": None, "conversation_id": "c-2"})
    poster.lambda_handler(sns_event(no_thread), LambdaContext())
    assert len(posts(slack)) == 1


def test_a_warning_and_a_breach_redraw_the_conversations_card(
    wired: None, slack: StandIns, backbone: Backbone, x_live: XWebhookDeps
) -> None:
    thread.persistence.table_name = backbone.table
    records = queued_records(backbone, x_live, tweet("100", "@AcmeSupport where is my order?"))
    to_the_desk(backbone, create_queue("DeskQueue"), slack, records)
    [meta] = of_kind(backbone.table, "META")
    poster.persistence.table_name = backbone.table
    warned = {
        "pk": {"S": meta["pk"]},
        "sk": {"S": "CLOCK#first_response#0#warned#0"},
        "event": {"S": "warned"},
        "at": {"S": "2026-08-24T10:25:00.000Z"},
    }
    boto3.client("dynamodb").put_item(TableName=backbone.table, Item=warned)
    warning = NOTICE.model_copy(
        update={
            "kind": "warning",
            "tier": 0,
            "conversation_id": meta["id"],
            "slack_thread": {k: str(v) for k, v in meta["slack_thread"].items()},
        }
    )
    poster.lambda_handler(sns_event(warning), LambdaContext())
    [update] = [c["params"] for c in slack.recorder.calls("slack") if c["method"] == "chat.update"]
    assert update["ts"] == meta["slack_thread"]["ts"]
    assert "deadline near" in json.dumps(update["blocks"])
