"""Escalations in the managers' Slack channel: slack_sdk for real, talking HTTP to the local
Slack stand-in (slack_sdk uses urllib, which `responses` cannot stop); secrets and
idempotency records in moto."""

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from functions.escalation_slack import app as poster
from socialcare.models.conversation import SlackPost
from socialcare.models.escalation import EscalationNotice
from socialcare.models.message import Customer
from socialcare.services.x_webhook import XWebhookDeps
from socialcare_tools import local_secrets as local
from socialcare_tools.local.standins import StandIns
from socialcare_tools.samples import tweet
from socialcare_tools.template_resources import Backbone, create_queue
from tests.conftest import BRANDS_DIR, LambdaContext
from tests.integration.desk_support import to_the_desk
from tests.support.inspect import of_kind
from tests.support.metrics import emf
from tests.support.queues import queued_records

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
    poster.load_settings.cache_clear()
    poster.build_deps.cache_clear()
    yield
    poster.build_deps.cache_clear()
    poster.load_settings.cache_clear()


def sqs_event(*notices: EscalationNotice | tuple[EscalationNotice, str]) -> dict[str, Any]:
    """What the escalation queue hands the poster: each notice's body as SNS published it
    (raw delivery), with its record id (given, or its place in the batch)."""
    records = []
    for n, entry in enumerate(notices):
        notice, message_id = entry if isinstance(entry, tuple) else (entry, f"m-{n}")
        records.append(
            {
                "messageId": message_id,
                "receiptHandle": f"handle-{message_id}",
                "body": notice.model_dump_json(),
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:escalation-slack",
                "awsRegion": "eu-west-1",
            }
        )
    return {"Records": records}


def sns_event(notice: EscalationNotice, message_id: str = "m-1") -> dict[str, Any]:
    return sqs_event((notice, message_id))


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
    customer=Customer(
        id="1400000000000000042",
        name="<!channel> *Jane* <https://evil.example|bank.com>",
        handle="janeroe",
    ),
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
    spoofer = Customer(id="42", name="Jane\ntier 3 · :rotating_light: \u202eP1", handle="jane\nroe")
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


def test_a_long_rate_limit_hands_the_notice_back_to_the_queue(
    wired: None, slack: StandIns, metrics_on: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """Retry-After 30 is not slept through in a Lambda function: the notice is reported
    as not done (partial batch response), said in an ERROR and a metric, and the queue's
    next delivery posts it."""
    slack.slack.fail_next("chat.postMessage", "ratelimited", retry_after=30)
    answer = poster.lambda_handler(sns_event(NOTICE), LambdaContext())
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}
    assert posts(slack) == []
    assert [v for v, _ in emf(capsys.readouterr().out)["EscalationNotPosted"]] == [1.0]
    poster.lambda_handler(sns_event(NOTICE), LambdaContext())  # Lambda's retry posts it
    assert len(posts(slack)) == 1


def test_a_brand_without_a_managers_channel_posts_nothing(wired: None, slack: StandIns) -> None:
    unknown = NOTICE.model_copy(update={"brand_id": "nobody"})
    assert poster.lambda_handler(sns_event(unknown), LambdaContext()) == {"batchItemFailures": []}
    assert posts(slack) == []


def test_an_escalation_links_the_conversations_slack_thread(wired: None, slack: StandIns) -> None:
    root = str(slack.slack.add_message("C0ACMESUPPORT", "the card", user="U0BOT")["ts"])
    notice = NOTICE.model_copy(update={"slack_thread": SlackPost(channel="C0ACMESUPPORT", ts=root)})
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
            "slack_thread": SlackPost(channel="C0ACMESUPPORT", ts=root),
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
    records = queued_records(backbone, x_live, tweet("100", "@AcmeSupport where is my order?"))
    to_the_desk(backbone, create_queue("DeskQueue"), slack, records)
    [meta] = of_kind(backbone.table, "META")
    warned = {
        "pk": {"S": meta["pk"]},
        "sk": {"S": "CLOCK#first_response#0#warned#0"},
        "clock": {"S": "first_response"},
        "generation": {"N": "0"},
        "event": {"S": "warned"},
        "tier": {"N": "0"},
        "at": {"S": "2026-08-24T10:25:00.000Z"},
    }
    boto3.client("dynamodb").put_item(TableName=backbone.table, Item=warned)
    warning = NOTICE.model_copy(
        update={
            "kind": "warning",
            "tier": 0,
            "conversation_id": meta["id"],
            "slack_thread": SlackPost.model_validate(meta["slack_thread"]),
        }
    )
    poster.lambda_handler(sns_event(warning), LambdaContext())
    [update] = [c["params"] for c in slack.recorder.calls("slack") if c["method"] == "chat.update"]
    assert update["ts"] == meta["slack_thread"]["ts"]
    assert "deadline near" in json.dumps(update["blocks"])


