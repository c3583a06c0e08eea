"""The outbox: an agent's reply reaches the customer on X or VK through the real tweepy and
vk_api (their HTTP stopped at the local stand-ins, whose recorded requests we check), once,
with the outcome in the conversation's Slack thread. DynamoDB and SQS in moto."""

import json
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from socialcare.adapters.reply_store import DynamoReplyStore
from socialcare.errors import StorageUnavailable
from socialcare.models.reply import Delivered, OutboundReply
from socialcare.services.send_reply import SendDeps, deliver
from socialcare.services.vk_webhook import VkWebhookDeps
from socialcare.services.x_webhook import XWebhookDeps
from socialcare_tools.local import standins_x
from socialcare_tools.local.standins import StandIns
from socialcare_tools.samples import tweet
from socialcare_tools.template_resources import Backbone
from tests.integration.conftest import Escalated
from tests.integration.desk_support import (
    AGENT,
    a_desk,
    desk_and_outbox,
    message_event,
    run_outbox,
    send_deps,
    slack_calls,
    to_the_desk,
    vk_records,
)
from tests.support.clocks import a_waiting_conversation, first_response, run_to_the_end
from tests.support.faults import Faults, updates
from tests.support.inspect import of_kind
from tests.support.outbox import (
    an_answer_to,
    an_x_conversation,
    calls,
    card_ts,
)
from tests.support.queues import queued_records

pytestmark = pytest.mark.integration


@pytest.fixture
def queues(backbone: Backbone) -> tuple[str, str]:
    return desk_and_outbox()


def reply(
    backbone: Backbone,
    slack: StandIns,
    queues: tuple[str, str],
    text: str,
    thread_ts: str,
    event_id: str = "Ev0001",
) -> dict[str, Any]:
    desk = a_desk(backbone, slack, queues[1])
    assert desk.act(message_event(text, thread_ts, event_id=event_id))["statusCode"] == 200
    return run_outbox(backbone, slack, queues[1])


