"""bench/scale.py part 3: the weekly report of a brand at ~6,700 conversations a day.

Two weeks of conversations (the report's week and the one before, which it compares with)
are written as the pipeline leaves them: the conversation, its customer message (classified),
the agent's reply for two in three, and the clock events, each message and event with the
day it happened on (``activity_keys``, the same helper the stores use). The report is then
built by the report function's own code (``build_figures`` on ``DynamoReportStore``), and
its e-mail rendered (``report_email``, charts and CSV included).

moto takes about a second to answer a hundred conversations' worth of items (it serialises
every value in Python), so the two weeks are written and read at a sample volume (default
300 conversations a day) and each Query's answer is scaled to the day's volume: every Query
is one UTC day of one index, so its size grows with the day's conversations and nothing
else. Sizes follow DynamoDB's item size rules; the pages are its 1 MB Query pages (moto does
not cut pages by size), the read units half a unit per 4 KB, the time 5 ms a request. The
way before (one Query per conversation of both periods, plus the days) is counted from the
same run. The e-mail is built at the full volume from the sample's conversations, each
repeated with its own id and customer text. Budgets: under 60 s for the week; an e-mail
under 5 MB.
"""

import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
from moto_dynamo import Answered

from socialcare.adapters.dynamo_table import activity_keys
from socialcare.adapters.report_store import DynamoReportStore
from socialcare.config import load_brands
from socialcare.models.message import iso
from socialcare.reports.email import report_email
from socialcare.reports.figures import Figures, compute
from socialcare.reports.period import Period, PeriodKind
from socialcare.services.reports import ReportDeps, build_figures

ROOT = Path(__file__).resolve().parent.parent
WEEK = date(2026, 8, 24)  # a Monday
REQUEST_SECONDS = 0.005
WORDS = [
    "where",
    "is",
    "my",
    "order",
    "parcel",
    "refund",
    "late",
    "broken",
    "wrong",
    "size",
    "colour",
    "courier",
    "address",
    "tracking",
    "days",
    "still",
    "nothing",
    "please",
    "help",
    "jacket",
    "shoes",
    "box",
    "rain",
    "payment",
    "charged",
    "twice",
]
REPLY = (
    "Hi, sorry for the wait: your order ships today and you will get the tracking number"
    " by e-mail within the hour. Anything else, just write here."
)


def activity(meta: dict[str, Any], n: int) -> list[dict[str, Any]]:
    """The messages and clock events of the conversation ``meta`` (bench/scale.py's META)."""
    cid, at = str(meta["id"]), str(meta["created_at"])
    pk = meta["pk"]

    def keyed(item: dict[str, Any], when: str) -> dict[str, Any]:
        return item | {"pk": pk} | activity_keys("acme", when, cid, str(item["sk"]))

    def event(clock: str, kind: str, when: str) -> dict[str, Any]:
        sk = f"CLOCK#{clock}#0#{kind}#{1 if kind == 'breached' else 0}"
        return keyed(
            {
                "sk": sk,
                "type": "clock_event",
                "clock": clock,
                "generation": 0,
                "event": kind,
                "tier": 1 if kind == "breached" else 0,
                "at": when,
                "due_at": when,
                "policy": "public posts",
                "policy_version": "40ed97006b25",
            },
            when,
        )

    inbound = {
        "sk": f"MSG#{at}#19600000{n:011d}",
        "type": "message",
        "direction": "inbound",
        "kind": "mention",
        "sent_at": at,
        "text": customer_text(random.Random(n)),
        "author": meta["customer"],
        "link": meta["link"],
        "platform_message_id": f"19600000{n:011d}",
        "processed_at": at,
        "classification": {
            "language": "en",
            "sentiment": meta["sentiment"],
            "topic": meta["topic"],
            "spam": False,
            "priority": {"level": meta["priority"], "reasons": ["negative", "order"]},
            "suggestion": meta["suggestion"],
        },
    }
    items = [keyed(inbound, at), event("first_response", "started", at)]
    answer = meta.get("first_response_at")
    if answer:
        outbound = {
            "sk": f"MSG#{answer}#out#r{n}",
            "type": "message",
            "direction": "outbound",
            "route": "public",
            "sent_at": answer,
            "text": REPLY,
            "agent": meta["first_responder"],
            "from_suggestion": True,
            "platform_message_id": f"19700000{n:011d}",
        }
        items += [keyed(outbound, answer), event("first_response", "met", answer)]
    else:
        late = iso(datetime.fromisoformat(at.replace("Z", "+00:00")) + timedelta(minutes=30))
        items.append(event("first_response", "breached", late))
    return items


