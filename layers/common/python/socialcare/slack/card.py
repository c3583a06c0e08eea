"""A conversation's card (the thread root in the brand's support channel) and the
customer's follow-ups in its thread. Everything the customer wrote or chose (text, name,
handle) is escaped; links are the platform's, built by us."""

from typing import Any

from socialcare.slack.mrkdwn import escape, link

TEXT_LIMIT = 2800  # a section's text is at most 3,000 characters
MOODS = {"negative": ":rage:", "neutral": ":neutral_face:", "positive": ":slightly_smiling_face:"}


def card(meta: dict[str, Any], message: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    found = message.get("classification") or {}
    customer = meta.get("customer") or {}
    handle = escape(str(customer.get("handle") or customer.get("id", "?")))
    name = escape(str(customer.get("name") or handle))
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
    body = escape(str(message.get("text", "")))[:TEXT_LIMIT]
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"{headline}\n{facts}"}},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": f">{body}" if body else "_(no text)_"},
        },
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
    fallback = f"{name} on {where}: {body[:200]}"
    return fallback, blocks


def follow_up(message: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    body = escape(str(message.get("text", "")))[:TEXT_LIMIT] or "_(no text)_"
    text = f"*The customer writes:*\n>{body}"
    return text, [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
