"""The desk's thread poster on its sample trigger (events/sqs_desk_batch.json), with the
store and Slack in memory: what the support channel shows, once, and what comes back to the
queue when the table is down. The same paths against moto and the Slack stand-in are in
tests/integration/test_slack_thread.py."""

import json
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from functions.slack_thread import app as thread
from socialcare.config import load_brands
from socialcare.models import DeskRequest
from socialcare.services.slack_thread import ThreadDeps
from tests.conftest import BRANDS_DIR, EVENTS, LambdaContext
from tests.support.fake_desk import FakeSlack, FakeThreadStore
from tests.support.items import classified, conversation_item, message_item

CHANNEL = "C0ACMESUPPORT"  # layers/config/brands/acme/brand.yaml: slack.channel


def the_sample() -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / "sqs_desk_batch.json").read_text("utf-8"))
    return event


def stored_as_the_sample_says() -> FakeThreadStore:
    """The mention and its follow-up, classified, in one new conversation; the follow-up
    since deleted by the customer."""
    requests = [DeskRequest.model_validate_json(r["body"]) for r in the_sample()["Records"]]
    store = FakeThreadStore()
    for request in requests:
        store.conversations[request.conversation_id] = conversation_item(id=request.conversation_id)
        store.messages[(request.conversation_id, request.message_sk)] = message_item(
            sk=request.message_sk,
            text=f"@AcmeSupport message {request.message_sk[-3:]}",
            sent_at=request.sent_at.isoformat(),
            classification=classified(),
        ) | ({"deleted_at": "2026-08-24T10:20:00.000Z"} if request.notice else {})
    return store


def run(store: FakeThreadStore, slack: FakeSlack) -> Any:
    deps = ThreadDeps(store=store, poster=slack, brands=load_brands(BRANDS_DIR))
    return thread.lambda_handler(the_sample(), LambdaContext(), deps=deps)


def test_the_card_goes_to_the_channel_and_the_deletion_into_its_thread_in_one_read() -> None:
    store, slack = stored_as_the_sample_says(), FakeSlack()
    assert run(store, slack) == {"batchItemFailures": []}
    card, told = slack.posts
    assert card["channel"] == CHANNEL and card["thread_ts"] is None
    assert told["thread_ts"] == card["ts"] and "deleted" in told["text"]
    assert store.batch_reads == 1
    [meta] = store.conversations.values()
    assert meta["slack_thread"] == {"channel": CHANNEL, "ts": card["ts"]}


def test_the_same_batch_again_posts_nothing() -> None:
    store, slack = stored_as_the_sample_says(), FakeSlack()
    run(store, slack)
    assert run(store, slack) == {"batchItemFailures": []}
    assert len(slack.posts) == 2


def test_a_table_that_is_down_sends_the_whole_batch_back() -> None:
    """The card went to Slack but could not be recorded, and the conversation's later record
    waits behind it (FIFO): every record failed, so the invocation fails and the queue hands
    the batch over again (Powertools raises when no record succeeded)."""
    store, slack = stored_as_the_sample_says(), FakeSlack()
    store.down = True
    with pytest.raises(BatchProcessingError, match="All records failed"):
        run(store, slack)
    assert len(slack.posts) == 1  # the card; the retry posts it again (at least once)
    store.down = False
    assert run(store, slack) == {"batchItemFailures": []}
    assert [p["thread_ts"] for p in slack.posts] == [None, None, "1.000002"]
