"""Gap fill: after an X outage, fetch what the webhook missed and store it the webhook's way.

What triggers one: the webhook health check (X marked the webhook invalid; an account
silent while the webhook looks valid; our own 503 answers, when their alarm clears), or an
operator (``socialcare x gapfill``), with a window ``[start, end]`` (UTC).

Two ways, chosen per brand (brand.yaml ``x.replay``):

* **Replay** (``POST /2/webhooks/replay``, app bearer token; body ``webhook_id``,
  ``from_date``, ``to_date`` in ``yyyymmddhhmm`` UTC; answer ``{"job_id", "created_at"}``)
  [docs.x.com/x-api/webhooks/create-replay-job-for-webhook]. X re-delivers the window's
  events to the webhook as ordinary deliveries, so the normal ingest absorbs what it already
  stored. How far back a window may reach: the endpoint's API reference says "events from
  up to the past 24 hours"; the Account Activity replay pages said five days. We replay at
  most the last 24 hours and read anything older from the mentions timeline (below, within
  the read cap). Unclear: whether the answer is wrapped in ``data`` (the page shows it bare:
  both are read), and whether a replay is billed per re-delivered event (pricing: XAA
  "webhook events ... are billed per event delivered"; the replay page says nothing). A
  replay re-delivers every account's events on the webhook, so one job is asked per window
  however many accounts' fills ask (a claim in the table), and the daily read cap does not
  apply to it: turn ``x.replay`` on only on a plan whose replay cost is known. X's refusal
  (4xx) is raised with X's words, so a wrong guess fails loudly.
* **Mentions timeline** (``GET /2/users/:id/mentions`` through tweepy 4.17.0
  ``Client.get_users_mentions``; ``start_time``/``end_time`` ISO 8601 to the second,
  inclusive; ``until_id`` exclusive; ``max_results`` 5 to 100; ``pagination_token`` from
  ``meta.next_token``; newest first; only the 800 most recent mentions are reachable)
  [tweepy 4.17.0 source; docs.x.com "User mentions timeline" quickstart]. Each page goes
  through the X normaliser and ``services.ingest`` (``store_page``), so a post the webhook
  stored is a duplicate and changes nothing. The window bounds the read, not ``since_id`` of
  the newest stored post: that would also read (and pay for) what the webhook delivered after
  the outage. Direct messages are not in this timeline: only a replay brings them back.

Costs: pay-per-use bills reads "per resource returned": $0.005 a post (Posts: Read)
[docs.x.com/x-api/getting-started/pricing]; X advertises "owned reads" at $0.001 for an
account's own data [docs.x.com/overview, "Featuring Owned Reads"], but does not say
whether a mentions timeline read with the app's token is one, nor whether the authors
expanded into ``includes.users`` are billed as user reads ($0.010). We therefore budget
in posts, not dollars: ``x.daily_read_cap`` posts per brand and UTC day, counted in
DynamoDB (reserved before each request, so concurrent fills never pass it) and in the
``XReadsUsed`` metric (dimension ``brand``). X's smallest page is 5 posts: a remainder
below that is left unspent rather than overdrawn.

When the cap stops a fill, the window left is recorded (resumed by the daily run, with the
next day's budget) and the brand's ops channel hears it once.
"""

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from aws_lambda_powertools.metrics import single_metric

from socialcare.clock import Clock, utc_now
from socialcare.config import Brand, BrandDirectory
from socialcare.errors import ConfigurationError, MalformedPayload
from socialcare.models.message import iso
from socialcare.observability import MetricUnit, logger, metrics
from socialcare.platforms.x.normalise import normalise_posts
from socialcare.platforms.x_v2_posts import MentionsPage
from socialcare.ports import Recorded, SlackPost
from socialcare.services.ingest import IngestDeps, IngestReport, ingest

