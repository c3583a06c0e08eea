"""POST /webhooks/vk through the real handler and resolver, with in-memory ports."""

import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from functions.ingest_vk import app as ingest_vk
from socialcare.errors import StorageUnavailable
from socialcare.models import ChannelType, MessageKind
from socialcare.services.vk_webhook import VkWebhookDeps
from socialcare_tools import local_secrets as local
from socialcare_tools.apigw import vk_delivery
from socialcare_tools.samples import vk, vk_message
from tests.conftest import LambdaContext, load_event
from tests.support.fakes import queue_of, store_of, vk_deps


def call(event: dict[str, Any], deps: VkWebhookDeps) -> dict[str, Any]:
    return ingest_vk.lambda_handler(event, LambdaContext(), deps=deps)


def test_confirmation_is_answered_with_the_communitys_string_as_plain_text() -> None:
    response = call(load_event("vk_confirmation"), vk_deps())
    assert response["statusCode"] == 200
    assert response["body"] == local.VK_CONFIRMATION
    assert response["headers"]["Content-Type"] == "text/plain"


@pytest.mark.parametrize("secret", ["nope", None])
def test_confirmation_with_a_wrong_or_missing_secret_is_refused(secret: str | None) -> None:
    """VK sends the secret with the confirmation request too, once one is set (VK's PHP SDK
    hands it to ``confirmation($group_id, $secret)``): without it, anybody could read the
    confirmation string of any community we serve."""
    request = {"type": "confirmation", "group_id": local.VK_GROUP_ID}
    response = call(vk_delivery(request | ({"secret": secret} if secret else {})), vk_deps())
    assert response["statusCode"] == 403
    assert local.VK_CONFIRMATION not in response["body"]


def test_a_private_message_is_stored_queued_and_answered_exactly_ok() -> None:
    deps = vk_deps()
    response = call(load_event("vk_message_new"), deps)
    assert (response["statusCode"], response["body"]) == (200, "ok")
    [message] = store_of(deps).all_messages
    assert message.text == "Здравствуйте, заказ #4411 не пришёл"
    assert message.channel_type is ChannelType.PRIVATE and message.kind is MessageKind.DIRECT
    assert message.thread_key == f"vk:{local.VK_GROUP_ID}:pm:512345678"
    assert message.platform_event_id == "3f0c9a1b7e2d4c6a8b9e0f1a2b3c4d5e6f708192"
    assert message.link == f"https://vk.com/gim{local.VK_GROUP_ID}?sel=512345678"
    assert len(queue_of(deps).delivered) == 1


def test_two_private_messages_of_one_customer_are_one_conversation() -> None:
    deps = vk_deps()
    call(load_event("vk_message_new"), deps)
    second = vk("message_new", vk_message("Ау?", conversation_message_id=735), "e2")
    call(vk_delivery(second), deps)
    assert len(store_of(deps).messages) == 1 and len(store_of(deps).all_messages) == 2


@pytest.mark.parametrize(
    ("event", "kind", "thread"),
    [
        ("vk_wall_reply_new", MessageKind.WALL_COMMENT, "wall:-218000000_1043:8812"),
        ("vk_wall_post_new", MessageKind.WALL_POST, "wall:-218000000_1044"),
        ("vk_photo_comment_new", MessageKind.PHOTO_COMMENT, "photo:-218000000_457239017:311"),
        ("vk_board_post_new", MessageKind.BOARD_POST, "board:-218000000_40293628:512345678"),
    ],
)
def test_public_items_are_stored_in_their_thread(
    event: str, kind: MessageKind, thread: str
) -> None:
    deps = vk_deps()
    assert call(load_event(event), deps)["body"] == "ok"
    [message] = store_of(deps).all_messages
    assert (message.kind, message.channel_type) == (kind, ChannelType.PUBLIC)
    assert message.thread_key == f"vk:{local.VK_GROUP_ID}:{thread}"


def test_a_reply_inside_a_comment_thread_joins_the_top_comments_conversation() -> None:
    deps = vk_deps()
    call(load_event("vk_wall_reply_new"), deps)
    call(load_event("vk_wall_reply_in_thread"), deps)
    [(_, messages)] = store_of(deps).messages.items()
    assert [m.text for m in messages] == ["Когда будет доставка?", "И номер трека, пожалуйста"]


@pytest.mark.parametrize("event", ["vk_message_reply", "vk_own_comment", "vk_unknown_type"])
def test_our_own_items_and_unhandled_types_get_ok_and_nothing_is_stored(event: str) -> None:
    deps = vk_deps()
    assert call(load_event(event), deps)["body"] == "ok"
    assert store_of(deps).all_messages == [] and queue_of(deps).sent == []


@pytest.mark.parametrize("event", ["vk_bad_secret", "vk_missing_secret", "vk_unknown_group"])
def test_a_wrong_secret_or_unknown_community_is_403_and_nothing_is_stored(event: str) -> None:
    deps = vk_deps()
    response = call(load_event(event), deps)
    assert response["statusCode"] == 403
    assert json.loads(response["body"])["error"] == "forbidden"
    assert store_of(deps).all_messages == []


