"""Play a scripted support-desk scenario against a running local stack and check that no
message was lost.

Each step posts a platform delivery (a sample from ``events/`` or a generated burst) to
the local gateway exactly as the platform would, then measures what happened in DynamoDB:
the number of stored messages before and after. The outcome is compared with what the
scenario expects (stored, duplicate, ignored, rejected); any mismatch, any message left
unclassified, or anything in a dead-letter queue fails the run.
"""

import base64
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import boto3
import requests
from boto3.dynamodb.types import TypeDeserializer

from socialcare_tools import local_secrets as local
from socialcare_tools.apigw import vk_delivery, x_delivery
from socialcare_tools.samples import tweet, vk, vk_message, xaa_post
from socialcare_tools.samples_meta import mentioned_comment, mentioned_media

_deserializer = TypeDeserializer()
PLATFORM_OF_PATH = {
    "/webhooks/x": "X ",
    "/webhooks/vk": "VK",
    "/webhooks/meta": "Meta",
    "/webhooks/telegram": "Telegram",
}


@dataclass
class StepResult:
    say: str
    platform: str
    expect: str
    actual: str
    statuses: list[int]
    stored: int
    seconds: float

    @property
    def ok(self) -> bool:
        return self.expect == self.actual


@dataclass
class Readings:
    """What the classifier read across the stored messages, counted."""

    languages: Counter[str] = field(default_factory=Counter)
    sentiments: Counter[str] = field(default_factory=Counter)
    topics: Counter[str] = field(default_factory=Counter)
    topic_sources: Counter[str] = field(default_factory=Counter)
    priorities: Counter[str] = field(default_factory=Counter)
    spam: int = 0
    suggested: int = 0

    @classmethod
    def of(cls, found: list[dict[str, Any]]) -> "Readings":
        read = cls()
        for reading in found:
            read.languages[reading["language"]["code"]] += 1
            if "sentiment" in reading:
                read.sentiments[reading["sentiment"]["label"]] += 1
            if "topic" in reading:
                read.topics[reading["topic"]["code"]] += 1
                read.topic_sources[reading["topic"]["source"]] += 1
            if "priority" in reading:
                read.priorities[reading["priority"]["level"]] += 1
            read.spam += bool(reading.get("spam", {}).get("is_spam"))
            read.suggested += "suggestion" in reading
        return read


@dataclass
class Deadlines:
    """What the reply clocks did: their audit events and the immediate escalations, counted."""

    started: Counter[str] = field(default_factory=Counter)  # by clock
    warned: int = 0
    breached: int = 0
    escalated: Counter[int] = field(default_factory=Counter)  # by tier
    met_or_stopped: int = 0
    priority: int = 0
    spikes: int = 0
    running: int = 0  # executions still waiting when the demo ended

    @classmethod
    def of(cls, items: list[dict[str, Any]], running: int) -> "Deadlines":
        found = cls(running=running)
        for item in items:
            event = item.get("event")
            if event == "started":
                found.started[str(item["clock"])] += 1
            elif event == "warned":
                found.warned += 1
            elif event == "breached":
                found.breached += 1
            elif event == "escalated":
                found.escalated[int(item["tier"])] += 1
            elif event in ("met", "stopped"):
                found.met_or_stopped += 1
            elif str(item.get("sk", "")).startswith("ALERT#priority"):
                found.priority += 1
            elif str(item.get("pk", "")).startswith("SPIKE#"):
                found.spikes += 1
        return found


@dataclass
class Summary:
    steps: list[StepResult] = field(default_factory=list)
    received: int = 0
    stored: int = 0
    duplicates: int = 0
    ignored: int = 0
    rejected: int = 0
    taken_up: int = 0
    in_dead_letter: int = 0
    lost: list[str] = field(default_factory=list)
    read: Readings = field(default_factory=Readings)
    deadlines: Deadlines = field(default_factory=Deadlines)
    x_formats: Counter[str] = field(default_factory=Counter)  # X deliveries by API format

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.steps) and not self.lost and not self.in_dead_letter


