"""A conversation's card (the thread root in the brand's support channel) and the
customer's follow-ups in its thread. Everything the customer wrote or chose is escaped
(``slack.mrkdwn``): the text is quoted, every line of it; the name and handle are flattened
to one line of the header; links are the platform's, built by us."""

from typing import Any

from socialcare.models.conversation import CLOSED, ConversationStatus
from socialcare.slack.mrkdwn import escape, link, one_line, quote

TEXT_LIMIT = 2800  # a section's text is at most 3,000 characters
# What a conversation may be put on hold from (the store's wait_on_customer condition).
ON_HOLD_FROM = frozenset({ConversationStatus.OPEN, ConversationStatus.ANSWERED})
STATUS_ICONS = {
    "answered": ":white_check_mark:",
    "resolved": ":heavy_check_mark:",
    "spam": ":no_entry_sign:",
    "pending": ":speech_balloon:",
}
MOODS = {"negative": ":rage:", "neutral": ":neutral_face:", "positive": ":slightly_smiling_face:"}


def card(
    meta: dict[str, Any], message: dict[str, Any], events: list[dict[str, Any]] | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """The card for the conversation as it stands (``events``: its clock audit trail)."""
    found = message.get("classification") or {}
    customer = meta.get("customer") or {}
    handle = one_line(str(customer.get("handle") or customer.get("id") or "")) or "?"
    name = one_line(str(customer.get("name") or "")) or handle
    reach = f", {int(customer['followers']):,} followers" if customer.get("followers") else ""
    where = f"{meta.get('platform')} {meta.get('channel_type')}"  # our codes, not customer text
    priority = found.get("priority") or {}
    mood = str((found.get("sentiment") or {}).get("label", "-"))
    topic = (found.get("topic") or {}).get("code", "-")
    clock = meta.get("clock_first_response") or {}
    headline = f"*{name}* (@{handle}{reach}) on {where}"
    facts = " · ".join(
        [
            f"*{priority.get('level', '-')}*",
            str(topic),
            f"{MOODS.get(mood, '')} {mood}",
            str((found.get("language") or {}).get("code", "-")),
        ]
        + (
            [f"reply due {escape(str(clock['due_at'])[:16].replace('T', ' '))} UTC"]
            if clock
            else []
        )
    )
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"{headline}\n{facts}"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": _body(message)}},
    ]
    context = [escape(r) for r in priority.get("reasons", [])][:6]
    if meta.get("link"):
        context.insert(0, link(str(meta["link"]), "open the original"))
    if context:
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(context)}]}
        )
    suggestion = found.get("suggestion")
    if suggestion:
        blocks.append(
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": f"*Suggested answer* ({float(suggestion['score']):.2f}):"
                    f" {escape(str(suggestion['text']))}",
                },
            }
        )
    blocks += _state(meta, events or [])
    if meta.get("status") not in CLOSED:
        blocks.append(_actions(meta, has_suggestion=bool(suggestion)))
    fallback = f"{name} on {where}: {one_line(_plain(message), 200)}"
    return fallback, blocks


ENCRYPTED = "This customer wrote an encrypted chat on X"


def _plain(message: dict[str, Any]) -> str:
    if message.get("kind") == "encrypted_chat":
        return ENCRYPTED
    return str(message.get("text", ""))


def _body(message: dict[str, Any]) -> str:
    """The message as the desk sees it: the quoted text, or for an encrypted X chat (we hold
    no chat keys) where to read it; and whether its author deleted it since."""
    if message.get("kind") == "encrypted_chat":
        where = link(str(message["link"]), "open it in X") if message.get("link") else "open X"
        body = f":lock: {ENCRYPTED}: {where}"
    else:
        body = quote(str(message.get("text", "")), TEXT_LIMIT) or "_(no text)_"
    if message.get("deleted_at"):
        when = escape(str(message["deleted_at"])[:16].replace("T", " "))
        body += f"\n:wastebasket: _deleted by the customer on {when} UTC_"
    return body


def _state(meta: dict[str, Any], events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Where the conversation stands: status, owner, deadline trouble, how it is answered."""
    status = str(meta.get("status", "new"))
    parts = [f"{STATUS_ICONS.get(status, '')} *{status}*".strip()]
    if meta.get("assignee"):
        parts.append(f"assigned to <@{meta['assignee']}>")  # a Slack user id we stored
    if meta.get("first_response_at"):
        parts.append(f"first answer {str(meta['first_response_at'])[11:16]} UTC")
    kinds = {str(e.get("event")) for e in events}
    if "breached" in kinds or "escalated" in kinds:
        parts.append(":rotating_light: deadline breached")
    elif "warned" in kinds:
        parts.append(":hourglass_flowing_sand: deadline near")
    if meta.get("reply_route") == "private":
        parts.append("replies go by private message")
    if meta.get("resolved_by"):
        parts.append(f"resolved by <@{meta['resolved_by']}>")
    return [{"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(parts)}]}]


def _actions(meta: dict[str, Any], *, has_suggestion: bool) -> dict[str, Any]:
    conversation = str(meta.get("id", ""))

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
    if meta.get("channel_type") == "public" and meta.get("reply_route") != "private":
        elements.append(button("move_to_dm", "Move to DM"))
    if meta.get("status") in ON_HOLD_FROM:  # a question asked: the clock may pause
        elements.append(button("wait_on_customer", "Waiting on customer"))
    elements += [button("resolve", "Resolve"), button("mark_spam", "Spam", "danger")]
    return {"type": "actions", "block_id": "conversation_actions", "elements": elements}


def follow_up(message: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    text = f"*The customer writes:*\n{_body(message)}"
    return text, [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]


def deleted_notice(message: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """Told in the thread when the customer deletes a message shown there as a follow-up.
    The text is not quoted again: the customer took it back."""
    sent = escape(str(message.get("sent_at", ""))[:16].replace("T", " "))
    text = f":wastebasket: _The customer deleted their message of {sent} UTC on X._"
    return text, [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
