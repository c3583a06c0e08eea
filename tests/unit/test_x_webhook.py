"""POST/GET /webhooks/x through the real handler and resolver, with in-memory ports."""

import base64
import hashlib
import hmac
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest

from functions.ingest_x import app as ingest_x
from socialcare.errors import StorageUnavailable
from socialcare.models import ChannelType, MessageKind
from socialcare.platforms.x import signature
from socialcare.platforms.x.signature import SIGNATURE_HEADER
from socialcare.services.x_webhook import XWebhookDeps
from socialcare_tools import local_secrets as local
from socialcare_tools.apigw import http_event, x_delivery
from socialcare_tools.samples import JANE as JANE_USER
from socialcare_tools.samples import tweet, x_dm, x_tweets
from tests.conftest import LambdaContext, load_event
from tests.support.fakes import queue_of, store_of, x_deps


def call(event: dict[str, Any], deps: XWebhookDeps) -> dict[str, Any]:
    return ingest_x.lambda_handler(event, LambdaContext(), deps=deps)


def test_crc_challenge_is_answered_with_the_hmac_of_the_token() -> None:
    response = call(load_event("x_crc_challenge"), x_deps())
    assert response["statusCode"] == 200
    digest = hmac.new(
        local.X_CONSUMER_SECRET.encode(), b"challenge_string", hashlib.sha256
    ).digest()
    assert json.loads(response["body"]) == {
        "response_token": "sha256=" + base64.b64encode(digest).decode()
    }


def test_crc_without_a_token_is_a_400_that_says_so() -> None:
    response = call(load_event("x_crc_missing_token"), x_deps())
    assert response["statusCode"] == 400
    assert "crc_token" in json.loads(response["body"])["message"]


def crc(token: str, deps: XWebhookDeps) -> dict[str, Any]:
    return call(http_event("GET", "/webhooks/x", query=urlencode({"crc_token": token})), deps)


@pytest.mark.parametrize(
    "token",
    [
        "challenge_string",  # the docs' test vector, the shortest X token we know of
        "9b4507b3-9040-4669-9ca3-6b94edb50553",  # a UUID, as in X's examples
        "Mjc3ZjE2ZDItOTIyNi00ZTYzLWE5NzAtMzk0ZDg4NWU0Mjk1",  # base64
        "a" * 128,
    ],
)
def test_crc_tokens_shaped_like_xs_are_answered(token: str) -> None:
    response = crc(token, x_deps())
    assert response["statusCode"] == 200
    expected = signature.crc_response_token(local.X_CONSUMER_SECRET, token)
    assert json.loads(response["body"]) == {"response_token": expected}


@pytest.mark.parametrize(
    "token",
    [
        "short",
        "a" * 129,
        "x" * 60_000,
        "challenge string!",
        "challenge_string\n",
        '{"for_user_id":"1"}',
    ],
)
def test_a_crc_token_not_shaped_like_xs_is_400_and_never_signed(token: str) -> None:
    response = crc(token, x_deps())
    body = json.loads(response["body"])
    assert response["statusCode"] == 400
    assert body["error"] == "malformed_payload" and "crc_token" in body["message"]
    assert "response_token" not in body


def test_a_delivery_body_sent_as_a_crc_token_cannot_be_used_to_forge_a_message() -> None:
    """The CRC answer is the HMAC of the token under the key that signs deliveries: were any
    token answered, a JSON body sent as the token would come back with its valid signature."""
    deps = x_deps()
    event = load_event("x_crc_forged_body")
    forged = event["queryStringParameters"]["crc_token"].encode()
    answer = call(event, deps)
    assert answer["statusCode"] == 400
    stolen = json.loads(answer["body"]).get("response_token")
    headers = {"content-type": "application/json"} | ({SIGNATURE_HEADER: stolen} if stolen else {})
    response = call(http_event("POST", "/webhooks/x", forged, headers), deps)
    assert response["statusCode"] == 401
    assert store_of(deps).all_messages == [] and queue_of(deps).sent == []