def burst(texts: list[str], count: int) -> list[dict[str, Any]]:
    """``count`` deliveries, alternating X mentions (X Activity API deliveries) and VK
    messages, from distinct customers."""
    events = []
    for i in range(count):
        text = texts[i % len(texts)]
        if i % 2 == 0:
            user = {
                "id_str": str(1400000000000001000 + i),
                "name": f"Customer {i}",
                "screen_name": f"customer{i}",
                "followers_count": 10 * i,
                "verified": False,
            }
            post = tweet(
                str(1970000000000000000 + i), text, user=user, millis=1787570000000 + i * 1000
            )
            payload = xaa_post("post.mention.create", post, str(2080765813578200000 + i))
            events.append(x_delivery(payload, local.X_CONSUMER_SECRET))
        else:
            message = vk_message(
                text.removeprefix("@AcmeSupport "),
                conversation_message_id=1000 + i,
                peer=600000000 + i,
                date=1787570000 + i,
            )
            events.append(vk_delivery(vk("message_new", message, f"burst-{i:04d}")))
    return events


def x_format(body: bytes) -> str:
    """Which of X's two webhook formats a delivery body is in (the demo's count)."""
    try:
        parsed = json.loads(body)
    except ValueError:
        return "not JSON"
    if isinstance(parsed, dict) and isinstance(parsed.get("data"), dict):
        return "X Activity API"
    if isinstance(parsed, dict) and "for_user_id" in parsed:
        return "Account Activity API"
    return "other"


