"""The conversation's thread in the brand's support channel: the first classified message
posts the card as the thread's root (its channel and ts are stored on the conversation, and
the BySlackThread index finds the conversation from an agent's reply later); each later
customer message is posted into the thread. Spam never reaches the desk.

Each message is posted once: its copy on the desk (channel and ts) is recorded on the stored
message, in the same write that keeps the card's thread, and a redelivered request finds it
in the read the step makes anyway. The desk queue is FIFO per conversation, so two copies of
one request never run at the same time."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from socialcare.config.brands import BrandDirectory
from socialcare.errors import SupportError
from socialcare.models import ChannelType, Customer, DeskRequest, Platform
from socialcare.models.conversation import Conversation, SlackPost
from socialcare.models.stored import StoredMessage
from socialcare.observability import MetricUnit, logger, metrics
from socialcare.ports import SlackDesk
from socialcare.services.batch_reads import Loaded, Prefetched
from socialcare.services.cards import CardStore, refresh_card
from socialcare.slack.card import (
    card,
    deleted_notice,
    edited_notice,
    follow_up,
    outside_reply_notice,
)


class NotClassifiedYet(SupportError):
    """The desk got a message the classifier has not stored yet: retried by the queue."""


class ThreadStore(Protocol):
    def load(self, conversation_id: str, message_sk: str) -> Loaded: ...

    def record_card(
        self,
        conversation_id: str,
        message_sk: str,
        channel: str,
        ts: str,
        *,
        customer: Customer | None = None,
        platform: Platform | None = None,
    ) -> bool:
        """The conversation's thread and the message's copy, and the customer's profile when
        one was read for the card, with its handle's lookup on ``platform`` (False: it had a
        thread)."""

    def record_copy(self, conversation_id: str, message_sk: str, channel: str, ts: str) -> None: ...

    def record_deletion_shown(
        self, conversation_id: str, message_sk: str, at: datetime
    ) -> None: ...

    def record_edit_shown(
        self, conversation_id: str, message_sk: str, edited_at: datetime
    ) -> None: ...


class PrefetchedThreads(Prefetched[ThreadStore]):
    """One desk batch's messages and conversations, read in one call before it runs
    (services.batch_reads). What the batch posts is remembered: a card's thread on its
    conversation, so the conversation's next message in the batch goes into the new thread,
    and each message's copy, so a second request for it in the same batch posts nothing; if
    the conversation had a thread already (another run got there first), it is read afresh."""

    def record_card(
        self,
        conversation_id: str,
        message_sk: str,
        channel: str,
        ts: str,
        *,
        customer: Customer | None = None,
        platform: Platform | None = None,
    ) -> bool:
        attached = self._store.record_card(
            conversation_id, message_sk, channel, ts, customer=customer, platform=platform
        )
        if attached:
            self._reads.wrote(conversation_id, {"slack_thread": SlackPost(channel=channel, ts=ts)})
        else:
            self._reads.forget(conversation_id)
        self._reads.wrote_message(
            conversation_id, message_sk, {"desk_copy": SlackPost(channel=channel, ts=ts)}
        )
        return attached

    def record_copy(self, conversation_id: str, message_sk: str, channel: str, ts: str) -> None:
        self._store.record_copy(conversation_id, message_sk, channel, ts)
        self._reads.wrote_message(
            conversation_id, message_sk, {"desk_copy": SlackPost(channel=channel, ts=ts)}
        )

    def record_deletion_shown(self, conversation_id: str, message_sk: str, at: datetime) -> None:
        self._store.record_deletion_shown(conversation_id, message_sk, at)
        self._reads.wrote_message(conversation_id, message_sk, {"deletion_shown_at": at})

    def record_edit_shown(self, conversation_id: str, message_sk: str, edited_at: datetime) -> None:
        self._store.record_edit_shown(conversation_id, message_sk, edited_at)
        self._reads.wrote_message(conversation_id, message_sk, {"edit_shown_at": edited_at})


class Profiles(Protocol):
    def look_up(self, platform: Platform, account: str, customer_id: str) -> Customer | None:
        """The customer's name and handle, when the platform's message had only their id
        (None: not known, or not readable now)."""
        ...


PROFILED = frozenset({Platform.MESSENGER, Platform.INSTAGRAM})


@dataclass(frozen=True)
class ThreadDeps:
    store: ThreadStore
    poster: SlackDesk
    brands: BrandDirectory
    cards: CardStore | None = None  # set: a follow-up redraws the card (status, deadline)
    profiles: Profiles | None = None  # set: a Meta direct message's card names the customer


def post_to_thread(request: DeskRequest, deps: ThreadDeps) -> str | None:
    logger.append_keys(conversation_id=request.conversation_id)
    brand = deps.brands.brands.get(request.brand_id)
    if brand is None or brand.slack is None or brand.slack.channel is None:
        logger.info("no support channel for the brand: nothing posted")
        return None
    message, meta = deps.store.load(request.conversation_id, request.message_sk)
    if request.notice is not None:  # news about a message, not one to show
        return NOTICES[request.notice](request, message, meta, deps)
    if message is None or meta is None or message.classification is None:
        raise NotClassifiedYet(f"{request.message_ref} is not classified yet")
    if message.is_spam:
        return None
    if message.desk_copy:  # a redelivered request: the message is on the desk
        logger.info("message already on the desk", extra={"message_ref": request.message_ref})
        return message.desk_copy.ts
    thread = meta.slack_thread
    if thread:
        text, blocks = follow_up(message)
        channel = thread.channel
        ts = deps.poster.post(channel, text, blocks, thread.ts)
        deps.store.record_copy(request.conversation_id, request.message_sk, channel, ts)
        metrics.add_metric(name="FollowUpPosted", unit=MetricUnit.Count, value=1)
        if deps.cards is not None:  # an answered conversation is open again: the card says so
            refresh_card(request.conversation_id, deps.cards, deps.poster)
        return ts
    customer = _profile(meta, deps)
    if customer is not None:
        meta = meta.model_copy(update={"customer": customer})
    text, blocks = card(meta, message)
    ts = deps.poster.post(brand.slack.channel, text, blocks)
    if not deps.store.record_card(
        request.conversation_id,
        request.message_sk,
        brand.slack.channel,
        ts,
        customer=customer,
        platform=meta.platform,
    ):
        logger.warning("the conversation already had a thread", extra={"ts": ts})
    metrics.add_metric(name="CardPosted", unit=MetricUnit.Count, value=1)
    return ts


def _profile(meta: Conversation, deps: ThreadDeps) -> Customer | None:
    """Meta's direct messages name the customer by id only: their profile, read once, for the
    card (and kept with it)."""
    who = meta.customer
    if deps.profiles is None or who.name or who.handle:
        return None
    if meta.platform not in PROFILED or meta.channel_type is not ChannelType.PRIVATE:
        return None
    return deps.profiles.look_up(meta.platform, meta.account_id, who.id)


def _redraw_or_tell(
    request: DeskRequest,
    thread: SlackPost,
    notice: tuple[str, list[dict[str, Any]]],
    deps: ThreadDeps,
) -> str:
    """News about a message: the card draws its first message with every mark, so it is
    redrawn when the news is about that one; a follow-up (Slack keeps no record of which
    post showed it) gets ``notice`` in the thread."""
    first = deps.cards.first_inbound(request.conversation_id) if deps.cards else None
    if deps.cards is not None and first is not None and first.message_sk == request.message_sk:
        refresh_card(request.conversation_id, deps.cards, deps.poster)
        return thread.ts
    text, blocks = notice
    return deps.poster.post(thread.channel, text, blocks, thread.ts)


def _show_edited(
    request: DeskRequest,
    message: StoredMessage | None,
    meta: Conversation | None,
    deps: ThreadDeps,
) -> str | None:
    """Its author edited a message the desk may have shown: the card draws the latest edit
    under the first text (``slack.card``), so it is redrawn when it shows this message; for a
    follow-up the thread is told, with the new text."""
    thread = meta.slack_thread if meta else None
    if message is None or thread is None or message.edited_at is None:
        logger.info("edited message has no Slack copy to update")
        return None
    if message.edit_shown_at is not None and message.edit_shown_at >= message.edited_at:
        logger.info("edit already shown", extra={"message_ref": request.message_ref})
        return None
    ts = _redraw_or_tell(request, thread, edited_notice(message), deps)
    deps.store.record_edit_shown(request.conversation_id, request.message_sk, message.edited_at)
    metrics.add_metric(name="EditShown", unit=MetricUnit.Count, value=1)
    return ts


def _show_outside_reply(
    request: DeskRequest,
    message: StoredMessage | None,
    meta: Conversation | None,
    deps: ThreadDeps,
) -> str | None:
    """A reply the brand gave outside socialcare: into the thread once, the card redrawn
    (answered). No thread yet: the card, when it is drawn, shows the conversation answered."""
    thread = meta.slack_thread if meta else None
    if message is None or thread is None:
        logger.info("reply given outside has no thread to show it in")
        return None
    if message.desk_copy:  # a redelivered notice
        return message.desk_copy.ts
    text, blocks = outside_reply_notice(message)
    ts = deps.poster.post(thread.channel, text, blocks, thread.ts)
    deps.store.record_copy(request.conversation_id, request.message_sk, thread.channel, ts)
    metrics.add_metric(name="OutsideReplyShown", unit=MetricUnit.Count, value=1)
    if deps.cards is not None:
        refresh_card(request.conversation_id, deps.cards, deps.poster)
    return ts


def _show_deleted(
    request: DeskRequest,
    message: StoredMessage | None,
    meta: Conversation | None,
    deps: ThreadDeps,
) -> str | None:
    """Its author deleted a message the desk may have shown. The card draws every message's
    deletion mark (``slack.card``): the card is redrawn when it shows this message; for a
    follow-up (Slack keeps no record of which post showed it) the thread is told."""
    thread = meta.slack_thread if meta else None
    if message is None or thread is None:
        # Not posted (yet, or spam, or erased): the card, when it is drawn, carries the mark.
        logger.info("deleted message has no Slack copy to update")
        return None
    if message.deletion_shown_at:  # a redelivered notice
        logger.info("deletion already shown", extra={"message_ref": request.message_ref})
        return None
    ts = _redraw_or_tell(request, thread, deleted_notice(message), deps)
    deps.store.record_deletion_shown(request.conversation_id, request.message_sk, request.sent_at)
    metrics.add_metric(name="DeletionShown", unit=MetricUnit.Count, value=1)
    return ts


NOTICES: dict[
    str, Callable[[DeskRequest, StoredMessage | None, Conversation | None, ThreadDeps], str | None]
] = {
    "deleted": _show_deleted,
    "edited": _show_edited,
    "outside_reply": _show_outside_reply,
}
