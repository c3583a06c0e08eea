"""What a report reads at volume (issue 14): the requests follow the period's days and pages,
never its conversations, and the figures are those a read of every conversation's partition
gives. Conversations come through the real pipeline: ingest, classification with its clocks,
an agent's answer recorded by the desk store."""

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

import boto3
import pytest

from socialcare.adapters.reply_store import DynamoReplyStore
from socialcare.adapters.report_store import META_READ, DynamoReportStore
from socialcare.config import load_brands
from socialcare.models.reply import Delivered
from socialcare.reports.facts import Seen, Started
from socialcare.reports.figures import Figures
from socialcare.reports.period import Period, PeriodKind
from socialcare.services.reports import ReportDeps, build_figures
from socialcare.services.x_webhook import XWebhookDeps
from socialcare_tools.samples import tweet
from socialcare_tools.template_resources import Backbone
from tests.conftest import BRANDS_DIR
from tests.support.clocks import a_waiting_conversation, classify_with_clocks
from tests.support.inspect import dynamodb_calls, of_kind
from tests.support.outbox import an_answer_to
from tests.support.queues import queued_records

pytestmark = pytest.mark.integration
BRAND = load_brands(BRANDS_DIR).brands["acme"]
WEEK = Period(PeriodKind.WEEK, date(2026, 8, 24), BRAND.zone)
MADE_AT = datetime(2026, 8, 31, 5, tzinfo=UTC)  # Monday 08:00 in Moscow, as the schedule


def answered(backbone: Backbone, x_live: XWebhookDeps, machine: str) -> None:
    """Jane's tweet with its clocks running, then an agent's answer the outbox sent."""
    a_waiting_conversation(backbone, x_live, machine)
    [meta] = of_kind(backbone.table, "META")
    answer = an_answer_to(meta, "U0AGENT01", datetime(2026, 8, 24, 10, 19, tzinfo=UTC))
    store = DynamoReplyStore(backbone.table)
    store.queue_reply(answer)
    sent_at = datetime(2026, 8, 24, 10, 20, tzinfo=UTC)
    store.record_sent(answer, Delivered(platform_message_id="1990"), sent_at)
    store.mark_answered(meta["id"], sent_at)


def more_customers(backbone: Backbone, x_live: XWebhookDeps, machine: str, count: int) -> None:
    tweets = [
        tweet(
            str(300 + n),
            f"@AcmeSupport my parcel {n} is late",
            user={
                "id_str": f"88{n}",
                "name": f"Customer {n}",
                "screen_name": f"customer{n}",
                "followers_count": 10,
                "verified": False,
            },
        )
        for n in range(count)
    ]
    classify_with_clocks(backbone, machine, queued_records(backbone, x_live, *tweets))


def weekly(store: Any) -> Figures:
    return build_figures(BRAND, WEEK, ReportDeps(store), as_of=MADE_AT)


class PartitionsOnly:
    """The report's store as if no item carried activity keys: each conversation is then
    read by its partition, the way reports read before."""

    def __init__(self, store: DynamoReportStore) -> None:
        self.store = store

    def started_on_day(self, brand_id: str, day: str) -> list[Started]:
        return self.store.started_on_day(brand_id, day)

    def activity_on_day(
        self, brand_id: str, day: str, wanted: set[str]
    ) -> Iterable[tuple[str, Seen]]:
        return ()

    def activity_of(self, conversation_id: str) -> list[Seen]:
        return self.store.activity_of(conversation_id)

    def spikes(self, brand_id: str, topics: list[str], hours: list[str]) -> list[str]:
        return self.store.spikes(brand_id, topics, hours)