def test_an_unknown_community_and_a_wrong_secret_get_the_same_answer(
    captured_logs: io.StringIO,
) -> None:
    """The answer must not tell a prober which community ids are served here; the log does."""
    deps = vk_deps()
    unknown = call(load_event("vk_unknown_group"), deps)
    wrong = call(load_event("vk_bad_secret"), deps)
    assert (unknown["statusCode"], unknown["body"]) == (wrong["statusCode"], wrong["body"])
    reasons = [json.loads(line).get("reason") for line in captured_logs.getvalue().splitlines()]
    assert "community 999 is not served here" in reasons
    assert f"wrong secret for community {local.VK_GROUP_ID}" in reasons


def test_malformed_json_is_400() -> None:
    response = call(load_event("vk_malformed_json"), vk_deps())
    assert response["statusCode"] == 400
    assert "not valid JSON" in json.loads(response["body"])["message"]


def test_an_object_that_fails_validation_is_400_naming_the_field() -> None:
    response = call(load_event("vk_invalid_object"), vk_deps())
    body = json.loads(response["body"])
    assert response["statusCode"] == 400
    assert {"field": "message", "problem": "Field required"} in body["problems"]


def test_an_old_callback_api_version_is_400_that_says_which_to_set() -> None:
    old = vk("message_new", vk_message("hi")["message"], "e-old") | {"v": "5.80"}
    response = call(vk_delivery(old), vk_deps())
    assert response["statusCode"] == 400
    assert "5.199" in json.loads(response["body"])["message"]


def test_a_retry_with_x_retry_counter_changes_nothing() -> None:
    deps = vk_deps()
    call(load_event("vk_message_new"), deps)
    assert call(load_event("vk_message_new_retry"), deps)["body"] == "ok"
    assert len(store_of(deps).all_messages) == 1 and len(queue_of(deps).delivered) == 1


def test_a_base64_body_works() -> None:
    deps = vk_deps()
    assert call(load_event("vk_message_new_base64"), deps)["body"] == "ok"
    assert len(store_of(deps).all_messages) == 1


def test_a_body_over_the_limit_is_413() -> None:
    huge = vk("message_new", vk_message("я" * 5000), "e-big")
    response = call(vk_delivery(huge), vk_deps(max_body_bytes=4096))
    assert response["statusCode"] == 413


def test_when_the_queue_fails_vk_gets_503_and_the_retry_queues_it() -> None:
    deps = vk_deps()
    queue_of(deps).failures_left = 1
    assert call(load_event("vk_message_new"), deps)["statusCode"] == 503
    assert call(load_event("vk_message_new_retry"), deps)["body"] == "ok"
    assert len(store_of(deps).all_messages) == 1 and len(queue_of(deps).delivered) == 1


def test_when_storage_fails_vk_gets_503() -> None:
    deps = vk_deps()
    store_of(deps).fail_with = StorageUnavailable("down")
    assert call(load_event("vk_message_new"), deps)["statusCode"] == 503
    assert queue_of(deps).sent == []


@pytest.mark.parametrize("body", [b"[" * 50_000, b'{"a":' * 50_000])
def test_json_nested_too_deeply_is_400_not_a_crash(body: bytes) -> None:
    deps = vk_deps()
    response = call(vk_delivery(body), deps)
    assert response["statusCode"] == 400
    assert "nested too deeply" in json.loads(response["body"])["message"]
    assert store_of(deps).all_messages == []


RECEIVED = datetime(2026, 12, 4, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "date",
    [
        0,  # 1970: every clock would breach at once
        int(datetime(2006, 10, 9, tzinfo=UTC).timestamp()),  # before VK existed
        int((RECEIVED + timedelta(minutes=6)).timestamp()),  # a clock running ahead
        10**11,  # the year 5138: no clock would ever run
    ],
)
def test_a_message_with_an_implausible_date_is_stored_at_the_receipt_time(
    date: int, captured_logs: io.StringIO
) -> None:
    deps = vk_deps(clock=lambda: RECEIVED)
    event = vk("message_new", vk_message("Здравствуйте", date=date), "e-date")
    assert call(vk_delivery(event), deps)["body"] == "ok"
    [message] = store_of(deps).all_messages
    assert (message.sent_at, message.platform_sent_at) == (RECEIVED, str(date))
    assert "platform date is not plausible" in captured_logs.getvalue()


def test_a_message_dated_a_few_minutes_ahead_keeps_its_date() -> None:
    deps = vk_deps(clock=lambda: RECEIVED)
    sent = RECEIVED + timedelta(minutes=4)
    event = vk("message_new", vk_message("Здравствуйте", date=int(sent.timestamp())), "e-ahead")
    assert call(vk_delivery(event), deps)["body"] == "ok"
    [message] = store_of(deps).all_messages
    assert (message.sent_at, message.platform_sent_at) == (sent, None)
