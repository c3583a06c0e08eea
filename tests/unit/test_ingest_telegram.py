"""POST /webhooks/telegram through the Lambda handler, with the samples in events/: what
Telegram gets back for each, and what is stored."""

import json
from typing import Any

import pytest
import responses
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from functions.ingest_telegram import app as ingest_telegram
from socialcare.adapters.telegram_bot_api import TelegramBotApi, business_connection
from socialcare.config import load_brands
from socialcare.errors import StorageUnavailable
from socialcare.models.message import conversation_id_for
from socialcare.platforms.telegram.business import Connection
from socialcare.platforms.telegram.secret import TelegramSecrets
from socialcare.services.ingest import IngestDeps
from socialcare.services.telegram_webhook import TelegramWebhookDeps
from socialcare_tools import local_secrets as local
from socialcare_tools import samples_telegram as tg
from socialcare_tools.apigw import json_bytes
from socialcare_tools.samples_telegram import message, telegram_delivery, update
from tests.conftest import BRANDS_DIR, LambdaContext, load_event
from tests.support.fakes import FakeQueue, FakeStore, fake_ingest
from tests.support.mutations import DELIBERATE, mutated


class Connections:
    """The Telegram Business connections the desk has recorded, in memory."""

    def __init__(self) -> None:
        self.kept: dict[tuple[str, str], Connection] = {}

    def record(self, connection: Connection) -> None:
        self.kept[(connection.bot_id, connection.id)] = connection

    def find(self, bot_id: str, connection_id: str) -> Connection | None:
        return self.kept.get((bot_id, connection_id))


def deps(**overrides: Any) -> TelegramWebhookDeps:
    values: dict[str, Any] = {
        "ingest": fake_ingest(),
        "brands": load_brands(BRANDS_DIR),
        "secrets": lambda: TelegramSecrets.model_validate(local.TELEGRAM_SECRET_VALUE),
        "connections": Connections(),
    }
    return TelegramWebhookDeps(**(values | overrides))


def store_of(wired: TelegramWebhookDeps) -> FakeStore:
    assert isinstance(wired.ingest.store, FakeStore)
    return wired.ingest.store


def call(event: dict[str, Any], wired: TelegramWebhookDeps) -> dict[str, Any]:
    return ingest_telegram.lambda_handler(event, LambdaContext(), deps=wired)


@pytest.mark.parametrize(
    ("sample", "messages"),
    [
        ("telegram_private_message", 1),
        ("telegram_group_mention", 1),
        ("telegram_group_reply_to_bot", 1),
        ("telegram_group_chatter", 0),  # not addressed to the brand
        ("telegram_unknown_update", 0),  # acknowledged and logged
    ],
)
def test_each_update_is_acknowledged_once_what_it_holds_is_stored_and_queued(
    sample: str, messages: int
) -> None:
    wired = deps()
    response = call(load_event(sample), wired)
    assert response["statusCode"] == 200
    assert len(store_of(wired).all_messages) == messages
    queue = wired.ingest.queue
    assert isinstance(queue, FakeQueue) and len(queue.sent) == messages


@pytest.mark.parametrize(
    ("sample", "status", "error"),
    [
        ("telegram_wrong_secret", 401, "invalid_signature"),
        ("telegram_missing_secret", 401, "invalid_signature"),
        ("telegram_malformed", 400, "malformed_payload"),
    ],
)
def test_bad_requests_get_a_clear_refusal_and_store_nothing(
    sample: str, status: int, error: str
) -> None:
    wired = deps()
    response = call(load_event(sample), wired)
    assert response["statusCode"] == status
    assert json.loads(response["body"])["error"] == error
    assert local.TELEGRAM_SECRET_TOKEN not in response["body"]
    assert store_of(wired).all_messages == []


def test_a_redelivered_update_and_an_edit_never_make_a_second_message() -> None:
    wired = deps()
    for _ in range(2):
        assert call(load_event("telegram_private_message"), wired)["statusCode"] == 200
    assert call(load_event("telegram_edited_message"), wired)["statusCode"] == 200
    store = store_of(wired)
    [stored] = store.all_messages
    assert store.edited[stored.ref][0] == "Hi, my order #4412 never arrived"


