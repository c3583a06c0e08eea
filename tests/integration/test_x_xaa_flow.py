"""X Activity API deliveries end to end: moto for AWS, the Slack stand-in for Slack. A post
delivered by both X APIs is stored once; a deletion marks the message and its Slack copy; an
encrypted chat makes a card that says where to read it."""

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from functions.ingest_x import app as ingest_x
from functions.slack_thread import app as thread
from socialcare.adapters.conversation_reads import ConversationReads
from socialcare.adapters.slack import SlackPoster
from socialcare.adapters.thread_store import DynamoThreadStore
from socialcare.config import load_brands
from socialcare.services.slack_thread import ThreadDeps
from socialcare.services.x_webhook import XWebhookDeps
from socialcare_tools import local_secrets as local
from socialcare_tools.apigw import x_delivery
from socialcare_tools.local.standins import StandIns
from socialcare_tools.samples import JANE, MENTION_ID
from socialcare_tools.template_resources import Backbone, create_queue
from tests.conftest import BRANDS_DIR, LambdaContext, load_event
from tests.integration.conftest import live_x
from tests.integration.desk_support import SECRETS, to_the_desk
from tests.support.inspect import drain, of_kind
from tests.support.queues import consume, record
from tests.support.reports import ask, parts, sent_messages

pytestmark = pytest.mark.integration
ACCOUNT = local.X_ACCOUNT_ID


@pytest.fixture
def desk(backbone: Backbone) -> Iterator[str]:
    yield create_queue("DeskQueue")


@pytest.fixture
def x_desk(backbone: Backbone, desk: str) -> XWebhookDeps:
    return live_x(backbone, DESK_QUEUE_URL=desk)


def deliver(deps: XWebhookDeps, *names: str) -> None:
    for name in names:
        response = ingest_x.lambda_handler(load_event(name), LambdaContext(), deps=deps)
        assert response["statusCode"] == 200, response


def to_slack(backbone: Backbone, desk: str, slack: StandIns) -> None:
    """What ingest queued: classified, then to the thread poster (as the queues chain it)."""
    records = [
        record(json.dumps(q["body"]), q["group"], f"m{i}")
        for i, q in enumerate(drain(backbone.classify_queue))
    ]
    to_the_desk(backbone, desk, slack, records)


def desk_notices(backbone: Backbone, desk: str, slack: StandIns) -> list[dict[str, Any]]:
    """What the ingest function sent straight to the desk queue, through the thread poster."""
    records = [
        record(json.dumps(q["body"]), q["group"], f"n{i}") for i, q in enumerate(drain(desk))
    ]
    deps = ThreadDeps(
        store=DynamoThreadStore(backbone.table),
        poster=SlackPoster(lambda: SECRETS, slack.slack_url),
        brands=load_brands(BRANDS_DIR),
        cards=ConversationReads(backbone.table),
    )
    thread.lambda_handler({"Records": records}, LambdaContext(), deps=deps)
    return records


def slack_calls(slack: StandIns, method: str) -> list[dict[str, Any]]:
    return [
        c["params"]
        for c in slack.recorder.calls("slack")
        if c["method"] == method and c["status"] == 200
    ]


def test_a_post_delivered_by_both_apis_is_one_stored_message_queued_once(
    backbone: Backbone, x_live: XWebhookDeps
) -> None:
    deliver(x_live, "x_tweet_mention", "x_xaa_mention", "x_xaa_dm_received", "x_dm")
    messages = of_kind(backbone.table, "MSG")
    assert sorted(m["platform_message_id"] for m in messages) == sorted(
        [MENTION_ID, "1960000000000000777"]
    )
    assert len(of_kind(backbone.table, "META")) == 2
    assert len(drain(backbone.classify_queue)) == 2


def test_our_own_xaa_post_and_dm_store_nothing_and_queue_nothing(
    backbone: Backbone, x_live: XWebhookDeps
) -> None:
    deliver(x_live, "x_xaa_own_post", "x_xaa_dm_sent", "x_xaa_like", "x_xaa_unknown_type")
    assert of_kind(backbone.table, "MSG") == [] and of_kind(backbone.table, "META") == []
    assert drain(backbone.classify_queue) == []


@pytest.mark.parametrize("deletion", ["x_xaa_post_delete", "x_tweet_delete"])
def test_a_deletion_marks_the_message_and_redraws_the_card_that_shows_it(
    deletion: str, backbone: Backbone, x_desk: XWebhookDeps, desk: str, slack: StandIns
) -> None:
    deliver(x_desk, "x_xaa_mention")
    to_slack(backbone, desk, slack)
    assert len(slack_calls(slack, "chat.postMessage")) == 1  # the card
    deliver(x_desk, deletion, deletion)  # X may deliver it twice: one notice
    [notice] = desk_notices(backbone, desk, slack)
    assert json.loads(notice["body"])["notice"] == "deleted"
    [message] = of_kind(backbone.table, "MSG")
    assert message["deleted_at"] and message["text"].startswith("@AcmeSupport order #4411")
    [update] = slack_calls(slack, "chat.update")
    assert update["ts"] == card_ts(backbone)
    shown = json.dumps(update["blocks"], ensure_ascii=False)
    assert "deleted by the customer" in shown and "order #4411" in shown
    assert len(slack_calls(slack, "chat.postMessage")) == 1  # nothing new in the thread


