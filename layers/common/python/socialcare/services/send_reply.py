"""The outbox's send step: one queued reply goes to the customer's platform, at most once.

The reply record moves ``queued -> sending`` before the platform call, ``sending ->
accepted`` (with the platform's id) in the one write right after it, then ``accepted -> sent``
with the bookkeeping (the outbound message, the conversation's response facts). A redelivered
message that finds ``accepted`` only finishes the bookkeeping: the platform is not called
again. One that finds ``sending`` knows an attempt was cut off after the call may have
reached the platform: VK's own deduplication (``random_id``, ``guid``) makes a repeat
harmless there, so it is sent again; X has none, so the reply is marked ``uncertain`` and
the agent is asked to check, rather than risk a second post. A failure we know happened
before the platform had it (X or VK unreachable, a 5xx) puts the record back to ``queued``
for the retry.

The outcome is the agent's to know, in the thread: the sent reply with its link, the
platform's refusal in plain words, a rate-limit delay, an uncertain attempt, or a reply given
up after the last attempt. A sent reply marks the conversation answered (its reply clock
met); the card is redrawn."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from socialcare.clock import Clock, utc_now
from socialcare.errors import (
    ConfigurationError,
    CustomerUnreachable,
    SendPostponed,
    SendRefused,
    StorageUnavailable,
    SupportError,
)
from socialcare.models.common import Platform
from socialcare.models.message import conversation_id_for
from socialcare.models.reply import (
    ENDED,
    ON_THE_PLATFORM,
    Delivered,
    OutboundReply,
    ReplyRecord,
    ReplyStatus,
    Shown,
    is_private_reply,
)
from socialcare.observability import MetricUnit, logger, metrics
from socialcare.platforms.meta.normalise import direct_thread_key
from socialcare.ports import SlackDesk
from socialcare.services.cards import CardStore, refresh_card
from socialcare.slack.mrkdwn import escape, link

# Platforms that deduplicate a repeated send of the same reply id themselves.
SAFE_TO_REPEAT = frozenset({Platform.VK})


class PlatformSender(Protocol):
    def send(self, reply: OutboundReply) -> Delivered: ...


class SendStore(CardStore, Protocol):
    def reply(self, conversation_id: str, reply_id: str) -> ReplyRecord | None: ...
    def claim(self, reply: OutboundReply, at: datetime) -> bool: ...
    def release(self, reply: OutboundReply, postponed_until: datetime | None = None) -> None: ...
    def record_accepted(self, reply: OutboundReply, delivered: Delivered, at: datetime) -> bool: ...
    def record_sent(self, reply: OutboundReply, delivered: Delivered, at: Any) -> bool: ...
    def mark_answered(self, conversation_id: str, at: datetime) -> None: ...
    def mark_failed(self, reply: OutboundReply, code: str, explanation: str) -> None: ...
    def mark_unreachable(self, conversation_id: str, why: str, at: datetime) -> None: ...
    def mark_shown(self, reply: OutboundReply, what: Shown = "shown") -> None: ...
    def hold(self, reply: OutboundReply, at: datetime) -> None: ...


class Postponer(Protocol):
    def postpone(self, receipt_handle: str, seconds: float) -> None:
        """The received reply comes back after ``seconds``."""
        ...


@dataclass(frozen=True)
class SendDeps:
    store: SendStore
    senders: dict[Platform, PlatformSender]
    slack: SlackDesk
    clock: Clock = utc_now
    outbox: Postponer | None = None  # set: a rate-limited reply waits in the queue for the reset
    max_receives: int = 10  # the outbox's maxReceiveCount: the last attempt tells the thread


def deliver_queued(reply: OutboundReply, receipt_handle: str, receives: int, deps: SendDeps) -> str:
    """A reply received from the outbox (``receives``: its receive count). A platform's rate
    limit keeps it in the queue until the platform's reset time (it comes back then; the
    error is raised so the batch reports it); the last attempt's failure is told in the
    thread."""
    try:
        return deliver(reply, deps, last_attempt=receives >= deps.max_receives)
    except SendPostponed as postponed:
        wait = postponed.until - deps.clock().timestamp()
        if deps.outbox is not None:
            deps.outbox.postpone(receipt_handle, wait)
        metrics.add_metric(name="ReplyPostponed", unit=MetricUnit.Count, value=1)
        logger.info("reply postponed by a rate limit", extra={"seconds": round(wait)})
        raise


def deliver(reply: OutboundReply, deps: SendDeps, *, last_attempt: bool = False) -> str:
    logger.append_keys(conversation_id=reply.conversation_id, reply_id=reply.reply_id)
    try:
        return _deliver(reply, deps)
    except SendPostponed:
        raise
    except Exception:
        if last_attempt:  # the outbox gives up: the message goes to the dead-letter queue
            _give_up(reply, deps)
        raise


def _give_up(reply: OutboundReply, deps: SendDeps) -> None:
    """The thread hears what became of the reply: held for the operators, or (when only
    the bookkeeping after a successful post failed) sent."""
    try:
        record = deps.store.reply(reply.conversation_id, reply.reply_id)
    except SupportError:
        record = None
    if record is not None and record.status in ON_THE_PLATFORM:
        logger.error("a sent reply's bookkeeping failed on the outbox's last attempt")
        if not record.shown:
            _say_safely(reply, _sent_text(reply, record.link or ""), deps)
        return
    try:  # the operators have it now (the dead-letter queue, alarmed): not the sweeper's
        deps.store.hold(reply, deps.clock())
    except SupportError as exc:
        logger.warning("the held reply stays pending", extra={"error": str(exc)})
    _say_safely(
        reply,
        ":x: This reply could not be sent after repeated attempts; it is held for the"
        f" operators (the outbox dead-letter queue). <@{reply.agent}>'s text:\n"
        f">{escape(reply.text)}",
        deps,
    )


def _deliver(reply: OutboundReply, deps: SendDeps) -> str:
    record = deps.store.reply(reply.conversation_id, reply.reply_id)
    status = record.status if record else ReplyStatus.QUEUED
    if record is not None and status in ENDED:
        return _catch_up(reply, record, deps)
    if record is not None and status is ReplyStatus.ACCEPTED:  # its bookkeeping was cut off
        delivered = Delivered(
            platform_message_id=record.platform_message_id or "",
            link=record.link or None,
            continues_in=record.continues_in,
        )
        return _book(reply, delivered, record.sent_at or deps.clock(), deps)
    if status is ReplyStatus.SENDING and reply.platform not in SAFE_TO_REPEAT:
        deps.store.mark_failed(reply, "uncertain", "the attempt was cut off")
        metrics.add_metric(name="ReplyUncertain", unit=MetricUnit.Count, value=1)
        _show_uncertain(reply, deps)
        return "uncertain"
    if status is ReplyStatus.QUEUED and not deps.store.claim(reply, deps.clock()):
        return "already"  # another delivery moved it on meanwhile
    sender = deps.senders.get(reply.platform)
    if sender is None:
        raise ConfigurationError(f"no sender for {reply.platform}")
    try:
        delivered = sender.send(reply)
    except SendPostponed as postponed:
        until = datetime.fromtimestamp(postponed.until, UTC)
        deps.store.release(reply, postponed_until=until)
        if record is None or not record.postponed_shown:
            name = reply.platform.label
            _say(
                reply,
                f":hourglass: {name}'s rate limit: this reply goes at {until:%H:%M} UTC.",
                deps,
            )
            deps.store.mark_shown(reply, "postponed_shown")
        raise
    except SendRefused as refused:
        return _refused(reply, refused, deps)
    except StorageUnavailable:
        deps.store.release(reply)  # the platform never had it: the retry sends it
        raise
    except ConfigurationError as wrong:
        # A token revoked or expired, a permission missing: the platform refused before it
        # had the reply, so it is not uncertain. It waits for the operator (the retries, then
        # the dead-letter queue, alarmed); the agent hears why, once.
        deps.store.release(reply)
        if record is None or not record.postponed_shown:
            name = reply.platform.label
            _say(
                reply,
                f":warning: Not sent on {name} yet: {escape(str(wrong))}. It is retried for a"
                " while; an administrator needs to fix the credentials.",
                deps,
            )
            deps.store.mark_shown(reply, "postponed_shown")
        raise
    sent_at = deps.clock()
    delivered = delivered.model_copy(update={"continues_in": continuation(reply, delivered)})
    # One write first: a retry of what follows must never call the platform again.
    deps.store.record_accepted(reply, delivered, sent_at)
    return _book(reply, delivered, sent_at, deps)


def _refused(reply: OutboundReply, refused: SendRefused, deps: SendDeps) -> str:
    deps.store.mark_failed(reply, refused.code, refused.explanation)
    metrics.add_metric(name="ReplyRefused", unit=MetricUnit.Count, value=1)
    unreachable = isinstance(refused, CustomerUnreachable)
    if unreachable:
        deps.store.mark_unreachable(reply.conversation_id, refused.explanation, deps.clock())
        metrics.add_metric(name="CustomerUnreachable", unit=MetricUnit.Count, value=1)
    _show_refused(reply, refused.explanation, deps)
    if unreachable:
        _redraw(reply, deps)  # the card says so, and the next reply is refused at once
    return "refused"


def continuation(reply: OutboundReply, delivered: Delivered) -> str | None:
    """A private reply moves the customer to direct messages: the conversation their answer
    opens there (Messenger for a Facebook comment, Instagram's inbox for an Instagram one)."""
    if not is_private_reply(reply.platform, reply.route, reply.target_kind):
        return None
    if not delivered.recipient_id:
        return None
    inbox = Platform.INSTAGRAM if reply.platform is Platform.INSTAGRAM else Platform.MESSENGER
    key = direct_thread_key(inbox, reply.account_id, delivered.recipient_id)
    return conversation_id_for(key)


def _book(reply: OutboundReply, delivered: Delivered, sent_at: datetime, deps: SendDeps) -> str:
    """The platform has the reply: record it sent, the conversation answered, tell the thread."""
    if deps.store.record_sent(reply, delivered, sent_at):
        metrics.add_metric(name="ReplySent", unit=MetricUnit.Count, value=1)
    deps.store.mark_answered(reply.conversation_id, sent_at)
    _show_sent(reply, delivered.link or "", deps, delivered.continues_in)
    return "sent"


def _catch_up(reply: OutboundReply, record: ReplyRecord, deps: SendDeps) -> str:
    """Handled before, but the attempt may have died before finishing: finish it."""
    sent = record.status is ReplyStatus.SENT
    if sent:
        deps.store.mark_answered(reply.conversation_id, record.sent_at or deps.clock())
    if record.shown:
        return "already"
    if sent:
        _show_sent(reply, record.link or "", deps, record.continues_in)
    elif record.status is ReplyStatus.UNCERTAIN or record.error_code == "uncertain":
        _show_uncertain(reply, deps)
    else:
        _show_refused(reply, record.error or "", deps)
    return "shown"


def _sent_text(reply: OutboundReply, url: str) -> str:
    name = reply.platform.label
    shown = link(url, "see it") if url else ""
    return f":white_check_mark: Sent on {name} by <@{reply.agent}> {shown}\n>{escape(reply.text)}"


def _show_sent(
    reply: OutboundReply, url: str, deps: SendDeps, continues_in: str | None = None
) -> None:
    text = _sent_text(reply, url)
    if continues_in:
        inbox = "Instagram" if reply.platform is Platform.INSTAGRAM else "Messenger"
        text += (
            f"\n:speech_balloon: Sent as a private reply: the customer's answer comes by {inbox}"
            f" direct message, as conversation `{continues_in}` (its own card)."
        )
    _say(reply, text, deps)
    deps.store.mark_shown(reply)
    _redraw(reply, deps)


def _show_refused(reply: OutboundReply, explanation: str, deps: SendDeps) -> None:
    name = reply.platform.label
    _say(
        reply,
        f":warning: Not sent on {name}: {escape(explanation)}."
        f" The customer did not get this reply of <@{reply.agent}>:\n>{escape(reply.text)}",
        deps,
    )
    deps.store.mark_shown(reply)


def _show_uncertain(reply: OutboundReply, deps: SendDeps) -> None:
    name = reply.platform.label
    _say(
        reply,
        f":grey_question: Could not confirm that this reply reached {name} (the attempt was"
        f" cut off). Check the conversation on {name} and send it again if it is missing:\n"
        f">{escape(reply.text)}",
        deps,
    )
    deps.store.mark_shown(reply)


def _redraw(reply: OutboundReply, deps: SendDeps) -> None:
    """The card follows; a failure to redraw it must not make the reply look unsent."""
    try:
        refresh_card(reply.conversation_id, deps.store, deps.slack)
    except SupportError as exc:
        logger.warning("the card was not redrawn", extra={"error": str(exc)})


def _say(reply: OutboundReply, text: str, deps: SendDeps) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
    deps.slack.post(reply.slack_channel, text, blocks, reply.slack_thread_ts)


def _say_safely(reply: OutboundReply, text: str, deps: SendDeps) -> None:
    try:
        _say(reply, text, deps)
    except SupportError as exc:
        logger.warning("the thread was not told", extra={"error": str(exc)})
