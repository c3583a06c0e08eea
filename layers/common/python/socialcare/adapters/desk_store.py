"""What the Slack desk's actions write in the conversations table: notes, assignment, the
reply route, resolution, spam, a hold on the customer, escalation requests; its replies go
through the reply records (``reply_store``). It reads through ``ConversationReads``."""

from datetime import datetime
from typing import Any

from socialcare.adapters.clock_store import RESPONSE_CLOCKS, record_clocks_met, record_current
from socialcare.adapters.conversation_reads import ConversationReads
from socialcare.adapters.dynamo_codec import (
    ConditionNotMet,
    conversation_pk,
    from_item,
    storage_errors,
    to_item,
)
from socialcare.adapters.dynamo_table import ConversationTable
from socialcare.adapters.reply_store import DynamoReplyStore
from socialcare.clock import Clock, utc_now
from socialcare.models.conversation import CLOSED, Conversation, ConversationStatus
from socialcare.models.message import iso
from socialcare.models.reply import OutboundReply, ReplyRecord
from socialcare.models.stored import ClockEvent, StoredMessage
from socialcare.ports import Recorded


class DynamoDeskStore:
    """The desk's writes, the reads its actions start from, and its replies' records."""

    def __init__(
        self, table: str | ConversationTable, client: Any = None, clock: Clock = utc_now
    ) -> None:
        self._table = ConversationTable.of(table, client, clock)
        self._reads = ConversationReads(self._table)
        self._replies = DynamoReplyStore(self._table)

    def conversation(self, conversation_id: str) -> Conversation | None:
        return self._reads.conversation(conversation_id)

    def by_thread(self, channel: str, thread_ts: str) -> Conversation | None:
        return self._reads.by_thread(channel, thread_ts)

    def latest_inbound(self, conversation_id: str) -> StoredMessage | None:
        return self._reads.latest_inbound(conversation_id)

    def first_inbound(self, conversation_id: str) -> StoredMessage | None:
        return self._reads.first_inbound(conversation_id)

    def clock_events(self, conversation_id: str) -> list[ClockEvent]:
        return self._reads.clock_events(conversation_id)

    def reply(self, conversation_id: str, reply_id: str) -> ReplyRecord | None:
        return self._replies.reply(conversation_id, reply_id)

    def queue_reply(self, reply: OutboundReply) -> ReplyRecord | None:
        return self._replies.queue_reply(reply)

    def assign(self, conversation_id: str, agent: str) -> None:
        """The agent (a Slack user id) owns the conversation."""
        self._change(conversation_id, {"assignee": agent})

    def reply_privately(self, conversation_id: str) -> None:
        """From now on replies go by private message ("Move to DM")."""
        self._change(conversation_id, {"reply_route": "private"})

    def mark_spam(self, conversation_id: str, agent: str, at: datetime) -> bool:
        """Spam by the agent's word: it leaves the queue. False when it was spam already
        (or is gone)."""
        done = self._change(
            conversation_id,
            {
                "status": ConversationStatus.SPAM.value,
                "marked_spam_by": agent,
                "updated_at": iso(at),
            },
            remove=("queue_pk",),
            unless_status=(ConversationStatus.SPAM,),
        )
        return done is not None

    def _change(
        self,
        conversation_id: str,
        values: dict[str, Any],
        *,
        remove: tuple[str, ...] = (),
        unless_status: tuple[str, ...] = (),
    ) -> dict[str, Any] | None:
        """Set ``values`` on the conversation (None: it has a status in ``unless_status``
        or does not exist); returns the conversation as it is now."""
        unless = {f"not{i}": s for i, s in enumerate(unless_status)}
        condition = f"NOT #status IN ({', '.join(':' + k for k in unless)})" if unless else ""
        key = {"pk": conversation_pk(conversation_id), "sk": "META"}
        return self._table.update_if(key, values, condition, unless, remove)

    def resolve(self, conversation_id: str, agent: str, at: datetime) -> bool:
        """Resolved by the agent: it leaves the queue and its clocks are met. False when it
        was closed already (or is gone)."""
        now = iso(at)
        meta = self._change(
            conversation_id,
            {
                "status": ConversationStatus.RESOLVED.value,
                "resolved_at": now,
                "resolved_by": agent,
                "updated_at": now,
            },
            remove=("queue_pk",),
            unless_status=tuple(sorted(CLOSED)),
        )
        if meta is None:
            return False
        record_clocks_met(self._table, conversation_id, meta, now, ("resolution", *RESPONSE_CLOCKS))
        return True

    def add_note(
        self, conversation_id: str, note_id: str, agent: str, text: str, at: datetime
    ) -> bool:
        """An internal note (never sent): kept on the conversation, once per Slack event."""
        item = {
            "pk": conversation_pk(conversation_id),
            "sk": f"NOTE#{note_id}",
            "type": "note",
            "agent": agent,
            "text": text,
            "at": iso(at),
        }
        try:
            with storage_errors("keeping the note", expect_condition=True):
                self._table.client.put_item(
                    TableName=self._table.name,
                    Item=to_item(item),
                    ConditionExpression="attribute_not_exists(pk)",
                )
        except ConditionNotMet:
            return False  # this Slack event's note is kept already
        return True

    def wait_on_customer(self, conversation_id: str, at: datetime) -> bool:
        """The agent asked the customer something: the conversation becomes ``pending`` and
        its resolution clock pauses (an audit event, the pause time on the clock). False when
        the conversation was not waiting on the brand."""
        now = iso(at)
        table = self._table
        try:
            with storage_errors("pausing the conversation", expect_condition=True):
                found = table.client.update_item(
                    TableName=table.name,
                    Key=table.meta_key(conversation_id),
                    UpdateExpression="SET #status = :pending, updated_at = :now",
                    ConditionExpression="#status IN (:open, :answered)",
                    ExpressionAttributeNames={"#status": "status"},
                    ExpressionAttributeValues=to_item(
                        {
                            ":pending": ConversationStatus.PENDING.value,
                            ":now": now,
                            ":open": ConversationStatus.OPEN.value,
                            ":answered": ConversationStatus.ANSWERED.value,
                        }
                    ),
                    ReturnValues="ALL_NEW",
                )
        except ConditionNotMet:
            return False
        meta = from_item(found["Attributes"])
        clock = meta.get("clock_resolution")
        if clock:
            with storage_errors("pausing the resolution clock"):
                table.client.update_item(
                    TableName=table.name,
                    Key=table.meta_key(conversation_id),
                    UpdateExpression="SET clock_resolution.paused_at = :now",
                    ExpressionAttributeValues=to_item({":now": now}),
                )
            record_current(table, conversation_id, meta, "resolution", event="paused", at=now)
        return True

    def record_escalation_request(self, conversation_id: str, press: str, agent: str) -> Recorded:
        """An agent's press of "Escalate" (``press``: the Slack ids of that press), written once
        whatever retries it; ``escalation_request_sent`` once the managers' notice is out."""
        item = {
            "pk": conversation_pk(conversation_id),
            "sk": _requested_sk(press),
            "type": "escalation_request",
            "agent": agent,
        }
        return self._table.record_once(item, notify=True)

    def escalation_request_sent(self, conversation_id: str, press: str) -> None:
        self._table.mark_sent(conversation_pk(conversation_id), _requested_sk(press))


def _requested_sk(press: str) -> str:
    return f"REQUESTED#{press}"
