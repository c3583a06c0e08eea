"""The classify step: each stored message is taken up once, in conversation order.

Today it moves the conversation's lifecycle (``new``/``answered``/``resolved`` → ``open``),
which ingest leaves to this step so that ingest never reads before it writes. Language,
sentiment, topic, priority, spam and the answer-base match arrive with issue 4, here.
"""

from dataclasses import dataclass
from typing import Protocol

from socialcare.errors import SupportError
from socialcare.models import ClassifyRequest
from socialcare.observability import MetricUnit, logger, metrics
from socialcare.ports import TakeUp


class MessageMissing(SupportError):
    """A classify request for a message that is not stored: retried, then dead-lettered."""


class ClassifyStore(Protocol):
    def take_up(self, conversation_id: str, message_sk: str) -> TakeUp: ...


@dataclass(frozen=True)
class ClassifyDeps:
    store: ClassifyStore


def process(request: ClassifyRequest, deps: ClassifyDeps) -> None:
    logger.append_keys(conversation_id=request.conversation_id)
    outcome = deps.store.take_up(request.conversation_id, request.message_sk)
    if outcome is TakeUp.MISSING:
        raise MessageMissing(f"{request.message_ref} is not stored")
    if outcome is TakeUp.TAKEN:
        metrics.add_metric(name="MessageTakenUp", unit=MetricUnit.Count, value=1)
    logger.info(f"message {outcome}", extra={"message_ref": request.message_ref})
