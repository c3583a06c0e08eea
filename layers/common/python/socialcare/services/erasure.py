"""Forgetting a customer (the right to erasure): every conversation they had with a brand,
every item that hangs off it, their Slack cards and the bot's posts in those threads.

Resumable and idempotent: each conversation is claimed for one erasure (``erasure_id`` on
its META) before anything is removed, and its META goes last, so a run cut off half-way
leaves what it did not finish findable; the next run continues the same erasure record and
adds its counts. A run with nothing left to erase changes nothing.

The erasure record holds who asked, when, for which brand and how many items of each kind
went: no handle, id, name or text of the customer (not even a hash of them).
"""

import re
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from socialcare.clock import Clock, utc_now
from socialcare.config.brands import Brand, BrandDirectory
from socialcare.errors import ConfigurationError, SupportError
from socialcare.models.message import iso
from socialcare.observability import MetricUnit, logger, metrics
from socialcare.ports import SlackDesk, SlackEraser, ThreadPost
from socialcare.slack.mrkdwn import escape

STOPPED = (
    "The erasure of {said} stopped half-way (a storage or Slack failure). What is done stays"
    " done: run the same /care forget again to finish it."
)
REFUSED_INPUT = "The erasure of {said} could not start ({why}). Nothing was erased."
TOMBSTONE = "Customer data erased on {day} at the customer's request"
PLATFORMS = ("x", "vk")
TARGET = re.compile(
    r"^(?:@(?P<handle>[A-Za-z0-9_.]{1,64})|(?P<platform>[a-z]+):(?P<id>[0-9]{1,20}))$"
)
Key = tuple[str, str]

# Item kinds as the record counts them, by sort key (docs/storage.md).
KINDS = (
    ("META", "conversations"),
    ("CLOCK#", "clock_events"),
    ("ALERT#", "alerts"),
    ("REPLY#", "reply_records"),
    ("NOTE#", "notes"),
    ("REQUESTED#", "escalation_requests"),
)


@dataclass(frozen=True)
class Target:
    """Who to forget: ``@handle`` (looked up) or ``platform:id``."""

    handle: str | None = None
    platform: str | None = None
    customer_id: str | None = None


def parse_target(text: str) -> Target | None:
    found = TARGET.match(text.strip())
    if found is None:
        return None
    if found["handle"]:
        return Target(handle=found["handle"])
    if found["platform"] not in PLATFORMS:
        return None
    return Target(platform=found["platform"], customer_id=found["id"])


class ErasureStore(Protocol):
    def customers_by_handle(self, handle: str) -> list[tuple[str, str]]: ...
    def conversation_ids(self, platform: str, customer_id: str) -> list[str]: ...
    def conversation_items(self, conversation_id: str) -> list[dict[str, Any]]: ...
    def meta(self, conversation_id: str) -> dict[str, Any] | None: ...
    def handle_lookups(self, handle: str, customers: list[tuple[str, str]]) -> list[Key]: ...
    def leading_to(self, items: list[dict[str, Any]]) -> tuple[list[Key], list[Key]]: ...
    def existing(self, keys: list[Key]) -> list[dict[str, Any]]: ...
    def claim(self, conversation_id: str, erasure_id: str) -> str | None: ...
    def delete(self, keys: list[Key]) -> None: ...
    def unreference(
        self, brand_id: str, meta: dict[str, Any], items: list[dict[str, Any]]
    ) -> int: ...
    def open_record(self, brand_id: str, erasure_id: str, facts: dict[str, Any]) -> None: ...
    def add_counts(self, brand_id: str, erasure_id: str, counts: dict[str, int]) -> None: ...
    def close_record(
        self, brand_id: str, erasure_id: str, at: datetime, notes: list[str]
    ) -> None: ...
    def record(self, brand_id: str, erasure_id: str) -> dict[str, Any] | None: ...


@dataclass(frozen=True)
class ErasureDeps:
    store: ErasureStore
    slack: SlackEraser | None = None  # None: no Slack desk (its cards stay: said in the result)
    clock: Clock = utc_now
    new_id: Callable[[], str] = field(default=lambda: uuid.uuid4().hex)


@dataclass(frozen=True)
class Erasure:
    """What one request erased (this run, and earlier runs of the same erasure)."""

    outcome: str  # "erased", "nothing" (no data: nothing to do), "ambiguous" (@handle of several)
    erasure_id: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


