"""Webhook in → DynamoDB → classify queue, with the real adapters against moto."""

import io
import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from functions.ingest_meta import app as ingest_meta
from functions.ingest_vk import app as ingest_vk
from functions.ingest_x import app as ingest_x
from socialcare.adapters.conversation_reads import ConversationReads
from socialcare.services.meta_webhook import MetaWebhookDeps
from socialcare.services.vk_webhook import VkWebhookDeps
from socialcare.services.x_webhook import XWebhookDeps
from socialcare_tools import local_secrets as local
from socialcare_tools import samples_meta
from socialcare_tools.apigw import vk_delivery, x_delivery
from socialcare_tools.samples import tweet, vk, vk_message, x_dm, x_tweets
from socialcare_tools.template_resources import Backbone
from tests.conftest import LambdaContext, load_event
from tests.integration.conftest import live_meta, live_vk, live_x
from tests.support.inspect import drain, of_kind
from tests.support.metrics import emf

pytestmark = pytest.mark.integration


def post_x(event: dict[str, Any], deps: XWebhookDeps) -> dict[str, Any]:
    return ingest_x.lambda_handler(event, LambdaContext(), deps=deps)


def post_vk(event: dict[str, Any], deps: VkWebhookDeps) -> dict[str, Any]:
    return ingest_vk.lambda_handler(event, LambdaContext(), deps=deps)


def test_a_mention_lands_as_conversation_message_and_classify_request(
    backbone: Backbone, x_live: XWebhookDeps
) -> None:
    assert post_x(load_event("x_tweet_mention"), x_live)["statusCode"] == 200
    [message] = of_kind(backbone.table, "MSG#")
    [conversation] = of_kind(backbone.table, "META")
    assert message["text"] == "@AcmeSupport order #4411 never arrived"
    assert message["pk"] == f"CONV#{conversation['id']}"
    assert conversation["status"] == "new" and conversation["message_count"] == 1
    assert conversation["customer"]["followers"] == 1532
    assert conversation["created_at"] == "2026-08-24T10:15:02.000Z"  # the platform's time
    [queued] = drain(backbone.classify_queue)
    assert queued["group"] == conversation["id"]
    assert queued["body"]["message_sk"] == message["sk"]


def test_the_same_delivery_twice_stores_one_message_and_queues_it_once(
    backbone: Backbone, x_live: XWebhookDeps
) -> None:
    for _ in range(2):
        assert post_x(load_event("x_tweet_mention"), x_live)["statusCode"] == 200
    assert len(of_kind(backbone.table, "MSG#")) == 1
    assert of_kind(backbone.table, "META")[0]["message_count"] == 1
    assert len(drain(backbone.classify_queue)) == 1


def test_a_reply_is_added_to_the_thread_of_the_stored_tweet(
    backbone: Backbone, x_live: XWebhookDeps
) -> None:
    post_x(load_event("x_tweet_mention"), x_live)
    post_x(load_event("x_tweet_reply"), x_live)
    [conversation] = of_kind(backbone.table, "META")
    assert conversation["message_count"] == 2
    assert conversation["waiting_since"] == "2026-08-24T10:15:02.000Z"  # the first unanswered
    assert conversation["last_inbound_at"] == "2026-08-24T11:15:02.000Z"
    assert {q["group"] for q in drain(backbone.classify_queue)} == {conversation["id"]}


def test_a_retry_after_a_failed_queue_send_does_queue_the_message(backbone: Backbone) -> None:
    broken = live_x(
        backbone, CLASSIFY_QUEUE_URL=backbone.classify_queue.replace("classify", "gone")
    )
    assert post_x(load_event("x_tweet_mention"), broken)["statusCode"] == 503
    assert len(of_kind(backbone.table, "MSG#")) == 1
    assert drain(backbone.classify_queue) == []
    assert post_x(load_event("x_tweet_mention"), live_x(backbone))["statusCode"] == 200
    assert len(of_kind(backbone.table, "MSG#")) == 1
    assert len(drain(backbone.classify_queue)) == 1


