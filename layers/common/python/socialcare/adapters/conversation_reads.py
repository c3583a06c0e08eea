"""Reading conversations, their messages and their clock events: what the classifier, the
desk's cards, /care and the outbox look at, as the domain's models (the item layout stays
here). Writes live with their item family."""

from datetime import datetime
from typing import Any

from socialcare.adapters.dynamo_codec import conversation_pk, from_item, storage_errors, to_item
from socialcare.adapters.dynamo_table import ConversationTable
from socialcare.errors import StorageUnavailable
from socialcare.models import Conversation
from socialcare.models.stored import ClockEvent, DayEntry, StoredMessage

Row = dict[str, Any]  # an item as stored: for the stores' own use, never a service's
Loaded = tuple[StoredMessage | None, Conversation | None]


def conversation_of(item: Row | None) -> Conversation | None:
    if not item:
        return None
    # The managers' channel notices are a string set on META ("channel#ts"), so that
    # remembering one is a single ADD however often it is retried.
    posts = item.get("slack_posts")
    if posts:  # most conversations have none: no copy of the item for them
        pairs = sorted(str(post).partition("#")[::2] for post in posts)
        item = item | {"notices": [{"channel": c, "ts": ts} for c, ts in pairs]}
    return Conversation.model_validate(item)


def message_of(item: Row | None) -> StoredMessage | None:
    return StoredMessage.model_validate(item) if item else None


class ConversationReads:
    def __init__(self, table: str | ConversationTable, client: Any = None) -> None:
        self._table = ConversationTable.of(table, client)

    def conversation(self, conversation_id: str) -> Conversation | None:
        table = self._table
        with storage_errors("reading the conversation"):
            found = table.client.get_item(
                TableName=table.name, Key=table.meta_key(conversation_id), ConsistentRead=True
            ).get("Item")
        return conversation_of(from_item(found) if found else None)

    def load(self, conversation_id: str, message_sk: str) -> Loaded:
        """The message and its conversation, in one call."""
        found = self.load_many([(conversation_id, message_sk)])
        return found.get((conversation_id, message_sk), (None, None))

    def load_many(self, wanted: list[tuple[str, str]]) -> dict[tuple[str, str], Loaded]:
        """Messages and their conversations, for a whole queue batch in one call (<= 50)."""
        table = self._table
        keys = {(conversation_pk(c), sk) for c, sk in wanted}
        keys |= {(conversation_pk(c), "META") for c, _ in wanted}
        with storage_errors("reading messages"):
            found = table.client.batch_get_item(
                RequestItems={
                    table.name: {
                        "Keys": [to_item({"pk": pk, "sk": sk}) for pk, sk in sorted(keys)],
                        "ConsistentRead": True,
                    }
                }
            )
        if found.get("UnprocessedKeys"):
            raise StorageUnavailable("reading messages was throttled; retried by the queue")
        items = {
            (item["pk"]["S"], item["sk"]["S"]): from_item(item)
            for item in found["Responses"].get(table.name, [])
        }
        return {
            (c, sk): (
                message_of(items.get((conversation_pk(c), sk))),
                conversation_of(items.get((conversation_pk(c), "META"))),
            )
            for c, sk in wanted
        }

    def by_thread(self, channel: str, thread_ts: str) -> Conversation | None:
        """The conversation whose card is the root of this Slack thread (BySlackThread)."""
        table = self._table
        with storage_errors("finding the thread's conversation"):
            found = table.client.query(
                TableName=table.name,
                IndexName="BySlackThread",
                KeyConditionExpression="thread_key = :key",
                ExpressionAttributeValues=to_item({":key": f"{channel}#{thread_ts}"}),
                Limit=1,
            )["Items"]
        if not found:
            return None
        return self.conversation(str(from_item(found[0])["pk"]).removeprefix("CONV#"))

    def list_messages(self, conversation_id: str) -> list[StoredMessage]:
        """The conversation's messages, both ways, oldest first."""
        return [
            StoredMessage.model_validate(item)
            for item in self._table.partition(conversation_id, "MSG#")
        ]

    def latest_inbound(self, conversation_id: str) -> StoredMessage | None:
        """The customer's latest message: the one a reply answers."""
        return self._inbound(conversation_id, newest_first=True)

    def first_inbound(self, conversation_id: str) -> StoredMessage | None:
        """The message the conversation began with: the card's text."""
        return self._inbound(conversation_id, newest_first=False)

    def _inbound(self, conversation_id: str, *, newest_first: bool) -> StoredMessage | None:
        """The customer's first message in sort-key order, page by page (usually the first
        item): only that one is decoded, not the whole conversation."""
        table = self._table
        pages = table.client.get_paginator("query").paginate(
            TableName=table.name,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :msg)",
            ExpressionAttributeValues=to_item(
                {":pk": conversation_pk(conversation_id), ":msg": "MSG#"}
            ),
            ScanIndexForward=not newest_first,
        )
        with storage_errors("reading the messages"):
            for page in pages:
                for item in page["Items"]:
                    if item.get("direction", {}).get("S") == "inbound":
                        return StoredMessage.model_validate(from_item(item))
        return None

    def clock_events(self, conversation_id: str) -> list[ClockEvent]:
        """The conversation's audit trail of clock events."""
        return [
            ClockEvent.model_validate(item)
            for item in self._table.partition(conversation_id, "CLOCK#")
        ]

    def started_on(self, brand_id: str, day: str) -> list[DayEntry]:
        """The brand's conversations that began on ``day`` (UTC, YYYY-MM-DD), each with its
        status, priority and reply due time (while it waits) only: the DayStats index, whose
        items are small enough for a day of a busy brand to come in one or two pages."""
        table = self._table
        pages = table.client.get_paginator("query").paginate(
            TableName=table.name,
            IndexName="DayStats",
            KeyConditionExpression="day_pk = :day",
            ExpressionAttributeValues=to_item({":day": f"DAY#{brand_id}#{day}"}),
        )
        with storage_errors("reading the day"):
            return [_day_entry(from_item(item)) for page in pages for item in page["Items"]]

    def waiting(self, brand_id: str, limit: int) -> list[Conversation]:
        """The brand's conversations that wait on it, the earliest reply due first (the
        sparse ByDueTime index: only waiting conversations carry its keys)."""
        table = self._table
        with storage_errors("reading the queue"):
            found = table.client.query(
                TableName=table.name,
                IndexName="ByDueTime",
                KeyConditionExpression="queue_pk = :queue",
                ExpressionAttributeValues=to_item({":queue": f"QUEUE#{brand_id}"}),
                Limit=limit,
            )
        return [Conversation.model_validate(from_item(item)) for item in found["Items"]]


def _day_entry(item: Row) -> DayEntry:
    """The queue's sort key (``<due>#<id>``) is the reply due time while it waits."""
    queue_sk = str(item.get("queue_sk") or "")
    due = datetime.fromisoformat(queue_sk.split("#", 1)[0]) if queue_sk else None
    return DayEntry(status=item["status"], priority=item.get("priority"), reply_due=due)


class BatchLoads:
    """What a queue consumer's store reads a batch with (the classifier's, the thread
    poster's): its messages and their conversations, through the store's ConversationReads."""

    _reads: ConversationReads

    def load(self, conversation_id: str, message_sk: str) -> Loaded:
        return self._reads.load(conversation_id, message_sk)

    def load_many(self, wanted: list[tuple[str, str]]) -> dict[tuple[str, str], Loaded]:
        return self._reads.load_many(wanted)
