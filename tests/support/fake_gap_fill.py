"""X's gap fill in memory (services.x_gap_fill): the read budget, unfinished windows, the
once-only notices and replay claims; X's mentions timeline as pages of v2 posts (newest
first, as X serves them) and its replay endpoint."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from socialcare.platforms.x_v2_posts import MentionsPage
from socialcare.ports import Recorded
from socialcare.services.x_gap_fill import Window
from tests.support.once import record_once


@dataclass
class FakeGapFillStore:
    used: dict[tuple[str, str], int] = field(default_factory=dict)  # by (brand, day)
    windows: dict[str, Window] = field(default_factory=dict)  # unfinished, by key
    notices: dict[str, bool] = field(default_factory=dict)  # "key day" -> sent
    replays: set[str] = field(default_factory=set)

    def reserve_reads(self, brand_id: str, day: str, wanted: int, cap: int) -> int:
        used = self.used.get((brand_id, day), 0)
        granted = max(0, min(wanted, cap - used))
        self.used[(brand_id, day)] = used + granted
        return granted

    def release_reads(self, brand_id: str, day: str, unused: int) -> None:
        self.used[(brand_id, day)] -= unused

    def save_window(self, window: Window, at: datetime) -> None:
        self.windows[window.key] = window

    def finish_window(self, window: Window) -> None:
        self.windows.pop(window.key, None)

    def unfinished_windows(self, brand_id: str) -> list[Window]:
        return [w for w in self.windows.values() if w.brand_id == brand_id]

    def record_gap_notice(self, window: Window, day: str, at: datetime) -> Recorded:
        return record_once(self.notices, f"{window.key} {day}")

    def gap_notice_sent(self, window: Window, day: str) -> None:
        self.notices[f"{window.key} {day}"] = True

    def claim_replay(self, key: str, at: datetime) -> bool:
        if key in self.replays:
            return False
        self.replays.add(key)
        return True

    def release_replay(self, key: str) -> None:
        self.replays.discard(key)


@dataclass
class FakeMentions:
    """Each account's mentions as X's v2 posts; ``failing``: X answers the next call with
    this error."""

    posts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    users: list[dict[str, Any]] = field(default_factory=list)
    failing: Exception | None = None
    asked: list[int] = field(default_factory=list)  # max_results of each call

    def page(
        self,
        account_id: str,
        *,
        start: datetime,
        end: datetime,
        until_id: str | None,
        max_results: int,
        pagination_token: str | None,
    ) -> MentionsPage:
        self.asked.append(max_results)
        if self.failing is not None:
            raise self.failing
        matching = sorted(
            (
                p
                for p in self.posts.get(account_id, [])
                if start <= datetime.fromisoformat(p["created_at"]) <= end
                and (until_id is None or int(p["id"]) < int(until_id))
            ),
            key=lambda p: -int(p["id"]),
        )
        offset = int(pagination_token or 0)
        data = matching[offset : offset + max_results]
        more = offset + max_results < len(matching)
        meta = {"result_count": len(data)} | (
            {"next_token": str(offset + max_results)} if more else {}
        )
        return MentionsPage.model_validate(
            {"data": data, "includes": {"users": self.users}, "meta": meta}
        )


@dataclass
class FakeReplay:
    jobs: list[tuple[datetime, datetime]] = field(default_factory=list)
    failing: Exception | None = None

    def replay(self, start: datetime, end: datetime) -> str:
        if self.failing is not None:
            raise self.failing
        self.jobs.append((start, end))
        return f"job-{len(self.jobs)}"
