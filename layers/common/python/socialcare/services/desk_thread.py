"""The conversation's thread in the brand's support channel: the first classified message
posts the card as the thread's root (its channel and ts are stored on the conversation, and
the BySlackThread index finds the conversation from an agent's reply later); each later
customer message is posted into the thread. Spam never reaches the desk."""

from dataclasses import dataclass
from typing import Any, Protocol

from socialcare.config.brands import BrandDirectory
from socialcare.errors import SupportError
from socialcare.models import ClassifyRequest
from socialcare.observability import MetricUnit, logger, metrics
from socialcare.ports import SlackDesk
from socialcare.services.batch_reads import Loaded, Prefetched
from socialcare.services.cards import CardStore, refresh_card
from socialcare.slack.card import card, deleted_notice, follow_up


class NotClassifiedYet(SupportError):
    """The desk got a message the classifier has not stored yet: retried by the queue."""


class ThreadStore(Protocol):
    def load(self, conversation_id: str, message_sk: str) -> Loaded: ...

    def attach_thread(self, conversation_id: str, channel: str, ts: str) -> bool: ...


class PrefetchedThreads(Prefetched[ThreadStore]):
    """One desk batch's messages and conversations, read in one call before it runs
    (services.batch_reads). A card posted in the batch is remembered on its conversation, so
    the conversation's next message in the batch goes into the new thread; if the
    conversation had a thread already (another run got there first), it is read afresh."""

    def attach_thread(self, conversation_id: str, channel: str, ts: str) -> bool:
        attached = self._store.attach_thread(conversation_id, channel, ts)
        if attached:
            self._reads.wrote(conversation_id, {"slack_thread": {"channel": channel, "ts": ts}})
        else:
            self._reads.forget(conversation_id)
        return attached


@dataclass(frozen=True)
class ThreadDeps:
    store: ThreadStore
    poster: SlackDesk
    brands: BrandDirectory
    cards: CardStore | None = None  # set: a follow-up redraws the card (status, deadline)


def post_to_thread(request: ClassifyRequest, deps: ThreadDeps) -> str | None:
    logger.append_keys(conversation_id=request.conversation_id)
    brand = deps.brands.brands.get(request.brand_id)
    if brand is None or brand.slack is None or brand.slack.channel is None:
        logger.info("no support channel for the brand: nothing posted")
        return None
    message, meta = deps.store.load(request.conversation_id, request.message_sk)
    if request.notice == "deleted":
        return _show_deleted(request, message, meta, deps)
    if message is None or meta is None or "classification" not in message:
        raise NotClassifiedYet(f"{request.message_ref} is not classified yet")
    if message["classification"].get("spam", {}).get("is_spam"):
        return None
    thread = meta.get("slack_thread")
    if thread:
        text, blocks = follow_up(message)
        ts = deps.poster.post(str(thread["channel"]), text, blocks, str(thread["ts"]))
        metrics.add_metric(name="FollowUpPosted", unit=MetricUnit.Count, value=1)
        if deps.cards is not None:  # an answered conversation is open again: the card says so
            refresh_card(request.conversation_id, deps.cards, deps.poster)
        return ts
    text, blocks = card(meta, message)
    ts = deps.poster.post(brand.slack.channel, text, blocks)
    if not deps.store.attach_thread(request.conversation_id, brand.slack.channel, ts):
        logger.warning("the conversation already had a thread", extra={"ts": ts})
    metrics.add_metric(name="CardPosted", unit=MetricUnit.Count, value=1)
    return ts


def _show_deleted(
    request: ClassifyRequest,
    message: dict[str, Any] | None,
    meta: dict[str, Any] | None,
    deps: ThreadDeps,
) -> str | None:
    """Its author deleted a message the desk may have shown. The card draws every message's
    deletion mark (``slack.card``): the card is redrawn when it shows this message; for a
    follow-up (Slack keeps no record of which post showed it) the thread is told."""
    thread = (meta or {}).get("slack_thread")
    if message is None or meta is None or not thread:
        # Not posted (yet, or spam, or erased): the card, when it is drawn, carries the mark.
        logger.info("deleted message has no Slack copy to update")
        return None
    metrics.add_metric(name="DeletionShown", unit=MetricUnit.Count, value=1)
    first = deps.cards.first_inbound(request.conversation_id) if deps.cards else None
    if deps.cards is not None and (first or {}).get("sk") == request.message_sk:
        refresh_card(request.conversation_id, deps.cards, deps.poster)
        return str(thread["ts"])
    text, blocks = deleted_notice(message)
    return deps.poster.post(str(thread["channel"]), text, blocks, str(thread["ts"]))
