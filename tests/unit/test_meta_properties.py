"""Meta's webhook as an attacker or a changed Meta would hit it: any bytes, any JSON, any
mutation of a real delivery, correctly signed or not. The answer is a receipt or a refusal
(401/403/400 upstream), never another error; a refused body stores nothing."""

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socialcare.errors import RejectedRequest
from socialcare.services.meta_webhook import MetaWebhookDeps, receive
from tests.support.fakes import FakeStore, fake_ingest
from tests.support.meta import (
    INSTAGRAM,
    PAGE,
    PSID,
    brands,
    delivery,
    direct,
    entry,
    instagram_comment,
    page_comment,
    secrets,
    signed,
)

pytestmark = pytest.mark.thorough
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)
SAMPLES = [
    json.loads(delivery("page", entry(PAGE, messaging=[direct(PAGE, PSID, "m_1")]))),
    json.loads(delivery("page", entry(PAGE, changes=[page_comment(f"{PAGE}_1")]))),
    json.loads(delivery("instagram", entry(INSTAGRAM, changes=[instagram_comment("178600")]))),
]


def run(body: bytes, signature: str | None) -> FakeStore:
    webhook = MetaWebhookDeps(ingest=fake_ingest(), brands=brands(), secrets=secrets)
    try:
        receive(body, signature, webhook)
    except RejectedRequest:
        assert isinstance(webhook.ingest.store, FakeStore)
        assert webhook.ingest.store.all_messages == []
    assert isinstance(webhook.ingest.store, FakeStore)
    return webhook.ingest.store


@FAST
@given(st.binary(max_size=2048), st.booleans())
def test_any_bytes_get_a_deliberate_answer(body: bytes, sign_it: bool) -> None:
    run(body, signed(body) if sign_it else "sha256=" + "ab" * 32)


@FAST
@given(JSON)
def test_any_signed_json_gets_a_deliberate_answer(document: Any) -> None:
    body = json.dumps(document).encode()
    run(body, signed(body))


def _mutate(value: Any, path: list[Any], replacement: Any) -> Any:
    if not path:
        return replacement
    head, *rest = path
    if isinstance(value, dict) and value:
        key = list(value)[head % len(value)]
        return value | {key: _mutate(value[key], rest, replacement)}
    if isinstance(value, list) and value:
        index = head % len(value)
        return [*value[:index], _mutate(value[index], rest, replacement), *value[index + 1 :]]
    return replacement


@FAST
@given(
    st.sampled_from(SAMPLES),
    st.lists(st.integers(min_value=0, max_value=20), max_size=6),
    JSON,
)
def test_a_mutated_real_delivery_gets_a_deliberate_answer(
    sample: Any, path: list[int], replacement: Any
) -> None:
    body = json.dumps(_mutate(sample, path, replacement)).encode()
    run(body, signed(body))
