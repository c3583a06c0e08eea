"""A conversation's card (the thread root in the brand's support channel) and the
customer's follow-ups in its thread. Everything the customer wrote or chose is escaped
(``slack.mrkdwn``): the text is quoted, every line of it; the name and handle are flattened
to one line of the header; links are the platform's, built by us."""

from typing import Any

from socialcare.deadlines.arithmetic import TELEGRAM_BUSINESS_WINDOW, reply_window_closes
from socialcare.models.common import ChannelType
from socialcare.models.conversation import CLOSED, Conversation, ConversationStatus
from socialcare.models.message import MessageKind
from socialcare.models.stored import ClockEvent, StoredMessage
from socialcare.slack.mrkdwn import escape, link, one_line, quote

TEXT_LIMIT = 2800  # a section's text is at most 3,000 characters
# What a conversation may be put on hold from (the store's wait_on_customer condition).
ON_HOLD_FROM = frozenset({ConversationStatus.OPEN, ConversationStatus.ANSWERED})
STATUS_ICONS: dict[str, str] = {
    ConversationStatus.ANSWERED: ":white_check_mark:",
    ConversationStatus.RESOLVED: ":heavy_check_mark:",
    ConversationStatus.SPAM: ":no_entry_sign:",
    ConversationStatus.PENDING: ":speech_balloon:",
}
MOODS = {"negative": ":rage:", "neutral": ":neutral_face:", "positive": ":slightly_smiling_face:"}


def card(
    meta: Conversation, message: StoredMessage, events: list[ClockEvent] | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """The card for the conversation as it stands (``events``: its clock audit trail)."""
    found = message.classification
    customer = meta.customer
    handle = one_line(customer.handle or customer.id) or "?"
    name = one_line(customer.name or "") or handle
    reach = f", {customer.followers:,} followers" if customer.followers else ""
    where = f"{meta.platform} {meta.channel_type}"  # our codes, not customer text
    priority = found.priority if found else None
    mood = str(found.sentiment.label) if found and found.sentiment else "-"
    clock = meta.clock_first_response
    headline = f"*{name}* (@{handle}{reach}) on {where}"
    facts = " · ".join(
        [
            f"*{priority.level if priority else '-'}*",
            str(found.topic.code) if found and found.topic else "-",
            f"{MOODS.get(mood, '')} {mood}",
            found.language.code if found else "-",
        ]
        + ([f"reply due {clock.due_at:%Y-%m-%d %H:%M} UTC"] if clock else [])
    )
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"{headline}\n{facts}"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": _body(message)}},
    ]
    context = [escape(r) for r in (priority.reasons if priority else ())][:6]
    if meta.link:
        context.insert(0, link(meta.link, "open the original"))
    if context:
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(context)}]}
        )
    suggestion = found.suggestion if found else None
    if suggestion:
        blocks.append(
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": f"*Suggested answer* ({suggestion.score:.2f}):"
                    f" {escape(suggestion.text)}",
                },
            }
        )
    blocks += _state(meta, events or [])
    if meta.status not in CLOSED:
        blocks.append(_actions(meta, has_suggestion=bool(suggestion)))
    fallback = f"{name} on {where}: {one_line(_plain(message), 200)}"
    return fallback, blocks


ENCRYPTED = "This customer wrote an encrypted chat on X"


def _plain(message: StoredMessage) -> str:
    if message.kind is MessageKind.ENCRYPTED_CHAT:
        return ENCRYPTED
    return message.text


def _body(message: StoredMessage) -> str:
    """The message as the desk sees it: the quoted text, or for an encrypted X chat (we hold
    no chat keys) where to read it; and whether its author deleted it since."""
    if message.kind is MessageKind.ENCRYPTED_CHAT:
        where = link(message.link, "open it in X") if message.link else "open X"
        body = f":lock: {ENCRYPTED}: {where}"
    else:
        body = quote(message.text, TEXT_LIMIT) or "_(no text)_"
    if message.edited_at and message.edited_text is not None:
        body += (
            f"\n:pencil2: _edited by the customer on {message.edited_at:%Y-%m-%d %H:%M} UTC:_\n"
            + (quote(message.edited_text, TEXT_LIMIT) or "_(no text)_")
        )
    if message.deleted_at:
        body += (
            f"\n:wastebasket: _deleted by the customer on {message.deleted_at:%Y-%m-%d %H:%M} UTC_"
        )
    return body


