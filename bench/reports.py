"""Report cost (issue 7): the time and DynamoDB read units to build a weekly report for
1,000, 10,000 and 100,000 conversations in the week, each with the same number again in
other weeks of the table, and once more with the table holding nothing else (the baseline,
same run). The cost must follow the period's conversations, not the table.

Conversations are written as the pipeline writes them (conversation with its index keys, an
inbound and an outbound message, clock events), on moto in-process; the report reads them
exactly as the report function does (DynamoReportStore: the conversations by the day they
began, ByDay; their messages and clock events by the day they happened on, ByActivityDay;
spike reports by key). No query per conversation. moto says one read unit a Query whatever
it read, so the read units (the cost measure) are DynamoDB's rule applied to what each Query
answered: half a unit per 4 KB, eventually consistent (bench/moto_dynamo.py). Time is shown in two
parts: the reads on moto (whose index queries walk the whole table, unlike DynamoDB, so this
part grows with the table here), and the report's own work on what was read (facts,
figures), replayed without I/O.

moto 5.2.5 answers a query on the table's key by sorting every item of the table
(``Table.all_items``), which makes 10,000 conversations take hours; ``partition_lookup``
lets a key query look at its own partition only, as DynamoDB does. It changes no answer
(the same items, in the same order: moto filters and sorts them afterwards); run with
``--unpatched-moto`` to compare.

Run: .venv/bin/python bench/reports.py [--sizes 1000 10000 100000]
"""

import argparse
import inspect
import logging
import os
import sys
import time
import warnings
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [
    str(ROOT),
    str(ROOT / "layers" / "common" / "python"),
    str(ROOT / "infra" / "tools"),
]
os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-1")
os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench")

import boto3  # noqa: E402
from moto import mock_aws  # noqa: E402
from moto.dynamodb.models.table import Table  # noqa: E402
from moto_dynamo import Answered, write  # noqa: E402

from socialcare.adapters.dynamo_table import activity_keys  # noqa: E402
from socialcare.adapters.report_store import DynamoReportStore  # noqa: E402
from socialcare.config import load_brands  # noqa: E402
from socialcare.models.message import iso  # noqa: E402
from socialcare.reports.facts import Seen, Started  # noqa: E402
from socialcare.reports.period import Period, PeriodKind  # noqa: E402
from socialcare.services.reports import ReportDeps, build_figures  # noqa: E402
from socialcare_tools.template_resources import create_table  # noqa: E402

WEEK = date(2026, 8, 24)  # a Monday


def items_for(n: int, start: datetime, tag: str) -> list[dict[str, object]]:
    """``n`` conversations spread over the week from ``start``: each answered or not."""
    out: list[dict[str, object]] = []
    step = timedelta(days=7) / max(n, 1)
    for i in range(n):
        at = start + step * i
        cid = f"{tag}{i:07d}"
        pk = f"CONV#{cid}"
        answered = i % 3 != 0
        meta: dict[str, object] = {
            "pk": pk,
            "sk": "META",
            "id": cid,
            "type": "conversation",
            "brand_id": "acme",
            "platform": "x" if i % 2 else "vk",
            "channel_type": "public",
            "account_id": "1",
            "status": "answered" if answered else "open",
            "created_at": iso(at),
            "customer": {"id": f"u{i % (n // 2 + 1)}", "handle": f"user{i}"},
            "day_pk": f"DAY#acme#{iso(at)[:10]}",
            "day_sk": f"{iso(at)}#{cid}",
            "customer_pk": f"CUST#x#u{i % (n // 2 + 1)}",
            "customer_sk": f"{iso(at)}#{cid}",
            "topic": ("delivery", "order_status", "refund_return")[i % 3],
            "sentiment": ("negative", "neutral", "positive")[i % 3],
        }
        out.append(meta)
        out.append(
            {
                "pk": pk,
                "sk": f"MSG#{iso(at)}#m{i}",
                "type": "message",
                "direction": "inbound",
                "sent_at": iso(at),
                "text": "where is my order?",
            }
        )
        out.append(
            {
                "pk": pk,
                "sk": "CLOCK#first_response#0#started#0",
                "clock": "first_response",
                "generation": 0,
                "event": "started",
                "tier": 0,
                "at": iso(at),
            }
        )
        if answered:
            reply = at + timedelta(minutes=5 + i % 90)
            meta.update(first_response_at=iso(reply), first_responder=f"U{i % 7}")
            out.append(
                {
                    "pk": pk,
                    "sk": f"MSG#{iso(reply)}#out#r{i}",
                    "type": "message",
                    "direction": "outbound",
                    "sent_at": iso(reply),
                    "agent": f"U{i % 7}",
                    "text": "on its way",
                }
            )
            out.append(
                {
                    "pk": pk,
                    "sk": "CLOCK#first_response#0#met#0",
                    "clock": "first_response",
                    "generation": 0,
                    "event": "met",
                    "tier": 0,
                    "at": iso(reply),
                }
            )
    for item in out:  # messages and clock events carry the day they happened on
        if item["sk"] != "META":
            cid = str(item["pk"]).removeprefix("CONV#")
            when = str(item.get("sent_at") or item["at"])
            item.update(activity_keys("acme", when, cid, str(item["sk"])))
    return out