class Player:
    def __init__(
        self,
        gateway: str,
        table: str,
        dead_letter_queues: list[str],
        events_dir: Path,
        clock_machine: str | None = None,
        *,
        meta_graph: str | None = None,
    ) -> None:
        self.clock_machine = clock_machine
        self.meta_graph = meta_graph  # the Meta stand-in: what its Graph API holds
        self.gateway = gateway.rstrip("/")
        self.table = table
        self.dead_letter_queues = dead_letter_queues
        self.events_dir = events_dir
        self.ddb = boto3.client("dynamodb")
        self.sqs = boto3.client("sqs")
        self.http = requests.Session()
        self.x_formats: Counter[str] = Counter()

    def count(self, processed_only: bool = False) -> int:
        expression = "begins_with(sk, :m)" + (
            " AND attribute_exists(processed_at)" if processed_only else ""
        )
        pages = self.ddb.get_paginator("scan").paginate(
            TableName=self.table,
            Select="COUNT",
            FilterExpression=expression,
            ExpressionAttributeValues={":m": {"S": "MSG#"}},
        )
        return sum(page["Count"] for page in pages)

    def post(self, event: dict[str, Any]) -> int:  # the status code
        body = event.get("body", "")
        data = base64.b64decode(body) if event.get("isBase64Encoded") else body.encode("utf-8")
        if event["rawPath"] == "/webhooks/x" and data:
            self.x_formats[x_format(data)] += 1
        query = f"?{event['rawQueryString']}" if event.get("rawQueryString") else ""
        response = self.http.request(
            event["requestContext"]["http"]["method"],
            f"{self.gateway}{event['rawPath']}{query}",
            data=data,
            headers=event["headers"],
            timeout=30,
        )
        return int(response.status_code)

    def step(self, step: dict[str, Any], texts: list[str]) -> StepResult:
        if "burst" in step:
            events = burst(texts, int(step["burst"]))
        else:
            events = [
                json.loads((self.events_dir / f"{step['event']}.json").read_text(encoding="utf-8"))
            ]
        before, started = self.count(), time.perf_counter()
        if "graph" in step:  # an Instagram mention: Meta holds its text, the webhook its ids
            self._meta_holds(str(step["graph"]))
        statuses = [self.post(event) for event in events]
        expected = int(step.get("messages", len(events)))  # a Meta delivery batches several
        stored = self.count() - before
        if "graph" in step:  # stored once the mention reader has read it, a moment later
            deadline = time.monotonic() + 20
            while stored < expected and time.monotonic() < deadline:
                time.sleep(0.2)
                stored = self.count() - before
        if all(s == 200 for s in statuses):
            actual = (
                "stored"
                if stored == expected
                else step["expect"]
                if stored == 0
                else "partly stored"
            )
            if stored == 0 and step["expect"] not in ("duplicate", "ignored"):
                actual = "not stored"
        elif all(400 <= s < 500 for s in statuses) and stored == 0:
            actual = "rejected"
        else:
            actual = f"failed ({', '.join(map(str, sorted(set(statuses))))})"
        platform = "X+VK" if "burst" in step else PLATFORM_OF_PATH.get(events[0]["rawPath"], "?")
        return StepResult(
            step["say"],
            platform,
            step["expect"],
            actual,
            statuses,
            stored,
            time.perf_counter() - started,
        )

    def _meta_holds(self, item: str) -> None:
        if self.meta_graph is None:
            raise ValueError("this scenario needs the Meta stand-in (an Instagram mention)")
        held = mentioned_comment() if item == "mentioned_comment" else mentioned_media()
        self.http.post(f"{self.meta_graph.rstrip('/')}/_mentions", json=held, timeout=10)

    def wait_until_taken_up(self, expected: int, timeout: float = 60) -> int:
        deadline = time.monotonic() + timeout
        while (done := self.count(processed_only=True)) < expected and time.monotonic() < deadline:
            time.sleep(0.2)
        return done

    def readings(self) -> Readings:
        """What the classifier read in each message, counted."""
        pages = self.ddb.get_paginator("scan").paginate(
            TableName=self.table,
            FilterExpression="begins_with(sk, :m) AND attribute_exists(classification)",
            ExpressionAttributeValues={":m": {"S": "MSG#"}},
            ProjectionExpression="classification",
        )
        return Readings.of(
            [_plain(item)["classification"] for page in pages for item in page["Items"]]
        )

    def deadlines(self, settle_seconds: float = 30.0) -> Deadlines:
        """The clocks' audit events once their executions have settled (the busy hour's
        messages are dated in the past, so every step is already due), or as they stand."""
        running = 0
        if self.clock_machine:
            sfn = boto3.client("stepfunctions")
            deadline = time.monotonic() + settle_seconds
            while True:
                running = len(
                    sfn.list_executions(stateMachineArn=self.clock_machine, statusFilter="RUNNING")[
                        "executions"
                    ]
                )
                if not running or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
        pages = self.ddb.get_paginator("scan").paginate(
            TableName=self.table,
            FilterExpression="#t IN (:clock, :alert)",
            ExpressionAttributeNames={"#t": "type"},
            ExpressionAttributeValues={":clock": {"S": "clock_event"}, ":alert": {"S": "alert"}},
        )
        return Deadlines.of([_plain(i) for page in pages for i in page["Items"]], running)

    def classified_messages(self, limit: int) -> list[dict[str, Any]]:
        """The first stored messages, in the order they arrived, with what was read in them."""
        pages = self.ddb.get_paginator("scan").paginate(
            TableName=self.table,
            FilterExpression="begins_with(sk, :m)",
            ExpressionAttributeValues={":m": {"S": "MSG#"}},
        )
        items = [_plain(item) for page in pages for item in page["Items"]]
        return sorted(items, key=lambda m: str(m.get("stored_at", "")))[:limit]

    def dead_letters(self) -> int:
        total = 0
        for url in self.dead_letter_queues:
            attributes = self.sqs.get_queue_attributes(
                QueueUrl=url,
                AttributeNames=[
                    "ApproximateNumberOfMessages",
                    "ApproximateNumberOfMessagesNotVisible",
                ],
            )["Attributes"]
            total += int(attributes["ApproximateNumberOfMessages"]) + int(
                attributes["ApproximateNumberOfMessagesNotVisible"]
            )
        return total

    def play(self, scenario: dict[str, Any], out: TextIO) -> Summary:
        summary = Summary()
        started = time.perf_counter()
        texts = scenario.get("burst_texts", [])
        print(f"\n{scenario['title']}\n", file=out)
        for raw in scenario["steps"]:
            result = self.step(raw, texts)
            summary.steps.append(result)
            summary.received += len(result.statuses)
            summary.stored += result.stored
            n = len(result.statuses)
            if result.expect == "duplicate" and result.ok:
                summary.duplicates += n
            elif result.expect == "ignored" and result.ok:
                summary.ignored += n
            elif result.actual == "rejected":
                summary.rejected += n
            mark = "ok " if result.ok else "!! "
            codes = (
                f"{n} x 200"
                if n > 1 and set(result.statuses) == {200}
                else ",".join(map(str, result.statuses))
            )
            print(
                f"{mark}+{time.perf_counter() - started:5.2f}s  {result.platform:<8}  {result.say}",
                file=out,
            )
            print(
                f"{'':13}-> {codes}, {result.actual}"
                + ("" if result.ok else f" (expected {result.expect})"),
                file=out,
            )
        summary.x_formats = Counter(self.x_formats)
        summary.taken_up = self.wait_until_taken_up(summary.stored)
        summary.in_dead_letter = self.dead_letters()
        summary.read = self.readings()
        summary.deadlines = self.deadlines()
        if summary.taken_up < summary.stored:
            summary.lost.append(
                f"{summary.stored - summary.taken_up} stored messages never reached the classifier"
            )
        return summary


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _deserializer.deserialize(v) for k, v in item.items()}