def test_a_failing_transaction_writes_nothing_and_answers_503(
    backbone: Backbone, x_live: XWebhookDeps
) -> None:
    # A conversation whose counter is corrupt makes the conversation update fail; the
    # message and its dedup reference, in the same transaction, must not be written.
    post_x(load_event("x_tweet_mention"), x_live)
    [conversation] = of_kind(backbone.table, "META")
    boto3.client("dynamodb").update_item(
        TableName=backbone.table,
        Key={"pk": {"S": conversation["pk"]}, "sk": {"S": "META"}},
        UpdateExpression="SET message_count = :bad",
        ExpressionAttributeValues={":bad": {"S": "corrupt"}},
    )
    drain(backbone.classify_queue)
    assert post_x(load_event("x_tweet_reply"), x_live)["statusCode"] == 503
    assert len(of_kind(backbone.table, "MSG#")) == 1 and len(of_kind(backbone.table, "REF")) == 1
    assert drain(backbone.classify_queue) == []


def test_when_the_table_is_unreachable_the_answer_is_503_and_nothing_is_queued(
    backbone: Backbone, metrics_on: None, capsys: pytest.CaptureFixture[str]
) -> None:
    deps = live_x(backbone, TABLE_NAME="no-such-table")
    assert post_x(load_event("x_tweet_mention"), deps)["statusCode"] == 503
    assert drain(backbone.classify_queue) == []
    # counted, per function: the alarm on it starts a gap fill when it clears
    [(count, dimensions)] = emf(capsys.readouterr().out)["DeliveryUnavailable"]
    assert count == 1.0 and "service" in dimensions


MULTILINGUAL = [
    "Здравствуйте! Где мой заказ №4411? Доставку обещали вчера.",  # Russian
    "Добры дзень! Калі прыйдзе маё замоўленне? Ўсё яшчэ чакаю.",  # Belarusian
    "Добрий день, чому посилка ще не прийшла? Ґанок, їжак, є.",  # Ukrainian
    "Dobar dan, narudžba još nije stigla. Čekam već tjedan dana, ćao!",  # Croatian
    "Thanks 🙏🏽 but the 📦 is broken 💔👩‍👩‍👧‍👦 🇺🇦",  # emoji, skin tone, ZWJ family, flag
    "مرحبا، أين طلبي؟ שלום, איפה ההזמנה שלי? \u200f(RTL mark)",  # Arabic, Hebrew, RLM
    "e\u0301 combining, tab\there, NUL-free \u2028 line separator",  # combining marks, separators
]


@pytest.mark.parametrize("text", MULTILINGUAL)
def test_text_survives_byte_exact_from_x_and_vk(
    text: str, backbone: Backbone, x_live: XWebhookDeps, vk_live: VkWebhookDeps
) -> None:
    post_x(x_delivery(x_dm("1960000000000000999", text), local.X_CONSUMER_SECRET), x_live)
    post_vk(vk_delivery(vk("message_new", vk_message(text), "e-multi")), vk_live)
    stored = [m["text"] for m in of_kind(backbone.table, "MSG#")]
    assert [t.encode("utf-8") for t in stored] == [text.encode("utf-8")] * 2


@pytest.mark.parametrize(
    "event",
    [
        "vk_message_new",
        "vk_wall_reply_new",
        "vk_wall_post_new",
        "vk_photo_comment_new",
        "vk_board_post_new",
    ],
)
def test_every_vk_event_type_is_stored_and_queued(
    event: str, backbone: Backbone, vk_live: VkWebhookDeps
) -> None:
    response = post_vk(load_event(event), vk_live)
    assert (response["statusCode"], response["body"]) == (200, "ok")
    assert len(of_kind(backbone.table, "MSG#")) == 1
    assert len(drain(backbone.classify_queue)) == 1


