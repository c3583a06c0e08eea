"""What agents write at the desk: a message in a conversation's thread (sent to the customer,
or kept internal with ``note:``) or a reply from the modal (the buttons are in
``desk_buttons``, and send through ``send_reply`` here). Every reply passes the guards, is
recorded under the id of the Slack event or action that asked for it, then queued in the
outbox; a retried Slack request finds its record and queues nothing new."""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from socialcare.clock import Clock, utc_now
from socialcare.config.brands import BrandDirectory
from socialcare.errors import ReplyUnchanged, SupportError
from socialcare.models.common import ChannelType
from socialcare.models.conversation import CLOSED, Conversation
from socialcare.models.message import MessageKind
from socialcare.models.reply import (
    ON_ITS_WAY,
    OutboundReply,
    ReplyRecord,
    ReplyRoute,
    ReplyStatus,
    is_private_reply,
)
from socialcare.models.stored import StoredMessage
from socialcare.observability import MetricUnit, logger, metrics
from socialcare.ports import Escalations, Recorded, SlackDesk
from socialcare.services import reply_guards, retention
from socialcare.services.cards import CardStore, refresh_card
from socialcare.services.retention import Retention
from socialcare.slack.events import SlackMessageEvent
from socialcare.slack.mrkdwn import plain

NOTE_PREFIX = "note:"
MODAL = "reply_modal"
MODAL_BLOCK, MODAL_INPUT = "reply_block", "reply_input"
DM_NOTICE = {
    "en": "We have sent you a private message.",
    "ru": "Мы написали вам в личные сообщения.",
    "uk": "Ми написали вам в особисті повідомлення.",
    "be": "Мы напісалі вам у асабістыя паведамленні.",
    "hr": "Poslali smo vam privatnu poruku.",
}


class DeskActionStore(CardStore, Protocol):
    def by_thread(self, channel: str, thread_ts: str) -> Conversation | None: ...
    def latest_inbound(self, conversation_id: str) -> StoredMessage | None: ...
    def queue_reply(self, reply: OutboundReply) -> ReplyRecord | None:
        """None: recorded now; else the record a retry found."""
        ...

    def reply(self, conversation_id: str, reply_id: str) -> ReplyRecord | None: ...
    def record_escalation_request(self, conversation_id: str, press: str, agent: str) -> Recorded:
        """Once per press of "Escalate"; DONE: its notice went before."""
        ...

    def escalation_request_sent(self, conversation_id: str, press: str) -> None: ...
    def add_note(
        self, conversation_id: str, note_id: str, agent: str, text: str, at: Any
    ) -> bool: ...
    def assign(self, conversation_id: str, agent: str) -> None: ...
    def reply_privately(self, conversation_id: str) -> None: ...
    def resolve(self, conversation_id: str, agent: str, at: datetime) -> bool:
        """False: it was closed already."""
        ...

    def mark_spam(self, conversation_id: str, agent: str, at: datetime) -> bool:
        """False: it was spam already."""
        ...

    def wait_on_customer(self, conversation_id: str, at: datetime) -> bool: ...


class Outbox(Protocol):
    def send(self, reply: OutboundReply) -> None: ...


@dataclass(frozen=True)
class ActionDeps:
    store: DeskActionStore
    outbox: Outbox
    slack: SlackDesk
    brands: BrandDirectory
    escalations: Escalations | None = None
    clock: Clock = utc_now
    retention: Retention | None = None  # closing a conversation starts its expiry


def take_thread_message(event: SlackMessageEvent, event_id: str, deps: ActionDeps) -> str:
    """An agent wrote in a thread: a reply to send, a note to keep, or nothing of ours."""
    why = event.ignored_because()
    if why is not None:
        logger.info("message ignored", extra={"because": why})
        return "ignored"
    assert event.thread_ts is not None and event.user is not None  # checked above
    conversation = deps.store.by_thread(event.channel, event.thread_ts)
    if conversation is None:
        logger.info("message ignored: not in a conversation's thread")
        return "ignored"
    text = plain(event.text)
    if text.lower().startswith(NOTE_PREFIX):
        kept = deps.store.add_note(
            conversation.id,
            event_id,
            event.user,
            text[len(NOTE_PREFIX) :].strip(),
            deps.clock(),
        )
        metrics.add_metric(name="NoteKept", unit=MetricUnit.Count, value=1 if kept else 0)
        retention.follow(deps.retention, conversation)  # a note on a closed conversation
        return "note"
    return send_reply(conversation, text, f"slack-event:{event_id}", event.user, deps)