def _state(meta: Conversation, events: list[ClockEvent]) -> list[dict[str, Any]]:
    """Where the conversation stands: status, owner, deadline trouble, how it is answered."""
    status = meta.status
    parts = [f"{STATUS_ICONS.get(status, '')} *{status}*".strip()]
    if meta.assignee:
        parts.append(f"assigned to <@{meta.assignee}>")  # a Slack user id we stored
    if meta.first_response_at:
        parts.append(f"first answer {meta.first_response_at:%H:%M} UTC")
    kinds = {e.event for e in events}
    if "breached" in kinds or "escalated" in kinds:
        parts.append(":rotating_light: deadline breached")
    elif "warned" in kinds:
        parts.append(":hourglass_flowing_sand: deadline near")
    if meta.replies_privately:
        parts.append("replies go by private message")
    if meta.continues_in:  # an id we derived: letters and digits only
        parts.append(f"continues in direct messages as `{meta.continues_in}`")
    closes = (
        reply_window_closes(meta.platform, meta.last_inbound_at)
        if meta.channel_type is ChannelType.PRIVATE
        else None
    )
    if meta.through_telegram_business:  # the business account's bot: 24 hours, like Meta's
        closes = meta.last_inbound_at + TELEGRAM_BUSINESS_WINDOW
    if closes is not None:  # Messenger, Instagram: Meta's window for a plain reply
        parts.append(f"24-hour reply window until {closes:%d %b %H:%M} UTC")
    if meta.unreachable_now:  # our own words, from the platform's error
        parts.append(f":no_entry: unreachable: {escape(meta.unreachable_now)}")
    if meta.resolved_by:
        parts.append(f"resolved by <@{meta.resolved_by}>")
    return [{"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(parts)}]}]


def _actions(meta: Conversation, *, has_suggestion: bool) -> dict[str, Any]:
    conversation = meta.id

    def button(action: str, label: str, style: str | None = None) -> dict[str, Any]:
        element: dict[str, Any] = {
            "type": "button",
            "action_id": action,
            "text": {"type": "plain_text", "text": label},
            "value": conversation,
        }
        return element | ({"style": style} if style else {})

    elements = (
        [button("send_suggestion", "Send suggested", "primary"), button("edit_suggestion", "Edit")]
        if has_suggestion
        else [button("edit_suggestion", "Write a reply")]
    )
    elements += [button("assign_me", "Assign to me"), button("escalate_now", "Escalate")]
    if meta.movable_to_private:
        elements.append(button("move_to_dm", "Move to DM"))
    if meta.status in ON_HOLD_FROM:  # a question asked: the clock may pause
        elements.append(button("wait_on_customer", "Waiting on customer"))
    elements += [button("resolve", "Resolve"), button("mark_spam", "Spam", "danger")]
    return {"type": "actions", "block_id": "conversation_actions", "elements": elements}


def follow_up(message: StoredMessage) -> tuple[str, list[dict[str, Any]]]:
    text = f"*The customer writes:*\n{_body(message)}"
    return text, [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]


def outside_reply_notice(message: StoredMessage) -> tuple[str, list[dict[str, Any]]]:
    """A reply the brand gave in the platform's own tools, not from this thread."""
    where = message.platform.label
    head = f":incoming_envelope: _Answered in {where}'s own tools (not from Slack):_"
    text = head + "\n" + (quote(message.text, TEXT_LIMIT) or "_(no text)_")
    return text, [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]


def edited_notice(message: StoredMessage) -> tuple[str, list[dict[str, Any]]]:
    """Told in the thread when the customer edits a message shown there as a follow-up."""
    sent = f"{message.sent_at:%Y-%m-%d %H:%M}"
    head = f":pencil2: _The customer edited their message of {sent} UTC; it now reads:_"
    text = head + "\n" + (quote(message.edited_text or "", TEXT_LIMIT) or "_(no text)_")
    return text, [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]


def deleted_notice(message: StoredMessage) -> tuple[str, list[dict[str, Any]]]:
    """Told in the thread when the customer deletes a message shown there as a follow-up.
    The text is not quoted again: the customer took it back."""
    sent = f"{message.sent_at:%Y-%m-%d %H:%M}"
    where = message.platform.label
    text = f":wastebasket: _The customer deleted their message of {sent} UTC on {where}._"
    return text, [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
