"""The outbox's reply records in the conversations table (docs/storage.md, "Replies"): one
per agent action, keyed by its Slack id from the first moment, moved on step by step
(queued -> sending -> accepted -> sent, or failed, uncertain, held) by the send function
and the sweeper; the outbound message and the conversation's answer when one is sent."""

from datetime import datetime, timedelta
from typing import Any

from socialcare.adapters.clock_store import RESPONSE_CLOCKS, record_clocks_met
from socialcare.adapters.conversation_reads import ConversationReads
from socialcare.adapters.dynamo_codec import (
    ConditionNotMet,
    conversation_pk,
    from_item,
    storage_errors,
    to_item,
)
from socialcare.adapters.dynamo_table import ConversationTable, activity_keys
from socialcare.adapters.reachability import DynamoReachability
from socialcare.clock import Clock, utc_now
from socialcare.errors import ReplyUnchanged, StorageUnavailable
from socialcare.models.common import Platform
from socialcare.models.conversation import Conversation, ConversationStatus
from socialcare.models.message import iso
from socialcare.models.reply import Delivered, OutboundReply, ReplyRecord, ReplyRoute, Shown
from socialcare.models.stored import ClockEvent, StoredMessage
from socialcare.observability import logger

# A reply record on its way (queued, sending, accepted) carries pending_pk/pending_sk, the
# sparse keys of the PendingReplies index: pending_sk is when it counts as stuck if nothing
# has moved it on by then. Each step pushes it on; sent, failed or held removes both.
PENDING = "PENDING"
STUCK_AFTER = timedelta(minutes=10)  # longer than the desk's lazy retries (4 minutes)
PENDING_KEYS = ("pending_pk", "pending_sk")


def reply_sk(reply_id: str) -> str:
    return f"REPLY#{reply_id}"


COMMENTED = frozenset({Platform.FACEBOOK, Platform.INSTAGRAM})


def _own_comment_ref(reply: OutboundReply, delivered: Delivered) -> str | None:
    """Our public reply on Facebook or Instagram comes back through the webhook as the
    account's own comment: its reference says it is ours (not typed in Meta's tools), and
    leads a customer's answer to it into the conversation."""
    if reply.platform not in COMMENTED or reply.route is not ReplyRoute.PUBLIC:
        return None
    return f"{reply.platform}#{reply.account_id}#{delivered.platform_message_id}"


def _ref(ref: str, reply: OutboundReply, sk: str) -> dict[str, Any]:
    return {
        "pk": f"REF#{ref}",
        "sk": "REF",
        "conversation_id": reply.conversation_id,
        "message_sk": sk,
        "linked_from": "ours",
    }


def _record(item: dict[str, Any]) -> ReplyRecord:
    return ReplyRecord.model_validate(item | {"pending": "pending_pk" in item})


def _pending(since: datetime) -> dict[str, str]:
    return {"pending_pk": PENDING, "pending_sk": iso(since + STUCK_AFTER)}


