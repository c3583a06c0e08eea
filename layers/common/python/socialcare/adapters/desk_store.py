"""What the Slack desk and the outbox read and write in the conversations table (see
docs/storage.md, "Replies"): the conversation behind a Slack thread, reply records (one per
agent action, keyed by its Slack id from the first moment), outbound messages, assignment,
resolution, spam."""

from datetime import datetime, timedelta
from typing import Any

from socialcare.adapters.clock_store import RESPONSE_CLOCKS, clock_event_item
from socialcare.adapters.conversation_reads import ConversationReads
from socialcare.adapters.dynamo_codec import (
    ConditionNotMet,
    conversation_pk,
    from_item,
    storage_errors,
    to_item,
)
from socialcare.adapters.dynamo_table import ConversationTable, activity_keys
from socialcare.clock import Clock, utc_now
from socialcare.errors import ReplyUnchanged, StorageUnavailable
from socialcare.models.conversation import CLOSED, Conversation, ConversationStatus
from socialcare.models.message import iso
from socialcare.models.reply import Delivered, OutboundReply
from socialcare.models.stored import ClockEvent, StoredMessage
from socialcare.observability import logger
from socialcare.ports import Recorded

# A reply record on its way (queued, sending, accepted) carries pending_pk/pending_sk, the
# sparse keys of the PendingReplies index: pending_sk is when it counts as stuck if nothing
# has moved it on by then. Each step pushes it on; sent, failed or held removes both.
PENDING = "PENDING"
STUCK_AFTER = timedelta(minutes=10)  # longer than the desk's lazy retries (4 minutes)
PENDING_KEYS = ("pending_pk", "pending_sk")


def reply_sk(reply_id: str) -> str:
    return f"REPLY#{reply_id}"


def _pending(since: datetime) -> dict[str, str]:
    return {"pending_pk": PENDING, "pending_sk": iso(since + STUCK_AFTER)}


