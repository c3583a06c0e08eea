"""The reply sweeper: a reply whose outbox message never left (the desk's lazy step failed
on every attempt Lambda made) is found through the PendingReplies index, queued again and
sent once, the thread told; one that stays stuck is given up, and the thread says so.
DynamoDB and SQS in moto, X and Slack stand-ins."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from functions.sweep_replies import app as sweeper
from socialcare.adapters.reply_store import DynamoReplyStore
from socialcare.adapters.slack import SlackPoster
from socialcare.adapters.sqs import SqsOutbox
from socialcare.errors import StorageUnavailable
from socialcare.services.reply_sweeper import SweepDeps
from socialcare.services.x_webhook import XWebhookDeps
from socialcare_tools.local import standins_x
from socialcare_tools.local.standins import StandIns
from socialcare_tools.template_resources import Backbone, create_queue
from tests.conftest import LambdaContext
from tests.integration.desk_support import (
    SECRETS,
    a_desk,
    message_event,
    run_outbox,
    slack_calls,
)
from tests.support.faults import Faults
from tests.support.inspect import of_kind
from tests.support.outbox import an_x_conversation, calls

pytestmark = pytest.mark.integration


@pytest.fixture
def queues(backbone: Backbone) -> Iterator[tuple[str, str]]:
    yield create_queue("DeskQueue"), create_queue("OutboxQueue")


def a_stuck_reply(
    backbone: Backbone, x_live: XWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> str:
    """The reply is recorded, but every attempt to put it into the outbox fails: the first
    lazy invocation and Lambda's two retries. Its thread ts."""
    ts = an_x_conversation(backbone, x_live, queues, slack)
    faults = Faults("sqs").fail("SendMessage", times=3)
    desk = a_desk(backbone, slack, queues[1], sqs=faults.client)
    desk.answer(message_event("On its way!", ts, event_id="Ev1"))
    [invocation] = desk.lazy.payloads
    for _ in range(3):
        with pytest.raises(StorageUnavailable):
            desk.answer(invocation)
    [record] = of_kind(backbone.table, "REPLY#")
    assert record["status"] == "queued"
    return ts


def sweep(
    backbone: Backbone, slack: StandIns, outbox: str, minutes: float, table: Faults | None = None
) -> dict[str, int]:
    """The scheduled sweep, run ``minutes`` from now."""
    at = datetime.now(UTC) + timedelta(minutes=minutes)
    deps = SweepDeps(
        store=DynamoReplyStore(backbone.table, client=table.client if table else None),
        outbox=SqsOutbox(outbox),
        slack=SlackPoster(lambda: SECRETS, slack.slack_url),
        clock=lambda: at,
    )
    return sweeper.lambda_handler({}, LambdaContext(), deps=deps)


def thread_says(slack: StandIns, ts: str) -> list[str]:
    return [p["text"] for p in slack_calls(slack, "chat.postMessage") if p.get("thread_ts") == ts]


def in_the_outbox(outbox: str) -> int:
    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=outbox, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"])


def test_a_reply_stuck_in_queued_is_queued_again_sent_once_and_the_thread_told(
    backbone: Backbone, x_live: XWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    ts = a_stuck_reply(backbone, x_live, queues, slack)
    assert sweep(backbone, slack, queues[1], minutes=1)["requeued"] == 0  # retries may still run
    reads = Faults("dynamodb")
    assert sweep(backbone, slack, queues[1], minutes=11, table=reads)["requeued"] == 1
    assert "Scan" not in reads.seen and "Query" in reads.seen  # the index, never the table
    assert any("was held up on its way" in text for text in thread_says(slack, ts))
    run_outbox(backbone, slack, queues[1])
    assert [c["params"]["text"] for c in calls(slack, "x", standins_x.TWEETS)] == ["On its way!"]
    [record] = of_kind(backbone.table, "REPLY#")
    assert record["status"] == "sent" and "pending_pk" not in record
    assert any("Sent on X" in text for text in thread_says(slack, ts))
    assert sweep(backbone, slack, queues[1], minutes=120) == {
        "requeued": 0,
        "given_up": 0,
        "finished": 0,
        "failed": 0,
    }


def test_a_reply_that_stays_stuck_is_given_up_and_the_thread_says_it_was_not_sent(
    backbone: Backbone, x_live: XWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    ts = a_stuck_reply(backbone, x_live, queues, slack)
    for minutes in (11, 42, 73):  # the outbox never gets to it (its function is down)
        assert sweep(backbone, slack, queues[1], minutes)["requeued"] == 1
    assert sweep(backbone, slack, queues[1], minutes=104)["given_up"] == 1
    [record] = of_kind(backbone.table, "REPLY#")
    assert record["status"] == "failed" and record["error_code"] == "unrecovered"
    assert "pending_pk" not in record
    said = thread_says(slack, ts)
    assert len([t for t in said if "was held up on its way" in t]) == 1  # told once
    [given_up] = [t for t in said if "could not be sent" in t]
    assert "did not get it" in given_up and "On its way!" in given_up
    [meta] = of_kind(backbone.table, "META")
    assert "last_queued_text" not in meta  # the agent may send the same words again
    assert in_the_outbox(queues[1]) == 1  # the outbox finally runs: nothing goes, nothing said
    run_outbox(backbone, slack, queues[1])
    assert calls(slack, "x", standins_x.TWEETS) == []
    assert thread_says(slack, ts) == said


def test_a_reply_postponed_by_a_rate_limit_is_not_stuck_before_its_reset(
    backbone: Backbone, x_live: XWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    ts = an_x_conversation(backbone, x_live, queues, slack)
    a_desk(backbone, slack, queues[1]).act(message_event("On its way!", ts))
    slack.x.fail_next(standins_x.TWEETS, 429)  # the reset is 15 minutes ahead
    run_outbox(backbone, slack, queues[1])
    assert sweep(backbone, slack, queues[1], minutes=20)["requeued"] == 0
    assert sweep(backbone, slack, queues[1], minutes=26)["requeued"] == 1


def test_a_reply_that_ended_but_kept_its_pending_keys_leaves_the_index_and_is_left_alone(
    backbone: Backbone, x_live: XWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    ts = a_stuck_reply(backbone, x_live, queues, slack)
    [record] = of_kind(backbone.table, "REPLY#")
    boto3.client("dynamodb").update_item(  # an ending written by an older version of the code
        TableName=backbone.table,
        Key={"pk": {"S": record["pk"]}, "sk": {"S": record["sk"]}},
        UpdateExpression="SET #status = :failed",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={":failed": {"S": "failed"}},
    )
    assert sweep(backbone, slack, queues[1], minutes=11)["finished"] == 1
    [record] = of_kind(backbone.table, "REPLY#")
    assert record["status"] == "failed" and "pending_pk" not in record
    assert in_the_outbox(queues[1]) == 0 and thread_says(slack, ts) == []
