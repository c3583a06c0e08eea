"""Gap fill after a simulated X outage: the real adapters (tweepy, requests, slack_sdk, boto3)
against the X and Slack stand-ins and moto."""

import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from functions.ingest_x import app as ingest_x
from functions.x_gap_fill import app as gap_fill_function
from socialcare.adapters.slack import SlackPoster
from socialcare.adapters.x_gap_store import DynamoGapFillStore
from socialcare.adapters.x_timeline import TweepyMentions, XAppToken, XWebhookReplay
from socialcare.config import BrandDirectory, load_brands
from socialcare.config.brands import XIntake
from socialcare.errors import ConfigurationError, StorageUnavailable
from socialcare.services.x_gap_fill import GapFillDeps, Window, fill, resume_all
from socialcare.services.x_webhook import XWebhookDeps
from socialcare.settings import IngestSettings
from socialcare.slack.secrets import SlackSecrets
from socialcare.wiring import ingest_deps
from socialcare_tools import local_secrets as local
from socialcare_tools.apigw import http_event, x_delivery
from socialcare_tools.local.standins import StandIns
from socialcare_tools.local.standins_x import problem
from socialcare_tools.local.standins_x_timeline import MENTIONS, XTimeline
from socialcare_tools.samples import tweet, x_tweets
from socialcare_tools.template_resources import Backbone
from tests.conftest import BRANDS_DIR, LambdaContext
from tests.support.inspect import of_kind
from tests.support.metrics import emf

pytestmark = pytest.mark.integration

ACCOUNT = local.X_ACCOUNT_ID
OPS = "C0ACMEOPS01"
NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
OUTAGE = (datetime(2026, 12, 4, 11, 0, tzinfo=UTC), datetime(2026, 12, 4, 11, 30, tzinfo=UTC))


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass(frozen=True)
class Customer:
    id: str
    handle: str

    def v2(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.handle.title(),
            "username": self.handle,
            "verified": False,
            "public_metrics": {"followers_count": 120},
        }

    def v1(self) -> dict[str, Any]:
        return {
            "id_str": self.id,
            "name": self.handle.title(),
            "screen_name": self.handle,
            "followers_count": 120,
            "verified": False,
        }


def customer(n: int) -> Customer:
    return Customer(str(1400000000000000100 + n), f"customer{n}")


def post_id(n: int) -> str:
    return str(1990000000000100000 + n)


def v2_post(n: int, at: datetime, reply_to: int | None = None) -> dict[str, Any]:
    post: dict[str, Any] = {
        "id": post_id(n),
        "text": f"@AcmeSupport order {n} is late",
        "author_id": customer(n).id,
        "created_at": at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "entities": {
            "mentions": [{"start": 0, "end": 12, "username": "AcmeSupport", "id": ACCOUNT}]
        },
    }
    if reply_to is not None:
        post["referenced_tweets"] = [{"type": "replied_to", "id": post_id(reply_to)}]
        post["in_reply_to_user_id"] = customer(reply_to).id
    return post


def webhook_payload(n: int, at: datetime) -> dict[str, Any]:
    """The same post as X's webhook delivers it (Account Activity, v1.1 tweet)."""
    millis = int(at.timestamp() * 1000)
    return x_tweets(
        tweet(post_id(n), f"@AcmeSupport order {n} is late", user=customer(n).v1(), millis=millis)
    )


@pytest.fixture
def standins() -> Iterator[StandIns]:
    with StandIns() as running:
        yield running


def brands(**x: Any) -> BrandDirectory:
    acme = load_brands(BRANDS_DIR).brands["acme"]
    assert acme.slack is not None
    slack = acme.slack.model_copy(update={"ops_channel": OPS})
    return BrandDirectory([acme.model_copy(update={"x": XIntake(**x), "slack": slack})])


