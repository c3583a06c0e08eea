"""X's gap fill (services/x_gap_fill.py) on in-memory ports: what it reads within the daily
budget, what it leaves for the next day and tells ops once, and one replay per window. The
run through tweepy, the X stand-in and moto is tests/integration/test_x_gap_fill.py."""

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from socialcare.config import BrandDirectory, load_brands
from socialcare.config.brands import XIntake
from socialcare.errors import ConfigurationError, MalformedPayload
from socialcare.services.ingest import IngestDeps
from socialcare.services.x_gap_fill import GapFillDeps, Window, fill, resume_all
from tests.conftest import BRANDS_DIR
from tests.support.fake_desk import FakeSlack
from tests.support.fake_gap_fill import FakeGapFillStore, FakeMentions, FakeReplay
from tests.support.fakes import FakeQueue, FakeStore

ACCOUNT = "1500000000000000001"
NOW = datetime(2026, 8, 24, 12, 0, tzinfo=UTC)
OUTAGE = Window("acme", ACCOUNT, NOW - timedelta(hours=1), NOW - timedelta(minutes=30))
MANAGERS = "C0ACMEMANAGERS"


def brands(**x: Any) -> BrandDirectory:
    acme = load_brands(BRANDS_DIR).brands["acme"]
    return BrandDirectory([acme.model_copy(update={"x": XIntake(**x)})])


def mention(n: int, at: datetime) -> dict[str, Any]:
    return {
        "id": str(1990000000000100000 + n),
        "text": f"@AcmeSupport order {n} is late",
        "author_id": str(1400000000000000100 + n),
        "created_at": at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "entities": {
            "mentions": [{"start": 0, "end": 12, "username": "AcmeSupport", "id": ACCOUNT}]
        },
    }


def missed(count: int) -> FakeMentions:
    start = OUTAGE.start
    posts = [mention(n, start + timedelta(seconds=30 * n)) for n in range(count)]
    users = [
        {"id": str(1400000000000000100 + n), "name": f"C {n}", "username": f"c{n}"}
        for n in range(count)
    ]
    return FakeMentions(posts={ACCOUNT: posts}, users=users)


@dataclass
class World:
    """The gap fill's ports, kept apart to look at after a run."""

    mentions: FakeMentions
    store: FakeGapFillStore = field(default_factory=FakeGapFillStore)
    replay: FakeReplay = field(default_factory=FakeReplay)
    slack: FakeSlack = field(default_factory=FakeSlack)
    saved: FakeStore = field(default_factory=FakeStore)
    clock: datetime = NOW
    x: dict[str, Any] = field(default_factory=dict)

    @property
    def deps(self) -> GapFillDeps:
        return GapFillDeps(
            ingest=IngestDeps(store=self.saved, queue=FakeQueue()),
            brands=brands(**self.x),
            store=self.store,
            mentions=self.mentions,
            replay=self.replay,
            slack=self.slack,
            clock=lambda: self.clock,
            page_size=5,
        )

    @property
    def stored(self) -> int:
        return len(self.saved.all_messages)

    @property
    def used(self) -> dict[tuple[str, str], int]:
        return self.store.used


def world(mentions: FakeMentions, **x: Any) -> World:
    return World(mentions, x=x)


def test_a_window_within_the_budget_is_read_whole_and_each_post_stored() -> None:
    w = world(missed(12), daily_read_cap=100)
    result = fill(OUTAGE, w.deps)
    assert result.complete and result.fetched == 12 and w.stored == 12
    assert w.used == {("acme", "2026-08-24"): 12} and w.slack.posts == []


def test_what_is_read_twice_is_stored_once() -> None:
    w = world(missed(6), daily_read_cap=100)
    fill(OUTAGE, w.deps)
    again = fill(OUTAGE, w.deps)
    assert w.stored == 6 and len(again.duplicates) == 6


def test_the_cap_stops_the_fill_saves_what_is_left_and_tells_ops_once() -> None:
    w = world(missed(12), daily_read_cap=10)
    result = fill(OUTAGE, w.deps)
    assert not result.complete and result.fetched == 10 and w.stored == 10
    [left] = w.store.unfinished_windows("acme")
    assert left.until_id == str(1990000000000100000 + 2)  # the oldest read: older ones wait
    [notice] = w.slack.posts
    assert notice["channel"] == MANAGERS
    assert "stopped at today's read cap (10 posts" in notice["text"]
    fill(left, w.deps)  # a retry on the same day: no read left, no second notice
    assert len(w.slack.posts) == 1
    w.clock = NOW + timedelta(days=1)
    [finished] = resume_all(w.deps)
    assert finished.complete and w.stored == 12 and w.store.unfinished_windows("acme") == []


def test_reads_x_did_not_return_go_back_to_the_budget() -> None:
    w = world(missed(3), daily_read_cap=100)
    fill(OUTAGE, w.deps)
    assert w.mentions.asked == [5] and w.used == {("acme", "2026-08-24"): 3}


def test_a_failed_read_spends_nothing_and_is_raised_for_the_retry() -> None:
    w = world(missed(3), daily_read_cap=100)
    w.mentions.failing = ConnectionError("X unreachable")
    with pytest.raises(ConnectionError):
        fill(OUTAGE, w.deps)
    assert w.used == {("acme", "2026-08-24"): 0}


def test_one_replay_is_asked_per_window_and_an_older_part_read_from_the_timeline() -> None:
    w = world(missed(4), replay=True, daily_read_cap=100)
    first, second = fill(OUTAGE, w.deps), fill(OUTAGE, w.deps)
    assert w.replay.jobs == [(OUTAGE.start, OUTAGE.end)]
    assert (first.way, first.job_id, second.job_id) == ("replay", "job-1", None)
    assert w.stored == 0  # X re-delivers to the webhook: nothing read here
    old = Window("acme", ACCOUNT, NOW - timedelta(hours=30), NOW - timedelta(hours=20))
    w.mentions.posts[ACCOUNT] = [mention(1, NOW - timedelta(hours=28))]
    result = fill(old, w.deps)
    assert result.way == "replay+mentions" and result.fetched == 1
    assert w.replay.jobs[-1] == (NOW - timedelta(hours=24), old.end)


def test_a_replay_x_refused_can_be_asked_again() -> None:
    w = world(missed(0), replay=True)
    w.replay.failing = RuntimeError("X said 403")
    with pytest.raises(RuntimeError):
        fill(OUTAGE, w.deps)
    w.replay.failing = None
    assert fill(OUTAGE, w.deps).job_id == "job-1"


def test_a_window_x_cannot_serve_is_refused_before_anything_is_read() -> None:
    w = world(missed(3))
    with pytest.raises(ConfigurationError):
        fill(replace(OUTAGE, account_id="999"), w.deps)
    with pytest.raises(MalformedPayload):
        fill(replace(OUTAGE, start=OUTAGE.end, end=OUTAGE.start), w.deps)
    future = replace(OUTAGE, start=NOW + timedelta(minutes=1), end=NOW + timedelta(hours=1))
    with pytest.raises(MalformedPayload):
        fill(future, w.deps)
    assert w.mentions.asked == []