class DynamoReplyStore:
    """The reply records' steps, and the card's reads the send function redraws it with."""

    def __init__(
        self, table: str | ConversationTable, client: Any = None, clock: Clock = utc_now
    ) -> None:
        self._table = ConversationTable.of(table, client, clock)
        self._reads = ConversationReads(self._table)

    def conversation(self, conversation_id: str) -> Conversation | None:
        return self._reads.conversation(conversation_id)

    def first_inbound(self, conversation_id: str) -> StoredMessage | None:
        return self._reads.first_inbound(conversation_id)

    def clock_events(self, conversation_id: str) -> list[ClockEvent]:
        return self._reads.clock_events(conversation_id)

    def reply(self, conversation_id: str, reply_id: str) -> ReplyRecord | None:
        with storage_errors("reading the reply"):
            found = self._table.client.get_item(
                TableName=self._table.name,
                Key=to_item({"pk": conversation_pk(conversation_id), "sk": reply_sk(reply_id)}),
                ConsistentRead=True,
            ).get("Item")
        return _record(from_item(found)) if found else None

    def queue_reply(self, reply: OutboundReply) -> ReplyRecord | None:
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
            **({"continues_in": delivered.continues_in} if delivered.continues_in else {}),
        }
        return self._move_reply(reply, None, values)

    def record_sent(self, reply: OutboundReply, delivered: Delivered, at: datetime) -> bool:
        """In one transaction: the reply is sent (once: False if it already was), the outbound
        message joins the conversation, whose first/last response facts are kept.
        ``mark_answered`` follows (its own step, so a retry can finish it)."""
        now = iso(at)
        pk = conversation_pk(reply.conversation_id)
        sk = f"MSG#{now}#out#{reply.reply_id}"
        own_ref = _own_comment_ref(reply, delivered)
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
            **({"message_ref": own_ref} if own_ref else {}),
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
            *(
                [
                    {
                        "Put": {
                            "TableName": self._table.name,
                            "Item": to_item(_ref(own_ref, reply, sk)),
                        }
                    }
                ]
                if own_ref
                else []
            ),
            {
                "Update": {
                    "TableName": self._table.name,
                    "Key": to_item({"pk": pk, "sk": "META"}),
                    "UpdateExpression": "SET first_response_at = if_not_exists("
                    "first_response_at, :now), first_responder = if_not_exists("
                    "first_responder, :agent), last_outbound_at = :now, last_reply_text = :text,"
                    " updated_at = :now"
                    + (", continues_in = :continues" if delivered.continues_in else "")
                    + " ADD reply_count :one",
                    "ExpressionAttributeValues": to_item(
                        {":now": now, ":agent": reply.agent, ":text": reply.text, ":one": 1}
                        | ({":continues": delivered.continues_in} if delivered.continues_in else {})
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

    def mark_answered(
        self, conversation_id: str, at: datetime, *, if_after_inbound: bool = False
    ) -> None:
        """``answered`` and out of the queue, if it waited on us; its response clock met.
        ``if_after_inbound``: only if the answer is no older than the customer's latest
        message (a reply learnt of late, from the platform, must not answer a newer one)."""
        now = iso(at)
        condition = "#status IN (:new, :open)"
        values = {
            ":answered": ConversationStatus.ANSWERED.value,
            ":new": ConversationStatus.NEW.value,
            ":open": ConversationStatus.OPEN.value,
        }
        if if_after_inbound:
            condition += " AND last_inbound_at <= :now"
            values[":now"] = now
        try:
            with storage_errors("marking the conversation answered", expect_condition=True):
                found = self._table.client.update_item(
                    TableName=self._table.name,
                    Key=self._table.meta_key(conversation_id),
                    UpdateExpression="SET #status = :answered REMOVE queue_pk, waiting_since",
                    ConditionExpression=condition,
                    ExpressionAttributeNames={"#status": "status"},
                    ExpressionAttributeValues=to_item(values),
                    ReturnValues="ALL_NEW",
                )
        except ConditionNotMet:
            return  # pending, resolved or spam: the answer changes no status
        record_clocks_met(
            self._table, conversation_id, from_item(found["Attributes"]), now, RESPONSE_CLOCKS
        )

    def mark_unreachable(self, conversation_id: str, why: str, at: datetime) -> None:
        """The platform says the customer cannot be reached (blocked, deleted, bot removed);
        the customer's next message clears it (the intake's update)."""
        DynamoReachability(self._table).mark(conversation_id, why, at)

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
        return self._table.update_if(key, values, condition, guard, remove) is not None

    def hold(self, reply: OutboundReply, at: datetime) -> None:
        """The outbox gave up on it (its dead-letter queue holds it, alarmed, for the
        operators to redrive): out of the PendingReplies index."""
        key = self._reply_key(reply)
        self._table.update_if(
            key, {"held_at": iso(at)}, "attribute_exists(#status)", None, PENDING_KEYS
        )

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

    def mark_shown(self, reply: OutboundReply, what: Shown = "shown") -> None:
        """The thread has shown the reply's outcome (``what``: which notice)."""
        self._table.update_if(self._reply_key(reply), {what: True}, "attribute_exists(#status)")

    @staticmethod
    def _reply_key(reply: OutboundReply) -> dict[str, str]:
        return {"pk": conversation_pk(reply.conversation_id), "sk": reply_sk(reply.reply_id)}
