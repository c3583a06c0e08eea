"""The Telegram sender at the HTTP boundary (``responses``): what each reply posts, and how
each of Telegram's answers becomes an outcome for the outbox. The bot's token is in every
URL, so no outcome may carry it."""

import json
import traceback
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
import responses
from hypothesis import given, settings
from hypothesis import strategies as st
from urllib3.exceptions import MaxRetryError, NewConnectionError

from socialcare.adapters.telegram_bot_api import TelegramBotApi
from socialcare.adapters.telegram_sender import TelegramSender
from socialcare.errors import (
    ConfigurationError,
    CustomerUnreachable,
    SendInterrupted,
    SendPostponed,
    SendRefused,
    StorageUnavailable,
)
from socialcare.models.common import Platform
from socialcare.models.message import MessageKind
from socialcare.models.reply import OutboundReply, ReplyRoute
from socialcare.platforms.telegram.business import Connection
from socialcare.platforms.telegram.secret import TelegramSecrets
from socialcare_tools import local_secrets as local

SEND = f"https://api.telegram.org/bot{local.TELEGRAM_BOT_TOKEN}/sendMessage"
SECRETS = TelegramSecrets.model_validate(local.TELEGRAM_SECRET_VALUE)
NOW = 1_800_000_000.0
CONNECTION = Connection(
    bot_id=local.TELEGRAM_BOT_ID,
    id="Bc1",
    brand_id="acme",
    account_user_id="6900000001",
    account_username="acme_store",
    user_chat_id=6900000001,
    is_enabled=True,
    can_reply=True,
    rights={"can_reply": True},
    connected_at=datetime(2026, 12, 1, tzinfo=UTC),
)


class Connections:
    def __init__(self, *known: Connection) -> None:
        self.known = {c.id: c for c in known}

    def find(self, bot_id: str, connection_id: str) -> Connection | None:
        return self.known.get(connection_id)


def outbound(target: str, kind: MessageKind = MessageKind.DIRECT, **extra: Any) -> OutboundReply:
    fields: dict[str, Any] = {
        "reply_id": "slack-event:Ev1",
        "conversation_id": "c1",
        "brand_id": "acme",
        "platform": Platform.TELEGRAM,
        "account_id": local.TELEGRAM_BOT_ID,
        "route": ReplyRoute.PRIVATE if kind is MessageKind.DIRECT else ReplyRoute.PUBLIC,
        "text": "On its way!",
        "target_message_id": target,
        "target_kind": kind,
        "customer_id": "7001234567",
        "agent": "U0AGENT",
        "slack_channel": "C0ACMESUPPORT",
        "slack_thread_ts": "1.2",
        "queued_at": datetime(2026, 12, 8, tzinfo=UTC),
    }
    return OutboundReply.model_validate(fields | extra)


def sender(*connections: Connection) -> TelegramSender:
    owned = {local.TELEGRAM_BOT_ID: ("@Acme_Store",)}  # brand.yaml may write @ and any case
    return TelegramSender(
        TelegramBotApi(lambda: SECRETS), Connections(*connections), owned, lambda: NOW
    )


def answered(message_id: int = 5001) -> dict[str, Any]:
    return {"ok": True, "result": {"message_id": message_id, "date": 1, "chat": {"id": 1}}}