def send_reply(
    conversation: Conversation,
    text: str,
    reply_id: str,
    agent: str,
    deps: ActionDeps,
    *,
    from_suggestion: bool = False,
    route: ReplyRoute | None = None,
    quiet: bool = False,
) -> str:
    """Check, record and queue one reply; the agent hears of a refusal ephemerally (unless
    ``quiet``: the modal has shown it already)."""
    target = deps.store.latest_inbound(conversation.id)
    chosen = route or _route(conversation)
    private_id, earlier = _private_reply_slot(conversation, chosen, target, deps)
    reply_id = private_id or reply_id
    logger.append_keys(conversation_id=conversation.id, reply_id=reply_id)
    thread = conversation.slack_thread
    channel, thread_ts = (thread.channel, thread.ts) if thread else ("", "")

    def refuse(reason: str, text: str) -> str:
        if not quiet:
            deps.slack.ephemeral(channel, agent, text, thread_ts)
        metrics.add_metric(name="ReplyRefusedByGuard", unit=MetricUnit.Count, value=1)
        return f"refused:{reason}"

    earlier = earlier if private_id else deps.store.reply(conversation.id, reply_id)
    if earlier is not None:  # another text under a private reply's id is a second one
        second = private_id is not None and earlier.reply.text != text.strip()
        return (
            refuse("private_reply_used", _private_reply_used(earlier))
            if second
            else _again(earlier, deps)
        )
    if conversation.status in CLOSED:
        return refuse("closed", f"This conversation is {conversation.status}; nothing was sent.")
    human_agent = _human_agent(conversation, deps)
    now = deps.clock()
    refusal = reply_guards.check(text, chosen, conversation, target, now, human_agent=human_agent)
    if refusal is not None:
        return refuse(refusal.reason, refusal.text)
    reply = OutboundReply(
        reply_id=reply_id,
        conversation_id=conversation.id,
        brand_id=conversation.brand_id,
        platform=conversation.platform,
        account_id=conversation.account_id,
        route=chosen,
        text=text.strip(),
        target_message_id=(target.platform_message_id or "") if target else "",
        target_kind=(target.kind if target else None) or MessageKind.DIRECT,
        target_posted_under=target.posted_under if target else None,
        customer_id=conversation.customer.id,
        agent=agent,
        slack_channel=channel,
        slack_thread_ts=thread_ts,
        from_suggestion=from_suggestion,
        message_tag=reply_guards.message_tag(chosen, conversation, target, now, human_agent),
        queued_at=now,
    )
    try:
        return _queue(reply, deps)
    except ReplyUnchanged:  # the same text was queued meanwhile (another agent, a double click)
        return refuse(reply_guards.UNCHANGED.reason, reply_guards.UNCHANGED.text)
    except PrivateReplyTaken as taken:  # another agent's private reply to it came first
        return refuse("private_reply_used", _private_reply_used(taken.record))


class PrivateReplyTaken(Exception):
    def __init__(self, record: ReplyRecord) -> None:
        super().__init__(record.reply.reply_id)
        self.record = record


def _queue(reply: OutboundReply, deps: ActionDeps) -> str:
    found = deps.store.queue_reply(reply)
    if found is not None:  # a retry raced this attempt and recorded it first: its reply
        if found.reply.text != reply.text:  # only a private reply's id is shared by texts
            raise PrivateReplyTaken(found)
        if found.status not in ON_ITS_WAY:
            return "already"
        reply = found.reply
    deps.outbox.send(reply)
    metrics.add_metric(name="ReplyQueued", unit=MetricUnit.Count, value=1)
    return "queued"


def _again(earlier: ReplyRecord, deps: ActionDeps) -> str:
    """A retry of the Slack request that queued this reply: never judged again (its own
    reply would now look "unchanged"), only queued again if it has not gone yet."""
    if earlier.status not in ON_ITS_WAY:
        return "already"
    deps.outbox.send(earlier.reply)
    return "requeued"


PRIVATE_REPLY_ATTEMPTS = 5  # a refused private reply may be tried again, a few times


def _private_reply_slot(
    conversation: Conversation,
    route: ReplyRoute,
    target: StoredMessage | None,
    deps: ActionDeps,
) -> tuple[str | None, ReplyRecord | None]:
    """Meta takes one private reply per comment: every attempt at one has an id made of the
    comment's, so the reply store's once-only record refuses a second one, race-free. One
    Meta refused (its window, the customer unreachable) frees the next id: (the id this
    attempt takes, the private reply standing there already, if any)."""
    if target is None or not is_private_reply(conversation.platform, route, target.kind):
        return None, None
    base = f"private-reply:{target.platform_message_id}"
    reply_id, earlier = base, None
    for attempt in range(1, PRIVATE_REPLY_ATTEMPTS + 1):
        reply_id = base if attempt == 1 else f"{base}:{attempt}"
        earlier = deps.store.reply(conversation.id, reply_id)
        if earlier is None or earlier.status is not ReplyStatus.FAILED:
            break
    return reply_id, earlier


