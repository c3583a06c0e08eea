"""What a report reads: the brand's conversations of a period day by day (the ByDay index),
the messages and clock events of the days they happened on (the ByActivityDay index) and the
spike reports (by key). Never a scan, never a query per conversation: the requests follow
the period's days and pages, not its conversations or the table. A conversation stored
before its items carried activity keys is read by its partition (``items``). Whether a
customer came back is on the first message (the classifier counted it), not another index
read. Items are handed over as the report's facts (``Started``, ``Seen``), decoded here.
``read_units`` adds up the capacity DynamoDB says the reads consumed, ``requests``
the round trips."""

import random
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from socialcare.adapters.alert_store import spike_pk
from socialcare.adapters.dynamo_codec import conversation_pk, from_item, storage_errors, to_item
from socialcare.adapters.dynamo_table import ConversationTable
from socialcare.clock import Clock, utc_now
from socialcare.models.conversation import ConversationStatus
from socialcare.ports import Recorded
from socialcare.reports.facts import FIRST_TEXT_CHARS, ClockFact, MessageFact, Seen, Started
from socialcare.reports.period import Period

# The conversation's attributes a report reads (``Started``).
META_READ = (
    "id",
    "created_at",
    "platform",
    "channel_type",
    "status",
    "link",
    "topic",
    "sentiment",
    "priority",
    "first_response_at",
    "first_responder",
    "resolved_at",
)


class DynamoReportStore:
    """``read_units`` adds up the capacity DynamoDB says the reads consumed, ``requests`` the
    round trips (the benches' cost measure)."""

    def __init__(
        self, table: str | ConversationTable, client: Any = None, clock: Clock = utc_now
    ) -> None:
        self._table = ConversationTable.of(table, client, clock)
        self.read_units = 0.0
        self.requests = 0

    def record_report(self, brand_id: str, period: Period) -> Recorded:
        """The brand's report for a period, written once before it is sent; ``report_sent``
        once SES took it: a retry sends what is owed, never twice."""
        item = {
            "pk": _report_pk(brand_id),
            "sk": _period_sk(period),
            "type": "report",
            "period": period.label,
        }
        return self._table.record_once(item, notify=True)

    def report_sent(self, brand_id: str, period: Period) -> None:
        self._table.mark_sent(_report_pk(brand_id), _period_sk(period))

    def _pages(self, **request: Any) -> Iterator[list[dict[str, Any]]]:
        pages = self._table.client.get_paginator("query").paginate(
            TableName=self._table.name, ReturnConsumedCapacity="TOTAL", **request
        )
        with storage_errors("reading for the report"):
            for page in pages:
                self.requests += 1
                self.read_units += float(
                    (page.get("ConsumedCapacity") or {}).get("CapacityUnits", 0)
                )
                yield page["Items"]

    def _query(self, **request: Any) -> Iterator[dict[str, Any]]:
        return (from_item(item) for page in self._pages(**request) for item in page)

    def started_on_day(self, brand_id: str, day: str) -> list[Started]:
        """The brand's conversations whose first message was on ``day`` (UTC)."""
        found = self._query(
            IndexName="ByDay",
            KeyConditionExpression="day_pk = :day",
            ExpressionAttributeValues=to_item({":day": f"DAY#{brand_id}#{day}"}),
            # What the report uses: a week's conversations decoded whole would not fit the
            # function's memory (the read units are the same either way).
            ProjectionExpression=", ".join(f"#{i}" for i in range(len(META_READ)))
            + ", #c.handle, #c.id",
            ExpressionAttributeNames={f"#{i}": name for i, name in enumerate(META_READ)}
            | {"#c": "customer"},
        )
        return [started_of(item) for item in found]

    def activity_on_day(
        self, brand_id: str, day: str, wanted: set[str]
    ) -> Iterator[tuple[str, Seen]]:
        """The messages and clock events of the brand's conversations in ``wanted`` that
        happened on ``day`` (UTC), as (conversation id, item). Items of other conversations
        are passed over before they are decoded: a day holds every conversation's activity."""
        for page in self._pages(
            IndexName="ByActivityDay",
            KeyConditionExpression="activity_pk = :day",
            ExpressionAttributeValues=to_item({":day": f"ACT#{brand_id}#{day}"}),
        ):
            for item in page:
                conversation_id = item["activity_sk"]["S"].split("#", 1)[0]
                if conversation_id in wanted:
                    yield conversation_id, seen_of(from_item(item))

    def activity_of(self, conversation_id: str) -> list[Seen]:
        """Its messages and clock events (one partition, one query): for conversations
        stored before their items carried activity keys."""
        found = self._query(
            KeyConditionExpression="pk = :pk AND sk BETWEEN :from AND :to",
            ExpressionAttributeValues=to_item(
                {":pk": conversation_pk(conversation_id), ":from": "CLOCK#", ":to": "MSG$"}
            ),
        )
        return [seen_of(item) for item in found]

    def spikes(self, brand_id: str, topics: list[str], hours: list[str]) -> list[str]:
        """The spikes reported for these topics in these hours (``topic hour``), read by key:
        at most 100 keys a call, so a week costs a few calls per topic."""
        keys = [spike_pk(brand_id, t, h) for t in topics for h in hours]
        found: list[str] = []
        for start in range(0, len(keys), 100):
            request = {
                self._table.name: {
                    "Keys": [to_item({"pk": k, "sk": "ALERT"}) for k in keys[start : start + 100]]
                }
            }
            while request:
                with storage_errors("reading spikes"):
                    page = self._table.client.batch_get_item(
                        RequestItems=request, ReturnConsumedCapacity="TOTAL"
                    )
                self.requests += 1
                for used in page.get("ConsumedCapacity") or []:
                    self.read_units += float(used.get("CapacityUnits", 0))
                for item in page["Responses"].get(self._table.name, []):
                    _, _, topic, hour = str(item["pk"]["S"]).split("#", 3)
                    found.append(f"{topic} {hour}:00 UTC")
                request = page.get("UnprocessedKeys") or {}
                if request:
                    time.sleep(random.uniform(0.05, 0.1))  # noqa: S311 - jitter: throttled, back off
        return found


