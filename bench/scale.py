"""A busy brand's day (issue 14): 10,000 messages a day, about 6,700 conversations, through
the real stores on moto in-process. Each figure is measured against the way it was done
before, in the same run, and printed with its budget.

1. `/care stats` must answer inside Slack's 3 seconds: the DynamoDB requests and bytes it
   reads for a day of conversations, through the narrow DayStats index (now) against the
   ByDay index with every attribute (before). DynamoDB returns at most 1 MB a Query page,
   so the pages are also modelled from the bytes (moto does not cut pages by size), and the
   read time at 5 ms a request. Budget: 2 requests or fewer.
2. Slack posts in the managers' channel when a burst of conversations breaches in the same
   minute (the escalation poster reads a minute of notices a batch): one post a notice
   (before) against digests per kind and tier (now). Budget: never above Slack's ~1 post a
   second per channel, i.e. at most 60 posts in the minute.

3. The weekly and daily e-mailed reports over two weeks of such days (bench/scale_report.py):
   requests, read units and modelled time, against one Query per conversation (before), and
   the e-mail's size. Budgets: under 60 s for the week; an e-mail under 5 MB.

Step Functions transitions per conversation are measured by bench/deadlines.py (its last
lines).

Run: .venv/bin/python bench/scale.py [--conversations 6700] [--breaches 300] [--no-report]
"""

import argparse
import json
import math
import os
import sys
import warnings
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [
    str(ROOT),
    str(ROOT / "layers" / "common" / "python"),
    str(ROOT / "infra" / "tools"),
]
os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-1")
os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench")

import boto3  # noqa: E402
import scale_report  # noqa: E402
from moto import mock_aws  # noqa: E402
from moto_dynamo import write  # noqa: E402

from socialcare.adapters.conversation_reads import ConversationReads  # noqa: E402
from socialcare.config import load_brands  # noqa: E402
from socialcare.models.escalation import EscalationNotice  # noqa: E402
from socialcare.models.message import Customer, iso  # noqa: E402
from socialcare.services.escalation_slack import (  # noqa: E402
    Arrival,
    EscalationPostDeps,
    post_escalations,
)
from socialcare_tools.template_resources import create_table  # noqa: E402

DAY = datetime(2026, 8, 24, tzinfo=UTC)
PAGE_BYTES = 1024 * 1024  # DynamoDB's Query page
REQUEST_SECONDS = 0.005  # the model of one DynamoDB round trip from Lambda


def meta(n: int, start: datetime = DAY, per_day: int = 6_700) -> dict[str, Any]:
    """A conversation's META as the pipeline leaves it after classification, a card in
    Slack and (for two in three) an answer: the attributes docs/storage.md lists, with
    typical lengths."""
    at = start + timedelta(seconds=86_400 * n / per_day)
    cid = f"c{n:07d}xq"
    due = at + timedelta(minutes=30)
    answered = n % 3 != 0
    clock = {
        "generation": int(at.timestamp() * 1000),
        "started_at": iso(at),
        "due_at": iso(due),
        "policy": "public posts",
        "policy_version": "40ed97006b25",
        "spent_seconds": 0,
    }
    item: dict[str, Any] = {
        "pk": f"CONV#{cid}",
        "sk": "META",
        "id": cid,
        "type": "conversation",
        "brand_id": "acme",
        "platform": "x",
        "channel_type": "public",
        "account_id": "1601234567890123456",
        "status": "answered" if answered else ("spam" if n % 17 == 0 else "open"),
        "created_at": iso(at),
        "last_message_at": iso(at),
        "message_count": 2,
        "customer": {
            "id": f"17{n:017d}",
            "handle": f"customer_{n}",
            "name": f"Customer Number {n}",
            "followers": 1532,
            "verified": False,
        },
        "link": f"https://x.com/customer_{n}/status/19600000{n:011d}",
        "language": "en",
        "sentiment": "negative",
        "topic": "order_status",
        "priority": ("P1", "P2", "P3", "P4")[n % 4],
        "suggestion": "where_is_my_order",
        "day_pk": f"DAY#acme#{iso(at)[:10]}",
        "day_sk": f"{iso(at)}#{cid}",
        "customer_pk": f"CUST#x#17{n:017d}",
        "customer_sk": f"{iso(at)}#{cid}",
        "thread_key": f"C0ACMESUPPORT#17{n:08d}.000100",
        "slack_thread": {"channel": "C0ACMESUPPORT", "ts": f"17{n:08d}.000100"},
        "clock_first_response": clock,
        "clock_resolution": clock | {"due_at": iso(at + timedelta(days=1))},
    }
    if answered:
        item |= {
            "first_response_at": iso(at + timedelta(minutes=12)),
            "first_responder": "U0AGENT01",
            "last_outbound_at": iso(at + timedelta(minutes=12)),
            "reply_count": 1,
            "last_reply_text": "Hi, sorry for the wait: your order ships today and you will get "
            "the tracking number by e-mail within the hour. Anything else, just write here.",
        }
    else:
        item |= {"queue_pk": "QUEUE#acme", "queue_sk": f"{iso(due)}#{cid}"}
    return item


class Reads:
    """Query requests a client makes, and the bytes DynamoDB answered (moto's JSON)."""

    def __init__(self, client: Any) -> None:
        self.requests, self.bytes = 0, 0
        client.meta.events.register("after-call.dynamodb.Query", self._count)

    def _count(self, http_response: Any, **_: Any) -> None:
        self.requests += 1
        items = json.loads(http_response.content).get("Items", [])
        self.bytes += sum(len(json.dumps(item)) for item in items)


