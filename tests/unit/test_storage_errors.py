"""When the table cannot be reached, every store call says so as ``StorageUnavailable``
(what the handlers turn into a 5xx or a queue retry), never a raw botocore error: the
network failure here is real, a client pointed at a port nothing listens on."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.config import Config

from socialcare.adapters.desk_store import DynamoDeskStore
from socialcare.errors import StorageUnavailable
from socialcare.models.message import MessageKind
from socialcare.models.reply import OutboundReply, ReplyRoute
from socialcare.services.classify import classify_text
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

CALLS: dict[str, Callable[[DynamoDeskStore], Any]] = {
    "find_ref": lambda s: s.find_ref("x:1"),
    "link": lambda s: s.link("x:2", "x:1"),
    "save_inbound": lambda s: s.save_inbound(message(), "c1", "k"),
    "mark_deleted": lambda s: s.mark_deleted("x:1", "2026-08-24T10:15:00Z"),
    "load_many": lambda s: s.load_many([("c1", "MSG#1")]),
    "take_up": lambda s: s.take_up("c1", "MSG#1", classify_text("where is my order?"), "new"),
    "earlier_conversations": lambda s: s.earlier_conversations("CUST#x#1", "a", "b"),
    "conversation": lambda s: s.conversation("c1"),
    "wait_on_customer": lambda s: s.wait_on_customer("c1", AT),
    "record_once": lambda s: s.record_once({"pk": "CONV#c1", "sk": "ALERT#1"}, notify=True),
    "mark_sent": lambda s: s.mark_sent("CONV#c1", "ALERT#1"),
    "count_once": lambda s: s.copies("acme", "2026-08-24", "t", "x:1"),
    "tallies": lambda s: s.tallies(["NEG#acme#t#h"]),
    "record_card": lambda s: s.record_card("c1", "MSG#1", "C1", "1.0"),
    "record_copy": lambda s: s.record_copy("c1", "MSG#1", "C1", "1.0"),
    "record_deletion_shown": lambda s: s.record_deletion_shown(
        "c1", "MSG#1", "2026-08-24T10:15:00Z"
    ),
    "started_on": lambda s: s.started_on("acme", "2026-08-24"),
    "waiting": lambda s: s.waiting("acme", 10),
    "clock_events": lambda s: s.clock_events("c1"),
    "get_conversation": lambda s: s.get_conversation("c1"),
    "list_messages": lambda s: s.list_messages("c1"),
    "by_thread": lambda s: s.by_thread("C1", "1.0"),
    "latest_inbound": lambda s: s.latest_inbound("c1"),
    "reply": lambda s: s.reply("c1", "r1"),
    "queue_reply": lambda s: s.queue_reply(REPLY),
    "forget_queued_text": lambda s: s.forget_queued_text(REPLY),
    "mark_answered": lambda s: s.mark_answered("c1", AT),
    "stuck_replies": lambda s: s.stuck_replies(AT, 10),
    "swept": lambda s: s.swept(REPLY, AT),
    "change": lambda s: s.change("c1", {"assignee": "U1"}),
    "add_note": lambda s: s.add_note("c1", "n1", "U1", "called them", AT),
}


@pytest.fixture(scope="module")
def unreachable() -> DynamoDeskStore:
    client = boto3.client(
        "dynamodb",
        region_name="eu-west-1",
        endpoint_url="http://127.0.0.1:9",  # discard: nothing answers
        aws_access_key_id="k",
        aws_secret_access_key="s",
        config=Config(retries={"max_attempts": 1}, connect_timeout=1, read_timeout=1),
    )
    return DynamoDeskStore("t", client=client)


@pytest.mark.parametrize("call", sorted(CALLS))
def test_an_unreachable_table_is_storage_unavailable(
    unreachable: DynamoDeskStore, call: str
) -> None:
    with pytest.raises(StorageUnavailable, match="failed"):
        CALLS[call](unreachable)
