"""The reply sweeper's real handler on its schedule tick (events/schedule_tick.json), with
the reply records, the outbox and Slack in memory: what a stuck reply becomes, and what its
thread hears. The same against moto is in tests/integration/test_outbox.py."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from functions.sweep_replies import app as sweeper
from socialcare.errors import StorageUnavailable, SupportError
from socialcare.models.reply import OutboundReply
from socialcare.services.reply_sweeper import MAX_SWEEPS, RECHECK, SweepDeps
from tests.conftest import EVENTS, LambdaContext
from tests.support.fake_desk import FakeSlack
from tests.support.fake_outbox import STUCK_AFTER, FakeOutboxQueue, FakeSendStore

QUEUED_AT = datetime(2026, 8, 24, 10, 20, tzinfo=UTC)
STUCK = QUEUED_AT + STUCK_AFTER + timedelta(minutes=1)


def the_reply() -> OutboundReply:
    sample = json.loads((EVENTS / "sqs_outbox_batch.json").read_text("utf-8"))
    reply = OutboundReply.model_validate_json(sample["Records"][0]["body"])
    return reply.model_copy(update={"queued_at": QUEUED_AT})


class World:
    def __init__(self, status: str = "queued") -> None:
        self.store, self.outbox, self.slack = FakeSendStore(), FakeOutboxQueue(), FakeSlack()
        self.reply = the_reply()
        self.store.queued(self.reply, status)

    def tick(self, at: datetime) -> dict[str, Any]:
        deps = SweepDeps(store=self.store, outbox=self.outbox, slack=self.slack, clock=lambda: at)
        tick = json.loads((EVENTS / "schedule_tick.json").read_text("utf-8"))
        result: dict[str, Any] = sweeper.lambda_handler(tick, LambdaContext(), deps=deps)
        return result

    @property
    def record(self) -> dict[str, Any]:
        return self.store.record(self.reply)

    @property
    def said(self) -> list[str]:
        return [post["text"] for post in self.slack.posts]


def test_a_reply_not_stuck_yet_is_left_alone() -> None:
    world = World()
    assert world.tick(QUEUED_AT + timedelta(minutes=5))["requeued"] == 0
    assert world.outbox.sent == [] and world.said == []


def test_a_stuck_reply_is_queued_again_and_its_thread_hears_it_once() -> None:
    world = World()
    assert world.tick(STUCK)["requeued"] == 1
    assert world.outbox.sent == [world.reply]
    [said] = world.said
    assert said.startswith(":hourglass_flowing_sand:") and "held up on its way" in said
    assert world.tick(STUCK + timedelta(minutes=5))["requeued"] == 0  # rechecked later
    assert world.tick(STUCK + RECHECK)["requeued"] == 1
    assert len(world.outbox.sent) == 2 and len(world.said) == 1  # said once


def test_after_its_last_sweep_a_queued_reply_is_given_up_and_the_agent_told() -> None:
    world = World()
    at = STUCK
    for _ in range(MAX_SWEEPS):
        world.tick(at)
        at += RECHECK
    assert world.tick(at)["given_up"] == 1
    assert world.record["status"] == "failed" and world.record["error_code"] == "unrecovered"
    assert "could not be sent" in world.said[-1] and "did not get it" in world.said[-1]
    assert world.record["shown"] is True  # a late outbox message says nothing more
    assert world.tick(at + RECHECK) == {"requeued": 0, "given_up": 0, "finished": 0, "failed": 0}


def test_a_reply_cut_off_during_the_platform_call_is_given_up_as_uncertain() -> None:
    world = World("sending")
    world.record["sweeps"] = MAX_SWEEPS
    assert world.tick(STUCK)["given_up"] == 1
    assert world.record["error_code"] == "uncertain"
    assert "It may have reached X: check" in world.said[-1]


def test_a_reply_the_platform_took_is_held_not_sent_again() -> None:
    world = World("accepted")
    world.record["sweeps"] = MAX_SWEEPS
    world.tick(STUCK)
    assert world.outbox.sent == [] and world.record["status"] == "accepted"
    assert world.record["pending"] is False and "reached X" in world.said[-1]


def test_a_reply_sent_meanwhile_is_taken_out_of_the_sweep_silently() -> None:
    world = World("sent")
    assert world.tick(STUCK)["finished"] == 1
    assert world.record["pending"] is False and world.outbox.sent == [] and world.said == []


def test_an_outbox_that_refuses_leaves_the_reply_due_and_fails_the_run() -> None:
    world = World()
    world.outbox.failing = StorageUnavailable("SQS refused")
    with pytest.raises(SupportError, match="1 stuck replies could not be recovered"):
        world.tick(STUCK)
    assert world.record.get("sweeps", 0) == 0  # due again for the retry
    world.outbox.failing = None
    assert world.tick(STUCK)["requeued"] == 1


def test_slack_down_does_not_undo_the_recovery() -> None:
    world = World()
    world.slack.failing = StorageUnavailable("Slack unreachable: ConnectTimeout")
    assert world.tick(STUCK)["requeued"] == 1
    assert world.outbox.sent == [world.reply] and world.record["sweeps"] == 1