def gap_deps(backbone: Backbone, standins: StandIns, clock: Clock, **x: Any) -> GapFillDeps:
    token = XAppToken.model_validate({"bearer_token": local.X_BEARER_TOKEN})
    slack = SlackSecrets.model_validate(local.SLACK_SECRET_VALUE)
    settings = IngestSettings(
        TABLE_NAME=backbone.table, CLASSIFY_QUEUE_URL=backbone.classify_queue, BRANDS_DIR=BRANDS_DIR
    )
    return GapFillDeps(
        ingest=ingest_deps(settings),
        brands=brands(**x),
        store=DynamoGapFillStore(backbone.table, clock=clock),
        mentions=TweepyMentions(lambda: token, standins.x_url),
        replay=XWebhookReplay(lambda: token, standins.x.timeline.webhook_id, standins.x_url),
        slack=SlackPoster(lambda: slack, standins.slack_url),
        clock=clock,
    )


def deliver(payload: dict[str, Any], x_live: XWebhookDeps) -> None:
    event = x_delivery(payload, local.X_CONSUMER_SECRET)
    response = ingest_x.lambda_handler(
        event, LambdaContext(), deps=replace(x_live, clock=lambda: NOW)
    )
    assert response["statusCode"] == 200


def stored_ids(table: str) -> list[str]:
    """The platform id of every stored message, one entry per stored copy."""
    return sorted(str(m["platform_message_id"]) for m in of_kind(table, "MSG#"))


def ops_notices(standins: StandIns) -> list[dict[str, Any]]:
    return [
        c["params"]
        for c in standins.recorder.calls("slack")
        if c["method"] == "chat.postMessage"
        and c["params"].get("channel") == OPS
        and c["response"].get("ok")  # what Slack took
    ]


def outage_feed(timeline: XTimeline, x_live: XWebhookDeps, missed: int) -> list[int]:
    """Mentions before, during and after a 30-minute outage. The webhook delivered the ones
    before (post 0) and after (post 99), and post 1, which came in the outage's first second
    before the webhook went down; X's timeline has them all. Returns the missed posts."""
    start, _ = OUTAGE
    timeline.add_mention(ACCOUNT, v2_post(0, start - timedelta(minutes=5)), customer(0).v2())
    timeline.add_mention(ACCOUNT, v2_post(99, start + timedelta(minutes=35)), customer(99).v2())
    timeline.add_mention(ACCOUNT, v2_post(1, start), customer(1).v2())
    for n in (0, 99, 1):
        at = start + {0: timedelta(minutes=-5), 99: timedelta(minutes=35), 1: timedelta()}[n]
        deliver(webhook_payload(n, at), x_live)
    lost = list(range(2, 2 + missed))
    for n in lost:
        at = start + timedelta(seconds=10 * n)
        reply_to = n - 1 if n % 5 == 0 else None  # some answer an earlier missed post
        timeline.add_mention(ACCOUNT, v2_post(n, at, reply_to), customer(n).v2())
    return lost


def test_a_30_minute_outage_is_filled_and_each_mention_stored_once(
    backbone: Backbone, standins: StandIns, x_live: XWebhookDeps
) -> None:
    timeline = standins.x.timeline
    lost = outage_feed(timeline, x_live, missed=12)
    deps = gap_deps(backbone, standins, Clock(NOW), daily_read_cap=500)

    result = fill(Window("acme", ACCOUNT, *OUTAGE, reason="webhook invalid"), deps)

    assert result.complete and result.way == "mentions"
    assert sorted(result.stored) == sorted(f"x#{ACCOUNT}#{post_id(n)}" for n in lost)
    assert result.duplicates == [f"x#{ACCOUNT}#{post_id(1)}"]  # the webhook had it
    expected = sorted(post_id(n) for n in [0, 1, 99, *lost])
    assert stored_ids(backbone.table) == expected  # every mention, each exactly once
    assert timeline.reads_served == 13
    # A reply found its parent's conversation, as through the webhook.
    refs = {r["pk"]: r["conversation_id"] for r in of_kind(backbone.table, "REF")}
    assert refs[f"REF#x#{ACCOUNT}#{post_id(5)}"] == refs[f"REF#x#{ACCOUNT}#{post_id(4)}"]
    assert ops_notices(standins) == []

    again = fill(Window("acme", ACCOUNT, *OUTAGE), deps)  # a retried invocation
    assert again.stored == [] and len(again.duplicates) == 13
    assert stored_ids(backbone.table) == expected


