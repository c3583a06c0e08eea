"""A queue batch's hand-offs to the next step, sent together when the batch is done.

The classify step hands each message on to the Slack desk's queue. One SendMessage per
message costs a request each (billed, and ~2 ms of a busy function's CPU); SQS takes ten in
one SendMessageBatch. So the hand-offs of a batch are collected while its records are
processed and sent at the end, each conversation's in the order they were made: the n-th
hand-off of every conversation goes in the n-th round, and a conversation whose hand-off was
refused sends nothing after it. The records whose hand-off did not go are reported as batch
item failures: the queue gives them back, the classify step finds them taken up and hands
them on again (FIFO deduplication absorbs a repeat of one that did go).
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse

from socialcare.errors import StorageUnavailable
from socialcare.models import ClassifyRequest
from socialcare.observability import MetricUnit, logger, metrics
from socialcare.ports import SEND_BATCH_LIMIT, ClassifyQueue, Queued


@dataclass(frozen=True)
class _Pending:
    record_id: str  # the queue record whose processing made this hand-off
    queued: Queued


class BatchedHandOff:
    """Stands in for the next step's queue while a batch runs (``send`` only collects);
    ``flush`` sends and answers the records to retry."""

    def __init__(self, queue: ClassifyQueue, what: str = "the Slack desk") -> None:
        self._queue = queue
        self._what = what
        self._record = ""
        self._pending: list[_Pending] = []

    def for_record(self, record_id: str) -> None:
        """The hand-offs made from now on belong to this record."""
        self._record = record_id

    def send(self, request: ClassifyRequest, *, group: str, dedup_id: str) -> None:
        self._pending.append(_Pending(self._record, Queued(request, group, dedup_id)))

    def send_batch(self, entries: Sequence[Queued]) -> set[int]:
        for entry in entries:
            self.send(entry.request, group=entry.group, dedup_id=entry.dedup_id)
        return set()

    def flush(self) -> list[str]:
        """Sends every collected hand-off; answers the ids of the records to retry, in
        batch order: each record whose hand-off was refused or not sent, and every later
        record of the same conversation."""
        pending, self._pending = self._pending, []
        blocked: set[str] = set()  # conversations that send nothing more in this batch
        unsent: list[_Pending] = []
        for round_ in _rounds(pending):
            ready = [p for p in round_ if p.queued.group not in blocked]
            unsent += [p for p in round_ if p.queued.group in blocked]
            for start in range(0, len(ready), SEND_BATCH_LIMIT):
                chunk = ready[start : start + SEND_BATCH_LIMIT]
                for position in self._send(chunk):
                    blocked.add(chunk[position].queued.group)
                    unsent.append(chunk[position])
        if unsent:
            logger.error(
                f"hand-off to {self._what} failed; the records come back from the queue",
                extra={"records": len({p.record_id for p in unsent})},
            )
            metrics.add_metric(name="HandOffFailed", unit=MetricUnit.Count, value=len(unsent))
        retry = {p.record_id for p in unsent}
        return list(dict.fromkeys(p.record_id for p in pending if p.record_id in retry))

    def _send(self, chunk: list[_Pending]) -> set[int]:
        try:
            return self._queue.send_batch([p.queued for p in chunk])
        except StorageUnavailable:
            logger.exception(f"queueing for {self._what} failed for a whole batch")
            return set(range(len(chunk)))


def _rounds(pending: list[_Pending]) -> Iterator[list[_Pending]]:
    """The first hand-off of every conversation, then the second of those that have one..."""
    made: dict[str, int] = {}
    numbered: list[tuple[int, _Pending]] = []
    for p in pending:
        numbered.append((made.get(p.queued.group, 0), p))
        made[p.queued.group] = made.get(p.queued.group, 0) + 1
    for number in range(max(made.values(), default=0)):
        yield [p for n, p in numbered if n == number]


def with_retries(
    response: PartialItemFailureResponse, record_ids: list[str]
) -> PartialItemFailureResponse:
    """The batch processor's failures, and the records whose hand-off did not go."""
    failed = [failure["itemIdentifier"] for failure in response.get("batchItemFailures", [])]
    failed += [record_id for record_id in record_ids if record_id not in failed]
    return {"batchItemFailures": [{"itemIdentifier": record_id} for record_id in failed]}
