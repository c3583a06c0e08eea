"""moto 5.2.5 works out every attribute of an SQS queue to read one of them.

``Queue.attributes`` builds the whole attribute dictionary: each of the three approximate
message counts walks every message of the queue, and each name goes through
``camelcase_to_underscores``. moto reads it to answer one question many times a request:
``SendMessage`` asks whether the queue deduplicates by content (three times), and
``ReceiveMessage`` asks for the retention period once for every message it looks at (through
``get_queue_attributes``, which reads the dictionary three times per name). In a burst the
queues hold hundreds of messages, so a receive of ten messages walked them thousands of times:
a tenth of the embedded AWS's CPU in ``bench/local_stack.py``.

Here ``Queue.attributes`` is a read-only mapping with the same keys and values that works
out only the attribute it is asked for; iterating it, or ``dict(...)`` of it, gives moto's
dictionary (``tests/tools/test_moto_sqs_attributes.py`` compares the two).
"""

import json
from collections.abc import Iterator, Mapping
from typing import Any

from moto.core.utils import camelcase_to_underscores
from moto.sqs.models import Queue

ORIGINAL_ATTRIBUTES = Queue.attributes
_UNDERSCORED: dict[str, str] = {}


def _underscored(name: str) -> str:
    found = _UNDERSCORED.get(name)
    if found is None:
        found = _UNDERSCORED[name] = camelcase_to_underscores(name)
    return found


class QueueAttributes(Mapping[str, Any]):
    """``Queue.attributes`` of one queue, worked out per key when read."""

    __slots__ = ("_queue",)

    def __init__(self, queue: Queue):
        self._queue = queue

    def _names(self) -> list[str]:
        queue = self._queue
        names = list(queue.BASE_ATTRIBUTES)
        if queue.fifo_queue:
            names += queue.FIFO_ATTRIBUTES
        if queue.kms_master_key_id:  # type: ignore[attr-defined]
            names += queue.KMS_ATTRIBUTES
        return names

    def __getitem__(self, name: str) -> Any:
        if name not in self._names():
            raise KeyError(name)
        queue = self._queue
        # As moto: a redrive policy that is set is answered as JSON.
        if name == "RedrivePolicy" and queue.redrive_policy:
            value = json.dumps(queue.redrive_policy)
        else:
            value = getattr(queue, _underscored(name))
        return str(value).lower() if isinstance(value, bool) else value

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())

    def __repr__(self) -> str:
        return repr(dict(self))


def _attributes(queue: Queue) -> QueueAttributes:
    return QueueAttributes(queue)


def install() -> None:
    Queue.attributes = property(_attributes)  # type: ignore[assignment, method-assign]


def uninstall() -> None:
    Queue.attributes = ORIGINAL_ATTRIBUTES  # type: ignore[method-assign]