def test_a_reply_in_the_thread_goes_out_as_a_reply_tweet_and_the_conversation_is_answered(
    backbone: Backbone, x_live: XWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    ts = an_x_conversation(backbone, x_live, queues, slack)
    result = reply(backbone, slack, queues, "Sorry Jane, it ships today &amp; arrives Friday.", ts)
    assert result["batchItemFailures"] == []
    [sent] = calls(slack, "x", standins_x.TWEETS)
    assert sent["params"] == {
        "text": "Sorry Jane, it ships today & arrives Friday.",
        "reply": {"in_reply_to_tweet_id": "1960000000000000100"},
    }
    assert sent["status"] == 201
    [meta] = of_kind(backbone.table, "META")
    assert meta["status"] == "answered" and "queue_pk" not in meta
    assert meta["first_responder"] == AGENT and meta["first_response_at"]
    [outbound] = [m for m in of_kind(backbone.table, "MSG#") if m["direction"] == "outbound"]
    tweet_id = sent["response"]["data"]["id"]
    assert outbound["platform_message_id"] == tweet_id
    assert outbound["link"] == f"https://x.com/AcmeSupport/status/{tweet_id}"
    shown = [p for p in slack_calls(slack, "chat.postMessage") if p.get("thread_ts") == ts]
    assert any("Sent on X" in p["text"] and outbound["link"] in p["text"] for p in shown)
    [update] = slack_calls(slack, "chat.update")
    assert update["ts"] == ts and "answered" in json.dumps(update["blocks"])


def test_the_sent_notice_quotes_every_line_of_the_reply(
    backbone: Backbone, x_live: XWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    ts = an_x_conversation(backbone, x_live, queues, slack)
    reply(backbone, slack, queues, "Sorry Jane!\n*Resolved* :white_check_mark:\nBye", ts)
    [said] = [p for p in slack_calls(slack, "chat.postMessage") if "Sent on X" in p["text"]]
    assert said["text"].split("\n")[1:] == [
        ">Sorry Jane!",
        ">∗Resolved∗ ꞉white_check_mark:",
        ">Bye",
    ]


def test_a_redelivered_reply_is_sent_once(
    backbone: Backbone, x_live: XWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    ts = an_x_conversation(backbone, x_live, queues, slack)
    desk = a_desk(backbone, slack, queues[1])
    desk.act(message_event("On its way!", ts, event_id="Ev0007"))
    outbox_message = boto3.client("sqs").receive_message(QueueUrl=queues[1])["Messages"][0]
    # SQS redelivers (a visibility timeout ran out) the same body after it was sent.
    boto3.client("sqs").change_message_visibility(
        QueueUrl=queues[1], ReceiptHandle=outbox_message["ReceiptHandle"], VisibilityTimeout=0
    )
    run_outbox(backbone, slack, queues[1])
    boto3.client("sqs").send_message(
        QueueUrl=queues[1],
        MessageBody=outbox_message["Body"],
        MessageGroupId="g",
        MessageDeduplicationId="again",
    )
    assert run_outbox(backbone, slack, queues[1])["batchItemFailures"] == []
    assert len(calls(slack, "x", standins_x.TWEETS)) == 1
    assert len([m for m in of_kind(backbone.table, "MSG#") if m["direction"] == "outbound"]) == 1


def test_x_refusing_a_reply_is_explained_in_the_thread_and_nothing_is_answered(
    backbone: Backbone, x_live: XWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    ts = an_x_conversation(backbone, x_live, queues, slack)
    slack.x.fail_next(standins_x.TWEETS, 403)
    assert reply(backbone, slack, queues, "On its way!", ts)["batchItemFailures"] == []
    [meta] = of_kind(backbone.table, "META")
    assert meta["status"] == "open"
    [record] = of_kind(backbone.table, "REPLY#")
    assert record["status"] == "failed" and record["error_code"] == "x-403"
    [said] = [p for p in slack_calls(slack, "chat.postMessage") if "Not sent on X" in p["text"]]
    assert said["thread_ts"] == ts
    assert "X does not allow this reply" in said["text"] and "mentioned" in said["text"]
    assert run_outbox(backbone, slack, queues[1])["records"] == 0  # not retried


def test_an_x_rate_limit_holds_the_reply_until_the_reset_then_it_goes(
    backbone: Backbone, x_live: XWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    ts = an_x_conversation(backbone, x_live, queues, slack)
    slack.x.fail_next(standins_x.TWEETS, 429)  # reset 15 minutes ahead
    result = reply(backbone, slack, queues, "On its way!", ts)
    assert len(result["batchItemFailures"]) == 1
    assert run_outbox(backbone, slack, queues[1])["records"] == 0  # invisible until the reset
    [record] = of_kind(backbone.table, "REPLY#")
    assert record["status"] == "queued" and record["postponed_until"]
    [said] = [p for p in slack_calls(slack, "chat.postMessage") if "rate limit" in p["text"]]
    assert said["thread_ts"] == ts and "this reply goes at" in said["text"]
    [meta] = of_kind(backbone.table, "META")
    assert meta["status"] == "open"
    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=queues[1], AttributeNames=["All"]
    )["Attributes"]
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "1"  # back after the reset


def test_a_private_conversation_on_x_is_answered_by_direct_message(
    backbone: Backbone, x_live: XWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    from functions.ingest_x import app as ingest_x
    from socialcare_tools import local_secrets as local
    from socialcare_tools.apigw import x_delivery
    from socialcare_tools.samples import x_dm
    from tests.conftest import LambdaContext
    from tests.support.inspect import drain
    from tests.support.queues import record

    ingest_x.lambda_handler(
        x_delivery(x_dm("1800000000000000001", "my parcel is lost"), local.X_CONSUMER_SECRET),
        LambdaContext(),
        deps=x_live,
    )
    records = [
        record(json.dumps(q["body"]), q["group"], f"m{i}")
        for i, q in enumerate(drain(backbone.classify_queue))
    ]
    to_the_desk(backbone, queues[0], slack, records)
    reply(backbone, slack, queues, "We are on it, Jane.", card_ts(backbone))
    [sent] = calls(slack, "x", standins_x.DM_WITH)
    assert sent["params"] == {
        "participant_id": "1400000000000000042",
        "text": "We are on it, Jane.",
    }
    [outbound] = [m for m in of_kind(backbone.table, "MSG#") if m["direction"] == "outbound"]
    assert outbound["link"].startswith("https://x.com/messages/")


def test_a_vk_private_message_is_answered_with_messages_send_and_a_stable_random_id(
    backbone: Backbone, vk_live: VkWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    to_the_desk(backbone, queues[0], slack, vk_records(backbone, vk_live, "vk_message_new"))
    ts = card_ts(backbone)
    desk = a_desk(backbone, slack, queues[1])
    desk.answer(message_event("Проверили заказ, он уже в пути.", ts, event_id="Ev0100"))
    desk.run_lazy(times=2)  # Lambda retried the asynchronous invocation
    run_outbox(backbone, slack, queues[1])
    [sent] = calls(slack, "vk", "messages.send")
    params = sent["params"]
    assert params["peer_id"] == "512345678" and params["v"] == "5.199"
    assert params["message"] == "Проверили заказ, он уже в пути."
    assert int(params["random_id"]) > 0
    [record] = of_kind(backbone.table, "REPLY#")
    assert record["status"] == "sent"
    [meta] = of_kind(backbone.table, "META")
    assert meta["status"] == "answered"


def test_a_vk_wall_comment_is_answered_in_its_thread_with_a_guid(
    backbone: Backbone, vk_live: VkWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    to_the_desk(backbone, queues[0], slack, vk_records(backbone, vk_live, "vk_wall_reply_new"))
    reply(backbone, slack, queues, "Ответили вам в ЛС", card_ts(backbone))
    [sent] = calls(slack, "vk", "wall.createComment")
    params = sent["params"]
    assert params["owner_id"] == "-218000000" and params["from_group"] == "218000000"
    assert params["reply_to_comment"] == "8812" and params["message"] == "Ответили вам в ЛС"
    assert len(params["guid"]) == 32 and params["v"] == "5.199"
    [outbound] = [m for m in of_kind(backbone.table, "MSG#") if m["direction"] == "outbound"]
    assert outbound["link"].startswith("https://vk.com/wall-218000000_")


def test_a_vk_rate_limit_postpones_the_reply_without_vk_apis_sleeping_retries(
    backbone: Backbone, vk_live: VkWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    to_the_desk(backbone, queues[0], slack, vk_records(backbone, vk_live, "vk_message_new"))
    slack.vk.fail_next("messages.send", 6)  # vk_api alone would retry this every 0.5 s, forever
    result = reply(backbone, slack, queues, "Проверили заказ.", card_ts(backbone))
    assert len(result["batchItemFailures"]) == 1
    assert len(calls(slack, "vk", "messages.send")) == 1  # one attempt, then the outbox waits
    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=queues[1], AttributeNames=["All"]
    )["Attributes"]
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "1"
    [record] = of_kind(backbone.table, "REPLY#")
    assert record["status"] == "queued"


def test_vk_refusing_a_private_message_is_explained_in_the_thread(
    backbone: Backbone, vk_live: VkWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    to_the_desk(backbone, queues[0], slack, vk_records(backbone, vk_live, "vk_message_new"))
    slack.vk.fail_next("messages.send", 901)
    assert (
        reply(backbone, slack, queues, "Проверили заказ.", card_ts(backbone))["batchItemFailures"]
        == []
    )
    [said] = [p for p in slack_calls(slack, "chat.postMessage") if "Not sent on VK" in p["text"]]
    assert "has not allowed messages from the community" in said["text"]
    [meta] = of_kind(backbone.table, "META")
    assert meta["status"] == "open"


def test_a_sent_reply_stops_the_reply_clock_before_it_warns_or_escalates(
    backbone: Backbone, x_live: XWebhookDeps, machine: str, escalated: Escalated
) -> None:
    a_waiting_conversation(backbone, x_live, machine)
    [meta] = of_kind(backbone.table, "META")
    answer = an_answer_to(meta, AGENT, datetime.now(UTC))
    store = DynamoReplyStore(backbone.table)
    assert store.queue_reply(answer) is None
    sent_at = datetime(2026, 8, 24, 10, 20, tzinfo=UTC)
    assert store.record_sent(answer, Delivered(platform_message_id="1990"), sent_at)
    assert not store.record_sent(answer, Delivered(platform_message_id="1990"), sent_at)
    store.mark_answered(meta["id"], sent_at)
    [met] = [e for e in of_kind(backbone.table, "CLOCK#first_response") if e["event"] == "met"]
    assert met["at"] == "2026-08-24T10:20:00.000Z"
    assert run_to_the_end(backbone, escalated, first_response(machine)) == ["first_response met"]
    assert escalated.received() == []


def test_the_customer_writing_after_an_answer_reopens_the_card(
    backbone: Backbone, x_live: XWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    ts = an_x_conversation(backbone, x_live, queues, slack)
    reply(backbone, slack, queues, "On its way!", ts)
    answered = json.dumps(slack_calls(slack, "chat.update")[-1]["blocks"])
    assert ":white_check_mark: *answered*" in answered
    later = tweet(
        "1960000000000000101",
        "@AcmeSupport still not here",
        reply_to="1960000000000000100",
        millis=1787570102000,
    )
    to_the_desk(backbone, queues[0], slack, queued_records(backbone, x_live, later))
    reopened = json.dumps(slack_calls(slack, "chat.update")[-1]["blocks"])
    assert "*open*" in reopened and "first answer" in reopened


def faulty(backbone: Backbone, slack: StandIns, faults: Faults) -> SendDeps:
    """The send function's dependencies, its table client failing as ``faults`` say."""
    deps = send_deps(backbone, slack)
    return SendDeps(
        DynamoReplyStore(backbone.table, client=faults.client), deps.senders, deps.slack
    )


def deliver_twice(
    backbone: Backbone, slack: StandIns, reply: OutboundReply, faults: Faults
) -> None:
    """The first attempt fails as ``faults`` say; SQS delivers the message again."""
    deps = faulty(backbone, slack, faults)
    with pytest.raises(StorageUnavailable):
        deliver(reply, deps)
    assert faults.failed, "the injected failure never happened"
    deliver(reply, deps)


def cut_off_after_the_call() -> Faults:
    """The one write after the platform call (the reply is ``accepted``) fails: the attempt
    dies not knowing whether the platform has the reply."""
    return Faults("dynamodb").fail("UpdateItem", updates('"accepted"'))


def queued_reply(outbox: str) -> OutboundReply:
    [message] = boto3.client("sqs").receive_message(QueueUrl=outbox)["Messages"]
    return OutboundReply.model_validate_json(message["Body"])


def test_an_x_reply_cut_off_after_the_call_is_never_posted_twice_and_the_agent_is_asked_to_check(
    backbone: Backbone, x_live: XWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    ts = an_x_conversation(backbone, x_live, queues, slack)
    a_desk(backbone, slack, queues[1]).act(message_event("On its way!", ts))
    deliver_twice(backbone, slack, queued_reply(queues[1]), cut_off_after_the_call())
    assert len(calls(slack, "x", standins_x.TWEETS)) == 1
    [record] = of_kind(backbone.table, "REPLY#")
    assert record["status"] == "uncertain"
    [said] = [p for p in slack_calls(slack, "chat.postMessage") if "Could not confirm" in p["text"]]
    assert said["thread_ts"] == ts


def test_a_vk_reply_cut_off_after_the_call_is_repeated_safely_with_the_same_random_id(
    backbone: Backbone, vk_live: VkWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    to_the_desk(backbone, queues[0], slack, vk_records(backbone, vk_live, "vk_message_new"))
    a_desk(backbone, slack, queues[1]).act(message_event("Проверили заказ.", card_ts(backbone)))
    deliver_twice(backbone, slack, queued_reply(queues[1]), cut_off_after_the_call())
    first, second = calls(slack, "vk", "messages.send")
    assert first["params"]["random_id"] == second["params"]["random_id"]
    assert second["duplicate"] and first["response"] == second["response"]  # one message
    [meta] = of_kind(backbone.table, "META")
    assert meta["status"] == "answered"


def test_the_last_failed_attempt_tells_the_thread_the_reply_is_held(
    backbone: Backbone, x_live: XWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    ts = an_x_conversation(backbone, x_live, queues, slack)
    a_desk(backbone, slack, queues[1]).act(message_event("On its way!", ts))
    slack.x.fail_next(standins_x.TWEETS, 503)
    with pytest.raises(StorageUnavailable):
        deliver(queued_reply(queues[1]), send_deps(backbone, slack), last_attempt=True)
    [said] = [p for p in slack_calls(slack, "chat.postMessage") if "could not be sent" in p["text"]]
    assert said["thread_ts"] == ts and "dead-letter queue" in said["text"]
    [record] = of_kind(backbone.table, "REPLY#")
    assert record["status"] == "queued"  # X never had it: a redrive sends it


def test_a_failed_bookkeeping_after_the_post_is_finished_by_the_retry_without_posting_again(
    backbone: Backbone, x_live: XWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    ts = an_x_conversation(backbone, x_live, queues, slack)
    a_desk(backbone, slack, queues[1]).act(message_event("On its way!", ts))
    # X took the reply; the transaction that records it sent (outbound message, first
    # response) fails once.
    faults = Faults("dynamodb").fail("TransactWriteItems")
    deliver_twice(backbone, slack, queued_reply(queues[1]), faults)
    [posted] = calls(slack, "x", standins_x.TWEETS)
    [record] = of_kind(backbone.table, "REPLY#")
    assert record["status"] == "sent"
    assert record["platform_message_id"] == posted["response"]["data"]["id"]
    [outbound] = [m for m in of_kind(backbone.table, "MSG#") if m["direction"] == "outbound"]
    assert outbound["platform_message_id"] == record["platform_message_id"]
    [meta] = of_kind(backbone.table, "META")
    assert meta["status"] == "answered" and meta["first_response_at"] and "queue_pk" not in meta
    said = [p["text"] for p in slack_calls(slack, "chat.postMessage") if p.get("thread_ts") == ts]
    assert any("Sent on X" in text for text in said)
    assert not any("Could not confirm" in text for text in said)


def test_the_last_attempt_never_says_a_sent_reply_failed(
    backbone: Backbone, x_live: XWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    ts = an_x_conversation(backbone, x_live, queues, slack)
    a_desk(backbone, slack, queues[1]).act(message_event("On its way!", ts))
    # Sent and recorded; marking the conversation answered fails, on the outbox's last try.
    faults = Faults("dynamodb").fail("UpdateItem", updates(":answered"))
    with pytest.raises(StorageUnavailable):
        deliver(queued_reply(queues[1]), faulty(backbone, slack, faults), last_attempt=True)
    assert faults.failed == ["UpdateItem"]
    [record] = of_kind(backbone.table, "REPLY#")
    assert record["status"] == "sent"
    said = [p["text"] for p in slack_calls(slack, "chat.postMessage") if p.get("thread_ts") == ts]
    assert not any("could not be sent" in text for text in said)
    assert any("Sent on X" in text for text in said)
