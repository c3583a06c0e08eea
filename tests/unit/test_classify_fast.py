"""The classifier on its sample trigger (events/sqs_classify_batch.json: a mention and the
customer's follow-up), with its store and the desk's queue in memory. The same paths on moto
are in tests/integration/test_classify.py."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from functions.classify_message import app as classify
from socialcare.config import load_brands
from socialcare.models import ClassifyRequest, DeskRequest
from socialcare.services.alerts import AlertDeps
from socialcare.services.classify import ClassifyDeps, Knowledge
from socialcare_tools import local_secrets as local
from tests.conftest import BRANDS_DIR, EVENTS, LambdaContext
from tests.support.fake_classify import (
    FakeAlertStore,
    FakeClassifyStore,
    FakeClockStarter,
    FakeRetention,
)
from tests.support.fake_clocks import FakeEscalations
from tests.support.fakes import FakeQueue
from tests.support.items import conversation_item, message_item

NOW = datetime(2026, 8, 24, 10, 15, 5, tzinfo=UTC)
PAGE = local.META_PAGE_ID
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


ANGRY = "@AcmeSupport URGENT!!! terrible service, you charged my card twice, I want a refund"


def wired(store: FakeClassifyStore, **ports: Any) -> Any:
    brands = load_brands(BRANDS_DIR).brands.values()
    deps = ClassifyDeps(
        store=store,
        brands={b.id: Knowledge.of(b) for b in brands},
        clock=lambda: NOW,
        **ports,
    )
    return classify.lambda_handler(the_sample(), LambdaContext(), deps=deps)


def test_the_first_message_starts_the_reply_clocks_and_a_redelivery_starts_none() -> None:
    store, clocks = stored(), FakeClockStarter()
    wired(store, clocks=clocks)
    kinds = [[p.clock.value for p in plans] for plans in clocks.started]
    assert kinds and "first_response" in kinds[0]
    wired(store, clocks=clocks)  # SQS hands the batch over again
    assert len(clocks.started) == len(kinds)


def test_a_priority_1_message_reaches_the_managers_once() -> None:
    store, topic = stored(), FakeEscalations()
    first = requests()[0]
    store.messages[(first.conversation_id, first.message_sk)]["text"] = ANGRY
    store.earlier = 2  # the customer's third conversation this week
    alerts = AlertDeps(store=FakeAlertStore(), escalations=topic)
    wired(store, alerts=alerts)
    [notice] = topic.published
    assert notice.kind == "priority" and notice.reason.startswith("priority P1")
    for message in store.messages.values():  # as if the take-up were lost: classify again
        message.pop("processed_at")
    wired(store, alerts=alerts)
    assert len(topic.published) == 1


def test_negative_messages_far_above_the_usual_rate_report_a_spike_once() -> None:
    store, topic, tallies = stored(), FakeEscalations(), FakeAlertStore()
    for request in requests():
        store.messages[(request.conversation_id, request.message_sk)]["text"] = ANGRY
    hour = NOW.strftime("%Y-%m-%dT%H")
    tallies.negatives[f"acme refund_return {hour}"] = {f"x#earlier#{n}" for n in range(4)}
    wired(store, alerts=AlertDeps(store=tallies, escalations=topic))
    spikes = [n for n in topic.published if n.kind == "spike"]
    # The first message makes five this hour (the least a spike needs): reported; the
    # second makes six, and the hour's spike is not reported again.
    assert len(spikes) == 1 and "5 negative messages on refund_return" in spikes[0].reason
    assert len(tallies.negatives[f"acme refund_return {hour}"]) == 6


def test_a_conversation_that_starts_as_spam_is_settled_for_expiry() -> None:
    store, retention = stored(), FakeRetention()
    for request in requests():
        message = store.messages[(request.conversation_id, request.message_sk)]
        message["text"] = (
            "FREE crypto giveaway!!! click https://bit.ly/x1 https://bit.ly/x2 win $$$"
        )
    wired(store, retention=retention)
    [(conversation_id, kept)] = set(retention.settled)
    assert conversation_id == requests()[0].conversation_id and kept == timedelta(days=365)


def test_a_customers_earlier_conversations_are_counted_once_per_conversation() -> None:
    """The sample's two messages are one conversation: the follow-up reads the count the
    first one left on the conversation, and is as much a returning customer's."""
    store = stored()
    store.earlier = 2
    wired(store)
    assert store.counted == 1
    first, follow_up = (store.messages[(r.conversation_id, r.message_sk)] for r in requests())
    assert first["classification"]["priority"]["earlier_conversations"] == 2
    assert follow_up["classification"]["priority"]["earlier_conversations"] == 2


def test_a_meta_direct_messages_clocks_end_with_metas_window_longer_with_human_agent() -> None:
    """A private Messenger conversation under the default policy (resolution in 2 business
    days):
    cut at Meta's 24 hours, unless the Page has the human agent permission (7 days)."""

    def resolution_due(human_agent: bool) -> datetime:
        store, clocks = stored(), FakeClockStarter()
        for conversation in store.conversations.values():
            conversation.update(platform="messenger", channel_type="private", account_id=PAGE)
        for message in store.messages.values():
            message.update(platform="messenger", kind="direct", text="where is my parcel?")
        acme = load_brands(BRANDS_DIR).brands["acme"]
        page = acme.accounts.facebook[0].model_copy(update={"human_agent": human_agent})
        accounts = acme.accounts.model_copy(update={"facebook": (page,)})
        brand = acme.model_copy(update={"accounts": accounts})
        deps = ClassifyDeps(
            store=store, brands={"acme": Knowledge.of(brand)}, clock=lambda: NOW, clocks=clocks
        )
        classify.lambda_handler(the_sample(), LambdaContext(), deps=deps)
        [plan] = [p for p in clocks.started[0] if p.clock.value == "resolution"]
        return plan.due_at

    started = requests()[0].sent_at
    assert resolution_due(human_agent=False) == started + timedelta(hours=24)
    # The policy's own (2 business days: Saturday 29 August 09:00), inside the 7 days.
    assert resolution_due(human_agent=True) == datetime(2026, 8, 29, 9, 0, tzinfo=UTC)