def breach(n: int, tier: int = 1, **changes: Any) -> EscalationNotice:
    """Conversation n's first-response clock overdue (a customer with a hostile name)."""
    return NOTICE.model_copy(
        update={
            "tier": tier,
            "conversation_id": f"c-{n}",
            "link": f"https://x.com/janeroe/status/19600000000000{n:05d}",
            "customer": Customer(id=f"{n}", name=f"<!here> Jane {n}", handle=f"jane{n}"),
        }
        | changes
    )


def test_a_burst_of_breaches_becomes_one_digest_per_tier(wired: None, slack: StandIns) -> None:
    """Twelve conversations breach in the same minute, one of them already at tier 2, and
    a thread warning: managers get two posts (a digest for tier 1, the tier-2 notice on its
    own), the agents their warning in its thread; every name escaped."""
    root = str(slack.slack.add_message("C0ACMESUPPORT", "the card", user="U0BOT")["ts"])
    warning = breach(
        99, tier=0, kind="warning", slack_thread=SlackPost(channel="C0ACMESUPPORT", ts=root)
    )
    batch = [breach(n) for n in range(12)] + [breach(50, tier=2), warning]
    assert poster.lambda_handler(sqs_event(*batch), LambdaContext()) == {"batchItemFailures": []}

    managers = [p for p in posts(slack) if p["channel"] == "C0ACMEMANAGERS"]
    assert len(managers) == 2
    digest, single = managers
    assert digest["text"] == "Overdue reply · tier 1 · 12 conversations"
    shown = "\n".join(block["text"]["text"] for block in digest["blocks"])
    assert shown.startswith("*Overdue reply · tier 1* · 12 conversations")
    lines = [line for line in shown.split("\n") if line.startswith("• ")]
    assert len(lines) == 12 and all("first_response overdue" in line for line in lines)
    assert "<!here>" not in shown and "&lt;!here&gt; Jane 7 (@jane7)" in shown
    assert "<https://x.com/janeroe/status/1960000000000000007|message>" in shown
    assert single["text"].startswith("*Overdue reply · tier 2*")
    [warned] = [p for p in posts(slack) if p.get("thread_ts") == root]
    assert "Reply due soon" in warned["text"]


def test_a_long_digest_lists_forty_and_counts_the_rest_within_slacks_block_limits(
    wired: None, slack: StandIns
) -> None:
    poster.lambda_handler(sqs_event(*[breach(n) for n in range(55)]), LambdaContext())
    [digest] = posts(slack)
    blocks = digest["blocks"]
    assert len(blocks) <= 50 and all(len(b["text"]["text"]) <= 3000 for b in blocks)
    shown = "\n".join(b["text"]["text"] for b in blocks)
    assert sum(line.startswith("• ") for line in shown.split("\n")) == 40
    assert "…and 15 more" in shown


def test_a_notice_seen_again_in_a_later_batch_is_not_posted_again(
    wired: None, slack: StandIns
) -> None:
    """SNS delivered notice 1 twice, a minute apart; and a batch is handed over again."""
    batch = sqs_event(breach(1), breach(2))
    poster.lambda_handler(batch, LambdaContext())
    poster.lambda_handler(batch, LambdaContext())
    poster.lambda_handler(sqs_event((breach(1), "again"), breach(3)), LambdaContext())
    texts = [p["text"] for p in posts(slack)]
    assert len(texts) == 2  # notice 1 once, in the first digest; notice 3 on its own
    assert texts[0] == "Overdue reply · tier 1 · 2 conversations"
    assert "conversation `c-3`" in texts[1] and "c-1" not in texts[1]


def test_a_group_slack_refused_comes_again_and_the_others_stay_posted(
    wired: None, slack: StandIns
) -> None:
    """Slack rate-limits the tier-1 digest for 30 s: only its records go back to the queue
    (the tier-2 post went out); the queue's next delivery posts the digest once."""
    batch = sqs_event((breach(1), "a"), (breach(2), "b"), (breach(3, tier=2), "c"))
    slack.slack.fail_next("chat.postMessage", "ratelimited", retry_after=30)
    answer = poster.lambda_handler(batch, LambdaContext())
    assert answer == {"batchItemFailures": [{"itemIdentifier": "a"}, {"itemIdentifier": "b"}]}
    assert [p["text"][:29] for p in posts(slack)] == ["*Overdue reply · tier 2* · fi"]
    assert poster.lambda_handler(batch, LambdaContext()) == {"batchItemFailures": []}
    assert [p["text"] for p in posts(slack)][1:] == ["Overdue reply · tier 1 · 2 conversations"]


def test_a_notice_that_does_not_parse_goes_back_to_the_queue_and_the_rest_is_posted(
    wired: None, slack: StandIns
) -> None:
    event = sqs_event(breach(1))
    event["Records"].append(event["Records"][0] | {"messageId": "bad", "body": '{"kind": 1}'})
    answer = poster.lambda_handler(event, LambdaContext())
    assert answer == {"batchItemFailures": [{"itemIdentifier": "bad"}]}
    assert len(posts(slack)) == 1
