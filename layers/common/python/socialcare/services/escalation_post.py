"""An escalation in the brand's Slack managers channel: who, what, how late, and where to
answer. Everything from the customer is escaped; the links are the platform's, built by us."""

from dataclasses import dataclass
from typing import Any, Protocol

from socialcare.config.brands import BrandDirectory
from socialcare.models.escalation import EscalationNotice
from socialcare.observability import MetricUnit, logger, metrics
from socialcare.ports import SlackDesk
from socialcare.services.cards import CardStore, refresh_card
from socialcare.slack.mrkdwn import escape, link, one_line

KIND_TITLES = {
    "warning": "Reply due soon",
    "overdue": "Overdue reply",
    "priority": "Priority 1",
    "spike": "Spike",
    "requested": "An agent asks for a manager",
}


class PostLog(Protocol):
    def remember_post(self, conversation_id: str, channel: str, ts: str) -> None: ...


@dataclass(frozen=True)
class EscalationPostDeps:
    brands: BrandDirectory
    poster: SlackDesk
    cards: CardStore | None = None  # set: the conversation's card shows the deadline trouble
    posts: PostLog | None = None  # set: erasing the customer finds the notice (privacy.md)


def post_escalation(notice: EscalationNotice, deps: EscalationPostDeps) -> str | None:
    posted = _post(notice, deps)
    if deps.cards is not None and notice.kind in ("warning", "overdue") and notice.slack_thread:
        refresh_card(str(notice.conversation_id), deps.cards, deps.poster)
    return posted


def _post(notice: EscalationNotice, deps: EscalationPostDeps) -> str | None:
    if notice.kind == "warning":
        return _warn_thread(notice, deps)
    brand = deps.brands.brands.get(notice.brand_id)
    if brand is None or brand.slack is None or brand.slack.managers_channel is None:
        logger.warning("no managers channel for the brand", extra={"brand": notice.brand_id})
        return None
    thread = notice.slack_thread
    permalink = deps.poster.permalink(thread["channel"], thread["ts"]) if thread else None
    text = render(notice, permalink)
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
    ts = deps.poster.post(brand.slack.managers_channel, text, blocks)
    metrics.add_metric(name="EscalationPostedToSlack", unit=MetricUnit.Count, value=1)
    if deps.posts is not None and notice.conversation_id:
        deps.posts.remember_post(notice.conversation_id, brand.slack.managers_channel, ts)
    return ts


def _warn_thread(notice: EscalationNotice, deps: EscalationPostDeps) -> str | None:
    """A warning goes to the agents, in the conversation's thread (none yet: nowhere)."""
    thread = notice.slack_thread
    if not thread:
        return None
    text = f":alarm_clock: *Reply due soon* · {escape(notice.reason)}"
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
    ts = deps.poster.post(thread["channel"], text, blocks, thread["ts"])
    metrics.add_metric(name="WarningPostedToSlack", unit=MetricUnit.Count, value=1)
    return ts


def render(notice: EscalationNotice, thread_link: str | None = None) -> str:
    title = f"*{KIND_TITLES[notice.kind]} · tier {notice.tier}* · {escape(notice.reason)}"
    facts = [
        value
        for value in (notice.platform, notice.priority, notice.topic)
        if value and value != "-"
    ]
    lines = [title]
    if facts:
        lines.append(" · ".join(escape(str(v)) for v in facts))
    if notice.due_at is not None:
        lines.append(
            f"due {notice.due_at:%Y-%m-%d %H:%M} UTC (policy: {escape(notice.policy or '-')})"
        )
    customer = _customer(notice.customer)
    if customer:
        lines.append(f"customer: {customer}")
    if thread_link:
        lines.append(link(thread_link, "the conversation's thread"))
    if notice.link:
        lines.append(link(notice.link, "open the message"))
    if notice.conversation_id:
        lines.append(f"conversation `{escape(notice.conversation_id)}`")
    return "\n".join(lines)


def _customer(customer: dict[str, Any]) -> str:
    name, handle = customer.get("name"), customer.get("handle")
    shown = " ".join(
        p
        for p in (
            one_line(str(name)) if name else "",
            f"(@{one_line(str(handle))})" if handle else "",
        )
        if p
    )
    return shown