def test_a_mention_becomes_a_stored_public_conversation_and_is_queued() -> None:
    deps = x_deps()
    response = call(load_event("x_tweet_mention"), deps)
    assert (response["statusCode"], response["body"]) == (200, "")
    [message] = store_of(deps).all_messages
    assert message.text == "@AcmeSupport order #4411 never arrived"
    assert message.channel_type is ChannelType.PUBLIC and message.kind is MessageKind.MENTION
    assert (message.customer.followers, message.customer.verified) == (1532, False)
    assert message.customer.handle == "janeroe" and message.brand_id == "acme"
    assert message.link == "https://x.com/janeroe/status/1960000000000000123"
    assert [r.message_ref for r in queue_of(deps).delivered] == [message.ref]


def test_a_reply_joins_the_conversation_of_the_tweet_it_answers() -> None:
    deps = x_deps()
    call(load_event("x_tweet_mention"), deps)
    call(load_event("x_tweet_reply"), deps)
    [(conversation, messages)] = store_of(deps).messages.items()
    assert [m.kind for m in messages] == [MessageKind.MENTION, MessageKind.REPLY]
    assert {r.conversation_id for r in queue_of(deps).delivered} == {conversation}


def test_a_reply_to_a_tweet_we_never_stored_starts_its_own_conversation() -> None:
    deps = x_deps()
    call(load_event("x_tweet_reply"), deps)
    assert len(store_of(deps).messages) == 1


def test_a_tweet_and_its_reply_in_one_delivery_share_a_conversation() -> None:
    deps = x_deps()
    payload = x_tweets(
        tweet("100", "@AcmeSupport hi"), tweet("101", "@AcmeSupport hello?", reply_to="100")
    )
    call(x_delivery(payload, local.X_CONSUMER_SECRET), deps)
    assert len(store_of(deps).messages) == 1 and len(store_of(deps).all_messages) == 2


def test_a_truncated_tweet_is_stored_with_its_full_text() -> None:
    deps = x_deps()
    call(load_event("x_tweet_extended"), deps)
    [message] = store_of(deps).all_messages
    assert len(message.text) > 140 and message.text.endswith("nobody answers the phone.")


def test_a_dm_is_a_private_conversation_per_customer_and_account() -> None:
    deps = x_deps()
    call(load_event("x_dm"), deps)
    [message] = store_of(deps).all_messages
    assert message.channel_type is ChannelType.PRIVATE and message.kind is MessageKind.DIRECT
    assert message.thread_key == f"x:{local.X_ACCOUNT_ID}:dm:1400000000000000042"
    assert message.customer.followers == 1532


def test_our_own_tweets_and_dm_echoes_are_acknowledged_and_not_stored() -> None:
    deps = x_deps()
    for name in ("x_tweet_own", "x_dm_echo", "x_favorite_events"):
        assert call(load_event(name), deps)["statusCode"] == 200
    assert store_of(deps).all_messages == [] and queue_of(deps).sent == []


def test_an_unhandled_event_kind_is_acknowledged_and_logged(captured_logs: io.StringIO) -> None:
    deps = x_deps()
    assert call(load_event("x_favorite_events"), deps)["statusCode"] == 200
    records = [json.loads(line) for line in captured_logs.getvalue().splitlines()]
    assert {
        "message": "event not ingested",
        "reason": "favorite_events: not handled",
    }.items() <= records[-1].items()
    assert store_of(deps).all_messages == []


def test_a_forged_or_unsigned_delivery_is_401_and_nothing_is_stored() -> None:
    deps = x_deps()
    for name in ("x_bad_signature", "x_missing_signature"):
        response = call(load_event(name), deps)
        assert response["statusCode"] == 401
        assert json.loads(response["body"])["error"] == "invalid_signature"
    assert store_of(deps).all_messages == [] and queue_of(deps).sent == []


def test_malformed_json_is_a_400_saying_it_is_not_json() -> None:
    response = call(load_event("x_malformed_json"), x_deps())
    assert response["statusCode"] == 400
    assert "not valid JSON" in json.loads(response["body"])["message"]


