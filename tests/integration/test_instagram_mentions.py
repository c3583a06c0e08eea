"""Instagram @mentions end to end on moto and the Meta stand-in: the webhook queues the ids,
the reader function reads the comment from the (stand-in) Graph API and stores it, the desk
shows it without "Move to DM", and the agent's thread reply goes out as Meta's mention reply."""

import json
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from functions.read_mentions import app as reader_app
from socialcare.adapters.intake_store import DynamoIntakeStore
from socialcare.adapters.meta_mentions import MetaMentions
from socialcare.adapters.sqs import SqsClassifyQueue
from socialcare.services.ingest import IngestDeps
from socialcare.services.instagram_mentions import MentionDeps
from socialcare_tools.local.standins import StandIns
from socialcare_tools.sample_events import all_events
from socialcare_tools.samples_meta import MENTIONING_COMMENT, THEIR_MEDIA, mentioned_comment
from socialcare_tools.slack_requests import button_press
from socialcare_tools.template_resources import Backbone, create_queue
from tests.conftest import LambdaContext
from tests.integration.conftest import live_meta
from tests.integration.desk_support import (
    PUBLISHING,
    a_desk,
    desk_and_outbox,
    message_event,
    meta_records,
    run_outbox,
    slack_calls,
    to_the_desk,
)
from tests.support.inspect import drain, of_kind
from tests.support.outbox import calls, card_ts
from tests.support.queues import record

pytestmark = pytest.mark.integration


def read_mentions(backbone: Backbone, mention_queue: str, slack: StandIns) -> dict[str, Any]:
    """The reader function over what the mention queue holds now."""
    records = [
        record(json.dumps(q["body"]), q["group"], f"r{i}")
        for i, q in enumerate(drain(mention_queue))
    ]
    deps = MentionDeps(
        reader=MetaMentions(lambda: PUBLISHING, slack.meta_url),
        ingest=IngestDeps(
            store=DynamoIntakeStore(backbone.table), queue=SqsClassifyQueue(backbone.classify_queue)
        ),
    )
    result: dict[str, Any] = reader_app.lambda_handler(
        {"Records": records}, LambdaContext(), deps=deps
    )
    return result


def test_a_comment_mention_reaches_the_desk_and_is_answered_under_that_comment(
    backbone: Backbone, slack: StandIns
) -> None:
    desk_queue, outbox = desk_and_outbox()
    mention_queue = create_queue("MentionQueue")
    webhook = live_meta(backbone, MENTION_QUEUE_URL=mention_queue)
    slack.meta.add_mention(mentioned_comment())
    event = all_events()["meta_instagram_mention"]
    assert meta_records(backbone, webhook, event, event) == []  # ids only: nothing stored yet
    assert read_mentions(backbone, mention_queue, slack)["batchItemFailures"] == []
    [read] = calls(slack, "meta", "mentioned_comment")  # the duplicate was not queued twice
    assert read["params"]["id"] == MENTIONING_COMMENT
    to_the_desk(
        backbone,
        desk_queue,
        slack,
        [
            record(json.dumps(q["body"]), q["group"], f"c{i}")
            for i, q in enumerate(drain(backbone.classify_queue))
        ],
    )
    [meta] = of_kind(backbone.table, "META")
    assert meta["channel_type"] == "public" and meta["customer"]["handle"] == "janeroe"
    [card] = [p for p in slack_calls(slack, "chat.postMessage") if p.get("blocks")]
    shown = json.dumps(card["blocks"])
    assert "my order 5521 never came" in shown and "janeroe" in shown
    assert "move_to_dm" not in shown  # Instagram has no private reply to a mention

    desk = a_desk(backbone, slack, outbox)
    desk.act(button_press("move_to_dm", meta["id"]))  # an old or forged button
    told = [p["text"] for p in slack_calls(slack, "chat.postEphemeral")]
    assert any("no private message to someone who mentioned" in t for t in told)
    desk.act(message_event("So sorry! We have sent a new kettle today.", card_ts(backbone)))
    run_outbox(backbone, slack, outbox)
    [sent] = calls(slack, "meta", "mentions")
    assert sent["params"]["media_id"] == THEIR_MEDIA
    assert sent["params"]["comment_id"] == MENTIONING_COMMENT
    assert sent["params"]["message"] == "So sorry! We have sent a new kettle today."
    [reply] = of_kind(backbone.table, "REPLY#")
    assert reply["status"] == "sent"
    [answered] = of_kind(backbone.table, "META")
    assert answered["status"] == "answered"


def test_a_mention_meta_cannot_serve_now_waits_in_the_queue_and_a_deleted_one_is_dropped(
    backbone: Backbone, slack: StandIns
) -> None:
    mention_queue = create_queue("MentionQueue")
    webhook = live_meta(backbone, MENTION_QUEUE_URL=mention_queue)
    meta_records(backbone, webhook, all_events()["meta_instagram_mention"])
    slack.meta.fail_next("mentioned_comment", 4)  # Meta's rate limit
    with pytest.raises(BatchProcessingError):  # Lambda fails the batch: the queue hands it back
        read_mentions(backbone, mention_queue, slack)
    assert of_kind(backbone.table, "MSG#") == []
    # Meta no longer has it (the stand-in holds no such comment): passed over, not retried.
    meta_records(backbone, webhook, all_events()["meta_instagram_caption_mention"])
    assert read_mentions(backbone, mention_queue, slack)["batchItemFailures"] == []
    assert of_kind(backbone.table, "MSG#") == []
