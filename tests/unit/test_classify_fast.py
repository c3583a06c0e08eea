"""The classifier on its sample trigger (events/sqs_classify_batch.json: a mention and the
customer's follow-up), with its store and the desk's queue in memory. The same paths on moto
are in tests/integration/test_classify.py."""

import json
from typing import Any

from functions.classify_message import app as classify
from socialcare.config import load_brands
from socialcare.models import ClassifyRequest, DeskRequest
from socialcare.services.classify import ClassifyDeps, Knowledge
from tests.conftest import BRANDS_DIR, EVENTS, LambdaContext
from tests.support.fake_classify import FakeClassifyStore
from tests.support.fakes import FakeQueue
from tests.support.items import conversation_item, message_item

TEXTS = ["@AcmeSupport where is my order #4411? 3 days now", "@AcmeSupport hello?? still waiting"]


def the_sample() -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / "sqs_classify_batch.json").read_text("utf-8"))
    return event


def requests() -> list[ClassifyRequest]:
    return [ClassifyRequest.model_validate_json(r["body"]) for r in the_sample()["Records"]]


def stored() -> FakeClassifyStore:
    """What ingest stored for the sample's two messages: one new conversation."""
    store = FakeClassifyStore()
    for request, text in zip(requests(), TEXTS, strict=True):
        store.conversations[request.conversation_id] = conversation_item(id=request.conversation_id)
        store.messages[(request.conversation_id, request.message_sk)] = message_item(
            sk=request.message_sk, text=text, sent_at=request.sent_at.isoformat()
        )
    return store


def run(store: FakeClassifyStore, desk: FakeQueue) -> Any:
    brands = load_brands(BRANDS_DIR).brands.values()
    deps = ClassifyDeps(store=store, brands={b.id: Knowledge.of(b) for b in brands}, desk=desk)
    return classify.lambda_handler(the_sample(), LambdaContext(), deps=deps)


def test_both_messages_are_classified_and_handed_to_the_desk_in_order() -> None:
    store, desk = stored(), FakeQueue()
    assert run(store, desk) == {"batchItemFailures": []}
    first, follow_up = (store.messages[(r.conversation_id, r.message_sk)] for r in requests())
    assert first["classification"]["topic"]["code"] == "order_status"
    assert first["classification"]["language"]["code"] == "en"
    assert first["classification"]["suggestion"]["text"]  # the answer base has one for it
    assert follow_up["classification"]["spam"]["is_spam"] is False
    handed = desk.delivered
    assert all(isinstance(r, DeskRequest) and r.notice is None for r in handed)
    assert [r.message_ref for r in handed] == [r.message_ref for r in requests()]
    # One conversation's hand-offs go one round each, so the desk gets them in order.
    assert desk.batches == 2


def test_a_redelivered_batch_classifies_nothing_again_and_the_desk_absorbs_the_copies() -> None:
    store, desk = stored(), FakeQueue()
    run(store, desk)
    run(store, desk)
    assert store.take_ups == 2
    assert len(desk.sent) == 4 and len(desk.delivered) == 2  # FIFO deduplication


def test_a_desk_queue_that_refuses_sends_the_conversation_back() -> None:
    store, desk = stored(), FakeQueue()
    desk.refusing.add(requests()[0].conversation_id)
    answer = run(store, desk)
    ids = [r["messageId"] for r in the_sample()["Records"]]
    assert [f["itemIdentifier"] for f in answer["batchItemFailures"]] == ids
    assert store.take_ups == 2  # classified; the retry only hands them on
