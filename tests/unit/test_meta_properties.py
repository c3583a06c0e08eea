"""Meta's webhook route as an attacker or a changed Meta would hit it: any bytes, any JSON,
any mutation of a real delivery, correctly signed or not, any handshake query. The answer is
a receipt or a refusal (400/401/403/413), never a 5xx; a refused body stores nothing; the
handshake echoes nothing but a challenge shaped as Meta's, and only for our verify token."""

import json
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from functions.ingest_meta import app as ingest_meta
from socialcare_tools import local_secrets as local
from socialcare_tools.apigw import http_event, json_bytes, meta_delivery
from tests.conftest import LambdaContext
from tests.support.fakes import meta_deps, store_of
from tests.support.mutations import DELIBERATE, mutated

pytestmark = pytest.mark.thorough  # many random examples each: make test, not make unit
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SAMPLES = [
    "meta_messenger_message",
    "meta_messenger_batch",
    "meta_page_comment",
    "meta_page_comment_reply",
    "meta_instagram_message",
    "meta_instagram_comment",
    "meta_instagram_mention",
    "meta_instagram_caption_mention",
]


def post(event: dict[str, Any]) -> None:
    deps = meta_deps()
    response = ingest_meta.lambda_handler(event, LambdaContext(), deps=deps)
    assert response["statusCode"] in DELIBERATE, response
    if response["statusCode"] != 200:
        assert store_of(deps).all_messages == []
        assert json.loads(response["body"])["error"]


@FAST
@given(st.binary(max_size=2048), st.booleans())
def test_any_bytes_signed_or_not(body: bytes, sign_it: bool) -> None:
    secret = local.META_APP_SECRET if sign_it else "an attacker's guess"
    post(meta_delivery(body, secret, base64_body=True))


@FAST
@given(mutated(SAMPLES), st.booleans())
def test_a_mutated_real_delivery(payload: Any, sign_it: bool) -> None:
    secret = local.META_APP_SECRET if sign_it else "an attacker's guess"
    post(meta_delivery(json_bytes(payload), secret))


@FAST
@given(
    st.dictionaries(
        st.sampled_from(["hub.mode", "hub.verify_token", "hub.challenge", "other"]),
        st.text(max_size=80),
    ),
    st.booleans(),
)
def test_the_handshake_is_no_oracle(query: dict[str, str], our_token: bool) -> None:
    if our_token:
        query = query | {"hub.verify_token": local.META_VERIFY_TOKEN}
    response = ingest_meta.lambda_handler(
        http_event("GET", "/webhooks/meta", query=urlencode(query)),
        LambdaContext(),
        deps=meta_deps(),
    )
    assert response["statusCode"] in DELIBERATE
    if response["statusCode"] == 200:
        # Only our token opens it, and what comes back is the challenge as sent, nothing else.
        assert query.get("hub.verify_token") == local.META_VERIFY_TOKEN
        assert query.get("hub.mode") == "subscribe"
        assert response["body"] == query["hub.challenge"]
        assert (
            response["body"].isascii()
            and response["body"].replace("-", "").replace("_", "").isalnum()
        )
    elif query.get("hub.verify_token") != local.META_VERIFY_TOKEN:
        assert local.META_VERIFY_TOKEN not in response["body"]
        assert response["statusCode"] == 403
