"""The checks in front of Bolt on their own: Slack's signature (platforms.md 5.2 test
vector), the replay window, header names in any case, base64 bodies, Bolt's ways of reading
a body."""

import base64
from typing import Any

import pytest

from socialcare.errors import InvalidSignature, MalformedPayload, PayloadTooLarge
from socialcare.slack.verification import MAX_BODY_BYTES, admit, parse, sign, verify
from socialcare_tools.apigw import http_event

SECRET, TS, BODY = "test_signing_secret", "1700000000", b"token=x&command=%2Fticket&text=hello"
VECTOR = "v0=f3ab6380f5a5c145459b60530f518991fa2ce2e1fa4ee2a0e1451a8d1ef23b85"


def headers(**overrides: str) -> dict[str, str]:
    return {"X-Slack-Request-Timestamp": TS, "X-Slack-Signature": VECTOR} | overrides


def test_slacks_test_vector() -> None:
    assert sign(SECRET, TS, BODY) == VECTOR
    verify(BODY, headers(), SECRET, now=1700000000)  # any header case
    verify(BODY, headers(), SECRET, now=1700000000 + 300)


@pytest.mark.parametrize(
    ("now", "changed"),
    [
        (1700000000 + 301, {}),  # stale
        (1700000000 - 301, {}),  # from the future
        (1700000000, {"X-Slack-Signature": VECTOR[:-1] + "0"}),
        (1700000000, {"X-Slack-Request-Timestamp": "1700000000.5"}),
        (1700000000, {"X-Slack-Request-Timestamp": "-1700000000"}),
        (1700000000, {"X-Slack-Request-Timestamp": "9" * 40}),
    ],
)
def test_refused_signatures(now: int, changed: dict[str, str]) -> None:
    with pytest.raises(InvalidSignature):
        verify(BODY, headers(**changed), SECRET, now=now)


def test_base64_bodies_are_verified_on_their_bytes() -> None:
    event: dict[str, Any] = http_event(
        "POST", "/slack/events", BODY, {"content-type": "application/x-www-form-urlencoded"}
    )
    event["headers"] |= {"x-slack-request-timestamp": TS, "x-slack-signature": VECTOR}
    event |= {"body": base64.b64encode(BODY).decode(), "isBase64Encoded": True}
    assert admit(event, SECRET, now=1700000000)["command"] == "/ticket"
    event["body"] = "not base64!"
    with pytest.raises(MalformedPayload):
        admit(event, SECRET, now=1700000000)


def test_the_size_is_checked_before_the_signature() -> None:
    event = http_event("POST", "/slack/events", b"x" * (MAX_BODY_BYTES + 1))
    with pytest.raises(PayloadTooLarge):
        admit(event, SECRET)


def test_bodies_are_read_as_bolt_reads_them() -> None:
    assert parse('{"type":"event_callback","event":{"type":"app_mention"}}', None)["type"]
    assert parse('payload={"type":"block_actions"}', "application/x-www-form-urlencoded")
    assert parse("ssl_check=1&token=x", "application/x-www-form-urlencoded") == {
        "ssl_check": "1",
        "token": "x",
    }
    with pytest.raises(MalformedPayload) as shaped:
        parse('{"type":"view_submission","view":{"private_metadata":"[1]"}}', None)
    assert shaped.value.problems[0]["field"] == "view.private_metadata"
    # Bolt reads the type of every named view: a signed submission without one was a 500
    with pytest.raises(MalformedPayload) as untyped:
        parse('{"type":"view_submission","view":{"callback_id":"reply_modal"}}', None)
    assert "view.type is missing" in str(untyped.value.problems)
    # ... and the first of every block action's actions: none at all was a 500 too
    with pytest.raises(MalformedPayload) as empty:
        parse('payload={"type":"block_actions","actions":[]}', "application/x-www-form-urlencoded")
    assert empty.value.problems[0]["field"] == "actions"
