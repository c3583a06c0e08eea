"""The send function on its sample trigger (events/sqs_outbox_batch.json: an agent's public
answer to a mention), with the reply records, the platform, Slack and the outbox in memory.
The same paths against moto and the platforms' stand-ins are in
tests/integration/test_outbox.py."""

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from functions.send_reply import app as send
from socialcare.errors import SendRefused
from socialcare.models.common import Platform
from socialcare.models.reply import OutboundReply
from socialcare.services.send_reply import SendDeps
from tests.conftest import EVENTS, LambdaContext
from tests.support.fake_desk import FakeSlack
from tests.support.fake_outbox import FakeOutbox, FakePlatform, FakeSendStore

NOW = datetime(2026, 8, 24, 10, 25, tzinfo=UTC)


def the_sample() -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / "sqs_outbox_batch.json").read_text("utf-8"))
    return event


def the_reply() -> OutboundReply:
    return OutboundReply.model_validate_json(the_sample()["Records"][0]["body"])


class World:
    def __init__(self, status: str = "queued") -> None:
        self.store, self.x, self.slack = FakeSendStore(), FakePlatform(), FakeSlack()
        self.outbox = FakeOutbox()
        self.store.queued(the_reply(), status)

    def send(self) -> Any:
        deps = SendDeps(
            store=self.store,
            senders={Platform.X: self.x},
            slack=self.slack,
            clock=lambda: NOW,
            outbox=self.outbox,
        )
        return send.lambda_handler(the_sample(), LambdaContext(), deps=deps)

    def told(self) -> list[str]:
        return [p["text"] for p in self.slack.posts]


def test_the_reply_goes_to_x_once_and_the_thread_hears_it() -> None:
    world = World()
    assert world.send() == {"batchItemFailures": []}
    [sent] = world.x.sent
    assert sent.text == the_reply().text
    [told] = world.told()
    assert told.startswith(":white_check_mark: Sent on X by <@U0AGENT01>")
    assert world.slack.posts[0]["thread_ts"] == the_reply().slack_thread_ts
    assert world.store.record(the_reply())["status"] == "sent"
    [meta] = world.store.conversations.values()
    assert meta["status"] == "answered"
    world.send()  # the outbox hands it over again
    assert len(world.x.sent) == 1 and len(world.told()) == 1


def test_a_refusal_is_told_in_the_thread_and_not_retried() -> None:
    world = World()
    world.x.refusal = SendRefused("433", "the customer's account blocks replies")
    assert world.send() == {"batchItemFailures": []}
    [told] = world.told()
    assert told.startswith(":warning: Not sent on X: the customer's account blocks replies")
    assert world.store.record(the_reply())["status"] == "failed"


def test_a_rate_limit_puts_the_reply_back_until_the_reset_and_says_so_once() -> None:
    world = World()
    world.x.limited_until = NOW.timestamp() + 600
    for _ in range(2):  # the batch's only record failed: the invocation fails, SQS keeps it
        with pytest.raises(BatchProcessingError):
            world.send()
    assert [seconds for _, seconds in world.outbox.postponed] == [600.0, 600.0]
    [told] = world.told()
    assert told.startswith(":hourglass: X's rate limit: this reply goes at 10:35 UTC")
    assert world.store.record(the_reply())["status"] == "queued"
    world.x.limited_until = None
    world.send()
    assert len(world.x.sent) == 1


def test_an_attempt_cut_off_while_sending_is_never_repeated_on_x() -> None:
    """X has no idempotency key: a reply that may have gone is not sent again."""
    world = World(status="sending")
    assert world.send() == {"batchItemFailures": []}
    assert world.x.sent == []
    [told] = world.told()
    assert told.startswith(":grey_question: Could not confirm that this reply reached X")
