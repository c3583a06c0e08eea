"""Logs hold no platform user id, handle, name or customer text: the shared logger replaces
the values of personal keys with a stable pseudonym, so operators can still follow one
message or customer across lines and functions (docs/privacy-logs.md)."""

import io
import json
from typing import Any

import pytest

from functions.ingest_vk import app as ingest_vk
from functions.ingest_x import app as ingest_x
from socialcare.observability import logger, pseudonym, pseudonymised
from socialcare_tools import local_secrets as local
from socialcare_tools.apigw import x_delivery
from socialcare_tools.samples import JANE, tweet, x_tweets
from tests.conftest import LambdaContext, load_event
from tests.support.fakes import FakeStore, vk_deps, x_deps

# What the sample deliveries say about the customer: none of it may reach a log line.
PERSONAL = [
    JANE["id_str"],
    "janeroe",
    "Jane Roe",
    "512345678",  # the VK customer's id (also their dialogue's peer id)
    "order #4411 never arrived",
    "my order never arrived",
    "заказ #4411",
    "1960000000000000123",  # the customer's tweet: on x.com it names its author
    "1960000000000000777",  # the customer's DM
    "1960000000000000500",  # a retweet by the customer
]


def lines(captured: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in captured.getvalue().splitlines()]


def test_x_and_vk_deliveries_log_pseudonyms_not_the_customer(
    captured_logs: io.StringIO,
) -> None:
    x, vk = x_deps(), vk_deps()
    retweet = tweet("1960000000000000500", "RT @AcmeSupport hi", retweeted_status={"id_str": "1"})
    for _ in range(2):  # the second time, each is a duplicate: logged under the same pseudonym
        for name in ("x_tweet_mention", "x_dm"):
            assert (
                ingest_x.lambda_handler(load_event(name), LambdaContext(), deps=x)["statusCode"]
                == 200
            )
        event = load_event("vk_message_new")
        assert ingest_vk.lambda_handler(event, LambdaContext(), deps=vk)["body"] == "ok"
    skipped = x_delivery(x_tweets(retweet), local.X_CONSUMER_SECRET)
    assert ingest_x.lambda_handler(skipped, LambdaContext(), deps=x)["statusCode"] == 200

    records = lines(captured_logs)
    assert {r["level"] for r in records} >= {"INFO"}
    for record in records:
        text = json.dumps(record, ensure_ascii=False)
        for value in PERSONAL:
            assert value not in text, f"{value!r} logged in {text}"
    assert isinstance(x.ingest.store, FakeStore) and isinstance(vk.ingest.store, FakeStore)
    refs = [m.ref for m in x.ingest.store.all_messages + vk.ingest.store.all_messages]
    assert len(refs) == 3
    for ref in refs:
        assert ref not in captured_logs.getvalue()
        logged = [r["message"] for r in records if r.get("message_ref") == pseudonym(ref)]
        assert logged == ["message stored", "duplicate delivery absorbed"], ref
    [not_ingested] = [r for r in records if r["message"] == "event not ingested"]
    assert not_ingested["message_ref"].startswith("h:")


def test_a_pseudonym_is_short_stable_and_the_same_for_a_number_and_its_text() -> None:
    assert pseudonym("x#1#2") == pseudonym("x#1#2")
    assert pseudonym(512345678) == pseudonym("512345678")
    assert pseudonym("x#1#2").startswith("h:") and len(pseudonym("x#1#2")) == 14
    assert pseudonym("x#1#2") != pseudonym("x#1#3")


def test_personal_keys_are_replaced_wherever_they_are_nested() -> None:
    log = {
        "message": "m",
        "conversation_id": "abc",
        "customer_id": "42",
        "outcome": {"message_refs": ["x#1#2", "x#1#3"], "brand": "acme", "text": "hi"},
        "problems": [{"user": {"id": "7", "name": "Jane"}, "field": "f"}],
        "handle": None,
    }
    clean = pseudonymised(log)
    assert clean["conversation_id"] == "abc" and clean["outcome"]["brand"] == "acme"
    assert clean["customer_id"] == pseudonym("42")
    assert clean["outcome"]["message_refs"] == [pseudonym("x#1#2"), pseudonym("x#1#3")]
    assert clean["outcome"]["text"] == pseudonym("hi")
    assert clean["problems"][0]["user"].startswith("h:") and clean["problems"][0]["field"] == "f"
    assert clean["handle"] is None


@pytest.mark.parametrize("level", ["debug", "info", "warning", "error"])
def test_every_level_goes_through_the_pseudonymising_formatter(
    level: str, captured_logs: io.StringIO
) -> None:
    logger.setLevel("DEBUG")
    try:
        getattr(logger, level)("said", extra={"customer_id": "1400000000000000042"})
    finally:
        logger.setLevel("INFO")
    [record] = lines(captured_logs)
    assert record["customer_id"] == pseudonym("1400000000000000042")
