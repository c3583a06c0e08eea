"""The X stand-in's reads for gap fills: ``GET /2/users/:id/mentions`` and
``POST /2/webhooks/replay``.

A test (or the demo) scripts what X knows:

* ``add_mention(account_id, post, author)``: a v2 post (``id``, ``text``, ``author_id``,
  ``created_at``, ...) that mentions ``account_id``, and its author (a v2 user). The mentions
  timeline serves them as X does: newest first, ``start_time``/``end_time`` inclusive to the
  second, ``since_id``/``until_id`` exclusive, ``max_results`` 5 to 100 (else 400),
  ``pagination_token`` from ``meta.next_token``, and the authors in ``includes.users``.
  ``reads_served`` counts the posts it returned (what X bills).
* ``record_event(payload, at)``: a webhook delivery X made (or tried) at ``at``. A replay
  re-delivers the recorded payloads of its window (``from_date``/``to_date``, ``yyyymmddhhmm``,
  UTC, inclusive minutes) to ``webhook_url``, signed with ``consumer_secret`` as X signs. X
  runs a replay job in the background; here the deliveries are made before the answer, so
  a test sees their effect without waiting.
"""

import itertools
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import requests  # type: ignore[import-untyped, unused-ignore]

from socialcare.platforms.x.signature import SIGNATURE_HEADER, sign
from socialcare_tools.apigw import json_bytes
from socialcare_tools.local.standins_base import Json, Reply
from socialcare_tools.local_secrets import X_CONSUMER_SECRET

MENTIONS = "GET /2/users/:id/mentions"
REPLAY = "POST /2/webhooks/replay"
REPLAY_DATE = re.compile(r"^[0-9]{12}$")


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def _problem(status: int, detail: str) -> Reply:
    title = {400: "Invalid Request", 404: "Not Found"}.get(status, "Error")
    return Reply(
        {"title": title, "detail": detail, "type": "about:blank", "status": status}, status
    )


@dataclass
class XTimeline:
    """The scripted X state behind the two endpoints (guarded by its own lock)."""

    webhook_url: str | None = None
    webhook_id: str = "1146654567674912769"
    consumer_secret: str = X_CONSUMER_SECRET
    reads_served: int = 0
    replays: list[Json] = field(default_factory=list)
    # Called with the request's parameters before a mentions page is answered (tests use it
    # to run another fill at that moment).
    on_mentions: Callable[[Json], None] | None = None
    _mentions: dict[str, list[tuple[Json, Json]]] = field(default_factory=dict)
    _events: list[tuple[datetime, Json]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _jobs: Any = field(default_factory=lambda: itertools.count(1915510368169844736))

    def add_mention(self, account_id: str, post: Json, author: Json) -> None:
        with self._lock:
            self._mentions.setdefault(account_id, []).append((dict(post), dict(author)))

    def record_event(self, payload: Json, at: datetime) -> None:
        with self._lock:
            self._events.append((at.astimezone(UTC), payload))

    def answer(self, method: str, params: Json) -> Reply | None:
        """The reply for one of our endpoints; None for any other."""
        if method == MENTIONS:
            if self.on_mentions is not None:
                self.on_mentions(params)
            return self._mentions_page(params)
        if method == REPLAY:
            return self._replay(params)
        return None

    def _mentions_page(self, params: Json) -> Reply:
        try:
            size = int(params.get("max_results", 10))
            start = _time(params["start_time"]) if params.get("start_time") else None
            end = _time(params["end_time"]) if params.get("end_time") else None
            offset = int(str(params.get("pagination_token") or "p0").removeprefix("p"))
        except (ValueError, KeyError) as exc:
            return _problem(400, f"One or more parameters to your request was invalid: {exc}")
        if not 5 <= size <= 100:
            return _problem(400, "The `max_results` query parameter value is not between 5 and 100")
        since, until = params.get("since_id"), params.get("until_id")
        with self._lock:
            posts = [
                (post, author)
                for post, author in self._mentions.get(str(params.get("id")), [])
                if (start is None or _time(post["created_at"]).replace(microsecond=0) >= start)
                and (end is None or _time(post["created_at"]).replace(microsecond=0) <= end)
                and (since is None or int(post["id"]) > int(since))
                and (until is None or int(post["id"]) < int(until))
            ]
            posts.sort(key=lambda pair: int(pair[0]["id"]), reverse=True)
            chosen = posts[offset : offset + size]
            self.reads_served += len(chosen)
        meta: Json = {"result_count": len(chosen)}
        if not chosen:
            return Reply({"meta": meta})
        meta |= {"newest_id": chosen[0][0]["id"], "oldest_id": chosen[-1][0]["id"]}
        if offset + size < len(posts):
            meta["next_token"] = f"p{offset + size}"
        users = {author["id"]: author for _, author in chosen}
        body = {
            "data": [post for post, _ in chosen],
            "includes": {"users": list(users.values())},
            "meta": meta,
        }
        return Reply(body)

    def _replay(self, params: Json) -> Reply:
        start, end = str(params.get("from_date", "")), str(params.get("to_date", ""))
        if not (REPLAY_DATE.match(start) and REPLAY_DATE.match(end)):
            return _problem(400, "from_date and to_date must be in yyyymmddhhmm format")
        if params.get("webhook_id") != self.webhook_id:
            return _problem(404, "Could not find webhook")
        if not self.webhook_url:
            return _problem(400, "The webhook has no URL to deliver to")
        first = datetime.strptime(start, "%Y%m%d%H%M").replace(tzinfo=UTC)
        last = datetime.strptime(end, "%Y%m%d%H%M").replace(tzinfo=UTC)
        with self._lock:
            due = [
                p for at, p in self._events if first <= at.replace(second=0, microsecond=0) <= last
            ]
            job = str(next(self._jobs))
        statuses = [self._deliver(payload) for payload in due]
        self.replays.append({"job_id": job, "delivered": len(due), "statuses": statuses})
        return Reply({"created_at": datetime.now(UTC).isoformat(), "job_id": job})

    def _deliver(self, payload: Json) -> int:
        body = json_bytes(payload)
        headers = {
            "content-type": "application/json",
            SIGNATURE_HEADER: sign(self.consumer_secret, body),
        }
        assert self.webhook_url is not None
        return int(
            requests.post(self.webhook_url, data=body, headers=headers, timeout=30).status_code
        )