class Replay:
    """What a store answered, kept so the report can run again without I/O."""

    def __init__(self, store: DynamoReportStore) -> None:
        self.store, self.answers = store, {}

    def started_on_day(self, brand_id: str, day: str) -> list[Started]:
        return self._kept(("day", brand_id, day), lambda: self.store.started_on_day(brand_id, day))

    def activity_on_day(self, brand_id: str, day: str, wanted: set[str]) -> list[tuple[str, Seen]]:
        key = ("activity", brand_id, day, frozenset(wanted))
        return self._kept(key, lambda: list(self.store.activity_on_day(brand_id, day, wanted)))

    def activity_of(self, conversation_id: str) -> list[Seen]:
        return self._kept(
            ("partition", conversation_id), lambda: self.store.activity_of(conversation_id)
        )

    def spikes(self, brand_id: str, topics: list[str], hours: list[str]) -> list[str]:
        key = ("spikes", brand_id, tuple(topics), tuple(hours))
        return self._kept(key, lambda: self.store.spikes(brand_id, topics, hours))

    def _kept(self, key, read):  # type: ignore[no-untyped-def]
        if key not in self.answers:
            self.answers[key] = read()
        return self.answers[key]


@contextmanager
def partition_lookup() -> Iterator[None]:
    original = Table.query

    signature = inspect.signature(original)

    def query(self: Table, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(self, hash_key, *args, **kwargs)
        if bound.arguments.get("index_name") or hash_key is None:
            return original(self, hash_key, *args, **kwargs)
        mine = list(self.items.get(hash_key, {}).values())
        self.all_items = lambda: mine  # type: ignore[method-assign]
        try:
            return original(self, hash_key, *args, **kwargs)
        finally:
            del self.all_items

    Table.query = query  # type: ignore[method-assign]
    try:
        yield
    finally:
        Table.query = original  # type: ignore[method-assign]


def measure(n: int, others: bool) -> tuple[float, float, float, int, int]:
    """Seconds reading (moto), read units, seconds of the report's own work, conversations,
    DynamoDB requests (Query pages and BatchGetItem calls)."""
    with mock_aws():
        table = create_table()
        brand = load_brands(ROOT / "layers" / "config" / "brands").brands["acme"]
        zone = ZoneInfo("Europe/Moscow")
        monday = datetime.combine(WEEK, datetime.min.time(), zone).astimezone(UTC)
        write(table, items_for(n, monday, "c"))
        if others:  # as many again, in the weeks before and after
            write(table, items_for(n // 2, monday - timedelta(days=14), "b"))
            write(table, items_for(n - n // 2, monday + timedelta(days=7), "a"))
        client = boto3.client("dynamodb")
        answered = Answered(client)
        store = DynamoReportStore(table, client=client)
        replay = Replay(store)
        period = Period(PeriodKind.WEEK, WEEK, zone)
        started = time.perf_counter()
        build_figures(brand, period, ReportDeps(replay))
        reading = time.perf_counter() - started
        started = time.perf_counter()
        figures = build_figures(brand, period, ReportDeps(replay))  # all answers kept: no I/O
        work = time.perf_counter() - started
        return (
            reading - work,
            answered.read_units(1.0),  # moto says 1 a Query
            work,
            figures.headline.conversations,
            store.requests,
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--unpatched-moto", action="store_true", help="moto's own key queries")
    args = parser.parse_args()
    if not args.unpatched_moto:
        stack = ExitStack()
        stack.enter_context(partition_lookup())
    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore")
    print("weekly report, conversations in the week -> time, read units (per conversation)")
    rows = []
    for n in args.sizes:
        alone = measure(n, others=False)
        crowded = measure(n, others=True)
        rows.append((n, alone, crowded))
        for label, (reads, units, work, seen, requests) in (
            ("table holds only the week", alone),
            ("table holds as many again", crowded),
        ):
            print(
                f"  {n:>7,} {label:<27} {units:10,.1f} RU ({units / n:.2f} a conversation);"
                f" report work {work:6.2f} s ({work / n * 1000:.3f} ms a conversation);"
                f" {requests:,} requests; reads on moto {reads:7.2f} s; read {seen:,}"
            )
        print(
            f"          read units crowded/alone: {crowded[1] / alone[1]:.2f}x"
            " (the other weeks cost only the days at the edges read; the rest nothing)"
        )
    if len(rows) > 1:
        first, last = rows[0], rows[-1]
        growth = last[0] / first[0]
        print(
            f"  {first[0]:,} -> {last[0]:,} conversations ({growth:.0f}x): read units"
            f" {last[2][1] / first[2][1]:.1f}x, report work {last[2][2] / first[2][2]:.1f}x"
            " (linear: about the growth, or less)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
