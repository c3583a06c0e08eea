"""When the table cannot be reached, every store call says so as ``StorageUnavailable``
(what the handlers turn into a 5xx or a queue retry), never a raw botocore error: the
network failure here is real, a client pointed at a port nothing listens on."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import boto3
import pytest
from botocore.config import Config

from socialcare.adapters.alert_store import DynamoAlertStore
from socialcare.adapters.classify_store import DynamoClassifyStore
from socialcare.adapters.clock_store import DynamoClockStore
from socialcare.adapters.conversation_reads import ConversationReads
from socialcare.adapters.desk_store import DynamoDeskStore
from socialcare.adapters.dynamo_table import ConversationTable
from socialcare.adapters.erasure_store import DynamoErasureStore
from socialcare.adapters.intake_store import DynamoIntakeStore
from socialcare.adapters.posted_notices import DynamoPostedNotices, DynamoPostLog
from socialcare.adapters.reply_store import DynamoReplyStore
from socialcare.adapters.report_store import DynamoReportStore
from socialcare.adapters.retention_store import DynamoRetentionStore
from socialcare.adapters.thread_store import DynamoThreadStore
from socialcare.adapters.x_activity import DynamoLastEvents
from socialcare.adapters.x_gap_store import DynamoGapFillStore
from socialcare.deadlines.plan import ClockKind, ClockPlan
from socialcare.errors import StorageUnavailable
from socialcare.models.conversation import Conversation
from socialcare.models.erasure import CustomerRef, HandleLookup
from socialcare.models.message import MessageKind
from socialcare.models.reply import Delivered, OutboundReply, ReplyRoute
from socialcare.reports.period import Period, PeriodKind
from socialcare.services.classify import classify_text
from socialcare.services.x_gap_fill import Window
from tests.support.items import conversation_item
from tests.support.stored import message

AT = datetime(2026, 8, 24, 10, 15, tzinfo=UTC)
REPLY = OutboundReply(
    reply_id="r1",
    conversation_id="c1",
    brand_id="acme",
    platform="x",
    account_id="1",
    route=ReplyRoute.PUBLIC,
    text="Thanks!",
    target_message_id="1",
    target_kind=MessageKind.MENTION,
    customer_id="2",
    agent="U1",
    slack_channel="C1",
    slack_thread_ts="1.0",
    queued_at=AT,
)

DELIVERED = Delivered(platform_message_id="1990")
WINDOW = Window("acme", "1", AT, AT)
WEEK = Period(PeriodKind.WEEK, date(2026, 8, 24), ZoneInfo("Europe/Moscow"))
PLAN_EVENT = ("warning", 1)


def plan() -> ClockPlan:
    return ClockPlan(
        conversation_id="c1",
        brand_id="acme",
        clock=ClockKind.FIRST_RESPONSE,
        generation=1,
        started_at=AT,
        policy="default",
        policy_version="1",
        due_at=AT,
        steps=(),
    )


@dataclass(frozen=True)
class Stores:
    """Every store of the conversations table, on one unreachable client."""

    intake: DynamoIntakeStore
    reads: ConversationReads
    classify: DynamoClassifyStore
    clocks: DynamoClockStore
    alerts: DynamoAlertStore
    thread: DynamoThreadStore
    desk: DynamoDeskStore
    replies: DynamoReplyStore
    reports: DynamoReportStore
    gaps: DynamoGapFillStore
    erasure: DynamoErasureStore
    retention: DynamoRetentionStore
    x_activity: DynamoLastEvents
    notices: DynamoPostedNotices
    post_log: DynamoPostLog


CALLS: dict[str, Callable[[Stores], Any]] = {
    "intake.find_ref": lambda s: s.intake.find_ref("x:1"),
    "intake.link": lambda s: s.intake.link("x:2", "x:1"),
    "intake.save_inbound": lambda s: s.intake.save_inbound(message(), "c1", "k"),
    "intake.mark_deleted": lambda s: s.intake.mark_deleted("x:1", "2026-08-24T10:15:00Z"),
    "reads.conversation": lambda s: s.reads.conversation("c1"),
    "reads.load_many": lambda s: s.reads.load_many([("c1", "MSG#1")]),
    "reads.list_messages": lambda s: s.reads.list_messages("c1"),
    "reads.by_thread": lambda s: s.reads.by_thread("C1", "1.0"),
    "reads.latest_inbound": lambda s: s.reads.latest_inbound("c1"),
    "reads.clock_events": lambda s: s.reads.clock_events("c1"),
    "reads.started_on": lambda s: s.reads.started_on("acme", "2026-08-24"),
    "reads.waiting": lambda s: s.reads.waiting("acme", 10),
    "classify.take_up": lambda s: s.classify.take_up(
        "c1", "MSG#1", classify_text("where is my order?"), "new"
    ),
    "classify.earlier_conversations": lambda s: s.classify.earlier_conversations(
        Conversation.model_validate(conversation_item()), timedelta(days=7)
    ),
    "classify.copies": lambda s: s.classify.copies("acme", "2026-08-24", "t", "x:1"),
    "clocks.record_clock_event": lambda s: s.clocks.record_clock_event(
        plan(), *PLAN_EVENT, AT, notify=True
    ),
    "clocks.mark_notified": lambda s: s.clocks.mark_notified(plan(), *PLAN_EVENT),
    "alerts.priority_alert": lambda s: s.alerts.priority_alert("c1", 1, ("angry",), AT),
    "alerts.priority_alert_sent": lambda s: s.alerts.priority_alert_sent("c1", 1),
    "alerts.count_negative": lambda s: s.alerts.count_negative("acme", "t", "h", "x:1"),
    "alerts.negative_history": lambda s: s.alerts.negative_history("acme", "t", ["h"]),
    "alerts.spike_alert": lambda s: s.alerts.spike_alert("acme", "t", "h", 9, AT),
    "alerts.spike_alert_sent": lambda s: s.alerts.spike_alert_sent("acme", "t", "h"),
    "thread.record_card": lambda s: s.thread.record_card("c1", "MSG#1", "C1", "1.0"),
    "thread.record_copy": lambda s: s.thread.record_copy("c1", "MSG#1", "C1", "1.0"),
    "thread.record_deletion_shown": lambda s: s.thread.record_deletion_shown("c1", "MSG#1", AT),
    "desk.wait_on_customer": lambda s: s.desk.wait_on_customer("c1", AT),
    "desk.record_escalation_request": lambda s: s.desk.record_escalation_request(
        "c1", "C1.1.0", "U1"
    ),
    "desk.escalation_request_sent": lambda s: s.desk.escalation_request_sent("c1", "C1.1.0"),
    "replies.reply": lambda s: s.replies.reply("c1", "r1"),
    "replies.queue_reply": lambda s: s.replies.queue_reply(REPLY),
    "replies.forget_queued_text": lambda s: s.replies.forget_queued_text(REPLY),
    "replies.mark_answered": lambda s: s.replies.mark_answered("c1", AT),
    "replies.stuck_replies": lambda s: s.replies.stuck_replies(AT, 10),
    "replies.swept": lambda s: s.replies.swept(REPLY, AT),
    "replies.claim": lambda s: s.replies.claim(REPLY, AT),
    "replies.release": lambda s: s.replies.release(REPLY),
    "replies.record_accepted": lambda s: s.replies.record_accepted(REPLY, DELIVERED, AT),
    "replies.record_sent": lambda s: s.replies.record_sent(REPLY, DELIVERED, AT),
    "replies.mark_failed": lambda s: s.replies.mark_failed(REPLY, "refused", "no"),
    "replies.hold": lambda s: s.replies.hold(REPLY, AT),
    "replies.mark_shown": lambda s: s.replies.mark_shown(REPLY),
    "desk.assign": lambda s: s.desk.assign("c1", "U1"),
    "desk.reply_privately": lambda s: s.desk.reply_privately("c1"),
    "desk.resolve": lambda s: s.desk.resolve("c1", "U1", AT),
    "desk.mark_spam": lambda s: s.desk.mark_spam("c1", "U1", AT),
    "desk.add_note": lambda s: s.desk.add_note("c1", "n1", "U1", "called them", AT),
    "reports.record_report": lambda s: s.reports.record_report("acme", WEEK),
    "reports.report_sent": lambda s: s.reports.report_sent("acme", WEEK),
    "reports.started_on_day": lambda s: s.reports.started_on_day("acme", "2026-08-24"),
    "reports.activity_of": lambda s: s.reports.activity_of("c1"),
    "gaps.reads_used": lambda s: s.gaps.reads_used("acme", "2026-08-24"),
    "gaps.save_window": lambda s: s.gaps.save_window(WINDOW, AT),
    "gaps.unfinished_windows": lambda s: s.gaps.unfinished_windows("acme"),
    "gaps.record_gap_notice": lambda s: s.gaps.record_gap_notice(WINDOW, "2026-08-24", AT),
    "gaps.gap_notice_sent": lambda s: s.gaps.gap_notice_sent(WINDOW, "2026-08-24"),
    "erasure.customers_by_handle": lambda s: s.erasure.customers_by_handle("jane"),
    "erasure.conversations_of": lambda s: s.erasure.conversations_of(CustomerRef("x", "1")),
    "erasure.handle_lookups": lambda s: s.erasure.handle_lookups("jane", [CustomerRef("x", "1")]),
    "erasure.claim": lambda s: s.erasure.claim("c1", "e1"),
    "erasure.erase_contents": lambda s: s.erasure.erase_contents(
        Conversation.model_validate(conversation_item())
    ),
    "erasure.erase_conversations": lambda s: s.erasure.erase_conversations(["c1"]),
    "erasure.erase_handle_lookups": lambda s: s.erasure.erase_handle_lookups(
        [HandleLookup("jane", CustomerRef("x", "1"))]
    ),
    "erasure.open_record": lambda s: s.erasure.open_record("acme", "e1", "U1", "slack", AT),
    "erasure.add_counts": lambda s: s.erasure.add_counts("acme", "e1", {"messages": 1}),
    "erasure.close_record": lambda s: s.erasure.close_record("acme", "e1", AT, []),
    "erasure.counts": lambda s: s.erasure.counts("acme", "e1"),
    "post_log.remember_post": lambda s: s.post_log.remember_post("c1", "C1", "1.0"),
    "retention.settle": lambda s: s.retention.settle("c1", timedelta(days=30), AT),
    "retention.follow": lambda s: s.retention.follow("c1"),
    "x_activity.latest_inbound": lambda s: s.x_activity.latest_inbound("acme", "1", ["2026-08-24"]),
    "x_activity.filled_until": lambda s: s.x_activity.filled_until("1"),
    "x_activity.mark_filled": lambda s: s.x_activity.mark_filled("1", AT),
    "x_activity.open_outage": lambda s: s.x_activity.open_outage("a", AT),
    "x_activity.close_outage": lambda s: s.x_activity.close_outage("a", AT),
    "notices.posted": lambda s: s.notices.posted(["d1"]),
    "notices.mark_posted": lambda s: s.notices.mark_posted(["d1"], "1.0"),
}


@pytest.fixture(scope="module")
def unreachable() -> Stores:
    client = boto3.client(
        "dynamodb",
        region_name="eu-west-1",
        endpoint_url="http://127.0.0.1:9",  # discard: nothing answers
        aws_access_key_id="k",
        aws_secret_access_key="s",
        config=Config(retries={"max_attempts": 1}, connect_timeout=1, read_timeout=1),
    )
    table = ConversationTable("t", client=client)
    return Stores(
        intake=DynamoIntakeStore(table),
        reads=ConversationReads(table),
        classify=DynamoClassifyStore(table),
        clocks=DynamoClockStore(table),
        alerts=DynamoAlertStore(table),
        thread=DynamoThreadStore(table),
        desk=DynamoDeskStore(table),
        replies=DynamoReplyStore(table),
        reports=DynamoReportStore(table),
        gaps=DynamoGapFillStore(table),
        erasure=DynamoErasureStore(table),
        retention=DynamoRetentionStore(table),
        x_activity=DynamoLastEvents(table),
        notices=DynamoPostedNotices(table),
        post_log=DynamoPostLog(table),
    )


@pytest.mark.parametrize("call", sorted(CALLS))
def test_an_unreachable_table_is_storage_unavailable(unreachable: Stores, call: str) -> None:
    with pytest.raises(StorageUnavailable, match="failed"):
        CALLS[call](unreachable)
