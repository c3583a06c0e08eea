"""The classify queue consumer: partial batch failures, FIFO order, idempotent take-up."""

import io
import json
from typing import Any

import boto3
import pytest

from functions.classify_message import app as classify
from socialcare.adapters.classify_store import DynamoClassifyStore
from socialcare.adapters.sqs import SqsClassifyQueue
from socialcare.config import load_brands
from socialcare.services.classify import ClassifyDeps, Knowledge
from socialcare.services.x_webhook import XWebhookDeps
from socialcare_tools.samples import JANE, tweet
from socialcare_tools.template_resources import Backbone, create_queue
from tests.conftest import BRANDS_DIR, LambdaContext
from tests.support.clocks import set_status
from tests.support.fakes import FakeQueue
from tests.support.inspect import drain, dynamodb_calls, of_kind
from tests.support.metrics import emf
from tests.support.queues import consume, queued_records, record

pytestmark = pytest.mark.integration


def test_the_language_of_each_message_is_stored_and_the_conversation_follows_the_latest(
    backbone: Backbone, x_live: XWebhookDeps
) -> None:
    consume(
        backbone,
        queued_records(backbone, x_live, tweet("100", "@AcmeSupport где мой заказ? Жду неделю")),
    )
    assert of_kind(backbone.table, "META")[0]["language"] == "ru"
    reply = tweet("101", "@AcmeSupport sorry, my order 4411 is still missing", reply_to="100")
    consume(backbone, queued_records(backbone, x_live, reply))
    languages = [m["classification"]["language"]["code"] for m in of_kind(backbone.table, "MSG#")]
    assert (
        sorted(languages) == ["en", "ru"] and of_kind(backbone.table, "META")[0]["language"] == "en"
    )


def test_a_spam_conversation_stays_spam_when_the_customer_writes_again(
    backbone: Backbone, x_live: XWebhookDeps
) -> None:
    consume(
        backbone,
        queued_records(backbone, x_live, tweet("100", "@AcmeSupport WIN FREE iPhone click here")),
    )
    set_status(backbone, "spam")  # an agent marked it spam
    consume(
        backbone,
        queued_records(
            backbone, x_live, tweet("101", "@AcmeSupport FREE iPhone!!!", reply_to="100")
        ),
    )
    [meta] = of_kind(backbone.table, "META")
    assert meta["status"] == "spam"
    assert "queue_pk" not in meta  # the spammer writing again never puts it back in the queue


def test_a_new_conversation_becomes_open_and_its_message_is_marked(
    backbone: Backbone, x_live: XWebhookDeps
) -> None:
    records = queued_records(
        backbone, x_live, tweet("100", "@AcmeSupport hello, my parcel never arrived")
    )
    assert consume(backbone, records) == {"batchItemFailures": []}
    [meta] = of_kind(backbone.table, "META")
    [message] = of_kind(backbone.table, "MSG#")
    assert meta["status"] == "open" and "processed_at" in message
    assert message["classification"]["language"]["code"] == "en" and meta["language"] == "en"


def test_a_redelivered_request_changes_nothing(backbone: Backbone, x_live: XWebhookDeps) -> None:
    records = queued_records(backbone, x_live, tweet("100", "@AcmeSupport hello"))
    consume(backbone, records)
    [first] = of_kind(backbone.table, "MSG#")
    assert consume(backbone, records) == {"batchItemFailures": []}
    [again] = of_kind(backbone.table, "MSG#")
    assert again["processed_at"] == first["processed_at"]


def test_an_answered_conversation_reopens_when_the_customer_writes_again(
    backbone: Backbone, x_live: XWebhookDeps
) -> None:
    consume(backbone, queued_records(backbone, x_live, tweet("100", "@AcmeSupport hello")))
    set_status(backbone, "answered")
    consume(
        backbone,
        queued_records(backbone, x_live, tweet("101", "@AcmeSupport still?", reply_to="100")),
    )
    assert of_kind(backbone.table, "META")[0]["status"] == "open"