SIGNS = {"negative": "-", "neutral": "=", "positive": "+"}


def render_readings(messages: list[dict[str, Any]], out: TextIO) -> None:
    """What the classifier read in each message, as an agent would see it on the card."""
    print("\nWhat the classifier read (first messages, in order)", file=out)
    for message in messages:
        found = message.get("classification", {})
        lang = found.get("language", {}).get("code", "-")
        feeling = found.get("sentiment", {})
        mood = f"{SIGNS.get(feeling.get('label'), '?')}{abs(float(feeling.get('score', 0))):.2f}"
        topic = found.get("topic", {}).get("code", "-")
        level = found.get("priority", {}).get("level", "-")
        spam = " SPAM" if found.get("spam", {}).get("is_spam") else ""
        answer = found.get("suggestion", {}).get("answer_id", "-")
        text = " ".join(str(message.get("text", "")).split())[:44]
        print(
            f"  {lang:<5} {mood:<6} {topic:<16} {level:<3}{spam:<5} {answer:<18} {text}",
            file=out,
        )
    print("  (sentiment: - negative, = neutral, + positive, with the model's score)", file=out)


def render_summary(summary: Summary, out: TextIO) -> None:
    rows = [
        ("deliveries received", summary.received),
        ("messages stored", summary.stored),
        ("duplicates absorbed", summary.duplicates),
        ("ignored (ours, or not a message)", summary.ignored),
        ("rejected (forged)", summary.rejected),
        ("classified", summary.taken_up),
        ("in dead-letter queues", summary.in_dead_letter),
    ]
    print("\nSummary", file=out)
    for label, value in rows:
        print(f"  {label:<40} {value:>5}", file=out)
    formats = ", ".join(f"{name} {n}" for name, n in summary.x_formats.most_common()) or "-"
    print(f"  {'X deliveries by format':<40} {formats}", file=out)
    read = summary.read

    def counted(counter: Counter[str]) -> str:
        return ", ".join(f"{code} {n}" for code, n in counter.most_common()) or "-"

    sources = ", ".join(f"{n} by {source}" for source, n in sorted(read.topic_sources.items()))
    print(f"  {'languages read':<40} {counted(read.languages)}", file=out)
    print(f"  {'sentiment':<40} {counted(read.sentiments)}", file=out)
    print(f"  {'topics (' + sources + ')':<40} {counted(read.topics)}", file=out)
    levels = ", ".join(f"{k} {read.priorities[k]}" for k in ("P1", "P2", "P3", "P4"))
    print(f"  {'priorities':<40} {levels}", file=out)
    print(f"  {'marked spam':<40} {read.spam:>5}", file=out)
    classified = max(summary.taken_up, 1)
    coverage = f"{read.suggested} of {summary.taken_up} ({100 * read.suggested / classified:.0f} %)"
    print(f"  {'suggested answers (answer base)':<40} {coverage}", file=out)
    render_deadlines(summary.deadlines, out)
    for later in ("answered from Slack",):
        print(f"  {later:<40}   not yet (arrives with its issue)", file=out)
    verdict = (
        "no message lost"
        if summary.ok
        else "PROBLEM: "
        + "; ".join(
            summary.lost
            + [
                f"step '{s.say}' was {s.actual}, expected {s.expect}"
                for s in summary.steps
                if not s.ok
            ]
            + (
                [f"{summary.in_dead_letter} in a dead-letter queue"]
                if summary.in_dead_letter
                else []
            )
        )
    )
    print(f"\n{verdict}", file=out)


