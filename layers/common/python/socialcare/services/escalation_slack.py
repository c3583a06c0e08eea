"""Escalations in the brand's Slack managers channel: who, what, how late, and where to
answer. Everything from the customer is escaped; the links are the platform's, built by us.

Notices arrive in batches (a minute's worth, through the escalation queue). When many
conversations breach at once, managers get one digest per kind and tier, not a post each;
a deadline warning goes alone into its conversation's thread. Each notice is posted once:
one already in Slack (a notice SNS delivered twice, a batch handed over again) is skipped,
and a group Slack refused is handed back to the queue, the others kept.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from socialcare.config.brands import BrandDirectory
from socialcare.errors import StorageUnavailable
from socialcare.models.escalation import EscalationNotice
from socialcare.models.message import Customer
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


class PostedNotices(Protocol):
    def posted(self, digests: list[str]) -> set[str]: ...

    def mark_posted(self, digests: list[str], ts: str) -> None: ...


@dataclass(frozen=True)
class EscalationPostDeps:
    brands: BrandDirectory
    poster: SlackDesk
    cards: CardStore | None = None  # set: the conversation's card shows the deadline trouble
    posts: PostLog | None = None  # set: erasing the customer finds the notice (privacy.md)
    notices: PostedNotices | None = None  # set: a notice seen again is not posted again


@dataclass(frozen=True)
class Arrival:
    """A notice as the queue handed it over: its record, and a digest of its body (the
    notice's identity: the same notice published or delivered twice has the same body)."""

    record_id: str
    notice: EscalationNotice
    digest: str


DIGEST_LINES = 40  # conversations listed in one digest; the rest are counted
SECTION_CHARS = 2900  # a section block's text holds 3,000


def post_escalations(arrivals: Sequence[Arrival], deps: EscalationPostDeps) -> list[str]:
    """Post a batch; the record ids of the notices not posted (the queue hands them over
    again, the digest of the others stays)."""
    unique = list({a.digest: a for a in reversed(arrivals)}.values())[::-1]
    seen = deps.notices.posted([a.digest for a in unique]) if deps.notices else set()
    if seen:
        logger.info("notices already in Slack skipped", extra={"count": len(seen)})
    failed: list[str] = []
    for group in _groups(a for a in unique if a.digest not in seen):
        try:
            ts = _post_group([a.notice for a in group], deps)
            if ts is not None and deps.notices is not None:
                deps.notices.mark_posted([a.digest for a in group], ts)
            for arrival in group:
                _redraw_card(arrival.notice, deps)
        except StorageUnavailable as exc:  # Slack or DynamoDB refused: the queue retries
            first = group[0].notice
            logger.error(
                "escalation not posted; the queue hands it over again",
                extra={
                    "kind": first.kind,
                    "tier": first.tier,
                    "count": len(group),
                    "error": str(exc),
                },
            )
            metrics.add_metric(name="EscalationNotPosted", unit=MetricUnit.Count, value=len(group))
            failed += [a.record_id for a in arrivals if a.digest in {g.digest for g in group}]
    return failed


def post_escalation(notice: EscalationNotice, deps: EscalationPostDeps) -> str | None:
    """One notice on its own (a warning into its thread, or one managers' post)."""
    posted = _post(notice, deps)
    _redraw_card(notice, deps)
    return posted


def _groups(arrivals: Iterable[Arrival]) -> list[list[Arrival]]:
    """A warning alone (it goes to its own thread); the managers' notices by brand, kind
    and tier, in the order they came."""
    groups: dict[tuple[str, str, int] | str, list[Arrival]] = {}
    for arrival in arrivals:
        n = arrival.notice
        key = arrival.digest if n.kind == "warning" else (n.brand_id, n.kind, n.tier)
        groups.setdefault(key, []).append(arrival)
    return list(groups.values())


def _post_group(notices: list[EscalationNotice], deps: EscalationPostDeps) -> str | None:
    if len(notices) == 1:
        return _post(notices[0], deps)
    first = notices[0]
    brand = deps.brands.brands.get(first.brand_id)
    if brand is None or brand.slack is None or brand.slack.managers_channel is None:
        logger.warning("no managers channel for the brand", extra={"brand": first.brand_id})
        return None
    channel = brand.slack.managers_channel
    text, blocks = render_digest(notices, [_thread_link(n, deps) for n in notices])
    ts = deps.poster.post(channel, text, blocks)
    metrics.add_metric(name="EscalationDigestPosted", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="EscalationPostedToSlack", unit=MetricUnit.Count, value=len(notices))
    if deps.posts is not None:
        for notice in notices:
            if notice.conversation_id:
                deps.posts.remember_post(notice.conversation_id, channel, ts)
    return ts


def _redraw_card(notice: EscalationNotice, deps: EscalationPostDeps) -> None:
    if deps.cards is not None and notice.kind in ("warning", "overdue") and notice.slack_thread:
        refresh_card(str(notice.conversation_id), deps.cards, deps.poster)


def _thread_link(notice: EscalationNotice, deps: EscalationPostDeps) -> str | None:
    thread = notice.slack_thread
    return deps.poster.permalink(thread.channel, thread.ts) if thread else None


def _post(notice: EscalationNotice, deps: EscalationPostDeps) -> str | None:
    if notice.kind == "warning":
        return _warn_thread(notice, deps)
    brand = deps.brands.brands.get(notice.brand_id)
    if brand is None or brand.slack is None or brand.slack.managers_channel is None:
        logger.warning("no managers channel for the brand", extra={"brand": notice.brand_id})
        return None
    text = render(notice, _thread_link(notice, deps))
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
    ts = deps.poster.post(thread.channel, text, blocks, thread.ts)
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


def render_digest(
    notices: list[EscalationNotice], thread_links: list[str | None]
) -> tuple[str, list[dict[str, Any]]]:
    """One post for many notices of one kind and tier: a line per conversation (the first
    DIGEST_LINES; the rest counted), in section blocks of at most SECTION_CHARS."""
    first = notices[0]
    title = f"*{KIND_TITLES[first.kind]} · tier {first.tier}* · {len(notices)} conversations"
    lines = [
        _digest_line(n, link_)
        for n, link_ in zip(notices[:DIGEST_LINES], thread_links, strict=False)
    ]
    if len(notices) > DIGEST_LINES:
        lines.append(
            f"…and {len(notices) - DIGEST_LINES} more: the queue (`/care queue`) lists them"
        )
    sections, current = [title], ""
    for line in lines:
        if current and len(current) + 1 + len(line) > SECTION_CHARS:
            sections.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    sections.append(current)
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": t}} for t in sections if t]
    plain = f"{KIND_TITLES[first.kind]} · tier {first.tier} · {len(notices)} conversations"
    return plain, blocks


def _digest_line(notice: EscalationNotice, thread_link: str | None) -> str:
    parts = [
        escape(str(v)) for v in (notice.platform, notice.priority, notice.topic) if v and v != "-"
    ]
    customer = _customer(notice.customer)
    if customer:
        parts.insert(0, customer)
    if notice.due_at is not None:
        parts.append(f"due {notice.due_at:%H:%M} UTC")
    parts.append(escape(notice.reason))
    if thread_link:
        parts.append(link(thread_link, "thread"))
    if notice.link:
        parts.append(link(notice.link, "message"))
    return "• " + " · ".join(parts)


def _customer(customer: Customer | None) -> str:
    if customer is None:
        return ""
    name, handle = customer.name, customer.handle
    return " ".join(
        p for p in (one_line(name) if name else "", f"(@{one_line(handle)})" if handle else "") if p
    )