def refused(code: int, description: str, **parameters: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    return body | ({"parameters": parameters} if parameters else {})


def posted(call: Any) -> Any:
    return json.loads(call.request.body)


@responses.activate
def test_a_private_reply_is_plain_text_to_the_customers_chat() -> None:
    responses.post(SEND, json=answered(5001))
    delivered = sender().send(outbound("7001234567:4412"))
    body = posted(responses.calls[0])
    assert body["chat_id"] == 7001234567 and body["text"] == "On its way!"
    assert "parse_mode" not in body and "reply_parameters" not in body
    assert body["link_preview_options"] == {"is_disabled": True}
    assert delivered.platform_message_id == "7001234567:5001"


@responses.activate
def test_a_group_reply_hangs_under_the_customers_message() -> None:
    responses.post(SEND, json=answered(77))
    sender().send(outbound("-1001500000001:4412", MessageKind.MENTION))
    body = posted(responses.calls[0])
    assert body["chat_id"] == -1001500000001
    assert body["reply_parameters"] == {"message_id": 4412, "allow_sending_without_reply": True}


@responses.activate
def test_a_business_reply_goes_through_its_connection() -> None:
    responses.post(SEND, json=answered(9))
    delivered = sender(CONNECTION).send(outbound("7009876543:301:Bc1"))
    body = posted(responses.calls[0])
    assert body["business_connection_id"] == "Bc1" and body["chat_id"] == 7009876543
    assert delivered.platform_message_id == "7009876543:9:Bc1"


@pytest.mark.parametrize(
    ("connection", "code", "words"),
    [
        (CONNECTION.model_copy(update={"can_reply": False}), "telegram-no-reply", "right to reply"),
        (CONNECTION.model_copy(update={"is_enabled": False}), "telegram-business-paused", "paused"),
        (None, "telegram-business-unknown", "not known"),
        (
            CONNECTION.model_copy(update={"account_user_id": "666", "account_username": "eve"}),
            "telegram-business-not-listed",
            "not one of the brand's",
        ),
    ],
)
@responses.activate
def test_a_business_reply_without_a_usable_connection_is_refused_before_telegram_is_asked(
    connection: Connection | None, code: str, words: str
) -> None:
    with pytest.raises(SendRefused) as refusal:
        sender(*([connection] if connection else [])).send(outbound("7009876543:301:Bc1"))
    assert refusal.value.code == code and words in refusal.value.explanation
    assert len(responses.calls) == 0


@pytest.mark.parametrize(
    ("status", "body", "outcome", "says"),
    [
        (
            403,
            refused(403, "Forbidden: bot was blocked by the user"),
            CustomerUnreachable,
            "blocked",
        ),
        (403, refused(403, "Forbidden: user is deactivated"), CustomerUnreachable, "deleted"),
        (
            403,
            refused(403, "Forbidden: bot was kicked from the supergroup chat"),
            CustomerUnreachable,
            "removed",
        ),
        (400, refused(400, "Bad Request: BUSINESS_PEER_USAGE_MISSING"), SendRefused, "24 hours"),
        (400, refused(400, "Bad Request: chat not found"), SendRefused, "does not know"),
        (
            400,
            refused(400, "Bad Request: group chat was upgraded", migrate_to_chat_id=-100123),
            SendRefused,
            "supergroup",
        ),
        (400, refused(400, "Bad Request: something new"), SendRefused, "something new"),
        (401, refused(401, "Unauthorized"), ConfigurationError, "token"),
        (500, refused(500, "Internal Server Error"), SendInterrupted, "may exist"),
        (502, None, SendInterrupted, "may exist"),  # a gateway's HTML page: it may have gone
    ],
)
@responses.activate
def test_telegrams_answers_become_the_outboxs_outcomes(
    status: int, body: dict[str, Any] | None, outcome: type[Exception], says: str
) -> None:
    if body is None:
        responses.post(SEND, body="<html>Bad Gateway</html>", status=status)
    else:
        responses.post(SEND, json=body, status=status)
    with pytest.raises(outcome) as raised:
        sender().send(outbound("7001234567:4412"))
    assert says in str(raised.value)
    assert local.TELEGRAM_BOT_TOKEN not in str(raised.value)


@responses.activate
def test_a_429_postpones_by_retry_after() -> None:
    responses.post(
        SEND, json=refused(429, "Too Many Requests: retry after 17", retry_after=17), status=429
    )
    with pytest.raises(SendPostponed) as postponed:
        sender().send(outbound("7001234567:4412"))
    assert postponed.value.until == NOW + 17


REFUSED_TO_CONNECT = requests.ConnectionError(
    MaxRetryError(None, "/bot…/sendMessage", NewConnectionError(None, "refused"))  # type: ignore[arg-type]
)


@pytest.mark.parametrize(
    ("failure", "outcome"),
    [
        (requests.ConnectTimeout(SEND), StorageUnavailable),  # never reached Telegram
        (REFUSED_TO_CONNECT, StorageUnavailable),
        (requests.ReadTimeout(SEND), SendInterrupted),  # written, no answer: may have gone
        (requests.ConnectionError(f"Connection aborted: {SEND}"), SendInterrupted),
        (requests.exceptions.ChunkedEncodingError(SEND), SendInterrupted),
    ],
)
@responses.activate
def test_only_a_failure_to_connect_is_retried_the_rest_may_have_posted(
    failure: Exception, outcome: type[Exception]
) -> None:
    responses.post(SEND, body=failure)
    with pytest.raises(outcome) as raised:
        sender().send(outbound("7001234567:4412"))
    shown = "".join(traceback.format_exception(raised.value))  # what a log would print
    assert local.TELEGRAM_BOT_TOKEN not in shown


@pytest.mark.parametrize(
    ("target", "kind", "outcome"),
    [
        ("", MessageKind.DIRECT, None),  # no stored message: the customer's private chat
        ("", MessageKind.MENTION, "telegram-no-target"),
        ("x:2", MessageKind.DIRECT, "telegram-bad-target"),
        ("1:²", MessageKind.MENTION, "telegram-bad-target"),
        (":2:c", MessageKind.DIRECT, "telegram-bad-target"),
    ],
)
@responses.activate
def test_an_odd_target_is_refused_before_telegram_is_asked(
    target: str, kind: MessageKind, outcome: str | None
) -> None:
    responses.post(SEND, json=answered(1))
    if outcome is None:
        sender().send(outbound(target, kind))
        assert posted(responses.calls[0])["chat_id"] == 7001234567
        return
    with pytest.raises(SendRefused) as refused:
        sender().send(outbound(target, kind))
    assert refused.value.code == outcome and len(responses.calls) == 0


ANSWERS = st.fixed_dictionaries(
    {"ok": st.booleans()},
    optional={
        "result": st.one_of(st.none(), st.fixed_dictionaries({"message_id": st.integers()})),
        "error_code": st.one_of(st.integers(min_value=-1, max_value=999), st.text(max_size=5)),
        "description": st.one_of(st.text(max_size=60), st.integers()),
        "parameters": st.one_of(
            st.none(),
            st.fixed_dictionaries(
                {},
                optional={
                    "retry_after": st.one_of(st.integers(min_value=-5, max_value=10**6), st.text()),
                    "migrate_to_chat_id": st.one_of(st.integers(), st.text(max_size=5)),
                },
            ),
        ),
    },
)


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=100, max_value=599), ANSWERS)
def test_whatever_telegram_answers_the_outcome_is_one_the_outbox_knows(
    status: int, body: dict[str, Any]
) -> None:
    known = (SendRefused, SendPostponed, SendInterrupted, ConfigurationError, StorageUnavailable)
    with responses.RequestsMock() as mocked:
        mocked.post(SEND, json=body, status=status)
        try:
            delivered = sender().send(outbound("7001234567:4412"))
        except known as outcome:
            assert local.TELEGRAM_BOT_TOKEN not in str(outcome)
            if isinstance(outcome, SendPostponed):
                assert outcome.until > NOW  # never "now" again, never in the past
            return
    # Sent: only when Telegram said ok with the new message's id.
    assert body["ok"] is True and isinstance(body["result"]["message_id"], int)
    assert delivered.platform_message_id == f"7001234567:{body['result']['message_id']}"