PAGE_MAX = 100  # X's largest mentions page
PAGE_MIN = 5  # X's smallest: asking for fewer is a 400
# "events from up to the past 24 hours" (the replay endpoint's reference page)
REPLAY_REACH = timedelta(hours=24)
METRICS_NAMESPACE = "socialcare"


@dataclass(frozen=True)
class Window:
    """What to fetch for one X account: posts from ``start`` to ``end`` (UTC, inclusive);
    ``until_id``: only posts older than this one (a resumed fill: the newer part is done)."""

    brand_id: str
    account_id: str
    start: datetime
    end: datetime
    until_id: str | None = None
    reason: str = ""

    @property
    def key(self) -> str:
        """The window's identity, kept across resumes (``until_id`` moves, the key stays)."""
        return f"{self.account_id}#{iso(self.start)}#{iso(self.end)}"


class MentionsTimeline(Protocol):
    """``GET /2/users/:id/mentions`` (socialcare.adapters.x_timeline.TweepyMentions)."""

    def page(
        self,
        account_id: str,
        *,
        start: datetime,
        end: datetime,
        until_id: str | None,
        max_results: int,
        pagination_token: str | None,
    ) -> MentionsPage: ...


class WebhookReplay(Protocol):
    """``POST /2/webhooks/replay`` (socialcare.adapters.x_timeline.XWebhookReplay)."""

    def replay(self, start: datetime, end: datetime) -> str: ...


class GapFillStore(Protocol):
    """The read budget, unfinished windows and once-only notices
    (socialcare.adapters.x_gap_store.DynamoGapFillStore)."""

    def reserve_reads(self, brand_id: str, day: str, wanted: int, cap: int) -> int: ...

    def release_reads(self, brand_id: str, day: str, unused: int) -> None: ...

    def save_window(self, window: Window, at: datetime) -> None: ...

    def finish_window(self, window: Window) -> None: ...

    def unfinished_windows(self, brand_id: str) -> list[Window]: ...

    def record_gap_notice(self, window: Window, day: str, at: datetime) -> Recorded:
        """The ops notice about a stopped window, once per window and day."""
        ...

    def gap_notice_sent(self, window: Window, day: str) -> None: ...

    def claim_replay(self, key: str, at: datetime) -> bool:
        """True for the first fill to claim this replay window (it asks X), else False."""

    def release_replay(self, key: str) -> None: ...


@dataclass(frozen=True)
class GapFillDeps:
    ingest: IngestDeps
    brands: BrandDirectory
    store: GapFillStore
    mentions: MentionsTimeline
    replay: WebhookReplay
    slack: SlackPost | None  # None: no Slack configured, the notice is only logged
    clock: Clock = utc_now
    page_size: int = PAGE_MAX  # posts asked per request (fewer when the budget is low)


@dataclass
class GapFillResult:
    brand: str
    account_id: str
    way: str  # "replay" or "mentions"
    complete: bool = True
    fetched: int = 0
    stored: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    left: tuple[str, str] | None = None  # the window not fetched (ISO), when the cap stopped it
    job_id: str | None = None

    def summary(self) -> dict[str, Any]:
        return {
            "brand": self.brand,
            "account_id": self.account_id,
            "way": self.way,
            "complete": self.complete,
            "fetched": self.fetched,
            "stored": len(self.stored),
            "duplicates": len(self.duplicates),
            "left": list(self.left) if self.left else None,
            "job_id": self.job_id,
        }


def day_of(moment: datetime) -> str:
    return moment.astimezone(UTC).date().isoformat()


def checked_window(window: Window, brands: BrandDirectory, now: datetime) -> Brand:
    """The brand owning the window's account; a window X could not serve is refused."""
    brand = brands.brands.get(window.brand_id)
    if brand is None:
        raise ConfigurationError(f"no brand {window.brand_id!r}")
    if window.account_id not in {a.id for a in brand.accounts.x}:
        raise ConfigurationError(f"X account {window.account_id} is not {brand.id!r}'s")
    if window.start.tzinfo is None or window.end.tzinfo is None:
        raise MalformedPayload("the window's from and to need a time zone (UTC)")
    if not window.start < window.end:
        raise MalformedPayload("the window's from must come before its to")
    if window.start > now:
        raise MalformedPayload("the window starts in the future: nothing to fetch yet")
    return brand