def render_deadlines(clocks: Deadlines, out: TextIO) -> None:
    started = ", ".join(
        f"{kind.replace('_', ' ')} {n}" for kind, n in sorted(clocks.started.items())
    )
    tiers = ", ".join(f"tier {tier}: {n}" for tier, n in sorted(clocks.escalated.items()))
    rows = [
        ("reply clocks started", f"{sum(clocks.started.values())} ({started or '-'})"),
        ("clocks warned / breached", f"{clocks.warned} / {clocks.breached}"),
        ("overdue escalations", tiers or "-"),
        ("escalated at once: P1 / spikes", f"{clocks.priority} / {clocks.spikes}"),
    ]
    if clocks.running:
        rows.append(("clock executions still waiting", str(clocks.running)))
    for label, value in rows:
        print(f"  {label:<40} {value}", file=out)


def render_escalation_trail(
    table: str, slack_posts: list[dict[str, Any]], notices: list[tuple[str, str]], out: TextIO
) -> None:
    """One unanswered conversation's clock, event by event, and what the managers got."""
    ddb = boto3.client("dynamodb")
    first = sorted(
        (_plain(i) for i in ddb.scan(TableName=table)["Items"] if i["sk"]["S"] == "META"),
        key=lambda m: (str(m.get("created_at")), str(m.get("id"))),
    )
    trail = [
        _plain(i)
        for i in ddb.query(
            TableName=table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :c)",
            ExpressionAttributeValues={
                ":pk": {"S": f"CONV#{first[0]['id']}"} if first else {"S": "-"},
                ":c": {"S": "CLOCK#first_response#"},
            },
        )["Items"]
    ]
    if first and trail:
        meta = first[0]
        print(
            f"\nNobody answered {_who(meta)} on {meta.get('platform')}: its first-response clock",
            file=out,
        )
        for event in sorted(trail, key=lambda e: (str(e["at"]), int(e["tier"]))):
            tier = f" tier {int(event['tier'])}" if int(event["tier"]) else ""
            print(
                f"  {str(event['at'])[:19].replace('T', ' ')}  {event['event']}{tier}"
                f"  (due {str(event['due_at'])[11:16]} UTC, policy '{event['policy']}'"
                f" v{event['policy_version']})",
                file=out,
            )
    managers = [p for p in slack_posts if p.get("channel")]
    print(f"\nManagers' Slack channel (stand-in): {len(managers)} posts; the first:", file=out)
    for post in managers[:1]:
        for line in str(post.get("text", "")).replace("\u2060", "").splitlines():
            print(f"  | {line}", file=out)
    print(
        f"Managers' e-mail (SNS e-mail subscription): {len(notices)} notices; the first:", file=out
    )
    for subject, _ in notices[:1]:
        print(f"  Subject: {subject}", file=out)


def _who(meta: dict[str, Any]) -> str:
    """The customer as an agent would name them: @handle, else their name, else their id."""
    customer = meta.get("customer") or {}
    if customer.get("handle"):
        return f"@{customer['handle']}"
    return str(customer.get("name") or customer.get("id") or "a customer")