def test_a_payload_that_fails_validation_names_the_fields() -> None:
    response = call(load_event("x_invalid_payload"), x_deps())
    body = json.loads(response["body"])
    assert response["statusCode"] == 400
    assert {p["field"] for p in body["problems"]} == {"for_user_id"}


def test_a_delivery_whose_events_are_all_invalid_names_each_field() -> None:
    payload = x_tweets(
        {"id_str": "abc", "user": {"id_str": "1"}},
        tweet("5", "@AcmeSupport hi", timestamp_ms=None, created_at="yesterday"),
    )
    response = call(x_delivery(payload, local.X_CONSUMER_SECRET), x_deps())
    fields = {p["field"] for p in json.loads(response["body"])["problems"]}
    assert response["statusCode"] == 400
    assert {"tweet_create_events.0.id_str", "tweet_create_events.1"} <= fields


def test_one_bad_event_does_not_lose_the_good_one_in_the_same_delivery(
    captured_logs: io.StringIO,
) -> None:
    deps = x_deps()
    bad = tweet("7", "@AcmeSupport when?", timestamp_ms=None, created_at="yesterday")
    payload = x_tweets(tweet("6", "@AcmeSupport my order is late"), bad)
    assert call(x_delivery(payload, local.X_CONSUMER_SECRET), deps)["statusCode"] == 200
    assert [m.platform_message_id for m in store_of(deps).all_messages] == ["6"]
    errors = [
        json.loads(line) for line in captured_logs.getvalue().splitlines() if '"ERROR"' in line
    ]
    assert errors[0]["message"] == "invalid X events skipped"
    assert errors[0]["problems"][0]["field"].startswith("tweet_create_events.1")


def test_a_revoked_subscription_is_logged_as_an_error(captured_logs: io.StringIO) -> None:
    payload = {
        "for_user_id": local.X_ACCOUNT_ID,
        "user_event": {"revoke": {"date_time": "2026-08-24T10:00:00.000Z"}},
    }
    assert call(x_delivery(payload, local.X_CONSUMER_SECRET), x_deps())["statusCode"] == 200
    assert (
        '"level":"ERROR"' in captured_logs.getvalue()
        and "X subscription changed" in captured_logs.getvalue()
    )


def test_implausible_numbers_are_400_not_a_storage_crash() -> None:
    event = tweet("8", "@AcmeSupport hi", user={**JANE_USER, "followers_count": 10**40 + 1})
    response = call(x_delivery(x_tweets(event), local.X_CONSUMER_SECRET), x_deps())
    assert response["statusCode"] == 400


RECEIVED = datetime(2026, 12, 4, 16, 0, tzinfo=UTC)


def millis(moment: datetime) -> str:
    return str(int(moment.timestamp() * 1000))


@pytest.mark.parametrize(
    "time",
    [
        {"timestamp_ms": "0"},  # 1970: every clock would breach at once
        {"timestamp_ms": "99999999999999"},  # the year 5138: no clock would ever run
        {"timestamp_ms": millis(RECEIVED + timedelta(minutes=6))},
        {"timestamp_ms": "999999999999999"},  # past the year 9999
        {"timestamp_ms": None, "created_at": "Fri Dec 31 23:59:59 -1400 9999"},
        {"timestamp_ms": None, "created_at": "Mon Jan 01 00:00:00 +0000 2001"},
    ],
)
def test_a_tweet_with_an_implausible_date_is_stored_at_the_receipt_time(
    time: dict[str, str | None], captured_logs: io.StringIO
) -> None:
    deps = x_deps(clock=lambda: RECEIVED)
    event = {k: v for k, v in (tweet("8", "@AcmeSupport hi") | time).items() if v is not None}
    assert call(x_delivery(x_tweets(event), local.X_CONSUMER_SECRET), deps)["statusCode"] == 200
    [message] = store_of(deps).all_messages
    assert message.sent_at == RECEIVED
    assert message.platform_sent_at == (time["timestamp_ms"] or time["created_at"])
    [warning] = [
        json.loads(line)
        for line in captured_logs.getvalue().splitlines()
        if '"WARNING"' in line and "not plausible" in line
    ]
    assert warning["platform_sent_at"] == message.platform_sent_at


