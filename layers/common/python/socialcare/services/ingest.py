"""Store each inbound message in its conversation, once, then queue it for classification."""

from collections.abc import Sequence
from dataclasses import dataclass, field

from socialcare.models import ClassifyRequest, InboundMessage
from socialcare.models.message import conversation_id_for, iso
from socialcare.observability import MetricUnit, logger, metrics
from socialcare.ports import ClassifyQueue, ConversationStore, StoredRef


@dataclass(frozen=True)
class IngestDeps:
    store: ConversationStore
    queue: ClassifyQueue


@dataclass
class IngestReport:
    stored: list[str] = field(default_factory=list)  # message refs stored now
    duplicates: list[str] = field(default_factory=list)  # message refs we already had


def reply_ref(message: InboundMessage) -> str | None:
    if message.in_reply_to is None:
        return None
    return f"{message.platform}#{message.account_id}#{message.in_reply_to}"


def resolve_conversation(message: InboundMessage, store: ConversationStore) -> tuple[str, str]:
    """(conversation id, key): a reply joins the thread of the message it answers, if stored.

    A reply whose parent we never stored (the brand's own post, or a parent that has not
    arrived yet) starts a conversation of its own.
    """
    parent = reply_ref(message)
    found = store.find_ref(parent) if parent else None
    if found is not None:
        return found.conversation_id, message.thread_key
    return conversation_id_for(message.thread_key), message.thread_key


def classify_request(message: InboundMessage, stored: StoredRef) -> ClassifyRequest:
    return ClassifyRequest(
        conversation_id=stored.conversation_id,
        message_sk=stored.message_sk,
        message_ref=message.ref,
        platform=message.platform,
        brand_id=message.brand_id,
        sent_at=message.sent_at,
    )


def ingest(messages: Sequence[InboundMessage], deps: IngestDeps) -> IngestReport:
    """Messages go in payload order, so a tweet and its reply in one delivery share a thread.

    Any storage or queue failure propagates: the webhook answers 5xx and the platform
    retries the whole delivery; what was already stored is then recognised and re-queued
    under the same deduplication id, so nothing is stored twice or left unclassified.
    """
    report = IngestReport()
    for message in messages:
        conversation_id, key = resolve_conversation(message, deps.store)
        outcome = deps.store.save_inbound(message, conversation_id, key)
        logger.append_keys(conversation_id=outcome.ref.conversation_id)
        deps.queue.send(
            classify_request(message, outcome.ref),
            group=outcome.ref.conversation_id,
            dedup_id=message.ref,
        )
        if outcome.created:
            report.stored.append(message.ref)
            metrics.add_metric(name="MessageIngested", unit=MetricUnit.Count, value=1)
            logger.info("message stored", extra={"message_ref": message.ref, "kind": message.kind})
            if message.platform_sent_at is not None:
                # Clocks run from the receipt time instead (platforms/dates.py).
                metrics.add_metric(name="ImplausibleDate", unit=MetricUnit.Count, value=1)
                logger.warning(
                    "platform date is not plausible: stored at the receipt time",
                    extra={
                        "message_ref": message.ref,
                        "platform_sent_at": message.platform_sent_at,
                        "sent_at": iso(message.sent_at),
                    },
                )
        else:
            report.duplicates.append(message.ref)
            metrics.add_metric(name="DuplicateAbsorbed", unit=MetricUnit.Count, value=1)
            logger.info("duplicate delivery absorbed", extra={"message_ref": message.ref})
    return report