class DynamoDeskStore:
    """The desk's writes (reply records, the outbox's steps, notes, assignment, resolution)
    and the reads its actions start from, through ``ConversationReads``."""

    def __init__(
        self, table: str | ConversationTable, client: Any = None, clock: Clock = utc_now
    ) -> None:
        self._table = ConversationTable.of(table, client, clock)
        self._reads = ConversationReads(self._table)

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

    def reply(self, conversation_id: str, reply_id: str) -> dict[str, Any] | None:
        with storage_errors("reading the reply"):
            found = self._table.client.get_item(
                TableName=self._table.name,
                Key=to_item({"pk": conversation_pk(conversation_id), "sk": reply_sk(reply_id)}),
                ConsistentRead=True,
            ).get("Item")
        return from_item(found) if found else None

    def queue_reply(self, reply: OutboundReply) -> dict[str, Any] | None:
        """Write the reply's record, once, and the conversation's ``last_queued_text``, in
        one transaction that refuses a text equal to the last reply sent or queued
        (``ReplyUnchanged``): two agents sending the same words at once send them once.
        None: written now; else the record found, so a retried Slack event or action learns
        what became of its reply."""
        pk = conversation_pk(reply.conversation_id)
        item = {
            "pk": pk,
            "sk": reply_sk(reply.reply_id),
            "type": "reply",
            "status": "queued",
            "reply": reply.model_dump(mode="json"),
            "queued_at": iso(reply.queued_at),
            **_pending(reply.queued_at),
        }
        items: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self._table.name,
                    "Item": to_item(item),
                    "ConditionExpression": "attribute_not_exists(pk)",
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            },
            {
                "Update": {
                    "TableName": self._table.name,
                    "Key": to_item({"pk": pk, "sk": "META"}),
                    "UpdateExpression": "SET last_queued_text = :text",
                    "ConditionExpression": "attribute_exists(pk)"
                    " AND (attribute_not_exists(last_reply_text) OR last_reply_text <> :text)"
                    " AND (attribute_not_exists(last_queued_text) OR last_queued_text <> :text)",
                    "ExpressionAttributeValues": to_item({":text": reply.text}),
                }
            },
        ]
        try:
            with storage_errors("recording the reply", expect_condition=True):
                self._table.transact(items)
        except ConditionNotMet as failed:
            if failed.reasons[:1] == ["ConditionalCheckFailed"]:  # recorded before
                return self.reply(reply.conversation_id, reply.reply_id)
            raise ReplyUnchanged(reply.reply_id) from failed  # the conversation's condition
        return None

    def forget_queued_text(self, reply: OutboundReply) -> None:
        """The reply did not reach the customer: its text may be sent again."""
        try:
            with storage_errors("forgetting the queued text", expect_condition=True):
                self._table.client.update_item(
                    TableName=self._table.name,
                    Key=to_item({"pk": conversation_pk(reply.conversation_id), "sk": "META"}),
                    UpdateExpression="REMOVE last_queued_text",
                    ConditionExpression="last_queued_text = :text",
                    ExpressionAttributeValues=to_item({":text": reply.text}),
                )
        except ConditionNotMet:
            pass  # another text was queued since: keep it

    def record_accepted(self, reply: OutboundReply, delivered: Delivered, at: datetime) -> bool:
        """``-> accepted``: the platform has the reply (its id, link and time kept), so a
        retry of the bookkeeping never calls the platform again. False: it was sent."""
        values = {
            "status": "accepted",
            "platform_message_id": delivered.platform_message_id,
            "link": delivered.link or "",
            "sent_at": iso(at),
            **_pending(at),
        }
        return self._move_reply(reply, None, values)

    def record_sent(self, reply: OutboundReply, delivered: Delivered, at: datetime) -> bool:
        """In one transaction: the reply is sent (once: False if it already was), the outbound
        message joins the conversation, whose first/last response facts are kept.
        ``mark_answered`` follows (its own step, so a retry can finish it)."""
        now = iso(at)
        pk = conversation_pk(reply.conversation_id)
        sk = f"MSG#{now}#out#{reply.reply_id}"
        outbound = {
            **activity_keys(reply.brand_id, now, reply.conversation_id, sk),
            "pk": pk,
            "sk": sk,
            "type": "message",
            "direction": "outbound",
            "platform": str(reply.platform),
            "account_id": reply.account_id,
            "route": str(reply.route),
            "reply_id": reply.reply_id,
            "platform_message_id": delivered.platform_message_id,
            "in_reply_to": reply.target_message_id,
            "agent": reply.agent,
            "from_suggestion": reply.from_suggestion,
            "text": reply.text,
            "sent_at": now,
            "link": delivered.link,
        }
        items: list[dict[str, Any]] = [
            {
                "Update": {
                    "TableName": self._table.name,
                    "Key": to_item({"pk": pk, "sk": reply_sk(reply.reply_id)}),
                    "UpdateExpression": "SET #status = :sent, sent_at = :now, "
                    "platform_message_id = :id, link = :link REMOVE pending_pk, pending_sk",
                    "ConditionExpression": "attribute_exists(pk) AND #status <> :sent",
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": to_item(
                        {
                            ":sent": "sent",
                            ":now": now,
                            ":id": delivered.platform_message_id,
                            ":link": delivered.link or "",
                        }
                    ),
                }
            },
            {"Put": {"TableName": self._table.name, "Item": to_item(outbound)}},
            {
                "Update": {
                    "TableName": self._table.name,
                    "Key": to_item({"pk": pk, "sk": "META"}),
                    "UpdateExpression": "SET first_response_at = if_not_exists("
                    "first_response_at, :now), first_responder = if_not_exists("
                    "first_responder, :agent), last_outbound_at = :now, last_reply_text = :text,"
                    " updated_at = :now ADD reply_count :one",
                    "ExpressionAttributeValues": to_item(
                        {":now": now, ":agent": reply.agent, ":text": reply.text, ":one": 1}
                    ),
                }
            },
        ]
        try:
            with storage_errors("recording the sent reply", expect_condition=True):
                self._table.transact(items)
        except ConditionNotMet as failed:
            if failed.reasons[:1] == ["ConditionalCheckFailed"]:
                return False
            raise StorageUnavailable(f"recording the sent reply failed: {failed}") from failed
        return True

    def mark_answered(self, conversation_id: str, at: datetime) -> None:
        """``answered`` and out of the queue, if it waited on us; its response clock met."""
        now = iso(at)
        try:
            with storage_errors("marking the conversation answered", expect_condition=True):
                found = self._table.client.update_item(
                    TableName=self._table.name,
                    Key=self._table.meta_key(conversation_id),
                    UpdateExpression="SET #status = :answered REMOVE queue_pk, waiting_since",
                    ConditionExpression="#status IN (:new, :open)",
                    ExpressionAttributeNames={"#status": "status"},
                    ExpressionAttributeValues=to_item(
                        {
                            ":answered": ConversationStatus.ANSWERED.value,
                            ":new": ConversationStatus.NEW.value,
                            ":open": ConversationStatus.OPEN.value,
                        }
                    ),
                    ReturnValues="ALL_NEW",
                )
        except ConditionNotMet:
            return  # pending, resolved or spam: the answer changes no status
        self._clocks_met(conversation_id, from_item(found["Attributes"]), now, RESPONSE_CLOCKS)

    def _clocks_met(
        self, conversation_id: str, meta: dict[str, Any], at: str, kinds: tuple[str, ...]
    ) -> None:
        """The audit trail says when each running clock was met (its step later finds the
        same event written and adds nothing)."""
        for kind in kinds:
            clock = meta.get(f"clock_{kind}")
            if not clock:
                continue
            met = clock_event_item(
                conversation_id,
                kind,
                brand_id=str(meta.get("brand_id", "")),
                generation=int(clock["generation"]),
                event="met",
                tier=0,
                at=at,
                summary=clock,
            )
            self._table.record_once(met, notify=False)

    def claim(self, reply: OutboundReply, at: datetime) -> bool:
        """``queued -> sending`` just before the platform call (False: it was not queued)."""
        values = {"status": "sending", "sending_since": iso(at), **_pending(at)}
        return self._move_reply(reply, "queued", values)

    def release(self, reply: OutboundReply, postponed_until: datetime | None = None) -> None:
        """``sending -> queued``: the platform never had it (or holds it back until later)."""
        values: dict[str, Any] = {
            "status": "queued",
            **_pending(postponed_until or self._table.clock()),
        }
        if postponed_until is not None:
            values["postponed_until"] = iso(postponed_until)
        self._move_reply(reply, "sending", values)

    def mark_failed(self, reply: OutboundReply, code: str, explanation: str) -> None:
        """Refused by the platform, or ``uncertain`` (cut off mid-call); never over a reply
        the platform accepted."""
        status = "uncertain" if code == "uncertain" else "failed"
        values = {"status": status, "error_code": code, "error": explanation}
        moved = self._move_reply(
            reply, None, values, unless=("sent", "accepted"), remove=PENDING_KEYS
        )
        if not moved:
            logger.warning("a sent reply stays sent", extra={"code": code})
            return
        self.forget_queued_text(reply)

    def _move_reply(
        self,
        reply: OutboundReply,
        expected: str | None,
        values: dict[str, Any],
        *,
        unless: tuple[str, ...] = ("sent",),
        remove: tuple[str, ...] = (),
    ) -> bool:
        """Set ``values`` on the reply record if its status is ``expected`` (None: any status
        but those in ``unless``); False when it is not."""
        if expected:
            guard, condition = {"expected": expected}, "#status = :expected"
        else:
            guard = {f"not{i}": s for i, s in enumerate(unless)}
            condition = f"NOT #status IN ({', '.join(':' + k for k in guard)})"
        key = self._reply_key(reply)
        return self._update_if(key, values, condition, guard, remove) is not None

    def hold(self, reply: OutboundReply, at: datetime) -> None:
        """The outbox gave up on it (its dead-letter queue holds it, alarmed, for the
        operators to redrive): out of the PendingReplies index."""
        key = self._reply_key(reply)
        self._update_if(key, {"held_at": iso(at)}, "attribute_exists(#status)", None, PENDING_KEYS)

    def stuck_replies(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        """Reply records nothing has moved on since their ``pending_sk``, the longest stuck
        first: (conversation id, reply id). One query of a sparse index, never a scan."""
        with storage_errors("finding stuck replies"):
            found = self._table.client.query(
                TableName=self._table.name,
                IndexName="PendingReplies",
                KeyConditionExpression="pending_pk = :pending AND pending_sk <= :now",
                ExpressionAttributeValues=to_item({":pending": PENDING, ":now": iso(now)}),
                Limit=limit,
            )["Items"]
        keys = [from_item(item) for item in found]
        return [
            (str(k["pk"]).removeprefix("CONV#"), str(k["sk"]).removeprefix("REPLY#")) for k in keys
        ]

    def swept(self, reply: OutboundReply, next_check: datetime) -> int | None:
        """Count one more recovery of a stuck reply and look again at ``next_check``; the
        count so far, or None when it is no longer pending."""
        try:
            with storage_errors("counting the recovery", expect_condition=True):
                found = self._table.client.update_item(
                    TableName=self._table.name,
                    Key=to_item(self._reply_key(reply)),
                    UpdateExpression="SET pending_sk = :next ADD sweeps :one",
                    ConditionExpression="attribute_exists(pending_pk)",
                    ExpressionAttributeValues=to_item({":next": iso(next_check), ":one": 1}),
                    ReturnValues="ALL_NEW",
                )
        except ConditionNotMet:
            return None
        return int(from_item(found["Attributes"])["sweeps"])

    def mark_shown(self, reply: OutboundReply, what: str = "shown") -> None:
        """The thread has shown the reply's outcome (``what``: which notice)."""
        self._update_if(self._reply_key(reply), {what: True}, "attribute_exists(#status)")

    @staticmethod
    def _reply_key(reply: OutboundReply) -> dict[str, str]:
        return {"pk": conversation_pk(reply.conversation_id), "sk": reply_sk(reply.reply_id)}

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
        return self._update_if(key, values, condition, unless, remove)

    def _update_if(
        self,
        key: dict[str, str],
        values: dict[str, Any],
        condition: str = "",
        guard: dict[str, Any] | None = None,
        remove: tuple[str, ...] = (),
    ) -> dict[str, Any] | None:
        """SET ``values`` (and REMOVE ``remove``) on an existing item if ``condition`` holds
        (``#status`` and the ``guard`` values may appear in it); the item as it is now, or
        None when it does not exist or the condition failed."""
        expression = "SET " + ", ".join(f"#{k} = :{k}" for k in values)
        if remove:
            expression += " REMOVE " + ", ".join(remove)
        names = {f"#{k}": k for k in values}
        if "#status" in condition:
            names["#status"] = "status"
        try:
            with storage_errors(f"updating {key['sk']}", expect_condition=True):
                found = self._table.client.update_item(
                    TableName=self._table.name,
                    Key=to_item(key),
                    UpdateExpression=expression,
                    ConditionExpression=f"attribute_exists(pk) AND {condition}"
                    if condition
                    else "attribute_exists(pk)",
                    ExpressionAttributeNames=names,
                    ExpressionAttributeValues=to_item(
                        {f":{k}": v for k, v in (values | (guard or {})).items()}
                    ),
                    ReturnValues="ALL_NEW",
                )
        except ConditionNotMet:
            return None
        return from_item(found["Attributes"])

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
        self._clocks_met(conversation_id, meta, now, ("resolution", *RESPONSE_CLOCKS))
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
            paused = clock_event_item(
                conversation_id,
                "resolution",
                brand_id=str(meta.get("brand_id", "")),
                generation=int(clock["generation"]),
                event="paused",
                tier=0,
                at=now,
                summary=clock,
            )
            table.record_once(paused, notify=False)
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