def card_ts(backbone: Backbone) -> str:
    [meta] = of_kind(backbone.table, "META")
    return str(meta["slack_thread"]["ts"])


def test_a_deleted_follow_up_is_told_in_the_thread_without_quoting_it_again(
    backbone: Backbone, x_desk: XWebhookDeps, desk: str, slack: StandIns
) -> None:
    deliver(x_desk, "x_xaa_mention", "x_xaa_reply")
    to_slack(backbone, desk, slack)
    reply_deleted = {
        "for_user_id": ACCOUNT,
        "tweet_delete_events": [
            {"status": {"id": "1960000000000000200", "user_id": JANE["id_str"]}}
        ],
    }
    event = x_delivery(reply_deleted, local.X_CONSUMER_SECRET)
    assert ingest_x.lambda_handler(event, LambdaContext(), deps=x_desk)["statusCode"] == 200
    notices = desk_notices(backbone, desk, slack)
    *_, told = slack_calls(slack, "chat.postMessage")
    assert told["thread_ts"] == card_ts(backbone)
    assert "deleted their message" in told["text"] and "third day" not in told["text"]
    posted = len(slack_calls(slack, "chat.postMessage"))
    again = ThreadDeps(
        store=DynamoThreadStore(backbone.table),
        poster=SlackPoster(lambda: SECRETS, slack.slack_url),
        brands=load_brands(BRANDS_DIR),
    )
    thread.lambda_handler({"Records": notices}, LambdaContext(), deps=again)  # redelivered
    assert len(slack_calls(slack, "chat.postMessage")) == posted  # told once


def test_a_deletion_before_the_card_is_posted_shows_on_the_card(
    backbone: Backbone, x_desk: XWebhookDeps, desk: str, slack: StandIns
) -> None:
    deliver(x_desk, "x_xaa_mention", "x_xaa_post_delete")
    assert desk_notices(backbone, desk, slack)  # nothing to redraw yet: told, no error
    to_slack(backbone, desk, slack)
    [card] = slack_calls(slack, "chat.postMessage")
    assert "deleted by the customer" in json.dumps(card["blocks"], ensure_ascii=False)


def test_an_encrypted_chat_makes_a_card_that_links_to_it_and_is_not_spam(
    backbone: Backbone, x_desk: XWebhookDeps, desk: str, slack: StandIns
) -> None:
    deliver(x_desk, "x_xaa_chat_received")
    to_slack(backbone, desk, slack)
    [card] = slack_calls(slack, "chat.postMessage")
    shown = json.dumps(card["blocks"], ensure_ascii=False)
    assert "This customer wrote an encrypted chat on X" in shown
    assert f"https://x.com/i/chat/{JANE['id_str']}:{ACCOUNT}|open it in X" in shown
    [message] = of_kind(backbone.table, "MSG")
    assert message["kind"] == "encrypted_chat" and message["text"] == ""
    assert message["classification"]["spam"]["is_spam"] is False
    [meta] = of_kind(backbone.table, "META")
    assert meta["channel_type"] == "private" and meta["status"] != "spam"


def test_the_days_report_counts_the_encrypted_chats_it_could_not_read(
    backbone: Backbone, x_live: XWebhookDeps
) -> None:
    boto3.client("ses").verify_email_identity(EmailAddress="reports@acme.example")
    deliver(x_live, "x_xaa_dm_received", "x_xaa_chat_received", "x_xaa_mention")
    consume(
        backbone,
        [
            record(json.dumps(q["body"]), q["group"], f"m{i}")
            for i, q in enumerate(drain(backbone.classify_queue))
        ],
    )
    assert ask(backbone, period="day", date="2026-08-24")["sent"] == ["Mon 24 Aug 2026"]
    [message] = sent_messages()
    [plain] = parts(message)["text/plain"]
    text = plain.get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert "Encrypted chats      1 (unreadable here" in text
    assert "Conversations        2" in text  # the chat joined the customer's DM conversation


def test_a_deletion_naming_our_linked_reply_leaves_the_customers_message_unmarked(
    backbone: Backbone, x_desk: XWebhookDeps, desk: str
) -> None:
    deliver(x_desk, "x_xaa_mention", "x_xaa_own_post")
    assert [i for i in of_kind(backbone.table, "REF") if i.get("linked_from")]
    body = {
        "for_user_id": ACCOUNT,
        "tweet_delete_events": [
            {"status": {"id": "1960000000000000400", "user_id": JANE["id_str"]}}
        ],
    }
    event = x_delivery(body, local.X_CONSUMER_SECRET)
    assert ingest_x.lambda_handler(event, LambdaContext(), deps=x_desk)["statusCode"] == 200
    [message] = of_kind(backbone.table, "MSG")
    assert "deleted_at" not in message
    assert drain(desk) == []