def stats_reads(table: str, index: str) -> Reads:
    client = boto3.client("dynamodb")
    reads = Reads(client)
    store = ConversationReads(table, client=client)
    if index == "DayStats":
        store.started_on("acme", DAY.strftime("%Y-%m-%d"))  # what /care stats reads now
    else:
        pages = client.get_paginator("query").paginate(
            TableName=table,
            IndexName=index,
            KeyConditionExpression="day_pk = :day",
            ExpressionAttributeValues={":day": {"S": f"DAY#acme#{DAY:%Y-%m-%d}"}},
        )
        for _ in pages:
            pass
    return reads


def describe_stats(now: Reads, before: Reads, conversations: int) -> None:
    def line(label: str, reads: Reads) -> str:
        pages = max(math.ceil(reads.bytes / PAGE_BYTES), 1)
        modelled = pages * REQUEST_SECONDS * 1000
        return (
            f"  {label:<40} {reads.bytes / 1e6:6.2f} MB ({reads.bytes / conversations:5.0f} B a"
            f" conversation): {pages} Query page(s) on DynamoDB, ~{modelled:.0f} ms at 5 ms a"
            f" request ({reads.requests} on moto)"
        )

    print(f"/care stats for a day of {conversations:,} conversations:")
    print(line("before: ByDay, every attribute", before))
    print(line("now: DayStats (status, priority, due)", now))
    pages = max(math.ceil(now.bytes / PAGE_BYTES), 1)
    print(
        f"  bytes read now/before: {now.bytes / before.bytes:.2f}x;"
        f" requests {pages} (budget: 2 or fewer): {'met' if pages <= 2 else 'NOT met'}"
    )


class RecordingSlack:
    """Counts posts per channel (the Slack stand-in's job in tests; here only the count)."""

    def __init__(self) -> None:
        self.posts: Counter[str] = Counter()

    def post(
        self, channel: str, text: str, blocks: list[dict[str, Any]], thread_ts: Any = None
    ) -> str:
        self.posts[channel] += 1
        return f"{sum(self.posts.values())}.000100"

    def permalink(self, channel: str, ts: str) -> str | None:
        return f"https://acme.slack.com/archives/{channel}/p{ts.replace('.', '')}"

    def update(self, *args: Any) -> None: ...

    def ephemeral(self, *args: Any, **named: Any) -> None: ...

    def open_modal(self, *args: Any) -> None: ...

    def update_modal(self, *args: Any) -> bool:
        return True


class Marks:
    def __init__(self) -> None:
        self.done: set[str] = set()

    def posted(self, digests: list[str]) -> set[str]:
        return self.done & set(digests)

    def mark_posted(self, digests: list[str], ts: str) -> None:
        self.done |= set(digests)


def burst(breaches: int) -> tuple[int, int]:
    """Managers' channel posts for ``breaches`` notices of one minute (tiers 1-3 in the
    ratio a burst brings them): one post each before, digests now."""
    notices = [
        EscalationNotice(
            kind="overdue",
            brand_id="acme",
            tier=1 + (n % 5 == 0) + (n % 15 == 0),
            reason="first_response overdue",
            conversation_id=f"c{n:07d}xq",
            platform="x",
            priority="P2",
            topic="order_status",
            link=f"https://x.com/customer_{n}/status/19600000{n:011d}",
            customer=Customer(id=f"88{n}", name=f"Customer {n}", handle=f"customer_{n}"),
            due_at=DAY,
        )
        for n in range(breaches)
    ]
    slack = RecordingSlack()
    deps = EscalationPostDeps(
        brands=load_brands(ROOT / "layers" / "config" / "brands"), poster=slack, notices=Marks()
    )
    arrivals = [Arrival(f"m{n}", x, f"d{n}") for n, x in enumerate(notices)]
    # The event source mapping's batch: up to 100 records within the 60 s window.
    for start in range(0, len(arrivals), 100):
        failed = post_escalations(arrivals[start : start + 100], deps)
        assert not failed, failed
    return breaches, slack.posts["C0ACMEMANAGERS"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conversations", type=int, default=6_700)
    parser.add_argument("--breaches", type=int, default=300)
    parser.add_argument(
        "--report-sample", type=int, default=300, help="conversations a day written for part 3"
    )
    parser.add_argument("--no-report", action="store_true", help="leave out part 3 (minutes)")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    with mock_aws():
        table = create_table()
        write(table, [meta(n) for n in range(args.conversations)])
        before = stats_reads(table, "ByDay")
        now = stats_reads(table, "DayStats")
    describe_stats(now, before, args.conversations)
    sent, posts = burst(args.breaches)
    print(
        f"a burst of {sent} breaches in one minute, managers' channel: {sent} posts before,"
        f" {posts} now ({posts / sent:.3f}x); Slack's limit ~60 a minute: "
        f"{'met' if posts <= 60 else 'NOT met'}"
    )
    if not args.no_report:
        weekly_report(args.report_sample, args.conversations)
    print(f"recorded at {iso(datetime.now(UTC))}")


def weekly_report(sample: int, per_day: int) -> None:
    brand = load_brands(ROOT / "layers" / "config" / "brands").brands["acme"]
    start = scale_report.two_weeks_start(brand.zone)
    with mock_aws():
        table = create_table()
        items: list[dict[str, Any]] = []
        for n in range(14 * sample):
            conversation = meta(n, start, sample)
            items += [conversation, *scale_report.activity(conversation, n)]
            if len(items) > 10_000:
                write(table, items)
                items = []
        write(table, items)
        scale_report.describe(table, sample, per_day)


if __name__ == "__main__":
    main()