def started_of(meta: dict[str, Any]) -> Started:
    customer = meta.get("customer") or {}
    return Started(
        id=str(meta["id"]),
        created_at=datetime.fromisoformat(str(meta["created_at"])),
        platform=str(meta.get("platform", "")),
        channel_type=str(meta.get("channel_type", "")),
        status=str(meta.get("status", ConversationStatus.NEW)),
        customer=str(customer.get("handle") or customer.get("id") or ""),
        link=meta.get("link"),
        topic=meta.get("topic"),
        sentiment=meta.get("sentiment"),
        priority=meta.get("priority"),
        first_response_at=_moment(meta.get("first_response_at")),
        first_responder=meta.get("first_responder"),
        resolved_at=_moment(meta.get("resolved_at")),
    )


def seen_of(item: dict[str, Any]) -> Seen:
    """A message (``MSG#``) or a clock event (``CLOCK#``) as the report's fact; an item
    without its moment (written before it was kept) gives none, but a customer's message
    still counts as the conversation's first."""
    sk = str(item.get("sk", ""))
    classification = item.get("classification") or {}
    fact: MessageFact | ClockFact | None = None
    if sk.startswith("MSG#") and item.get("sent_at"):
        fact = MessageFact(
            inbound=item.get("direction") != "outbound",
            at=datetime.fromisoformat(str(item["sent_at"])),
            agent=item.get("agent"),
            suggested=bool(classification.get("suggestion")),
            from_suggestion=bool(item.get("from_suggestion")),
            encrypted=item.get("kind") == "encrypted_chat",
        )
    elif sk.startswith("CLOCK#") and item.get("at"):
        fact = ClockFact(
            clock=str(item["clock"]),
            generation=int(item.get("generation", 0)),
            event=str(item["event"]),
            tier=int(item.get("tier", 0)),
            at=datetime.fromisoformat(str(item["at"])),
        )
    if item.get("direction") != "inbound":
        return Seen(fact, sk)
    earlier = (classification.get("priority") or {}).get("earlier_conversations", 0)
    return Seen(
        fact,
        sk,
        inbound=True,
        text=str(item.get("text", ""))[:FIRST_TEXT_CHARS],
        returning=int(earlier) > 0,
    )


def _moment(value: Any) -> datetime | None:
    return datetime.fromisoformat(str(value)) if value else None


def _report_pk(brand_id: str) -> str:
    return f"REPORT#{brand_id}"


def _period_sk(period: Period) -> str:
    return f"{period.kind}#{period.first_day}"
