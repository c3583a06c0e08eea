"""POST/GET /webhooks/meta through the Lambda handler, with the samples in events/: what Meta
gets back for each, and what is stored."""

import json

import pytest

from functions.ingest_meta import app as ingest_meta
from socialcare.errors import StorageUnavailable
from socialcare.services.ingest import IngestDeps
from socialcare.services.meta_webhook import MetaWebhookDeps
from socialcare_tools import local_secrets as local
from socialcare_tools.apigw import meta_delivery
from tests.conftest import LambdaContext, load_event
from tests.support.fakes import FakeQueue, FakeStore, meta_deps, queue_of, store_of


def call(name: str, deps: MetaWebhookDeps) -> dict[str, object]:
    return ingest_meta.lambda_handler(load_event(name), LambdaContext(), deps=deps)


def test_the_subscription_handshake_answers_the_challenge_as_plain_text() -> None:
    response = call("meta_handshake", meta_deps())
    assert response["statusCode"] == 200 and response["body"] == "1158201444"
    assert response["headers"]["Content-Type"] == "text/plain"


def test_a_wrong_verify_token_is_403_and_says_nothing_of_ours() -> None:
    response = call("meta_handshake_wrong_token", meta_deps())
    assert response["statusCode"] == 403
    assert local.META_VERIFY_TOKEN not in str(response["body"])


@pytest.mark.parametrize(
    ("sample", "messages"),
    [
        ("meta_messenger_message", 1),
        ("meta_messenger_batch", 3),  # two DMs and a Page comment; the read receipt is not one
        ("meta_page_comment", 1),
        ("meta_page_comment_reply", 1),
        ("meta_instagram_message", 1),
        ("meta_instagram_comment", 1),
        ("meta_messenger_echo", 0),  # our own message
        ("meta_page_own_comment", 0),
        ("meta_unknown_object", 0),  # acknowledged and logged
    ],
)
def test_each_delivery_is_acknowledged_once_its_messages_are_stored_and_queued(
    sample: str, messages: int
) -> None:
    deps = meta_deps()
    response = call(sample, deps)
    assert response["statusCode"] == 200 and response["body"] == "EVENT_RECEIVED"
    assert len(store_of(deps).all_messages) == messages
    assert len(queue_of(deps).sent) == messages


@pytest.mark.parametrize(
    ("sample", "status", "error"),
    [
        ("meta_bad_signature", 401, "invalid_signature"),
        ("meta_missing_signature", 401, "invalid_signature"),
        ("meta_malformed_json", 400, "malformed_payload"),
    ],
)
def test_bad_deliveries_get_a_clear_refusal_and_store_nothing(
    sample: str, status: int, error: str
) -> None:
    deps = meta_deps()
    response = call(sample, deps)
    assert response["statusCode"] == status
    assert json.loads(str(response["body"]))["error"] == error
    assert store_of(deps).all_messages == []


def test_an_oversized_delivery_is_413_before_its_signature_is_computed() -> None:
    deps = meta_deps(max_body_bytes=1000)
    event = meta_delivery(b"{" + b" " * 2000 + b"}", local.META_APP_SECRET)
    response = ingest_meta.lambda_handler(event, LambdaContext(), deps=deps)
    assert response["statusCode"] == 413
    assert store_of(deps).all_messages == []


def test_a_storage_failure_is_503_so_meta_sends_the_delivery_again() -> None:
    store = FakeStore(fail_with=StorageUnavailable("DynamoDB throttled"))
    deps = meta_deps(ingest=IngestDeps(store=store, queue=FakeQueue()))
    assert call("meta_messenger_batch", deps)["statusCode"] == 503
    store.fail_with = None
    assert call("meta_messenger_batch", deps)["statusCode"] == 200
    assert len(store.all_messages) == 3
