"""The desk's slash command: ``/care queue`` (what waits, by reply due time), ``/care show
ID`` (one conversation), ``/care help``. Answers are ephemeral (only the agent sees them) and
everything from customers is escaped for mrkdwn.

The channel the command is typed in names the brand (its ``slack.channel`` or
``slack.managers_channel``); any other channel names none, even with one brand configured.
Who may use /care at all is decided before it runs (socialcare.slack.authz).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from socialcare.config.brands import Brand, BrandDirectory
from socialcare.models.conversation import RESPONDED, WAITING, Conversation, ConversationStatus
from socialcare.models.stored import DayEntry, StoredMessage
from socialcare.services.care_report import kind_of
from socialcare.slack.channels import brand_of
from socialcare.slack.mrkdwn import escape, link, one_line

QUEUE_LIMIT = 20
REPORT_COMING = "Working out the report: it will appear here in a moment (only you see it)."
HELP = (
    "*/care queue* what waits on us, the most urgent reply first\n"
    "*/care show ID* one conversation: its messages, priority and clocks\n"
    "*/care stats* today's figures (UTC day)\n"
    "*/care report [day|week]* the last whole day's or week's report figures\n"
    "*/care forget @handle|platform:id* erase a customer's data (managers only)\n"
    "*/care help* this"
)


class DeskStore(Protocol):
    def waiting(self, brand_id: str, limit: int) -> list[Conversation]: ...

    def started_on(self, brand_id: str, day: str) -> list[DayEntry]: ...

    def conversation(self, conversation_id: str) -> Conversation | None: ...

    def list_messages(self, conversation_id: str) -> list[StoredMessage]: ...


@dataclass(frozen=True)
class DeskDeps:
    store: DeskStore
    brands: BrandDirectory
    clock: Any = None  # () -> aware datetime; None: now


def care(text: str, channel_id: str, deps: DeskDeps) -> str:
    words = text.split()
    brand = brand_of(channel_id, deps.brands)
    if not words or words[0] == "help":
        return HELP
    if brand is None:
        return "This channel belongs to no brand: use /care in a brand's support channel."
    answers: dict[str, Callable[[], str | None]] = {
        "queue": lambda: queue(brand, deps),
        "show": lambda: show(brand, words[1], deps) if len(words) == 2 else None,
        "stats": lambda: stats(brand, deps),
        "report": lambda: REPORT_COMING if kind_of(words) is not None else None,
    }
    answer = answers[words[0]]() if words[0] in answers else None
    return answer or f"I don't know `{escape(' '.join(words)[:40])}`.\n{HELP}"


def queue(brand: Brand, deps: DeskDeps) -> str:
    now = deps.clock() if deps.clock else datetime.now(UTC)
    rows = deps.store.waiting(brand.id, QUEUE_LIMIT)
    if not rows:
        return f"Nothing waits on {escape(brand.name)}."
    lines = [f"*{escape(brand.name)}: {len(rows)} waiting, the most urgent reply first*"]
    lines += [_queue_line(row, now) for row in rows]
    return "\n".join(lines)


def _queue_line(row: Conversation, now: datetime) -> str:
    clock = row.clock_next_response or row.clock_first_response
    due = _when(clock.due_at, now) if clock else "no clock"
    who = one_line(f"@{row.customer.handle or row.customer.id}")
    facts = " · ".join(
        escape(str(v)) for v in (row.priority, row.platform, row.channel_type, row.topic) if v
    )
    return f"• {due} · {facts} · {who} · `{escape(row.id)}`"


def _when(due: datetime, now: datetime) -> str:
    minutes = int((due - now).total_seconds() // 60)
    stamp = due.strftime("%d %b %H:%M UTC")
    if minutes < 0:
        return f"*overdue* since {stamp}"
    return f"due in {minutes // 60} h {minutes % 60:02d} min ({stamp})"


def show(brand: Brand, conversation_id: str, deps: DeskDeps) -> str:
    meta = deps.store.conversation(conversation_id)
    if meta is None or meta.brand_id != brand.id:
        return f"No conversation `{escape(conversation_id[:40])}` for {escape(brand.name)}."
    customer = meta.customer
    header = (
        f"*{one_line(customer.name or customer.handle or '?')}*"
        f" (@{one_line(customer.handle or customer.id)})"
        f" · {escape(meta.platform)} {escape(meta.channel_type)}"
        f" · {escape(meta.status)} · {escape(meta.priority or '-')}"
        f" · {escape(meta.topic or '-')} · {escape(meta.sentiment or '-')}"
    )
    lines = [header]
    if meta.link:
        lines.append(link(meta.link, "open on the platform"))
    for message in deps.store.list_messages(conversation_id)[-5:]:
        sent = f"{message.sent_at:%Y-%m-%d %H:%M}"
        lines.append(f"> {sent}  {escape(message.text)[:500]}")
    return "\n".join(lines)


def stats(brand: Brand, deps: DeskDeps) -> str:
    """Today's conversations (begun this UTC day): how many, answered, waiting, spam, and
    how many wait past their reply deadline. Read by day through a narrow index (DayStats):
    no more than a page or two at a busy brand's volume, inside Slack's 3 seconds."""
    now = deps.clock() if deps.clock else datetime.now(UTC)
    rows = deps.store.started_on(brand.id, now.strftime("%Y-%m-%d"))
    real = [r for r in rows if r.status != ConversationStatus.SPAM]
    answered = sum(r.status in RESPONDED for r in real)
    waiting = [r for r in real if r.status in WAITING]
    late = sum(r.reply_due is not None and r.reply_due < now for r in waiting)
    rate = f"{100 * answered / len(real):.0f} %" if real else "-"
    by_priority = ", ".join(
        f"{level} {sum(r.priority == level for r in real)}" for level in ("P1", "P2", "P3", "P4")
    )
    return (
        f"*{escape(brand.name)} today ({now:%d %b}, UTC)*\n"
        f"{len(real)} conversations · answered {answered} ({rate}) · waiting {len(waiting)}"
        f" ({late} past their reply deadline) · spam {len(rows) - len(real)}\n"
        f"priorities: {by_priority}"
    )