def test_the_cap_stops_the_fill_says_so_once_and_the_next_day_finishes_it(
    backbone: Backbone,
    standins: StandIns,
    x_live: XWebhookDeps,
    metrics_on: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    timeline = standins.x.timeline
    lost = outage_feed(timeline, x_live, missed=30)  # 31 posts in the window
    clock = Clock(NOW)
    deps = gap_deps(backbone, standins, clock, daily_read_cap=12)

    first = fill(Window("acme", ACCOUNT, *OUTAGE, reason="webhook invalid"), deps)

    assert not first.complete and first.fetched == 12
    assert timeline.reads_served == 12  # X served no more than the cap
    # XReadsUsed (per brand, alarmed on) says what X served, request by request
    reads = emf(capsys.readouterr().out)["XReadsUsed"]
    assert sum(value for value, _ in reads) == 12
    assert {dims["brand"] for _, dims in reads} == {"acme"}
    [notice] = ops_notices(standins)
    assert "stopped at today's read cap (12 posts" in notice["text"]
    assert first.left is not None and first.left[0] == "2026-12-04T11:00:00.000Z"
    assert f"Not fetched yet: {first.left[0]} to {first.left[1]}" in notice["text"]
    assert f"--from {first.left[0]} --to {first.left[1]}" in notice["text"]

    same_day = resume_all(deps)  # the budget is spent: nothing read, no second notice
    assert [r.fetched for r in same_day] == [0]
    assert timeline.reads_served == 12 and len(ops_notices(standins)) == 1

    for day in (1, 2):
        clock.now = NOW + timedelta(days=day)
        resume_all(deps)
    assert timeline.reads_served == 31  # 12 + 12 + 7: never a post read twice
    assert deps.store.unfinished_windows("acme") == []
    assert stored_ids(backbone.table) == sorted(post_id(n) for n in [0, 1, 99, *lost])
    assert len(ops_notices(standins)) == 2  # day two stopped too; day three finished


def test_two_fills_at_once_never_pass_the_cap(
    backbone: Backbone, standins: StandIns, x_live: XWebhookDeps
) -> None:
    timeline = standins.x.timeline
    outage_feed(timeline, x_live, missed=40)
    deps = replace(gap_deps(backbone, standins, Clock(NOW), daily_read_cap=25), page_size=10)
    start, end = OUTAGE
    second: list[Any] = []

    def meanwhile(_: dict[str, Any]) -> None:
        # While X serves the first fill's first page, a second fill (the health check and
        # an operator at the same moment) runs to its end on the same budget.
        timeline.on_mentions = None
        second.append(fill(Window("acme", ACCOUNT, start, end - timedelta(minutes=1)), deps))

    timeline.on_mentions = meanwhile
    first = fill(Window("acme", ACCOUNT, start, end), deps)

    # The first fill had reserved its page before asking: the second got only the rest.
    assert first.fetched == 10 and second[0].fetched == 15
    assert not first.complete and not second[0].complete
    assert timeline.reads_served == 25
    assert deps.store.reads_used("acme", "2026-12-04") == 25  # type: ignore[attr-defined]


@pytest.fixture
def webhook(x_live: XWebhookDeps) -> Iterator[str]:
    """The X webhook over HTTP (the ingest function's handler), for the replay's deliveries."""

    @Request.application  # type: ignore[arg-type]
    def app(request: Request) -> Response:
        event = http_event("POST", "/webhooks/x", request.get_data(), dict(request.headers))
        answer = ingest_x.lambda_handler(
            event, LambdaContext(), deps=replace(x_live, clock=lambda: NOW)
        )
        return Response(answer.get("body", ""), status=answer["statusCode"])

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.port}/webhooks/x"
    server.shutdown()
    thread.join(timeout=5)


