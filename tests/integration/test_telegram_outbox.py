"""Replies from Slack on Telegram: the webhook, the desk, the outbox and the real Bot API
client code against the Telegram stand-in (a private chat with the bot, a group, a Telegram
Business chat), with Telegram's refusals as an agent meets them."""

import json
import time
from typing import Any

import pytest

from functions.ingest_telegram import app as ingest_telegram
from functions.send_reply import app as send
from socialcare.services.telegram_webhook import TelegramWebhookDeps
from socialcare_tools import local_secrets as local
from socialcare_tools import samples_telegram as tg
from socialcare_tools.local.standins import StandIns
from socialcare_tools.template_resources import Backbone
from tests.conftest import LambdaContext
from tests.integration.conftest import live_telegram
from tests.integration.desk_support import (
    a_desk,
    desk_and_outbox,
    message_event,
    run_outbox,
    send_deps,
    slack_calls,
    to_the_desk,
    to_the_thread,
)
from tests.support.inspect import drain, of_kind
from tests.support.outbox import card_ts
from tests.support.queues import record

pytestmark = pytest.mark.integration


@pytest.fixture
def queues(backbone: Backbone) -> tuple[str, str]:
    return desk_and_outbox()


@pytest.fixture
def telegram(backbone: Backbone, slack: StandIns, queues: tuple[str, str]) -> TelegramWebhookDeps:
    """The webhook as deployed; what it asks Telegram goes to the stand-in."""
    return live_telegram(backbone, TELEGRAM_API_URL=slack.telegram_url, DESK_QUEUE_URL=queues[0])


def deliver(telegram: TelegramWebhookDeps, kind: str, body: dict[str, Any], update_id: int) -> int:
    event = tg.telegram_delivery(tg.update(kind, body, update_id))
    answer = ingest_telegram.lambda_handler(event, LambdaContext(), deps=telegram)
    return int(answer["statusCode"])


def to_slack(backbone: Backbone, queues: tuple[str, str], slack: StandIns) -> None:
    records = [
        record(json.dumps(q["body"]), q["group"], f"t{i}")
        for i, q in enumerate(drain(backbone.classify_queue))
    ]
    to_the_desk(backbone, queues[0], slack, records)


def writes(
    backbone: Backbone,
    telegram: TelegramWebhookDeps,
    queues: tuple[str, str],
    slack: StandIns,
    body: dict[str, Any],
    *,
    kind: str = "message",
    update_id: int = 900_001,
) -> None:
    assert deliver(telegram, kind, body, update_id) == 200
    to_slack(backbone, queues, slack)


def reply(
    backbone: Backbone,
    slack: StandIns,
    queues: tuple[str, str],
    text: str,
    event_id: str = "Ev0001",
) -> dict[str, Any]:
    desk = a_desk(backbone, slack, queues[1])
    desk.act(message_event(text, card_ts(backbone), event_id=event_id))
    return run_outbox(backbone, slack, queues[1])


def now() -> int:
    return int(time.time())


def sends(slack: StandIns) -> list[dict[str, Any]]:
    return [c for c in slack.recorder.calls("telegram") if c["method"] == "sendMessage"]


def thread_says(slack: StandIns, words: str) -> list[dict[str, Any]]:
    return [p for p in slack_calls(slack, "chat.postMessage") if words in p["text"]]