def test_a_weeks_requests_follow_its_days_not_its_conversations(
    backbone: Backbone, x_live: XWebhookDeps, machine: str
) -> None:
    answered(backbone, x_live, machine)
    dynamodb = boto3.client("dynamodb")
    store = DynamoReportStore(backbone.table, client=dynamodb)
    one = dynamodb_calls(dynamodb)
    assert weekly(store).headline.conversations == 1
    more_customers(backbone, x_live, machine, 6)
    dynamodb = boto3.client("dynamodb")
    store = DynamoReportStore(backbone.table, client=dynamodb)
    seven = dynamodb_calls(dynamodb)
    assert weekly(store).headline.conversations == 7
    queries = [c for c in seven if c[0] == "Query"]
    assert queries == [c for c in one if c[0] == "Query"]  # six more: not one query more
    assert not [c for c in seven if c[0] == "Scan" or c == ("Query", None)]
    topics = {f.topic for f in weekly(DynamoReportStore(backbone.table)).conversations}
    # Spike reports by key: a week's 168 hours a topic, 100 keys a request.
    assert seven.count(("BatchGetItem", None)) == 2 * len(topics)
    assert seven.count(("Query", "ByDay")) == 16  # the two weeks, 8 UTC days each (UTC+3)
    # What happened from the day before the week before (15 Aug) to the cutoff (31 Aug).
    assert seven.count(("Query", "ByActivityDay")) == 17
    assert store.requests == len(seven) == 33 + 2 * len(topics) and store.read_units > 0


def test_the_figures_are_those_every_conversations_partition_gives(
    backbone: Backbone, x_live: XWebhookDeps, machine: str
) -> None:
    answered(backbone, x_live, machine)
    more_customers(backbone, x_live, machine, 3)
    store = DynamoReportStore(backbone.table)
    by_day = weekly(store)
    # The answer and the clock it met were found by the day they happened on.
    assert [(a.agent, a.replies) for a in by_day.agents] == [("U0AGENT01", 1)]
    assert by_day.clocks["first_response"].started == 4
    assert by_day.clocks["first_response"].met == 1
    assert by_day.first_response.calendar.count == 1
    assert {f.first_text for f in by_day.conversations} >= {"@AcmeSupport where is my order?"}
    assert weekly(PartitionsOnly(DynamoReportStore(backbone.table))) == by_day


def test_conversations_stored_before_activity_keys_are_read_by_their_partition(
    backbone: Backbone, x_live: XWebhookDeps, machine: str
) -> None:
    answered(backbone, x_live, machine)
    more_customers(backbone, x_live, machine, 2)
    expected = weekly(DynamoReportStore(backbone.table))
    [jane] = [m for m in of_kind(backbone.table, "META") if m["customer"]["handle"] == "janeroe"]
    client = boto3.client("dynamodb")
    for item in client.query(
        TableName=backbone.table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": jane["pk"]}},
    )["Items"]:
        client.update_item(  # as an item written before the keys existed
            TableName=backbone.table,
            Key={"pk": item["pk"], "sk": item["sk"]},
            UpdateExpression="REMOVE activity_pk, activity_sk",
        )
    dynamodb = boto3.client("dynamodb")
    store = DynamoReportStore(backbone.table, client=dynamodb)
    calls = dynamodb_calls(dynamodb)
    assert weekly(store) == expected
    assert calls.count(("Query", None)) == 1  # Jane's partition, and only hers


def test_a_report_keeps_only_what_it_uses_of_each_conversation(
    backbone: Backbone, x_live: XWebhookDeps, machine: str
) -> None:
    # ~90,000 conversations decoded whole would not fit the report function's memory.
    answered(backbone, x_live, machine)
    [meta] = of_kind(backbone.table, "META")
    assert {"clock_first_response", "account_id", "day_pk"} <= set(meta)
    day = meta["created_at"][:10]
    dynamodb = boto3.client("dynamodb")
    answered_with: list[dict[str, Any]] = []
    dynamodb.meta.events.register(
        "after-call.dynamodb.Query", lambda parsed, **_: answered_with.extend(parsed["Items"])
    )
    [read] = DynamoReportStore(backbone.table, client=dynamodb).started_on_day("acme", day)
    # DynamoDB sends only what the report uses, and the report keeps it in a slotted fact.
    [sent] = answered_with
    assert set(sent) <= set(META_READ) | {"customer"}
    assert set(sent["customer"]["M"]) == {"handle", "id"}
    assert not hasattr(read, "__dict__")
    assert read.customer == "janeroe" and read.id == meta["id"]
    assert read.status == meta["status"] and read.first_response_at is not None