def report_reads(table: str, kind: PeriodKind) -> tuple[Answered, DynamoReportStore, Figures]:
    brand = load_brands(ROOT / "layers" / "config" / "brands").brands["acme"]
    period = Period(kind, WEEK + timedelta(days=6) if kind == PeriodKind.DAY else WEEK, brand.zone)
    client = boto3.client("dynamodb")
    answered = Answered(client)
    store = DynamoReportStore(table, client=client)
    as_of = period.end + timedelta(hours=8)  # the next morning's send
    return answered, store, build_figures(brand, period, ReportDeps(store), as_of=as_of)


def email_at(figures: Figures, factor: float) -> int:
    """The e-mail's size with each of the sample's conversations ``factor`` times (fresh ids
    and customer texts, so the CSV compresses as a real one would)."""
    brand = load_brands(ROOT / "layers" / "config" / "brands").brands["acme"]
    draw = random.Random(14)
    copies = [
        replace(fact, id=f"{fact.id}{k:03d}", first_text=customer_text(draw))
        for fact in figures.conversations
        for k in range(round(factor))
    ]
    at_volume = compute(copies, [], figures.period, brand.policies.calendar, as_of=figures.cutoff)
    email = report_email(at_volume, brand.name, "r@acme.example", ("lead@acme.example",))
    return len(email.as_bytes())


def describe(table: str, sample: int, per_day: int) -> None:
    """Reports read at ``sample`` conversations a day, modelled at ``per_day``."""
    factor = per_day / sample
    for kind in (PeriodKind.WEEK, PeriodKind.DAY):
        answered, store, figures = report_reads(table, kind)
        current = round(figures.headline.conversations * factor)
        earlier = round(figures.previous.conversations * factor)
        batch_gets = store.requests - len(answered.queries)  # spike reports by key
        now_requests = answered.pages(factor) + batch_gets
        now_s = now_requests * REQUEST_SECONDS
        by_day = 2 * len(figures.period.utc_days())  # before: the days, then each conversation
        before_requests = by_day + current + earlier
        before_s = before_requests * REQUEST_SECONDS
        label = kind.value
        print(
            f"{'weekly' if label == 'week' else 'daily'} report at {per_day:,} conversations a"
            f" day ({current:,} in the {label}, {earlier:,} in the {label} before; read from"
            f" {sample} a day on moto, each Query's bytes x{factor:.1f}):"
        )
        print(
            f"  before: {before_requests:,} requests (one Query per conversation),"
            f" ~{before_s:,.1f} s at 5 ms a request"
        )
        print(
            f"  now: {len(answered.queries)} Queries of"
            f" {sum(answered.queries) * factor / 1e6:,.1f} MB = {answered.pages(factor)} pages,"
            f" and {batch_gets} BatchGetItem: {now_requests} requests, ~{now_s:.1f} s at 5 ms a"
            f" request; {answered.read_units(factor):,.0f} read units"
        )
        verdict = "met" if now_s < 60 else "NOT met"
        print(
            f"  requests now/before: {now_requests / before_requests:.4f}x;"
            f" budget under 60 s: {verdict}"
        )
        size = email_at(figures, factor)
        mail = "met" if size < 5_000_000 else "NOT met"
        print(f"  e-mail {size / 1e6:.2f} MB with charts and CSV (budget under 5 MB): {mail}")


def customer_text(draw: random.Random) -> str:
    words = [draw.choice(WORDS) for _ in range(draw.randint(8, 30))]
    return "@acme " + " ".join(words) + f" order {draw.randrange(10**6)}"


def two_weeks_start(zone: Any) -> datetime:
    """The previous week's first local midnight, in UTC."""
    return datetime.combine(WEEK - timedelta(days=7), datetime.min.time(), zone).astimezone(UTC)