def test_replay_asks_x_and_the_redelivered_events_are_absorbed_once(
    backbone: Backbone, standins: StandIns, x_live: XWebhookDeps, webhook: str
) -> None:
    timeline = standins.x.timeline
    timeline.webhook_url = webhook
    start, _ = OUTAGE
    for n in range(1, 6):  # X tried to deliver these; the webhook took only the first
        at = start + timedelta(minutes=n)
        timeline.record_event(webhook_payload(n, at), at)
    deliver(webhook_payload(1, start + timedelta(minutes=1)), x_live)
    deps = gap_deps(backbone, standins, Clock(NOW), replay=True)

    result = fill(Window("acme", ACCOUNT, *OUTAGE, reason="our 5xx"), deps)

    assert result.way == "replay" and result.job_id
    [asked] = [c for c in standins.recorder.calls("x") if c["method"] == "POST /2/webhooks/replay"]
    assert asked["params"] == {
        "webhook_id": timeline.webhook_id,
        "from_date": "202612041100",
        "to_date": "202612041130",
    }
    [job] = timeline.replays
    assert job["statuses"] == [200] * 5
    assert stored_ids(backbone.table) == sorted(post_id(n) for n in range(1, 6))
    assert timeline.reads_served == 0  # a replay reads no timeline


REPLAY = "POST /2/webhooks/replay"


def replays_asked(standins: StandIns) -> list[dict[str, Any]]:
    return [c["params"] for c in standins.recorder.calls("x") if c["method"] == REPLAY]


def test_one_replay_is_asked_per_window_however_many_fills_ask(
    backbone: Backbone, standins: StandIns, webhook: str
) -> None:
    """The health check hands the same window to one fill per account: a replay brings back
    every account's events, so a second job would only bill them twice (and X runs one job
    per webhook at a time)."""
    standins.x.timeline.webhook_url = webhook  # where X re-delivers
    deps = gap_deps(backbone, standins, Clock(NOW), replay=True)

    first = fill(Window("acme", ACCOUNT, *OUTAGE, reason="webhook invalid"), deps)
    second = fill(Window("acme", ACCOUNT, *OUTAGE, reason="webhook invalid"), deps)

    assert first.job_id and second.job_id is None and second.way == "replay"
    assert len(replays_asked(standins)) == 1
    start, end = OUTAGE
    fill(Window("acme", ACCOUNT, start, end + timedelta(minutes=10)), deps)  # another window
    assert len(replays_asked(standins)) == 2


def test_a_replay_x_refused_is_asked_again_by_the_retry(
    backbone: Backbone, standins: StandIns, webhook: str
) -> None:
    standins.x.timeline.webhook_url = webhook  # where X re-delivers
    standins.x.failures.add(REPLAY, problem(503, "Service Unavailable"))
    deps = gap_deps(backbone, standins, Clock(NOW), replay=True)
    with pytest.raises(StorageUnavailable):
        fill(Window("acme", ACCOUNT, *OUTAGE), deps)

    retried = fill(Window("acme", ACCOUNT, *OUTAGE), deps)  # Lambda's retry of the event

    assert retried.job_id and len(replays_asked(standins)) == 2