def test_a_request_for_a_message_never_stored_fails_only_its_record(
    backbone: Backbone, x_live: XWebhookDeps
) -> None:
    good = queued_records(backbone, x_live, tweet("100", "@AcmeSupport hello"))
    ghost = json.loads(good[0]["body"]) | {
        "message_sk": "MSG#2026-01-01T00:00:00.000Z#999",
        "conversation_id": "ghost",
    }
    records = [record(json.dumps(ghost), "ghost", "m-ghost"), *good]
    assert consume(backbone, records) == {"batchItemFailures": [{"itemIdentifier": "m-ghost"}]}
    assert of_kind(backbone.table, "META")[0]["status"] == "open"  # the other group went on


def test_a_failed_record_is_said_in_an_error_and_a_metric(
    backbone: Backbone,
    x_live: XWebhookDeps,
    captured_logs: io.StringIO,
    metrics_on: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The batch processor reports a failed record to SQS but logs it only at DEBUG: the
    message would wait out its visibility timeout with nothing said."""
    good = queued_records(backbone, x_live, tweet("100", "@AcmeSupport hello"))
    ghost = json.loads(good[0]["body"]) | {"conversation_id": "ghost"}
    consume(backbone, [record(json.dumps(ghost), "ghost", "m-ghost"), *good])
    [error] = [
        json.loads(line)
        for line in captured_logs.getvalue().splitlines()
        if '"message not classified this time"' in line
    ]
    assert error["level"] == "ERROR" and error["sqs"] == "m-ghost"
    assert "MessageMissing" in error["exception_name"]
    assert [v for v, _ in emf(capsys.readouterr().out)["ClassifyFailed"]] == [1.0]


def test_a_malformed_body_fails_its_record_and_holds_back_only_its_own_group(
    backbone: Backbone, x_live: XWebhookDeps
) -> None:
    good = queued_records(backbone, x_live, tweet("100", "@AcmeSupport hello"))
    group = good[0]["attributes"]["MessageGroupId"]
    records = [
        record("{not json", "other", "bad"),
        record(good[0]["body"], "other", "after-bad"),
        *good,
    ]
    failures = consume(backbone, records)["batchItemFailures"]
    assert {f["itemIdentifier"] for f in failures} == {
        "bad",
        "after-bad",
    }  # FIFO: order kept in "other"
    assert group != "other" and of_kind(backbone.table, "META")[0]["status"] == "open"


def test_the_brand_rules_set_the_topic_of_the_message_and_the_conversation(
    backbone: Backbone, x_live: XWebhookDeps
) -> None:
    records = queued_records(
        backbone, x_live, tweet("100", "@AcmeSupport верните деньги за бракованный товар")
    )
    consume(backbone, records)
    [message] = of_kind(backbone.table, "MSG#")
    topic = message["classification"]["topic"]
    assert (topic["code"], topic["source"], topic["priority"]) == ("refund_return", "rule", "up")
    assert of_kind(backbone.table, "META")[0]["topic"] == "refund_return"


def test_priority_with_its_reasons_is_stored_on_the_message_and_the_conversation(
    backbone: Backbone, x_live: XWebhookDeps
) -> None:
    consume(
        backbone,
        queued_records(
            backbone, x_live, tweet("100", "@AcmeSupport СРОЧНО верните деньги за брак")
        ),
    )
    [message] = of_kind(backbone.table, "MSG#")
    found = message["classification"]["priority"]
    assert found["level"] == "P1"  # public +1, reach 1532 +1, urgent +2, refund +1, rule up +2
    assert "urgent: 'СРОЧНО' (+2)" in found["reasons"]
    assert of_kind(backbone.table, "META")[0]["priority"] == "P1"


def test_a_conversation_that_starts_as_spam_is_marked_and_leaves_the_queue(
    backbone: Backbone, x_live: XWebhookDeps
) -> None:
    consume(
        backbone,
        queued_records(
            backbone, x_live, tweet("100", "@AcmeSupport WIN a free iPhone https://x.co/a")
        ),
    )
    [meta] = of_kind(backbone.table, "META")
    assert meta["status"] == "spam" and "queue_pk" not in meta
    [message] = of_kind(backbone.table, "MSG#")
    assert message["classification"]["spam"]["is_spam"] is True


def test_the_suggested_answer_is_stored_greeting_the_customer_by_handle_with_the_order(
    backbone: Backbone, x_live: XWebhookDeps
) -> None:
    consume(
        backbone,
        queued_records(
            backbone, x_live, tweet("100", "@AcmeSupport where is my order 4411? not arrived")
        ),
    )
    [message] = of_kind(backbone.table, "MSG#")
    suggestion = message["classification"]["suggestion"]
    assert suggestion["answer_id"] == "where-is-my-order"
    assert (
        suggestion["text"]
        == "Hi janeroe, we're checking order 4411 and will get back to you within the hour."
    )


def test_a_display_name_advertising_a_scam_never_reaches_the_suggested_answer(
    backbone: Backbone, x_live: XWebhookDeps
) -> None:
    scammer = JANE | {"name": "buy $SCAM at evil.example", "screen_name": "jane.roe"}
    consume(
        backbone,
        queued_records(
            backbone, x_live, tweet("100", "@AcmeSupport where is my order 4411?", user=scammer)
        ),
    )
    [message] = of_kind(backbone.table, "MSG#")
    assert message["classification"]["suggestion"]["text"] == (
        "Hi, we're checking order 4411 and will get back to you within the hour."
    )


def test_a_conversation_changed_while_classifying_fails_the_record_and_writes_nothing(
    backbone: Backbone, x_live: XWebhookDeps
) -> None:
    import pytest as _pytest

    from socialcare.errors import StorageUnavailable
    from socialcare.services.classify import classify_text

    records = queued_records(backbone, x_live, tweet("100", "@AcmeSupport where is my order?"))
    request = json.loads(records[0]["body"])
    store = DynamoClassifyStore(backbone.table)
    with _pytest.raises(StorageUnavailable, match="changed while classifying"):
        # The classifier saw "open", but the conversation is "new": something changed it.
        store.take_up(
            request["conversation_id"], request["message_sk"], classify_text("hi"), "open"
        )
    [message] = of_kind(backbone.table, "MSG#")
    assert "processed_at" not in message  # the whole transaction was cancelled
    assert consume(backbone, records) == {"batchItemFailures": []}  # a fresh read then succeeds


def test_two_messages_of_one_conversation_in_one_batch_both_go_through(
    backbone: Backbone, x_live: XWebhookDeps
) -> None:
    records = queued_records(
        backbone,
        x_live,
        tweet("100", "@AcmeSupport where is my order?"),
        tweet("101", "@AcmeSupport hello?? still waiting", reply_to="100"),
    )
    assert (
        len(records) == 2
        and records[0]["attributes"]["MessageGroupId"] == records[1]["attributes"]["MessageGroupId"]
    )
    assert consume(backbone, records) == {"batchItemFailures": []}  # one read for the batch
    assert all("processed_at" in m for m in of_kind(backbone.table, "MSG#"))
    assert of_kind(backbone.table, "META")[0]["status"] == "open"


def test_sentiment_is_stored_on_the_message_and_the_conversation(
    backbone: Backbone, x_live: XWebhookDeps
) -> None:
    consume(
        backbone,
        queued_records(
            backbone, x_live, tweet("100", "@AcmeSupport worst service ever, nobody answers 😡")
        ),
    )
    [message] = of_kind(backbone.table, "MSG#")
    feeling = message["classification"]["sentiment"]
    assert feeling["label"] == "negative" and feeling["score"] < 0
    assert "negative sentiment (+2)" in message["classification"]["priority"]["reasons"]
    assert of_kind(backbone.table, "META")[0]["sentiment"] == "negative"


def test_a_customer_back_with_a_new_conversation_within_a_week_is_a_repeat_contact(
    backbone: Backbone, x_live: XWebhookDeps
) -> None:
    day = 86_400_000
    first = tweet("100", "@AcmeSupport where is my order 4411?", millis=1787566502000)
    second = tweet("200", "@AcmeSupport still nothing about 4411", millis=1787566502000 + 2 * day)
    much_later = tweet("300", "@AcmeSupport hello again", millis=1787566502000 + 30 * day)
    consume(backbone, queued_records(backbone, x_live, first, second, much_later))
    reasons = {
        message["text"]: message["classification"]["priority"]["reasons"]
        for message in of_kind(backbone.table, "MSG#")
    }
    repeat = "repeat contact: 1 other conversation in 7 days (+1)"
    assert repeat not in reasons["@AcmeSupport where is my order 4411?"]
    assert repeat in reasons["@AcmeSupport still nothing about 4411"]
    assert not any("repeat contact" in r for r in reasons["@AcmeSupport hello again"])


def test_a_conversations_earlier_conversations_are_counted_once_on_moto(
    backbone: Backbone, x_live: XWebhookDeps
) -> None:
    """The count is fixed when a conversation begins: its first message counts (one ByCustomer
    query), the customer's later messages in it, in that batch or a later one, read the count
    kept on the conversation."""
    day = 86_400_000
    start = 1787566502000
    earlier = tweet("100", "@AcmeSupport where is my order 4411?", millis=start)
    consume(backbone, queued_records(backbone, x_live, earlier))
    again = [  # a new thread, the customer replying to their own post in it
        tweet(
            f"20{n}",
            f"@AcmeSupport still nothing about 4411 ({n})",
            millis=start + 2 * day + n,
            reply_to="200" if n else None,
        )
        for n in range(3)
    ]
    dynamodb = boto3.client("dynamodb")
    calls = dynamodb_calls(dynamodb)
    brands = load_brands(BRANDS_DIR).brands.values()
    deps = ClassifyDeps(
        store=DynamoClassifyStore(backbone.table, client=dynamodb),
        brands={brand.id: Knowledge.of(brand) for brand in brands},
    )
    first_two, last = (
        queued_records(backbone, x_live, *again[:2]),
        queued_records(backbone, x_live, again[2]),
    )
    for batch in (first_two, last):
        classify.lambda_handler({"Records": batch}, LambdaContext(), deps=deps)
    assert calls.count(("Query", "ByCustomer")) == 1
    later = [m for m in of_kind(backbone.table, "MSG#") if "still nothing" in m["text"]]
    assert len(later) == 3
    assert all(m["classification"]["priority"]["earlier_conversations"] == 1 for m in later)
    [meta] = [m for m in of_kind(backbone.table, "META") if m["message_count"] == 3]
    assert meta["earlier_conversations"] == 1


def test_the_third_copy_of_a_promotional_text_is_marked_spam_and_a_redelivery_counts_once(
    backbone: Backbone, x_live: XWebhookDeps
) -> None:
    bots = [{**JANE, "id_str": f"77{i}", "screen_name": f"promo{i}"} for i in range(3)]
    text = "@AcmeSupport crazy offer, earn from home today https://promo.example/{}"
    tweets = [tweet(f"90{i}", text.format(i), user=bots[i]) for i in range(3)]
    records = queued_records(backbone, x_live, tweets[0], tweets[1])
    consume(backbone, [*records, {**records[0], "messageId": "again"}])  # one redelivered
    consume(backbone, queued_records(backbone, x_live, tweets[2]))
    verdicts = {m["text"]: m["classification"]["spam"] for m in of_kind(backbone.table, "MSG#")}
    assert not verdicts[text.format(0)]["is_spam"] and not verdicts[text.format(1)]["is_spam"]
    assert "the same text in 3 messages today" in verdicts[text.format(2)]["reasons"]


def test_many_customers_asking_the_same_plain_question_are_never_a_campaign(
    backbone: Backbone, x_live: XWebhookDeps
) -> None:
    people = [{**JANE, "id_str": f"55{i}", "screen_name": f"person{i}"} for i in range(4)]
    asks = [
        tweet(f"80{i}", "@AcmeSupport where is my order? it is very late", user=people[i])
        for i in range(4)
    ]
    consume(backbone, queued_records(backbone, x_live, *asks))
    assert not any(m["classification"]["spam"]["is_spam"] for m in of_kind(backbone.table, "MSG#"))


def customers(n: int) -> list[dict[str, Any]]:
    """One message from each of ``n`` customers: ``n`` conversations."""
    return [
        tweet(
            str(200 + i),
            f"@AcmeSupport my order {i} is late",
            user={**JANE, "id_str": str(9000 + i)},
        )
        for i in range(n)
    ]


def test_a_batch_is_handed_to_the_desk_in_one_call_per_ten_each_conversation_in_order(
    backbone: Backbone, x_live: XWebhookDeps
) -> None:
    desk_url = create_queue("DeskQueue")
    client = boto3.client("sqs")
    calls: list[str] = []
    client.meta.events.register("before-call.sqs.*", lambda model, **_: calls.append(model.name))
    records = queued_records(
        backbone,
        x_live,
        *customers(8),
        tweet("300", "@AcmeSupport where is my order?"),
        tweet("301", "@AcmeSupport hello?? still waiting", reply_to="300"),
    )
    assert len(records) == 10  # Lambda's batch size for the classify queue
    result = consume(backbone, records, SqsClassifyQueue(desk_url, client, what="the Slack desk"))
    assert result == {"batchItemFailures": []}
    # Nine conversations' first messages in one call, then Jane's second (after her first).
    assert calls == ["SendMessageBatch", "SendMessageBatch"]
    handed = drain(desk_url)
    assert len(handed) == 10
    by_jane = [
        h["body"]["message_sk"]
        for h in handed
        if h["group"] == records[-1]["attributes"]["MessageGroupId"]
    ]
    assert by_jane == sorted(by_jane) and len(by_jane) == 2


def test_a_hand_off_the_desk_queue_refused_comes_back_and_goes_on_the_retry(
    backbone: Backbone, x_live: XWebhookDeps
) -> None:
    records = queued_records(backbone, x_live, *customers(3))
    refused_group = records[1]["attributes"]["MessageGroupId"]
    desk = FakeQueue(refusing={refused_group})
    assert consume(backbone, records, desk) == {
        "batchItemFailures": [{"itemIdentifier": records[1]["messageId"]}]
    }
    assert all("processed_at" in m for m in of_kind(backbone.table, "MSG#"))  # taken up
    desk.refusing.clear()
    assert consume(backbone, [records[1]], desk) == {"batchItemFailures": []}
    assert sorted(r.conversation_id for r in desk.delivered) == sorted(
        json.loads(r["body"])["conversation_id"] for r in records
    )


def test_an_unreachable_desk_queue_sends_the_whole_batch_back(
    backbone: Backbone, x_live: XWebhookDeps
) -> None:
    records = queued_records(backbone, x_live, *customers(2))
    gone = SqsClassifyQueue(
        "https://sqs.eu-west-1.amazonaws.com/123456789012/gone.fifo", what="the Slack desk"
    )
    result = consume(backbone, records, gone)
    assert result == {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in records]}
    desk_url = create_queue("DeskQueue")
    assert consume(backbone, records, SqsClassifyQueue(desk_url)) == {"batchItemFailures": []}
    assert len(drain(desk_url)) == 2