def test_vk_retry_header_redelivery_changes_nothing(
    backbone: Backbone, vk_live: VkWebhookDeps
) -> None:
    post_vk(load_event("vk_message_new"), vk_live)
    post_vk(load_event("vk_message_new_retry"), vk_live)
    assert len(of_kind(backbone.table, "MSG#")) == 1
    assert len(drain(backbone.classify_queue)) == 1


def test_indexes_find_the_conversation_by_day_customer_and_waiting_time(
    backbone: Backbone, x_live: XWebhookDeps
) -> None:
    post_x(load_event("x_tweet_mention"), x_live)
    ddb = boto3.client("dynamodb")

    def query(index: str, key: str, value: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = ddb.query(
            TableName=backbone.table,
            IndexName=index,
            KeyConditionExpression=f"{key} = :v",
            ExpressionAttributeValues={":v": {"S": value}},
        )["Items"]
        return found

    assert len(query("ByDay", "day_pk", "DAY#acme#2026-08-24")) == 1
    assert len(query("ByCustomer", "customer_pk", "CUST#x#1400000000000000042")) == 1
    assert len(query("ByDueTime", "queue_pk", "QUEUE#acme")) == 1


def test_the_conversation_reads_back_as_the_domain_model(
    backbone: Backbone, x_live: XWebhookDeps
) -> None:
    post_x(load_event("x_dm"), x_live)
    [meta] = of_kind(backbone.table, "META")
    conversation = ConversationReads(backbone.table).conversation(meta["id"])
    assert conversation is not None
    assert conversation.customer.handle == "janeroe" and conversation.channel_type == "private"


def test_logs_are_json_with_the_conversation_id_and_hold_no_secret_or_text(
    backbone: Backbone, x_live: XWebhookDeps, vk_live: VkWebhookDeps, captured_logs: io.StringIO
) -> None:
    post_x(load_event("x_tweet_mention"), x_live)
    post_vk(load_event("vk_message_new"), vk_live)
    post_vk(load_event("vk_bad_secret"), vk_live)
    records = [json.loads(line) for line in captured_logs.getvalue().splitlines()]
    stored = [r for r in records if r["message"] == "message stored"]
    assert len(stored) == 2 and all(len(r["conversation_id"]) == 16 for r in stored)
    everything = captured_logs.getvalue()
    for secret in (local.X_CONSUMER_SECRET, local.VK_SECRET, local.VK_CONFIRMATION, "guessed"):
        assert secret not in everything
    assert "never arrived" not in everything and "не пришёл" not in everything


def test_a_lone_surrogate_in_the_text_is_400_not_a_storage_crash(
    backbone: Backbone, vk_live: VkWebhookDeps
) -> None:
    payload = vk("message_new", vk_message("broken \ud800 text"), "e-surrogate")
    response = post_vk(
        vk_delivery(json.dumps(payload).encode()), vk_live
    )  # \ud800 escaped, valid JSON
    assert response["statusCode"] == 400
    assert "lone surrogate" in response["body"]
    assert of_kind(backbone.table, "MSG#") == []


def test_someone_else_replying_in_the_thread_does_not_become_its_customer(
    backbone: Backbone, x_live: XWebhookDeps
) -> None:
    post_x(load_event("x_tweet_mention"), x_live)  # Jane's complaint
    other = {
        "id_str": "1400000000000000099",
        "name": "Max",
        "screen_name": "max",
        "followers_count": 5,
        "verified": False,
    }
    reply = x_tweets(
        tweet(
            "1960000000000000555",
            "@janeroe @AcmeSupport same here!",
            user=other,
            reply_to="1960000000000000123",
        )
    )
    post_x(x_delivery(reply, local.X_CONSUMER_SECRET), x_live)
    [conversation] = of_kind(backbone.table, "META")
    assert conversation["message_count"] == 2
    assert conversation["customer"]["handle"] == "janeroe"  # the thread is still Jane's
    authors = {m["author"]["handle"] for m in of_kind(backbone.table, "MSG#")}
    assert authors == {"janeroe", "max"}  # each message keeps its own author


def test_the_template_placeholder_secrets_are_refused_so_nobody_can_sign_with_them(
    backbone: Backbone,
) -> None:
    from socialcare_tools.apigw import http_event
    from socialcare_tools.template_resources import create_local_secret

    x_arn = create_local_secret("socialcare/test/x-new", {"consumer_secret": "REPLACE_ME"})
    vk_arn = create_local_secret(
        "socialcare/test/vk-new",
        {
            "communities": {
                "REPLACE_WITH_GROUP_ID": {"confirmation": "REPLACE_ME", "secret": "REPLACE_ME"}
            }
        },
    )
    x_deps = live_x(backbone, X_SECRET_ARN=x_arn)
    forged = x_delivery(x_tweets(tweet("1", "@AcmeSupport forged")), "REPLACE_ME")
    assert post_x(forged, x_deps)["statusCode"] == 503
    assert (
        post_x(http_event("GET", "/webhooks/x", query="crc_token=abc"), x_deps)["statusCode"] == 503
    )
    vk_deps = live_vk(backbone, VK_SECRET_ARN=vk_arn)
    assert (
        post_vk(
            vk_delivery(vk("message_new", vk_message("hi"), "e1", secret="REPLACE_ME")), vk_deps
        )["statusCode"]
        == 503
    )
    assert of_kind(backbone.table, "MSG#") == []


def test_a_customer_answering_our_reply_stays_in_the_same_conversation(
    backbone: Backbone, x_live: XWebhookDeps
) -> None:
    acme = {
        "id_str": local.X_ACCOUNT_ID,
        "name": "Acme Support",
        "screen_name": "AcmeSupport",
        "followers_count": 90000,
        "verified": True,
    }
    customer_first = tweet("1960000000000000123", "@AcmeSupport order #4411 never arrived")
    our_answer = tweet(
        "1960000000000000400",
        "@janeroe sorry! DM us the order number",
        user=acme,
        reply_to="1960000000000000123",
    )
    customer_again = tweet(
        "1960000000000000500", "@AcmeSupport sent you a DM", reply_to="1960000000000000400"
    )
    for event in (customer_first, our_answer, customer_again):
        assert (
            post_x(x_delivery(x_tweets(event), local.X_CONSUMER_SECRET), x_live)["statusCode"]
            == 200
        )
    [conversation] = of_kind(backbone.table, "META")
    assert conversation["message_count"] == 2  # ours is not a customer message
    assert {q["group"] for q in drain(backbone.classify_queue)} == {conversation["id"]}


def test_a_message_dated_1970_is_stored_at_the_receipt_time_with_its_platform_date(
    backbone: Backbone, vk_live: VkWebhookDeps
) -> None:
    received = datetime(2026, 12, 4, 16, 0, 0, 123000, tzinfo=UTC)
    deps = replace(vk_live, clock=lambda: received)
    event = vk("message_new", vk_message("Здравствуйте", date=0), "e-1970")
    assert post_vk(vk_delivery(event), deps)["body"] == "ok"
    [message] = of_kind(backbone.table, "MSG#")
    [conversation] = of_kind(backbone.table, "META")
    assert (message["sent_at"], message["platform_sent_at"]) == ("2026-12-04T16:00:00.123Z", "0")
    assert conversation["created_at"] == "2026-12-04T16:00:00.123Z"
    assert drain(backbone.classify_queue)[0]["body"]["sent_at"].startswith("2026-12-04T16:00")


def test_a_meta_delivery_lands_event_by_event_and_a_redelivery_changes_nothing(
    backbone: Backbone, meta_live: MetaWebhookDeps, captured_logs: io.StringIO
) -> None:
    for _ in range(2):  # Meta sends again what it thinks was not received
        response = ingest_meta.lambda_handler(
            load_event("meta_messenger_batch"), LambdaContext(), deps=meta_live
        )
        assert response["statusCode"] == 200
    messages = of_kind(backbone.table, "MSG#")
    assert sorted(m["platform"] for m in messages) == ["facebook", "messenger", "messenger"]
    conversations = of_kind(backbone.table, "META")
    assert {c["channel_type"] for c in conversations} == {"private", "public"}
    assert len(drain(backbone.classify_queue)) == 3
    assert local.META_APP_SECRET not in captured_logs.getvalue()
    assert "Bonjour" not in captured_logs.getvalue()


def test_a_meta_delivery_whose_queue_send_fails_is_503_then_stored_once(
    backbone: Backbone,
) -> None:
    broken = live_meta(
        backbone, CLASSIFY_QUEUE_URL=backbone.classify_queue.replace("classify", "gone")
    )
    event = load_event("meta_instagram_comment")
    assert ingest_meta.lambda_handler(event, LambdaContext(), deps=broken)["statusCode"] == 503
    healthy = live_meta(backbone)
    assert ingest_meta.lambda_handler(event, LambdaContext(), deps=healthy)["statusCode"] == 200
    assert len(of_kind(backbone.table, "MSG#")) == 1
    [queued] = drain(backbone.classify_queue)
    assert queued["body"]["platform"] == "instagram"


def test_a_messenger_edit_is_kept_on_the_stored_message_and_an_older_one_is_ignored(
    backbone: Backbone, meta_live: MetaWebhookDeps
) -> None:
    ingest_meta.lambda_handler(
        load_event("meta_messenger_message"), LambdaContext(), deps=meta_live
    )

    def edit(text: str, at: int) -> dict[str, Any]:
        change = {
            "sender": {"id": samples_meta.PSID},
            "recipient": {"id": samples_meta.PAGE},
            "timestamp": at,
            "message_edit": {"mid": "m_sample-messenger-1", "text": text, "num_edit": 1},
        }
        return samples_meta.signed(
            "page", samples_meta.entry(samples_meta.PAGE, messaging=[change])
        )

    for text, at in (
        ("where is order 4412?", 1787566600000),
        ("where is order 441?", 1787566550000),
    ):
        assert (
            ingest_meta.lambda_handler(edit(text, at), LambdaContext(), deps=meta_live)[
                "statusCode"
            ]
            == 200
        )
    [message] = of_kind(backbone.table, "MSG#")
    assert message["text"] == "where is my order?"  # what was classified and answered
    assert message["edited_text"] == "where is order 4412?"
    assert message["edited_at"] == "2026-08-24T10:16:40.000Z"


def test_a_telegram_update_is_stored_once_with_the_bot_named_by_its_secret_token(
    backbone: Backbone,
) -> None:
    """The real wiring (the Telegram secret in Secrets Manager, DynamoDB, the classify queue):
    a private chat's message, delivered twice, is one message queued once; its group's
    chatter is not stored."""
    from functions.ingest_telegram import app as ingest_telegram
    from socialcare.settings import TelegramIngestSettings
    from socialcare.wiring_telegram import telegram_webhook_deps
    from tests.integration.conftest import _environment

    deps = telegram_webhook_deps(TelegramIngestSettings.model_validate(_environment(backbone)))
    for name in ("telegram_private_message", "telegram_private_message", "telegram_group_chatter"):
        answer = ingest_telegram.lambda_handler(load_event(name), LambdaContext(), deps=deps)
        assert answer["statusCode"] == 200
    [message] = of_kind(backbone.table, "MSG#")
    assert message["platform"] == "telegram" and message["account_id"] == local.TELEGRAM_BOT_ID
    [queued] = drain(backbone.classify_queue)
    assert queued["body"]["message_ref"] == message["message_ref"]