def test_a_private_chat_is_answered_in_the_customers_chat_as_plain_text(
    backbone: Backbone, telegram: TelegramWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    writes(backbone, telegram, queues, slack, tg.message("Where is order 4411?", date=now()))
    reply(backbone, slack, queues, "It left today: *tracking* _AB_123 [here]")
    [sent] = sends(slack)
    assert sent["params"]["chat_id"] == tg.JANE["id"]
    assert sent["params"]["text"] == "It left today: *tracking* _AB_123 [here]"  # as typed
    assert "parse_mode" not in sent["params"] and "reply_parameters" not in sent["params"]
    assert sent["params"]["_bot"] == local.TELEGRAM_BOT_ID  # the bot's id, never its token
    [record_] = of_kind(backbone.table, "REPLY#")
    assert record_["status"] == "sent"
    assert (
        record_["platform_message_id"]
        == f"{tg.JANE['id']}:{sent['response']['result']['message_id']}"
    )
    [meta] = of_kind(backbone.table, "META")
    assert meta["status"] == "answered"
    assert thread_says(slack, ":white_check_mark: Sent on Telegram")


def test_a_group_mention_is_answered_in_the_group_under_the_customers_message(
    backbone: Backbone, telegram: TelegramWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    asked = tg.mentioning_bot("@AcmeSupportBot is the shop open on Sunday?", date=now())
    writes(backbone, telegram, queues, slack, asked)
    [card] = slack_calls(slack, "chat.postMessage")
    assert "Move to DM" not in json.dumps(card["blocks"])  # a bot may not write first
    reply(backbone, slack, queues, "Yes, 10:00-18:00.")
    [sent] = sends(slack)
    assert sent["params"]["chat_id"] == tg.GROUP["id"]
    assert sent["params"]["reply_parameters"] == {
        "message_id": asked["message_id"],
        "allow_sending_without_reply": True,
    }


def test_a_429_postpones_the_reply_by_retry_after_and_it_goes_once_afterwards(
    backbone: Backbone, telegram: TelegramWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    writes(backbone, telegram, queues, slack, tg.message("Hello?", date=now()))
    slack.telegram.limit_next(retry_after=30)
    result = reply(backbone, slack, queues, "Hello! How can we help?")
    assert len(result["batchItemFailures"]) == 1  # back in the queue, invisible for 30 s
    [record_] = of_kind(backbone.table, "REPLY#")
    assert record_["status"] == "queued" and record_["postponed_until"]
    assert len(thread_says(slack, "Telegram's rate limit: this reply goes at")) == 1
    assert run_outbox(backbone, slack, queues[1])["records"] == 0  # not before retry_after
    # 30 s later SQS hands the same message over again.
    again = record(json.dumps(record_["reply"], default=str), "g", "again")
    send.lambda_handler({"Records": [again]}, LambdaContext(), deps=send_deps(backbone, slack))
    assert [c["status"] for c in sends(slack)] == [429, 200]  # delivered once
    assert len(thread_says(slack, ":white_check_mark: Sent on Telegram")) == 1
    assert len(thread_says(slack, "rate limit")) == 1  # said once


def test_a_customer_who_blocked_the_bot_is_marked_unreachable_until_they_write_again(
    backbone: Backbone, telegram: TelegramWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    writes(backbone, telegram, queues, slack, tg.message("You never answer", date=now()))
    slack.telegram.block(tg.JANE["id"])
    reply(backbone, slack, queues, "Sorry! We are here now.")
    [told] = thread_says(slack, ":warning: Not sent on Telegram")
    assert "the customer has blocked the brand's bot" in told["text"]
    [meta] = of_kind(backbone.table, "META")
    assert meta["unreachable"] == "the customer has blocked the brand's bot"
    [card] = slack_calls(slack, "chat.update")[-1:]
    assert "unreachable: the customer has blocked the brand" in json.dumps(card["blocks"])
    reply(backbone, slack, queues, "Anyone there?", "Ev0002")  # refused at once, not sent
    assert len(sends(slack)) == 1
    [refused] = slack_calls(slack, "chat.postEphemeral")
    assert "until they write again" in refused["text"]
    # The customer unblocks the bot and writes: reachable again.
    slack.telegram.blocked.clear()
    time.sleep(0.01)  # their message comes after the mark
    later = tg.message("ok I unblocked you", message_id=4499, date=now() + 1)
    writes(backbone, telegram, queues, slack, later, update_id=900_002)
    reply(backbone, slack, queues, "Welcome back! Your parcel is on its way.", "Ev0003")
    assert [c["status"] for c in sends(slack)] == [403, 200]


def test_a_customers_edit_is_shown_under_the_message_in_slack(
    backbone: Backbone, telegram: TelegramWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    writes(backbone, telegram, queues, slack, tg.message("order 4411", date=now()))
    edited = tg.message("order 4412, sorry", date=now(), edit_date=now())
    assert deliver(telegram, "edited_message", edited, 900_010) == 200
    to_the_thread(backbone, queues[0], slack)
    [message] = of_kind(backbone.table, "MSG#")
    assert message["edited_text"] == "order 4412, sorry"
    card = slack_calls(slack, "chat.update")[-1]
    assert "order 4412, sorry" in json.dumps(card["blocks"])


def connect(
    telegram: TelegramWebhookDeps, slack: StandIns, *, can_reply: bool = True, enabled: bool = True
) -> None:
    connection = tg.business_connection(can_reply=can_reply, enabled=enabled)
    slack.telegram.connect(connection)
    assert deliver(telegram, "business_connection", connection, 900_100 + now() % 1000) == 200


def business_customer_writes(
    backbone: Backbone,
    telegram: TelegramWebhookDeps,
    queues: tuple[str, str],
    slack: StandIns,
    text: str,
) -> None:
    asked = tg.business_message(text, date=now())
    writes(backbone, telegram, queues, slack, asked, kind="business_message")


def test_a_business_chat_is_answered_as_the_brands_account_through_its_connection(
    backbone: Backbone, telegram: TelegramWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    connect(telegram, slack)
    asked = tg.business_message("Do you deliver to Minsk?", date=now())
    writes(backbone, telegram, queues, slack, asked, kind="business_message")
    [meta] = of_kind(backbone.table, "META")
    assert meta["key"].startswith(f"telegram:{local.TELEGRAM_BOT_ID}:business:{tg.IVAN['id']}:")
    assert meta["customer"]["handle"] == "ivanp"
    [card] = slack_calls(slack, "chat.postMessage")
    assert "24-hour reply window until" in json.dumps(card["blocks"])
    reply(backbone, slack, queues, "Yes, in 2 days.")
    [sent] = sends(slack)
    assert sent["params"]["business_connection_id"] == tg.CONNECTION
    assert sent["params"]["chat_id"] == tg.IVAN["id"] and sent["status"] == 200
    # The customer takes a message back: marked, and said in Slack.
    gone = {"business_connection_id": tg.CONNECTION, "chat": tg.IVAN_CHAT, "message_ids": [301]}
    assert deliver(telegram, "deleted_business_messages", gone, 900_200) == 200
    to_the_thread(backbone, queues[0], slack)
    [message] = [m for m in of_kind(backbone.table, "MSG#") if m["direction"] == "inbound"]
    assert message["deleted_at"]
    assert "deleted by the customer" in json.dumps(slack_calls(slack, "chat.update")[-1]["blocks"])


def test_without_the_right_to_reply_a_business_reply_is_refused_with_the_reason(
    backbone: Backbone, telegram: TelegramWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    connect(telegram, slack, can_reply=False)
    asked = tg.business_message("Hello?", date=now())
    writes(backbone, telegram, queues, slack, asked, kind="business_message")
    reply(backbone, slack, queues, "Hi Ivan!")
    assert sends(slack) == []  # refused before Telegram is asked
    [told] = thread_says(slack, ":warning: Not sent on Telegram")
    assert "right to reply" in told["text"] and "Business &gt; Chatbots" in told["text"]
    [record_] = of_kind(backbone.table, "REPLY#")
    assert record_["status"] == "failed" and record_["error_code"] == "telegram-no-reply"


def test_a_paused_connection_stops_intake_and_sending(
    backbone: Backbone, telegram: TelegramWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    connect(telegram, slack)
    business_customer_writes(backbone, telegram, queues, slack, "First question")
    connect(telegram, slack, enabled=False)  # the owner pauses the bot
    later = tg.business_message("Second question", message_id=302, date=now())
    assert deliver(telegram, "business_message", later, 900_300) == 200  # acknowledged
    assert len(of_kind(backbone.table, "MSG#")) == 1  # not taken in
    reply(backbone, slack, queues, "Answer to the first")
    assert sends(slack) == []
    [told] = thread_says(slack, ":warning: Not sent on Telegram")
    assert "paused or disconnected" in told["text"]


def test_a_business_message_of_a_connection_made_before_the_desk_is_asked_of_telegram(
    backbone: Backbone, telegram: TelegramWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    slack.telegram.connect(tg.business_connection())  # Telegram knows it; the desk does not
    asked = tg.business_message("Hi from before", date=now())
    writes(backbone, telegram, queues, slack, asked, kind="business_message")
    [looked_up] = [
        c for c in slack.recorder.calls("telegram") if c["method"] == "getBusinessConnection"
    ]
    assert looked_up["params"]["business_connection_id"] == tg.CONNECTION
    assert len(of_kind(backbone.table, "MSG#")) == 1
    [kept] = of_kind(backbone.table, "CONNECTION")
    assert kept["can_reply"] is True


def test_the_owners_own_message_and_our_bots_echo_are_not_customer_messages(
    backbone: Backbone, telegram: TelegramWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    connect(telegram, slack)
    owner = tg.business_message("typed by the owner", author=tg.ACME_ACCOUNT, date=now())
    ours = tg.business_message(
        "sent from the desk",
        message_id=303,
        author=tg.ACME_ACCOUNT,
        sender_business_bot={"id": int(local.TELEGRAM_BOT_ID), "is_bot": True, "first_name": "B"},
        date=now(),
    )
    assert deliver(telegram, "business_message", owner, 900_400) == 200
    assert deliver(telegram, "business_message", ours, 900_401) == 200
    assert of_kind(backbone.table, "MSG#") == []


def membership(status: str) -> dict[str, Any]:
    bot = {"id": int(local.TELEGRAM_BOT_ID), "is_bot": True, "first_name": "Acme"}
    return {
        "chat": tg.PRIVATE,
        "from": tg.JANE,
        "date": now(),
        "old_chat_member": {"status": "member", "user": bot},
        "new_chat_member": {"status": status, "user": bot},
    }


def test_blocking_the_bot_marks_the_conversation_unreachable_before_anyone_replies(
    backbone: Backbone, telegram: TelegramWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    writes(backbone, telegram, queues, slack, tg.message("Hello?", date=now()))
    assert deliver(telegram, "my_chat_member", membership("kicked"), 900_500) == 200
    [meta] = of_kind(backbone.table, "META")
    assert meta["unreachable"] == "the customer has blocked the brand's bot"
    reply(backbone, slack, queues, "Hi!")
    assert sends(slack) == []  # refused at once: Telegram would only say 403
    [refused] = slack_calls(slack, "chat.postEphemeral")
    assert "blocked the brand's bot" in refused["text"]
    assert deliver(telegram, "my_chat_member", membership("member"), 900_501) == 200
    [meta] = of_kind(backbone.table, "META")
    assert "unreachable" not in meta
    reply(backbone, slack, queues, "Hi, how can we help?", "Ev0002")
    assert len(sends(slack)) == 1


def test_a_customer_blocking_a_bot_they_never_wrote_to_leaves_nothing_behind(
    backbone: Backbone, telegram: TelegramWebhookDeps
) -> None:
    assert deliver(telegram, "my_chat_member", membership("kicked"), 900_600) == 200
    assert of_kind(backbone.table, "META") == []


def test_a_strangers_business_connection_to_the_brands_bot_is_not_read(
    backbone: Backbone, telegram: TelegramWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    """The brand's own account connects first and a customer writes; then a stranger's account
    connects the same bot: its chats are not taken in."""
    connect(telegram, slack)
    business_customer_writes(backbone, telegram, queues, slack, "Hello?")
    stranger = {"id": 6666666666, "is_bot": False, "first_name": "Eve", "username": "eve_shop"}
    theirs = tg.business_connection(connection="BcStranger01") | {
        "user": stranger,
        "user_chat_id": stranger["id"],
    }
    assert deliver(telegram, "business_connection", theirs, 900_700) == 200
    bait = tg.business_message("buy followers cheap", message_id=900, date=now()) | {
        "business_connection_id": "BcStranger01"
    }
    assert deliver(telegram, "business_message", bait, 900_701) == 200
    assert len(of_kind(backbone.table, "MSG#")) == 1  # only the brand's customer


def test_the_owner_answering_in_telegram_itself_answers_the_conversation(
    backbone: Backbone, telegram: TelegramWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    """A professional desk counts every answer: one typed in the brand's own Telegram app
    stops the clock as one sent from Slack would, and the thread shows it."""
    connect(telegram, slack)
    business_customer_writes(backbone, telegram, queues, slack, "Is the blue one in stock?")
    typed = tg.business_message(
        "Yes, two left!", message_id=310, author=tg.ACME_ACCOUNT, date=now() + 1
    )
    assert deliver(telegram, "business_message", typed, 900_800) == 200
    assert deliver(telegram, "business_message", typed, 900_800) == 200  # Telegram again
    [meta] = of_kind(backbone.table, "META")
    assert meta["status"] == "answered" and meta["first_response_at"]
    [answer] = [m for m in of_kind(backbone.table, "MSG#") if m["direction"] == "outbound"]
    assert answer["text"] == "Yes, two left!" and answer["agent"] == "outside"
    to_the_thread(backbone, queues[0], slack)
    assert len(thread_says(slack, "Answered in Telegram's own tools")) == 1
    assert sends(slack) == []  # nothing went out from the desk
