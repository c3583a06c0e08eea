"""The classify step: each stored message is read once, in conversation order.

Today it finds the customer's language and moves the conversation's lifecycle (``new``,
``answered``, ``resolved`` -> ``open``), which ingest leaves to this step so that ingest never
reads before it writes. Sentiment, topic, priority, spam and the answer-base match join the
Classification as issue 4 goes on.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from socialcare.classification import language
from socialcare.classification.rules import RuleBook
from socialcare.errors import SupportError
from socialcare.models import ClassifyRequest
from socialcare.models.classification import Classification
from socialcare.observability import MetricUnit, logger, metrics
from socialcare.ports import TakeUp


class MessageMissing(SupportError):
    """A classify request for a message that is not stored: retried, then dead-lettered."""


class ClassifyStore(Protocol):
    def get_message(self, conversation_id: str, message_sk: str) -> dict[str, Any] | None: ...

    def take_up(
        self, conversation_id: str, message_sk: str, classification: Classification
    ) -> TakeUp: ...


def classify_text(text: str, rules: RuleBook | None = None) -> Classification:
    """Language first; the brand's rules then pick the topic (before any model, issue 4)."""
    found = language.detect(text)
    topic = rules.match(text, found.code) if rules is not None else None
    return Classification(language=found, topic=topic)


@dataclass(frozen=True)
class ClassifyDeps:
    store: ClassifyStore
    rulebooks: dict[str, RuleBook] = field(default_factory=dict)  # brand id -> its rules
    classify: Callable[[str, RuleBook | None], Classification] = field(default=classify_text)


def process(request: ClassifyRequest, deps: ClassifyDeps) -> None:
    logger.append_keys(conversation_id=request.conversation_id)
    message = deps.store.get_message(request.conversation_id, request.message_sk)
    if message is None:
        raise MessageMissing(f"{request.message_ref} is not stored")
    if "processed_at" in message:  # a redelivered request: nothing to redo
        logger.info("message already taken up", extra={"message_ref": request.message_ref})
        return
    found = deps.classify(str(message.get("text", "")), deps.rulebooks.get(request.brand_id))
    outcome = deps.store.take_up(request.conversation_id, request.message_sk, found)
    if outcome is TakeUp.MISSING:
        raise MessageMissing(f"{request.message_ref} is not stored")
    if outcome is TakeUp.TAKEN:
        metrics.add_metric(name="MessageClassified", unit=MetricUnit.Count, value=1)
    topic = found.topic.code if found.topic else None
    logger.info(
        f"message {outcome}",
        extra={"message_ref": request.message_ref, "language": found.language.code, "topic": topic},
    )