def fill(window: Window, deps: GapFillDeps) -> GapFillResult:
    now = deps.clock()
    brand = checked_window(window, deps.brands, now)
    window = Window(  # X refuses an end_time in the future
        window.brand_id,
        window.account_id,
        window.start,
        min(window.end, now),
        window.until_id,
        window.reason,
    )
    logger.append_keys(brand=brand.id, account_id=window.account_id)
    if brand.x.replay:
        return _replay(window, brand, deps)
    return _read_mentions(window, brand, deps)


def _replay(window: Window, brand: Brand, deps: GapFillDeps) -> GapFillResult:
    """One replay job per webhook window, whatever number of accounts asked: a replay
    re-delivers the whole webhook's events (every account's), X runs one job per webhook at
    a time, and each re-delivered event may be billed. Only the last 24 hours can be
    replayed; an older part of the window is read from the mentions timeline, within the
    read cap."""
    now = deps.clock()
    reach = now - REPLAY_REACH
    if window.end <= reach:
        return _read_mentions(window, brand, deps)
    older: GapFillResult | None = None
    if window.start < reach:
        older = _read_mentions(replace(window, end=reach, until_id=None), brand, deps)
        window = replace(window, start=reach, until_id=None)
    key = replay_key(window)
    if deps.store.claim_replay(key, now):
        try:
            job: str | None = deps.replay.replay(window.start, window.end)
        except Exception:
            deps.store.release_replay(key)  # nothing asked: a retry may ask again
            raise
        logger.info(
            "X replay asked",
            extra={"job_id": job, "from": iso(window.start), "to": iso(window.end)},
        )
        metrics.add_metric(name="XReplayRequested", unit=MetricUnit.Count, value=1)
    else:
        job = None
        logger.info("X replay already asked for this window", extra={"replay": key})
    if older is not None:  # what the timeline read, and the job asked for the rest
        return replace(older, way="replay+mentions", job_id=job)
    return GapFillResult(window.brand_id, window.account_id, "replay", job_id=job)


def replay_key(window: Window) -> str:
    """What X replays: the webhook's events of these minutes (not one account's)."""
    return f"{window.start.astimezone(UTC):%Y%m%d%H%M}-{window.end.astimezone(UTC):%Y%m%d%H%M}"


def _read_mentions(window: Window, brand: Brand, deps: GapFillDeps) -> GapFillResult:
    result = GapFillResult(brand.id, window.account_id, "mentions")
    until_id, token = window.until_id, None
    oldest: datetime | None = None  # the oldest post fetched: the window left ends there
    while True:
        day = day_of(deps.clock())
        granted = deps.store.reserve_reads(brand.id, day, deps.page_size, brand.x.daily_read_cap)
        if granted < PAGE_MIN:
            if granted:
                deps.store.release_reads(brand.id, day, granted)
            result.complete = False
            break
        try:
            page = deps.mentions.page(
                window.account_id,
                start=window.start,
                end=window.end,
                until_id=None if token else until_id,
                max_results=granted,
                pagination_token=token,
            )
        except Exception:
            deps.store.release_reads(brand.id, day, granted)  # nothing returned, nothing billed
            raise
        read = len(page.data)
        if read < granted:
            deps.store.release_reads(brand.id, day, granted - read)
        _count_reads(brand.id, read)
        result.fetched += read
        report = store_page(window.account_id, brand, page, deps.ingest, deps.clock())
        result.stored += report.stored
        result.duplicates += report.duplicates
        if page.data:
            last = min(page.data, key=lambda p: int(p.id))
            until_id, oldest = last.id, last.created_at
        token = page.meta.next_token
        if not token:
            break
    if result.complete:
        deps.store.finish_window(window)  # a resumed window is done; else a no-op
        logger.info("X gap fill complete", extra=result.summary())
        return result
    left = Window(
        window.brand_id,
        window.account_id,
        window.start,
        window.end,
        until_id,
        window.reason,
    )
    result.left = (iso(window.start), iso(oldest or window.end))
    deps.store.save_window(left, deps.clock())
    metrics.add_metric(name="XGapFillCapped", unit=MetricUnit.Count, value=1)
    logger.warning("X gap fill stopped at the daily read cap", extra=result.summary())
    _tell_ops(left, brand, result, deps)
    return result


