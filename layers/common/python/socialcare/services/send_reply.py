"""The outbox's send step: one queued reply goes to the customer's platform, once.

A reply already sent (or refused) is never sent again, whatever redelivers it. The
platform's refusal is the agent's to know: it is posted into the thread in plain words. A
success is recorded (the outbound message, the conversation answered, its response clock
met), shown in the thread with a link, and the card is redrawn. A rate limit raises
``SendPostponed``: the caller holds the message back until the platform's reset."""

from dataclasses import dataclass
from typing import Any, Protocol

from socialcare.clock import Clock, utc_now
from socialcare.errors import ConfigurationError, SendRefused
from socialcare.models.common import Platform
from socialcare.models.reply import Delivered, OutboundReply
from socialcare.observability import MetricUnit, logger, metrics
from socialcare.ports import SlackDesk
from socialcare.services.cards import refresh_card
from socialcare.slack.mrkdwn import escape, link

PLATFORM_NAMES = {"x": "X", "vk": "VK", "messenger": "Messenger", "instagram": "Instagram"}


class PlatformSender(Protocol):
    def send(self, reply: OutboundReply) -> Delivered: ...


class SendStore(Protocol):
    def reply(self, conversation_id: str, reply_id: str) -> dict[str, Any] | None: ...
    def record_sent(self, reply: OutboundReply, delivered: Delivered, at: Any) -> bool: ...
    def mark_failed(self, reply: OutboundReply, code: str, explanation: str) -> None: ...
    def mark_shown(self, reply: OutboundReply) -> None: ...
    def conversation(self, conversation_id: str) -> dict[str, Any] | None: ...
    def first_inbound(self, conversation_id: str) -> dict[str, Any] | None: ...
    def clock_events(self, conversation_id: str) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class SendDeps:
    store: SendStore
    senders: dict[Platform, PlatformSender]
    slack: SlackDesk
    clock: Clock = utc_now


def deliver(reply: OutboundReply, deps: SendDeps) -> str:
    logger.append_keys(conversation_id=reply.conversation_id, reply_id=reply.reply_id)
    record = deps.store.reply(reply.conversation_id, reply.reply_id)
    if record is not None and not record.get("shown"):
        # Handled, but the attempt died before the thread heard of it: only show it now.
        if record.get("status") == "sent":
            _show_sent(reply, str(record.get("link") or ""), deps)
            return "shown"
        if record.get("status") == "failed":
            _show_refused(reply, str(record.get("error", "")), deps)
            return "shown"
    if record is not None and record.get("status") in ("sent", "failed"):
        logger.info("reply already handled", extra={"status": record.get("status")})
        return "already"
    sender = deps.senders.get(reply.platform)
    if sender is None:
        raise ConfigurationError(f"no sender for {reply.platform}")
    try:
        delivered = sender.send(reply)
    except SendRefused as refused:
        deps.store.mark_failed(reply, refused.code, refused.explanation)
        metrics.add_metric(name="ReplyRefused", unit=MetricUnit.Count, value=1)
        _show_refused(reply, refused.explanation, deps)
        return "refused"
    if not deps.store.record_sent(reply, delivered, deps.clock()):
        return "already"
    metrics.add_metric(name="ReplySent", unit=MetricUnit.Count, value=1)
    _show_sent(reply, delivered.link or "", deps)
    return "sent"


def _show_sent(reply: OutboundReply, url: str, deps: SendDeps) -> None:
    name = PLATFORM_NAMES.get(str(reply.platform), str(reply.platform))
    shown = link(url, "see it") if url else ""
    _say(
        reply,
        f":white_check_mark: Sent on {name} by <@{reply.agent}> {shown}\n>{escape(reply.text)}",
        deps,
    )
    refresh_card(reply.conversation_id, deps.store, deps.slack)
    deps.store.mark_shown(reply)


def _show_refused(reply: OutboundReply, explanation: str, deps: SendDeps) -> None:
    name = PLATFORM_NAMES.get(str(reply.platform), str(reply.platform))
    _say(
        reply,
        f":warning: Not sent on {name}: {escape(explanation)}."
        f" The customer did not get this reply of <@{reply.agent}>:\n>{escape(reply.text)}",
        deps,
    )
    deps.store.mark_shown(reply)


def _say(reply: OutboundReply, text: str, deps: SendDeps) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
    deps.slack.post(reply.slack_channel, text, blocks, reply.slack_thread_ts)