def forget(target: Target, brand: Brand, requested_by: str, via: str, deps: ErasureDeps) -> Erasure:
    customers = _customers(target, deps.store)
    if len(customers) > 1:
        return Erasure("ambiguous")
    conversations = [
        (cid, meta)
        for platform, customer in customers
        for cid in deps.store.conversation_ids(platform, customer)
        if (meta := deps.store.meta(cid)) is not None
    ]
    ours = [(cid, meta) for cid, meta in conversations if meta.get("brand_id") == brand.id]
    others = len(conversations) - len(ours)
    if not ours and (others or not _handle_lookups(target, customers, deps.store)):
        return Erasure("nothing")
    now = deps.clock()
    erasure_id = _erasure_id(ours, now, deps)
    deps.store.open_record(
        brand.id,
        erasure_id,
        {
            "brand_id": brand.id,
            "requested_by": requested_by,
            "via": via,
            "requested_at": iso(now),
            "status": "in progress",
        },
    )
    notes: set[str] = set()
    handles: set[Key] = set(_handle_lookups(target, customers, deps.store))
    metas: dict[str, list[Key]] = {}  # by the erasure that holds them
    for conversation_id, meta in ours:
        holder = deps.store.claim(conversation_id, erasure_id)
        if holder is None:
            continue  # gone in between (erased by a run beside this one)
        counts, said, named = _erase_conversation(conversation_id, meta, now, deps)
        deps.store.add_counts(brand.id, holder, counts)
        notes |= said
        handles |= named
        metas.setdefault(holder, []).append((str(meta["pk"]), "META"))
    # The conversations themselves go last: until now a rerun finds what is left through them.
    for holder, keys in metas.items():
        deps.store.delete(keys)
        deps.store.add_counts(brand.id, holder, {"conversations": len(keys)})
    # Then the handle lookups (a rerun by @handle after a cut here finds and ends them),
    # unless another brand still has a conversation with the customer.
    if handles and not others:
        gone = [(str(i["pk"]), str(i["sk"])) for i in deps.store.existing(sorted(handles))]
        deps.store.delete(gone)
        deps.store.add_counts(brand.id, erasure_id, {"handle_lookups": len(gone)})
    if others:
        notes.add("the customer's conversations with other brands were kept")
    deps.store.close_record(brand.id, erasure_id, deps.clock(), sorted(notes))
    record = deps.store.record(brand.id, erasure_id) or {}
    total = {str(k): int(v) for k, v in (record.get("counts") or {}).items()}
    metrics.add_metric(name="CustomerErased", unit=MetricUnit.Count, value=1)
    logger.info("customer erased", extra={"erasure_id": erasure_id, "counts": total})
    return Erasure("erased", erasure_id, total, tuple(sorted(notes)))


def _customers(target: Target, store: ErasureStore) -> list[tuple[str, str]]:
    if target.handle:
        return store.customers_by_handle(target.handle)
    return [(str(target.platform), str(target.customer_id))]


def _handle_lookups(
    target: Target, customers: list[tuple[str, str]], store: ErasureStore
) -> list[Key]:
    """The lookups of the handle asked for (the rest are found with the conversations)."""
    return store.handle_lookups(target.handle, customers) if target.handle else []


def _erasure_id(ours: list[tuple[str, dict[str, Any]]], now: datetime, deps: ErasureDeps) -> str:
    """The erasure a cut-off run began (its claim is on a META still there), else a new one."""
    for _, meta in ours:
        if meta.get("erasure_id"):
            return str(meta["erasure_id"])
    return f"{iso(now)}#{deps.new_id()}"


def _erase_conversation(
    conversation_id: str, meta: dict[str, Any], now: datetime, deps: ErasureDeps
) -> tuple[Counter[str], set[str], set[Key]]:
    """Everything of the conversation but its META (the caller deletes that last): the
    Slack card and the bot's thread posts, the references into it, the tally references,
    its items. Returns the counts, notes for the manager, and the handle lookups found."""
    items = deps.store.conversation_items(conversation_id)
    counts: Counter[str] = Counter()
    notes = _erase_in_slack(meta, now, deps.slack, counts)
    # What leads here: references into the conversation (now), the customer's handle
    # lookups (at the very end, by the caller), their references in the counting tallies.
    refs, handles = deps.store.leading_to(items)
    deps.store.delete(refs)
    counts["message_references"] += len(refs)
    counts["tallies_unreferenced"] += deps.store.unreference(str(meta["brand_id"]), meta, items)
    rest = [i for i in items if i["sk"] != "META"]
    deps.store.delete([(str(i["pk"]), str(i["sk"])) for i in rest])
    for item in rest:
        counts[_kind(item)] += 1
    return counts, notes, set(handles)


def _kind(item: dict[str, Any]) -> str:
    sk = str(item["sk"])
    if sk.startswith("MSG#"):
        return "messages_sent" if item.get("direction") == "outbound" else "messages_received"
    for prefix, kind in KINDS:
        if sk.startswith(prefix):
            return kind
    return "other_items"


def _erase_in_slack(
    meta: dict[str, Any], now: datetime, slack: SlackEraser | None, counts: Counter[str]
) -> set[str]:
    """The card and the bot's posts about the conversation; what could not be done, said.
    A channel Slack refuses for good (archived, the app removed) cannot hold up the rest."""
    thread = meta.get("slack_thread")
    posts = sorted(meta.get("slack_posts") or ())  # managers' channel notices
    if slack is None:
        return {"no Slack access: the Slack cards were not replaced"} if thread else set()
    notes: set[str] = set()
    try:
        if thread and _tombstone(str(thread["channel"]), str(thread["ts"]), now, slack, counts):
            notes.add(
                "people's messages in the Slack threads stay (a bot cannot delete them):"
                " ask a Slack admin to remove them"
            )
        for post in posts:
            channel, _, ts = str(post).partition("#")
            if slack.delete(channel, ts):
                counts["slack_notices_deleted"] += 1
    except ConfigurationError as exc:
        logger.warning("Slack refused part of an erasure", extra={"error": str(exc)})
        notes.add(f"Slack refused part of it ({exc}): remove what is left there by hand")
    return notes