def store_page(
    account_id: str, brand: Brand, page: MentionsPage, deps: IngestDeps, received_at: datetime
) -> IngestReport:
    """The webhook's path: the v2 post normaliser, then ``services.ingest`` (dedup by
    reference). Oldest first (X pages are newest first), so a reply in the page finds its
    parent stored; a reply whose parent is on a later (older) page starts a conversation of
    its own."""
    oldest_first = sorted(page.data, key=lambda p: int(p.id))
    found = normalise_posts(oldest_first, page.includes, account_id, brand, received_at)
    for skipped in found.skipped:
        logger.info(
            "fetched post not ingested",
            extra={"reason": skipped.reason, "message_ref": skipped.message_ref},
        )
    for own, parent in found.own_replies:  # our replies join their threads, as on the webhook
        deps.store.link(f"x#{account_id}#{own}", f"x#{account_id}#{parent}")
    return ingest(found.messages, deps)


def _count_reads(brand_id: str, read: int) -> None:
    with single_metric(
        name="XReadsUsed", unit=MetricUnit.Count, value=read, namespace=METRICS_NAMESPACE
    ) as metric:
        metric.add_dimension(name="brand", value=brand_id)


def notice_text(window: Window, brand: Brand, result: GapFillResult) -> str:
    handle = next((a.handle for a in brand.accounts.x if a.id == window.account_id), None)
    who = f"@{handle}" if handle else f"X account {window.account_id}"
    start, end = result.left or (iso(window.start), iso(window.end))
    resume = (
        f"socialcare x gapfill --brand {brand.id} --account {window.account_id}"
        f" --from {start} --to {end}"
    )
    return (
        f":warning: X gap fill for {who} ({brand.name}) stopped at today's read cap"
        f" ({brand.x.daily_read_cap} posts, brand.yaml x.daily_read_cap) after reading"
        f" {result.fetched} posts.\nNot fetched yet: {start} to {end} (UTC)."
        f" It resumes after 00:00 UTC with the next day's budget; to resume it now"
        f" (raise the cap first): `{resume}`"
    )


def _tell_ops(window: Window, brand: Brand, result: GapFillResult, deps: GapFillDeps) -> None:
    """Once per window and day: a retried invocation finds the notice recorded and sent."""
    channel = brand.slack and (brand.slack.ops_channel or brand.slack.managers_channel)
    now = deps.clock()
    if deps.store.record_gap_notice(window, day_of(now), now) is Recorded.DONE:
        return
    text = notice_text(window, brand, result)
    if not channel or deps.slack is None:
        logger.error("no Slack channel for the gap fill notice", extra={"notice": text})
        return
    deps.slack.post(channel, text, [{"type": "section", "text": {"type": "mrkdwn", "text": text}}])
    deps.store.gap_notice_sent(window, day_of(now))


def resume_all(deps: GapFillDeps) -> list[GapFillResult]:
    """The daily run: every brand's unfinished windows, oldest first, on today's budget."""
    results = []
    for brand_id in deps.brands.brands:
        for window in sorted(deps.store.unfinished_windows(brand_id), key=lambda w: w.start):
            results.append(fill(window, deps))
    return results
