"""moto 5.2.5's ReceiveMessage and DeleteMessage are not safe for callers at once, and its
long poll spins.

1. Two receives at once on one FIFO queue: each copies the queue's in-flight message groups
   when it starts and marks a message received only after checking it is visible, so the
   second can deliver the next message of a group the first has just taken (two messages of
   one conversation in flight together, out of order) or the very message the first took
   (delivered twice: the first receipt handle is then stale and its delete does nothing,
   so the message comes back after its visibility timeout). The local stack polls each
   queue with as many pollers as its function's concurrency; a 2,000-message burst waited
   143 s for one such message. Here a queue's pick runs under a lock of its own: one pass
   over the messages at a time, never a wait under it.
2. Its long poll waits with ``wait_for(lambda: self.messages)``, which is true at once while
   any message is visible, even when every visible one belongs to a group in flight: a FIFO
   queue's pollers spin for their whole wait. Here an empty pick waits on the queue's
   condition (notified when a message arrives) for at most ``WAKE_SECONDS``, then looks
   again (a group freed by a delete sends no notice).
3. Its DeleteMessage rebuilds the queue's message list and puts the new list in place with
   no lock, while SendMessage appends under the queue's ``_messages_lock``: two deletes at
   once could put back the message the other deleted (handled and deleted, then delivered
   again after its visibility timeout: the 180 s stall of one local burst in five), and a
   delete beside a send could drop the new message. Here a delete holds that lock, and so
   does a receive's pick (which may move a message to the dead-letter queue).
"""

import threading
from typing import Any

from moto.core.utils import unix_time
from moto.sqs.models import Queue, SQSBackend

ORIGINAL_RECEIVE_MESSAGE = SQSBackend.receive_message
ORIGINAL_DELETE_MESSAGE = Queue.delete_message
WAKE_SECONDS = 0.05
_LOCK_ATTRIBUTE = "_socialcare_receive_lock"


def _lock_of(queue: Any) -> threading.Lock:
    lock: threading.Lock = queue.__dict__.setdefault(_LOCK_ATTRIBUTE, threading.Lock())
    return lock


def _receive_message(
    self: SQSBackend,
    queue_name: str,
    count: int,
    wait_seconds_timeout: int,
    *rest: Any,  # visibility_timeout, message_attribute_names: passed on as they came
    **named: Any,
) -> Any:
    queue = self.get_queue(queue_name)
    lock = _lock_of(queue)
    polling_end = unix_time() + wait_seconds_timeout
    while True:
        with lock, queue._messages_lock:  # one pick at a time: moto's pass, without its wait
            found = ORIGINAL_RECEIVE_MESSAGE(self, queue_name, count, 0, *rest, **named)
        if found or not wait_seconds_timeout or unix_time() > polling_end:
            return found
        with queue._messages_lock:
            queue._messages_lock.wait(timeout=WAKE_SECONDS)


def _delete_message(self: Queue, receipt_handle: str) -> None:
    with self._messages_lock:  # the lock SendMessage appends under
        ORIGINAL_DELETE_MESSAGE(self, receipt_handle)


def install() -> None:
    SQSBackend.receive_message = _receive_message  # type: ignore[method-assign]
    Queue.delete_message = _delete_message  # type: ignore[method-assign]


def uninstall() -> None:
    SQSBackend.receive_message = ORIGINAL_RECEIVE_MESSAGE  # type: ignore[method-assign]
    Queue.delete_message = ORIGINAL_DELETE_MESSAGE  # type: ignore[method-assign]