def _tombstone(
    channel: str, ts: str, now: datetime, slack: SlackEraser, counts: Counter[str]
) -> int:
    """The card says the data was erased; the bot's thread posts go. Returns how many
    people's messages stay in the thread."""
    text = TOMBSTONE.format(day=f"{now:%Y-%m-%d}")
    block = {"type": "section", "text": {"type": "mrkdwn", "text": f":wastebasket: {text}"}}
    if slack.replace(channel, ts, text, [block]):
        counts["slack_cards_replaced"] += 1
    posts: list[ThreadPost] = slack.thread_posts(channel, ts)
    for post in posts:
        if post.ours and slack.delete(channel, post.ts):
            counts["slack_bot_posts_deleted"] += 1
    left = sum(not post.ours for post in posts)
    counts["slack_human_messages_left"] += left
    return left


def summary(result: Erasure, target_text: str) -> str:
    """What to tell the manager (or print): the counts, and what could not be reached."""
    if result.outcome == "ambiguous":
        return (
            f"{target_text} was used by more than one customer: nothing erased."
            " Use platform:id (e.g. x:12345) instead."
        )
    if result.outcome == "nothing":
        return f"Nothing stored about {target_text} for this brand: nothing to erase."
    counts = ", ".join(f"{kind.replace('_', ' ')} {n}" for kind, n in sorted(result.counts.items()))
    lines = [
        f"Erased {target_text}: {counts or 'nothing left'}.",
        f"Erasure record `{result.erasure_id}`.",
    ]
    lines += [f"Note: {note}." for note in result.notes]
    lines.append(
        "Not reachable from here: e-mails already sent (reports and their CSV), backups"
        " (point-in-time recovery keeps 35 days), Slack messages people wrote."
    )
    return "\n".join(lines)


class AnswerTo(BaseModel):
    """Where the manager who asked hears the outcome (ephemerally)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    channel: str = Field(min_length=1, max_length=64)
    user: str = Field(min_length=1, max_length=64)


class ErasureRequest(BaseModel):
    """One erasure as the Slack desk hands it to the erase function (its whole input)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    brand: str = Field(min_length=1, max_length=64)
    target: str = Field(min_length=1, max_length=96)  # ``@handle`` or ``platform:id``
    requested_by: str = Field(min_length=1, max_length=64)
    via: Literal["slack"]
    answer_to: AnswerTo | None = None


class Eraser(Protocol):
    """Hands an erasure over to where it runs (the erase function, or this process)."""

    def erase(self, request: ErasureRequest) -> None: ...


@dataclass(frozen=True)
class ErasingDeps:
    """What running a handed-over erasure needs: the brands, the erasure's own
    dependencies, and Slack to tell the manager (None: nobody is told)."""

    brands: BrandDirectory
    erasure: ErasureDeps
    tell: SlackDesk | None


def erase_and_tell(request: ErasureRequest, deps: ErasingDeps) -> str:
    """Runs the erasure asked for and tells the manager what went, or that it stopped
    half-way (a SupportError: storage or Slack; the manager runs it again). A request that
    names no brand or no customer erases nothing and says why. Any other failure is raised:
    the caller's retries finish the erasure (it is resumable)."""
    said = escape(request.target)
    brand = deps.brands.brands.get(request.brand)
    target = parse_target(request.target)
    if brand is None or target is None:
        why = "no such brand" if brand is None else "not @handle or platform:id"
        logger.error("erasure request refused", extra={"brand": request.brand, "why": why})
        metrics.add_metric(name="ErasureRejected", unit=MetricUnit.Count, value=1)
        answer = REFUSED_INPUT.format(said=said, why=why)
    else:
        try:
            answer = summary(
                forget(target, brand, request.requested_by, request.via, deps.erasure), said
            )
        except SupportError as exc:  # storage or Slack failed half-way: the rest is findable
            logger.error("erasure stopped", extra={"error": type(exc).__name__})
            metrics.add_metric(name="ErasureFailed", unit=MetricUnit.Count, value=1)
            answer = STOPPED.format(said=said)
    tell(request.answer_to, answer, deps)
    return answer


def tell(answer_to: AnswerTo | None, answer: str, deps: ErasingDeps) -> None:
    if deps.tell is not None and answer_to is not None:
        deps.tell.ephemeral(answer_to.channel, answer_to.user, answer)


@dataclass(frozen=True)
class InProcessEraser:
    """The erasure run here and now (tests, and a desk run in one process)."""

    deps: ErasingDeps

    def erase(self, request: ErasureRequest) -> None:
        erase_and_tell(request, self.deps)