def test_a_storage_failure_is_503_so_telegram_sends_the_update_again() -> None:
    store = FakeStore(fail_with=StorageUnavailable("DynamoDB throttled"))
    wired = deps(ingest=IngestDeps(store=store, queue=FakeQueue()))
    assert call(load_event("telegram_private_message"), wired)["statusCode"] == 503
    store.fail_with = None
    assert call(load_event("telegram_private_message"), wired)["statusCode"] == 200
    assert len(store.all_messages) == 1


def test_an_oversized_update_is_413_and_not_a_json_object_is_400() -> None:
    wired = deps(max_body_bytes=1000)
    big = telegram_delivery(b"{" + b" " * 2000 + b"}")
    assert call(big, wired)["statusCode"] == 413
    assert call(telegram_delivery(b"[1, 2]"), wired)["statusCode"] == 400
    assert store_of(wired).all_messages == []


def test_a_bot_with_a_secret_but_no_brand_is_acknowledged_and_stores_nothing() -> None:
    secrets = TelegramSecrets.model_validate(
        {"bots": {"7499999999": {"token": "7499999999:x", "secret_token": "z" * 40}}}
    )
    wired = deps(secrets=lambda: secrets)
    event = telegram_delivery(update("message", message("hello")), secret_token="z" * 40)
    assert call(event, wired)["statusCode"] == 200
    assert store_of(wired).all_messages == []


def connected(wired: TelegramWebhookDeps, **state: bool) -> None:
    connection = tg.business_connection(**state)
    event = telegram_delivery(update("business_connection", connection, 851205000))
    assert call(event, wired)["statusCode"] == 200


def test_a_business_connection_is_recorded_with_its_rights_and_state() -> None:
    wired = deps()
    connected(wired, can_reply=False)
    assert isinstance(wired.connections, Connections)
    [kept] = wired.connections.kept.values()
    assert (kept.brand_id, kept.account_username, kept.can_reply) == ("acme", "acme_store", False)
    assert kept.refusal() is not None and "right to reply" in (kept.refusal() or "")
    connected(wired)  # the owner grants the right: the latest replaces it
    [kept] = wired.connections.kept.values()
    assert kept.can_reply and kept.is_enabled and kept.refusal() is None


@pytest.mark.parametrize(
    ("state", "stored"),
    [({}, 1), ({"enabled": False}, 0), (None, 0)],  # None: a connection nobody told us of
)
def test_a_business_message_is_taken_in_only_through_an_enabled_connection(
    state: dict[str, bool] | None, stored: int
) -> None:
    wired = deps()
    if state is not None:
        connected(wired, **state)
    assert call(load_event("telegram_business_message"), wired)["statusCode"] == 200
    assert len(store_of(wired).all_messages) == stored
    if stored:
        [kept] = store_of(wired).all_messages
        assert kept.kind == "direct" and kept.channel_type == "private"
        assert kept.platform_message_id == f"{tg.IVAN['id']}:301:{tg.CONNECTION}"


def test_a_stranger_connecting_the_brands_bot_to_their_account_feeds_nothing_in() -> None:
    """Anyone with Telegram Premium can connect any bot to their own account: only the
    accounts brand.yaml lists as the brand's (business_accounts) are taken in."""
    wired = deps()
    stranger = {"id": 6666666666, "is_bot": False, "first_name": "Eve", "username": "eve_shop"}
    connection = tg.business_connection() | {"user": stranger, "user_chat_id": stranger["id"]}
    event = telegram_delivery(update("business_connection", connection, 851205002))
    assert call(event, wired)["statusCode"] == 200
    assert call(load_event("telegram_business_message"), wired)["statusCode"] == 200
    assert store_of(wired).all_messages == []


def test_a_business_message_and_a_private_one_with_the_same_ids_stay_apart() -> None:
    """Message ids are per chat: the customer's chat with the bot and with the business
    account may both have a message 301."""
    wired = deps()
    connected(wired)
    mine = message("to the bot", message_id=301, chat=tg.IVAN_CHAT, author=tg.IVAN)
    call(telegram_delivery(update("message", mine, 851205001)), wired)
    call(load_event("telegram_business_message"), wired)
    assert len(store_of(wired).all_messages) == 2
    assert len({m.thread_key for m in store_of(wired).all_messages}) == 2