def _private_reply_used(earlier: ReplyRecord) -> str:
    name = earlier.reply.platform.label
    if earlier.status is ReplyStatus.UNCERTAIN:
        return (
            f"{name} allows one private reply per comment, and the one sent to this comment"
            f" may have gone (the attempt was cut off): check the inbox on {name} before"
            " anything else."
        )
    where = f", conversation `{earlier.continues_in}`" if earlier.continues_in else ""
    return (
        f"{name} allows one private reply per comment, and this comment has"
        " had it. The customer's answer arrives as a direct message (its own card"
        f"{where}): answer them there."
    )


def _human_agent(conversation: Conversation, deps: ActionDeps) -> bool:
    account = deps.brands.account_of(conversation.platform, conversation.account_id)
    return account is not None and account.human_agent


def _route(conversation: Conversation) -> ReplyRoute:
    if conversation.replies_privately or conversation.channel_type is ChannelType.PRIVATE:
        return ReplyRoute.PRIVATE
    return ReplyRoute.PUBLIC


def suggestion(conversation_id: str, deps: ActionDeps) -> str | None:
    """The answer base's suggestion for the customer's latest message (else the first)."""
    for read in (deps.store.latest_inbound, deps.store.first_inbound):  # the first only if needed
        message = read(conversation_id)
        found = message.classification.suggestion if message and message.classification else None
        if found:
            return found.text
    return None


def redraw(conversation_id: str, deps: ActionDeps) -> None:
    """The card follows the action; a failed redraw must not make Slack's retry (or Lambda's)
    repeat the action itself."""
    try:
        refresh_card(conversation_id, deps.store, deps.slack)
    except SupportError as exc:
        logger.warning("the card was not redrawn", extra={"error": str(exc)})


def editor_id(press_key: str) -> str:
    """The reply editor's ``external_id`` for one button press: the ack opens the modal with
    it, the lazy step fills it in by it (``views.update``), as only the ack sees the view id."""
    return "reply-" + hashlib.sha256(press_key.encode()).hexdigest()[:32]


def loading_modal(conversation_id: str, external_id: str) -> dict[str, Any]:
    """Opened in the ack, while Slack's trigger is valid (3 seconds): no text box yet, so
    nothing typed is lost when the reply editor replaces it."""
    return {
        "type": "modal",
        "callback_id": MODAL,
        "external_id": external_id,
        "private_metadata": json.dumps({"conversation_id": conversation_id}),
        "title": {"type": "plain_text", "text": "Reply to the customer"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "section",
                "text": {"type": "plain_text", "text": "Getting the suggested answer…"},
            }
        ],
    }


def reply_modal(conversation_id: str, text: str, external_id: str | None = None) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": MODAL,
        **({"external_id": external_id} if external_id else {}),
        "private_metadata": json.dumps({"conversation_id": conversation_id}),
        "title": {"type": "plain_text", "text": "Reply to the customer"},
        "submit": {"type": "plain_text", "text": "Send"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "input",
                "block_id": MODAL_BLOCK,
                "label": {"type": "plain_text", "text": "Reply"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": MODAL_INPUT,
                    "multiline": True,
                    "initial_value": text,
                },
            }
        ],
    }


def check_modal(conversation_id: str, text: str, deps: ActionDeps) -> str | None:
    """Run while Slack waits for the modal's answer: a refusal keeps the modal open with
    the reason under the text box."""
    conversation = deps.store.conversation(conversation_id)
    if conversation is None:
        return "This conversation no longer exists."
    if conversation.status in CLOSED:
        return f"This conversation is {conversation.status}."
    target = deps.store.latest_inbound(conversation_id)
    private_id, earlier = _private_reply_slot(conversation, _route(conversation), target, deps)
    if private_id and earlier is not None:
        return _private_reply_used(earlier)
    refusal = reply_guards.check(
        text,
        _route(conversation),
        conversation,
        target,
        deps.clock(),
        human_agent=_human_agent(conversation, deps),
    )
    return refusal.text if refusal else None


def send_modal(conversation_id: str, text: str, view_key: str, agent: str, deps: ActionDeps) -> str:
    conversation = deps.store.conversation(conversation_id)
    if conversation is None:
        return "ignored"
    found = suggestion(conversation_id, deps)
    outcome = send_reply(
        conversation,
        text,
        f"slack-view:{view_key}",
        agent,
        deps,
        from_suggestion=bool(found),  # the agent started from the answer base's text
        quiet=True,  # the modal stayed open with the refusal under the text
    )
    redraw(conversation_id, deps)
    return outcome