def test_a_dm_with_an_implausible_date_is_stored_at_the_receipt_time() -> None:
    deps = x_deps(clock=lambda: RECEIVED)
    delivery = x_delivery(x_dm("9", "hi", millis=999_999_999_999_999), local.X_CONSUMER_SECRET)
    assert call(delivery, deps)["statusCode"] == 200
    [message] = store_of(deps).all_messages
    assert (message.sent_at, message.platform_sent_at) == (RECEIVED, "999999999999999")


@pytest.mark.parametrize("sent", [RECEIVED - timedelta(days=90), RECEIVED + timedelta(minutes=4)])
def test_a_plausible_date_is_kept_even_a_few_minutes_ahead(sent: datetime) -> None:
    deps = x_deps(clock=lambda: RECEIVED)
    event = tweet("8", "@AcmeSupport hi", millis=int(millis(sent)))
    assert call(x_delivery(x_tweets(event), local.X_CONSUMER_SECRET), deps)["statusCode"] == 200
    [message] = store_of(deps).all_messages
    assert (message.sent_at, message.platform_sent_at) == (sent, None)


def test_a_body_over_the_limit_is_413_and_nothing_is_stored() -> None:
    deps = x_deps(max_body_bytes=1024)
    big = x_tweets(tweet("1", "@AcmeSupport " + "x" * 2000))
    response = call(x_delivery(big, local.X_CONSUMER_SECRET), deps)
    assert response["statusCode"] == 413
    assert store_of(deps).all_messages == []


def test_a_base64_encoded_body_is_verified_and_stored() -> None:
    deps = x_deps()
    assert call(load_event("x_tweet_mention_base64"), deps)["statusCode"] == 200
    assert len(store_of(deps).all_messages) == 1


def test_an_account_in_no_brand_is_acknowledged_but_not_stored() -> None:
    deps = x_deps()
    assert call(load_event("x_unknown_account"), deps)["statusCode"] == 200
    assert store_of(deps).all_messages == []


def test_the_same_delivery_twice_stores_once_and_queues_once() -> None:
    deps = x_deps()
    call(load_event("x_tweet_mention"), deps)
    call(load_event("x_tweet_mention"), deps)
    assert len(store_of(deps).all_messages) == 1
    assert len(queue_of(deps).delivered) == 1


def test_when_storage_fails_the_platform_gets_503_and_nothing_is_queued() -> None:
    deps = x_deps()
    store_of(deps).fail_with = StorageUnavailable("dynamodb is down")
    response = call(load_event("x_tweet_mention"), deps)
    assert response["statusCode"] == 503
    assert queue_of(deps).sent == []


def test_a_retry_after_a_failed_queue_send_queues_the_stored_message() -> None:
    deps = x_deps()
    queue_of(deps).failures_left = 1
    assert call(load_event("x_tweet_mention"), deps)["statusCode"] == 503
    assert len(store_of(deps).all_messages) == 1 and queue_of(deps).delivered == []
    assert call(load_event("x_tweet_mention"), deps)["statusCode"] == 200
    assert len(store_of(deps).all_messages) == 1
    assert len(queue_of(deps).delivered) == 1


def test_a_redelivery_is_sent_again_under_its_first_message_group() -> None:
    """A reply that arrived before its parent has its own conversation; when X redelivers it
    after the parent came, the re-send must keep the first group, or SQS queues it twice."""
    deps = x_deps()
    reply = x_delivery(
        x_tweets(tweet("201", "@AcmeSupport hello?", reply_to="200")), local.X_CONSUMER_SECRET
    )
    call(reply, deps)
    call(x_delivery(x_tweets(tweet("200", "@AcmeSupport hi")), local.X_CONSUMER_SECRET), deps)
    call(reply, deps)
    groups = [group for _, group, dedup in queue_of(deps).sent if dedup.endswith("#201")]
    assert len(groups) == 2 and groups[0] == groups[1]
    assert len(queue_of(deps).delivered) == 2  # the parent and the reply, once each
