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
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from socialcare.clock import Clock, utc_now
from socialcare.config.brands import Brand, BrandDirectory
from socialcare.errors import ConfigurationError, SupportError
from socialcare.models import Conversation
from socialcare.models.erasure import CustomerRef, ErasedContents, HandleLookup
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
PLATFORMS = ("x", "vk", "messenger", "facebook", "instagram")
TARGET = re.compile(
    r"^(?:@(?P<handle>[A-Za-z0-9_.]{1,64})|(?P<platform>[a-z]+):(?P<id>[0-9]{1,20}))$"
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
    """Each step safe to run again: a run cut off anywhere is finished by the next."""

    def customers_by_handle(self, handle: str) -> list[CustomerRef]: ...
    def conversations_of(self, customer: CustomerRef) -> list[Conversation]: ...
    def handle_lookups(self, handle: str, customers: list[CustomerRef]) -> list[HandleLookup]: ...
    def claim(self, conversation_id: str, erasure_id: str) -> str | None: ...
    def erase_contents(self, conversation: Conversation) -> ErasedContents: ...
    def erase_conversations(self, conversation_ids: Iterable[str]) -> None: ...
    def erase_handle_lookups(self, lookups: Iterable[HandleLookup]) -> int: ...
    def open_record(
        self, brand_id: str, erasure_id: str, requested_by: str, via: str, at: datetime
    ) -> None: ...
    def add_counts(self, brand_id: str, erasure_id: str, counts: Mapping[str, int]) -> None: ...
    def close_record(
        self, brand_id: str, erasure_id: str, at: datetime, notes: list[str]
    ) -> None: ...
    def counts(self, brand_id: str, erasure_id: str) -> dict[str, int]: ...


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
    store = deps.store
    customers = (
        store.customers_by_handle(target.handle)
        if target.handle
        else [CustomerRef(str(target.platform), str(target.customer_id))]
    )
    if len(customers) > 1:
        return Erasure("ambiguous")
    conversations = [c for customer in customers for c in store.conversations_of(customer)]
    ours = [c for c in conversations if c.brand_id == brand.id]
    others = len(conversations) - len(ours)
    # The lookups of the handle asked for (the rest are found with the conversations).
    lookups = set(store.handle_lookups(target.handle, customers) if target.handle else ())
    if not ours and (others or not lookups):
        return Erasure("nothing")
    now = deps.clock()
    erasure_id = _erasure_id(ours, now, deps)
    store.open_record(brand.id, erasure_id, requested_by, via, now)
    notes: set[str] = set()
    held: dict[str, list[str]] = {}  # conversation ids, by the erasure that holds them
    for conversation in ours:
        holder = store.claim(conversation.id, erasure_id)
        if holder is None:
            continue  # gone in between (erased by a run beside this one)
        counts: Counter[str] = Counter()
        notes |= _erase_in_slack(conversation, now, deps.slack, counts)
        erased = store.erase_contents(conversation)
        store.add_counts(brand.id, holder, counts + erased.counts)
        lookups |= erased.lookups
        held.setdefault(holder, []).append(conversation.id)
    # The conversations themselves go last: until now a rerun finds what is left through them.
    for holder, ids in held.items():
        store.erase_conversations(ids)
        store.add_counts(brand.id, holder, {"conversations": len(ids)})
    # Then the handle lookups (a rerun by @handle after a cut here finds and ends them),
    # unless another brand still has a conversation with the customer.
    if lookups and not others:
        gone = store.erase_handle_lookups(sorted(lookups))
        store.add_counts(brand.id, erasure_id, {"handle_lookups": gone})
    if others:
        notes.add("the customer's conversations with other brands were kept")
    store.close_record(brand.id, erasure_id, deps.clock(), sorted(notes))
    total = store.counts(brand.id, erasure_id)
    metrics.add_metric(name="CustomerErased", unit=MetricUnit.Count, value=1)
    logger.info("customer erased", extra={"erasure_id": erasure_id, "counts": total})
    return Erasure("erased", erasure_id, total, tuple(sorted(notes)))


def _erasure_id(ours: list[Conversation], now: datetime, deps: ErasureDeps) -> str:
    """The erasure a cut-off run began (its claim is on a META still there), else a new one."""
    for conversation in ours:
        if conversation.erasure_id:
            return conversation.erasure_id
    return f"{iso(now)}#{deps.new_id()}"


def _erase_in_slack(
    conversation: Conversation, now: datetime, slack: SlackEraser | None, counts: Counter[str]
) -> set[str]:
    """The card and the bot's posts about the conversation; what could not be done, said.
    A channel Slack refuses for good (archived, the app removed) cannot hold up the rest."""
    thread = conversation.slack_thread
    if slack is None:
        return {"no Slack access: the Slack cards were not replaced"} if thread else set()
    notes: set[str] = set()
    try:
        if thread and _tombstone(thread.channel, thread.ts, now, slack, counts):
            notes.add(
                "people's messages in the Slack threads stay (a bot cannot delete them):"
                " ask a Slack admin to remove them"
            )
        for notice in conversation.notices:  # managers' channel notices
            if slack.delete(notice.channel, notice.ts):
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
