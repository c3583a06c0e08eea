"""A classify batch's hand-offs to the desk: sent together, each conversation in order, and
every record whose hand-off did not go comes back from the queue."""

import io
import json
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socialcare.models import ClassifyRequest
from socialcare.observability import metrics
from socialcare.services.hand_off import BatchedHandOff, with_retries
from tests.support.fakes import FakeQueue
from tests.support.metrics import emf


def request(conversation: str, n: int) -> ClassifyRequest:
    return ClassifyRequest(
        conversation_id=conversation,
        message_sk=f"MSG#{n:04d}",
        message_ref=f"x:{conversation}:{n}",
        platform="x",
        brand_id="acme",
        sent_at=datetime(2026, 12, 7, tzinfo=UTC),
    )


def hand_off(handoff: BatchedHandOff, made: list[tuple[str, str]]) -> None:
    """``made``: (record id, conversation) in batch order, one hand-off each."""
    for n, (record_id, conversation) in enumerate(made):
        handoff.for_record(record_id)
        handoff.send(request(conversation, n), group=conversation, dedup_id=f"d{n}")


def test_a_batch_of_hand_offs_goes_in_one_call_per_ten() -> None:
    queue = FakeQueue()
    handoff = BatchedHandOff(queue)
    hand_off(handoff, [(f"r{i}", f"c{i}") for i in range(23)])
    assert queue.sent == []  # nothing goes before the batch is done
    assert handoff.flush() == []
    assert queue.batches == 3
    assert [r.conversation_id for r, _, _ in queue.sent] == [f"c{i}" for i in range(23)]


def test_a_conversations_messages_keep_their_order() -> None:
    queue = FakeQueue()
    handoff = BatchedHandOff(queue)
    hand_off(handoff, [("r0", "a"), ("r1", "b"), ("r2", "a"), ("r3", "a"), ("r4", "b")])
    assert handoff.flush() == []
    of_a = [r.message_sk for r, group, _ in queue.sent if group == "a"]
    assert of_a == ["MSG#0000", "MSG#0002", "MSG#0003"]


def test_a_refused_hand_off_holds_back_the_rest_of_its_conversation_only() -> None:
    queue = FakeQueue(refusing={"a"})
    handoff = BatchedHandOff(queue)
    hand_off(handoff, [("r0", "a"), ("r1", "b"), ("r2", "a"), ("r3", "c")])
    assert handoff.flush() == ["r0", "r2"]
    assert sorted(group for _, group, _ in queue.sent) == ["b", "c"]


def test_a_queue_that_is_down_sends_every_record_back_with_an_error_and_a_metric(
    captured_logs: io.StringIO, metrics_on: None, capsys: pytest.CaptureFixture[str]
) -> None:
    queue = FakeQueue(failures_left=5)
    handoff = BatchedHandOff(queue)
    hand_off(handoff, [("r0", "a"), ("r1", "b")])
    assert handoff.flush() == ["r0", "r1"]
    assert queue.sent == []
    logged = [json.loads(line) for line in captured_logs.getvalue().splitlines()]
    assert [e["records"] for e in logged if e["level"] == "ERROR" and "records" in e] == [2]
    metrics.flush_metrics()
    assert [v for v, _ in emf(capsys.readouterr().out)["HandOffFailed"]] == [2.0]


def test_the_retries_join_the_processors_failures_once_each() -> None:
    response = with_retries({"batchItemFailures": [{"itemIdentifier": "r1"}]}, ["r0", "r1"])
    assert response == {"batchItemFailures": [{"itemIdentifier": "r1"}, {"itemIdentifier": "r0"}]}


@settings(max_examples=200, deadline=None)
@given(
    made=st.lists(st.sampled_from("abcdefg"), min_size=0, max_size=40),
    refusing=st.sets(st.sampled_from("abcdefg")),
    down=st.integers(min_value=0, max_value=2),
)
def test_nothing_is_lost_and_no_conversation_goes_out_of_order(
    made: list[str], refusing: set[str], down: int
) -> None:
    queue = FakeQueue(refusing=refusing, failures_left=down)
    handoff = BatchedHandOff(queue)
    batch = [(f"r{n}", conversation) for n, conversation in enumerate(made)]
    hand_off(handoff, batch)
    retried = set(handoff.flush())
    sent = {r.message_sk for r, _, _ in queue.sent}
    for n, (record_id, _) in enumerate(batch):
        went = f"MSG#{n:04d}" in sent
        assert went != (record_id in retried)  # each hand-off went, or its record comes back
    for conversation in set(made):
        mine = [f"MSG#{n:04d}" for n, c in enumerate(made) if c == conversation]
        went = [r.message_sk for r, group, _ in queue.sent if group == conversation]
        assert went == mine[: len(went)]  # what went is the conversation's first ones, in order