class Reachability:
    def __init__(self) -> None:
        self.marks: list[tuple[str, str | None]] = []

    def mark(self, conversation_id: str, why: str | None, at: Any) -> bool:
        self.marks.append((conversation_id, why))
        return True


@pytest.mark.parametrize(
    ("status", "chat", "why"),
    [
        ("kicked", tg.PRIVATE, "the customer has blocked the brand's bot"),
        ("member", tg.PRIVATE, None),
        ("kicked", tg.GROUP, "not marked"),  # removed from a group: the admins' doing
        ("left", tg.PRIVATE, "not marked"),
    ],
)
def test_blocking_and_unblocking_the_bot_is_marked_on_the_private_chats_conversation(
    status: str, chat: dict[str, Any], why: str | None
) -> None:
    reach = Reachability()
    wired = deps(reachability=reach)
    event = telegram_delivery(update("my_chat_member", tg.bot_membership(status, chat)))
    assert call(event, wired)["statusCode"] == 200
    if why == "not marked":
        assert reach.marks == []
    else:
        key = f"telegram:{local.TELEGRAM_BOT_ID}:{chat['id']}"
        assert reach.marks == [(conversation_id_for(key), why)]
    assert store_of(wired).all_messages == []


def test_a_whole_chat_cleared_at_once_is_acknowledged_and_the_first_deletions_marked() -> None:
    wired = deps()
    connected(wired)
    call(load_event("telegram_business_message"), wired)
    gone = {
        "business_connection_id": tg.CONNECTION,
        "chat": tg.IVAN_CHAT,
        "message_ids": [301, *range(1000, 6000)],
    }
    event = telegram_delivery(update("deleted_business_messages", gone, 851205010))
    assert call(event, wired)["statusCode"] == 200  # not 400, and not a timeout: Telegram moves on
    [kept] = store_of(wired).all_messages
    assert store_of(wired).deleted.get(kept.ref)  # the stored one came first: marked


def test_a_connection_telegram_describes_oddly_passes_its_messages_over_without_a_5xx() -> None:
    secrets = TelegramSecrets.model_validate(local.TELEGRAM_SECRET_VALUE)
    api = TelegramBotApi(lambda: secrets)
    url = f"https://api.telegram.org/bot{local.TELEGRAM_BOT_TOKEN}/getBusinessConnection"
    for odd in (
        None,
        {"id": "x"},
        tg.business_connection() | {"user": {"id": 1, "username": "ab"}},
    ):
        with responses.RequestsMock() as mocked:
            mocked.post(url, json={"ok": True, "result": odd})
            wired = deps(look_up=lambda bot, connection: business_connection(api, bot, connection))
            assert call(load_event("telegram_business_message"), wired)["statusCode"] == 200
            assert store_of(wired).all_messages == []


FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SAMPLES = [
    "telegram_private_message",
    "telegram_group_mention",
    "telegram_group_reply_to_bot",
    "telegram_edited_message",
    "telegram_business_connection",
    "telegram_business_message",
    "telegram_business_deleted",
    "telegram_blocked_bot",
]


def answered_deliberately(event: dict[str, Any]) -> None:
    """Every optional part wired, so every path of the webhook is reached."""
    wired = deps(reachability=Reachability(), look_up=lambda bot, connection: None)
    connected(wired)
    response = call(event, wired)
    assert response["statusCode"] in DELIBERATE, response
    if response["statusCode"] != 200:
        assert store_of(wired).all_messages == []
        assert json.loads(response["body"])["error"]


@pytest.mark.thorough
@FAST
@given(st.binary(max_size=2048), st.booleans())
def test_any_bytes_with_or_without_the_secret_token(body: bytes, with_secret: bool) -> None:
    token = local.TELEGRAM_SECRET_TOKEN if with_secret else "an attacker's guess"
    answered_deliberately(telegram_delivery(body, secret_token=token, base64_body=True))


@pytest.mark.thorough
@FAST
@given(mutated(SAMPLES), st.booleans())
def test_a_mutated_real_update(payload: Any, with_secret: bool) -> None:
    token = local.TELEGRAM_SECRET_TOKEN if with_secret else None
    answered_deliberately(telegram_delivery(json_bytes(payload), secret_token=token))