def test_a_window_beyond_the_replays_24_hours_reads_the_older_part_from_the_timeline(
    backbone: Backbone, standins: StandIns, webhook: str
) -> None:
    standins.x.timeline.webhook_url = webhook  # where X re-delivers
    timeline = standins.x.timeline
    older = [NOW - timedelta(hours=29), NOW - timedelta(hours=26)]
    for n, at in enumerate(older, start=1):
        timeline.add_mention(ACCOUNT, v2_post(n, at), customer(n).v2())
    timeline.add_mention(ACCOUNT, v2_post(3, NOW - timedelta(hours=2)), customer(3).v2())
    deps = gap_deps(backbone, standins, Clock(NOW), replay=True, daily_read_cap=50)

    result = fill(
        Window("acme", ACCOUNT, NOW - timedelta(hours=30), NOW - timedelta(hours=1)), deps
    )

    assert result.way == "replay+mentions" and result.job_id and result.complete
    [asked] = replays_asked(standins)
    assert (asked["from_date"], asked["to_date"]) == ("202612031200", "202612041100")
    # the timeline was read only for the part the replay cannot reach
    assert result.fetched == 2 and stored_ids(backbone.table) == [post_id(1), post_id(2)]


def test_replay_without_a_webhook_id_fails_loudly(backbone: Backbone, standins: StandIns) -> None:
    deps = replace(
        gap_deps(backbone, standins, Clock(NOW), replay=True),
        replay=XWebhookReplay(lambda: XAppToken.model_validate({"bearer_token": "t"}), None),
    )
    with pytest.raises(ConfigurationError, match="X_WEBHOOK_ID"):
        fill(Window("acme", ACCOUNT, *OUTAGE), deps)


def test_x_refusing_the_request_fails_loudly_and_spends_nothing(
    backbone: Backbone, standins: StandIns
) -> None:
    standins.x.failures.add(
        MENTIONS, problem(400, "Invalid 'start_time': it must be before 'end_time'")
    )
    deps = gap_deps(backbone, standins, Clock(NOW), daily_read_cap=50)
    with pytest.raises(ConfigurationError, match="X refused the mentions timeline \\(400\\)"):
        fill(Window("acme", ACCOUNT, *OUTAGE), deps)
    assert deps.store.reads_used("acme", "2026-12-04") == 0  # type: ignore[attr-defined]


def test_the_function_takes_the_documented_event_and_refuses_a_bad_one(
    backbone: Backbone, standins: StandIns, x_live: XWebhookDeps
) -> None:
    lost = outage_feed(standins.x.timeline, x_live, missed=3)
    deps = gap_deps(backbone, standins, Clock(NOW), daily_read_cap=500)
    event = {
        "brand": "acme",
        "account_id": ACCOUNT,
        "from": "202612041100",
        "to": "2026-12-04T11:30:00Z",
        "reason": "cli",
    }

    answer = gap_fill_function.lambda_handler(event, LambdaContext(), deps=deps)  # type: ignore[arg-type]

    [summary] = answer["results"]
    assert summary["stored"] == len(lost) and summary["complete"]
    with pytest.raises(Exception, match="a gap fill needs brand, account_id, from, to: to"):
        gap_fill_function.lambda_handler({**event, "to": "soon"}, LambdaContext(), deps=deps)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="not 'acme'"):
        fill(Window("acme", "42", *OUTAGE), deps)


def test_a_notice_slack_failed_to_take_is_posted_by_the_retry_and_only_once(
    backbone: Backbone, standins: StandIns, x_live: XWebhookDeps
) -> None:
    outage_feed(standins.x.timeline, x_live, missed=10)
    deps = gap_deps(backbone, standins, Clock(NOW), daily_read_cap=5)
    standins.slack.fail_next("chat.postMessage", "internal_error")

    with pytest.raises(StorageUnavailable, match="internal_error"):
        fill(Window("acme", ACCOUNT, *OUTAGE), deps)
    assert ops_notices(standins) == []  # Slack refused it: the invocation failed

    retried = fill(Window("acme", ACCOUNT, *OUTAGE), deps)  # Lambda's retry
    assert retried.fetched == 0 and not retried.complete
    assert len(ops_notices(standins)) == 1
    fill(Window("acme", ACCOUNT, *OUTAGE), deps)
    assert len(ops_notices(standins)) == 1
    assert standins.x.timeline.reads_served == 5
