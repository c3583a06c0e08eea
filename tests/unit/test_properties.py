"""Hypothesis throws arbitrary bytes and mutated valid payloads at both webhooks.

Whatever arrives, the answer is a deliberate one (200, 400, 401, 403, 413), never a 5xx,
and a rejected request stores nothing; nothing the X CRC endpoint signs is a delivery.
"""

import json
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from functions.ingest_vk import app as ingest_vk
from functions.ingest_x import app as ingest_x
from socialcare.platforms.x import signature
from socialcare_tools import local_secrets as local
from socialcare_tools.apigw import http_event, json_bytes, vk_delivery, x_delivery
from tests.conftest import LambdaContext
from tests.support.fakes import FakeStore, vk_deps, x_deps
from tests.support.mutations import (
    DELIBERATE,
    X_SAMPLES,
    body_of,
    mutated,
)

pytestmark = pytest.mark.thorough  # many random examples each: make test, not make unit

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


XAA_SAMPLES = [
    "x_xaa_mention",
    "x_xaa_reply",
    "x_xaa_quote",
    "x_xaa_own_post",
    "x_xaa_dm_received",
    "x_xaa_dm_sent",
    "x_xaa_post_delete",
    "x_xaa_oauth_revoke",
    "x_xaa_chat_received",
]
VK_SAMPLES = [
    "vk_message_new",
    "vk_wall_reply_new",
    "vk_wall_post_new",
    "vk_photo_comment_new",
    "vk_board_post_new",
]


def assert_deliberate(response: dict[str, Any], store: Any) -> None:
    assert response["statusCode"] in DELIBERATE, response
    if response["statusCode"] != 200:
        assert isinstance(store, FakeStore) and store.all_messages == []


@FAST
@given(st.binary(max_size=2048), st.booleans())
def test_x_arbitrary_bytes_signed_or_not(body: bytes, signed: bool) -> None:
    deps = x_deps()
    event = (
        x_delivery(body, local.X_CONSUMER_SECRET, base64_body=True)
        if signed
        else http_event("POST", "/webhooks/x", body, base64_body=True)
    )
    assert_deliberate(ingest_x.lambda_handler(event, LambdaContext(), deps=deps), deps.ingest.store)


@FAST
@given(mutated(X_SAMPLES))
def test_x_mutated_valid_payloads(payload: Any) -> None:
    deps = x_deps()
    event = x_delivery(json_bytes(payload), local.X_CONSUMER_SECRET)
    assert_deliberate(ingest_x.lambda_handler(event, LambdaContext(), deps=deps), deps.ingest.store)


@FAST
@given(mutated(XAA_SAMPLES))
def test_x_mutated_xaa_payloads(payload: Any) -> None:
    """Any X Activity API body one change away from a real one: a deliberate answer (never
    a 500), and nothing stored unless it was accepted."""
    deps = x_deps()
    event = x_delivery(json_bytes(payload), local.X_CONSUMER_SECRET)
    assert_deliberate(ingest_x.lambda_handler(event, LambdaContext(), deps=deps), deps.ingest.store)


@FAST
@given(st.lists(mutated(XAA_SAMPLES), min_size=1, max_size=3))
def test_x_xaa_batches_of_mutated_events(payloads: list[Any]) -> None:
    """The undocumented batch form: each event read on its own, never a 500."""
    deps = x_deps()
    events = [p["data"] for p in payloads if isinstance(p, dict) and "data" in p]
    event = x_delivery(json_bytes({"data": events}), local.X_CONSUMER_SECRET)
    assert_deliberate(ingest_x.lambda_handler(event, LambdaContext(), deps=deps), deps.ingest.store)


@FAST
@given(st.binary(max_size=2048))
def test_vk_arbitrary_bytes(body: bytes) -> None:
    deps = vk_deps()
    event = vk_delivery(body, base64_body=True)
    assert_deliberate(
        ingest_vk.lambda_handler(event, LambdaContext(), deps=deps), deps.ingest.store
    )


@FAST
@given(mutated(VK_SAMPLES))
def test_vk_mutated_valid_payloads(payload: Any) -> None:
    deps = vk_deps()
    event = vk_delivery(json_bytes(payload))
    assert_deliberate(
        ingest_vk.lambda_handler(event, LambdaContext(), deps=deps), deps.ingest.store
    )


@FAST
@given(st.text(max_size=300))
def test_vk_any_text_in_a_valid_message_is_stored_or_refused_cleanly(text: str) -> None:
    deps = vk_deps()
    payload = body_of("vk_message_new")
    payload["object"]["message"]["text"] = text
    event = vk_delivery(json.dumps(payload).encode())  # ASCII-escaped: lone surrogates survive JSON
    response = ingest_vk.lambda_handler(event, LambdaContext(), deps=deps)
    assert_deliberate(response, deps.ingest.store)


def crc_answer(token: str, deps: Any) -> dict[str, Any]:
    event = http_event("GET", "/webhooks/x", query=urlencode({"crc_token": token}))
    return ingest_x.lambda_handler(event, LambdaContext(), deps=deps)


@FAST
@given(
    st.from_regex(signature.CRC_TOKEN, fullmatch=True)
    | st.text(max_size=300)
    | mutated(X_SAMPLES).map(lambda payload: json_bytes(payload).decode())
)
def test_x_nothing_the_crc_endpoint_signs_is_a_delivery(token: str) -> None:
    """The CRC answer is a valid POST signature of the token: whatever the endpoint agrees
    to sign must fail as a delivery, so no stored message is ever authenticated by it."""
    deps = x_deps()
    answer = crc_answer(token, deps)
    assert answer["statusCode"] in {200, 400}
    if answer["statusCode"] != 200:
        assert "response_token" not in json.loads(answer["body"])
        return
    signed = json.loads(answer["body"])["response_token"]
    headers = {"content-type": "application/json", signature.SIGNATURE_HEADER: signed}
    response = ingest_x.lambda_handler(
        http_event("POST", "/webhooks/x", token.encode(), headers), LambdaContext(), deps=deps
    )
    assert response["statusCode"] == 400
    assert isinstance(deps.ingest.store, FakeStore) and deps.ingest.store.all_messages == []
