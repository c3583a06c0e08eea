"""The conversations table: every read and write of it lives here (see docs/storage.md)."""

import random
import time
from datetime import datetime, timedelta
from typing import Any

import boto3
from botocore.exceptions import ClientError

from socialcare.adapters.dynamo_codec import (
    ConditionNotMet,
    cancelled_by_conflict,
    conversation_pk,
    decimals,
    from_item,
    message_sk,
    storage_errors,
    to_item,
)
from socialcare.adapters.handles import handle_item
from socialcare.clock import Clock, utc_now
from socialcare.deadlines.plan import ClockPlan
from socialcare.errors import StorageUnavailable
from socialcare.models import Conversation, InboundMessage
from socialcare.models.classification import Classification
from socialcare.models.message import iso
from socialcare.ports import Recorded, SaveOutcome, StoredRef, TakeUp

CONFLICT_RETRIES = 3
COPIES_KEPT = timedelta(days=2)
RESPONSE_CLOCKS = ("first_response", "next_response")
SET_CAP = 2000  # message references a tally keeps for deduplication
KEEP_UNTIL = "expires_at = if_not_exists(expires_at, :ttl)"
NEGATIVE_KEPT = timedelta(days=3)  # hourly negative tallies: enough history for a spike
SPIKE_KEPT = timedelta(days=15)  # spike reports: a weekly report and the week before read them


def activity_keys(brand_id: str, at: str, conversation_id: str, sk: str) -> dict[str, str]:
    """The ByActivityDay keys of a message or clock event: the brand's UTC day it happened
    on. A report reads its period's days (and the days of its lag) page by page instead of
    one query per conversation (docs/storage.md)."""
    if not brand_id:
        return {}
    return {"activity_pk": f"ACT#{brand_id}#{at[:10]}", "activity_sk": f"{conversation_id}#{sk}"}


class DynamoConversationStore:
    def __init__(self, table_name: str, client: Any = None, clock: Clock = utc_now) -> None:
        self._table = table_name
        self._client = client or boto3.client("dynamodb")
        self._clock = clock

    def find_ref(self, message_ref: str) -> StoredRef | None:
        values = self._read_ref(message_ref)
        if values is None:
            return None
        return StoredRef(values["conversation_id"], values["message_sk"])

    def _read_ref(self, message_ref: str) -> dict[str, Any] | None:
        """The message reference item (the dedup record), consistently read."""
        with storage_errors("reading message reference"):
            found = self._client.get_item(
                TableName=self._table,
                Key=to_item({"pk": f"REF#{message_ref}", "sk": "REF"}),
                ConsistentRead=True,
            ).get("Item")
        return from_item(found) if found else None

    def link(self, message_ref: str, parent_ref: str) -> bool:
        """Let ``message_ref`` (our own reply, posted outside socialcare) lead to the
        conversation of ``parent_ref``, so the customer's answer to it joins that thread.
        False when the parent is not stored; a link that exists already is kept."""
        parent = self.find_ref(parent_ref)
        if parent is None:
            return False
        item = {
            "pk": f"REF#{message_ref}",
            "sk": "REF",
            "conversation_id": parent.conversation_id,
            "message_sk": parent.message_sk,
            "linked_from": parent_ref,
            "stored_at": iso(self._clock()),
        }
        try:
            with storage_errors("linking our reply", expect_condition=True):
                self._client.put_item(**self._put_new(item)["Put"])
                # The conversation knows its links: erasure and expiry reach them by key.
                self._client.update_item(
                    TableName=self._table,
                    Key=to_item({"pk": conversation_pk(parent.conversation_id), "sk": "META"}),
                    UpdateExpression="ADD linked_refs :ref",
                    ConditionExpression="attribute_exists(pk)",
                    ExpressionAttributeValues=to_item({":ref": {message_ref}}),
                )
        except ConditionNotMet:
            pass  # linked already, or the conversation is gone: the link stays as it was
        return True

    def save_inbound(
        self, message: InboundMessage, conversation_id: str, conversation_key: str
    ) -> SaveOutcome:
        stored = StoredRef(conversation_id, message_sk(message))
        now = iso(self._clock())
        items = [
            self._put_new(self._ref_item(message, stored, now)),
            self._put_new(self._message_item(message, stored, now)),
            {"Update": self._conversation_update(message, conversation_id, conversation_key, now)},
        ]
        if message.customer.handle:  # /care forget @handle finds the customer by it
            seen = handle_item(message.customer.handle, message.platform, message.customer.id, now)
            items.append({"Put": {"TableName": self._table, "Item": to_item(seen)}})
        try:
            with storage_errors("storing message", expect_condition=True):
                self._transact_with_conflict_retries(items)
        except ConditionNotMet:
            # Already stored: the platform re-delivered it. Report where it went the first time.
            earlier = self.find_ref(message.ref) or stored
            return SaveOutcome(earlier, created=False)
        return SaveOutcome(stored, created=True)

    def mark_deleted(self, message_ref: str, at: str) -> StoredRef | None:
        """The text stays (docs/privacy.md: erasure is the agent's decision, not X's signal);
        the message says when its author deleted it, and the desk shows that."""
        values = self._read_ref(message_ref)
        if values is None or "linked_from" in values:
            # Unknown, or our own reply linked to the customer's message it answers: its
            # deletion must not mark theirs.
            return None
        stored = StoredRef(values["conversation_id"], values["message_sk"])
        try:
            with storage_errors("marking a deleted message", expect_condition=True):
                self._client.update_item(
                    TableName=self._table,
                    Key=to_item(
                        {"pk": conversation_pk(stored.conversation_id), "sk": stored.message_sk}
                    ),
                    UpdateExpression="SET deleted_at = if_not_exists(deleted_at, :at)",
                    ConditionExpression="attribute_exists(pk)",
                    ExpressionAttributeValues=to_item({":at": at}),
                )
        except ConditionNotMet:
            return None  # a link to another message (our own reply), or erased since
        return stored

    def load(
        self, conversation_id: str, message_sk: str
    ) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """The message and its conversation, in one call."""
        found = self.load_many([(conversation_id, message_sk)])
        return found.get((conversation_id, message_sk), (None, None))

    def load_many(
        self, wanted: list[tuple[str, str]]
    ) -> dict[tuple[str, str], tuple[dict[str, Any] | None, dict[str, Any] | None]]:
        """Messages and their conversations, for a whole queue batch in one call (<= 50)."""
        keys = {(conversation_pk(c), sk) for c, sk in wanted}
        keys |= {(conversation_pk(c), "META") for c, _ in wanted}
        with storage_errors("reading messages"):
            found = self._client.batch_get_item(
                RequestItems={
                    self._table: {
                        "Keys": [to_item({"pk": pk, "sk": sk}) for pk, sk in sorted(keys)],
                        "ConsistentRead": True,
                    }
                }
            )
        if found.get("UnprocessedKeys"):
            raise StorageUnavailable("reading messages was throttled; retried by the queue")
        items = {
            (item["pk"]["S"], item["sk"]["S"]): from_item(item)
            for item in found["Responses"].get(self._table, [])
        }
        return {
            (c, sk): (items.get((conversation_pk(c), sk)), items.get((conversation_pk(c), "META")))
            for c, sk in wanted
        }

    def take_up(
        self,
        conversation_id: str,
        message_sk: str,
        classification: Classification,
        seen_status: str | None,
        clocks: tuple[ClockPlan, ...] = (),
    ) -> TakeUp:
        """In one transaction: store what the classifier found on the message (marking it
        processed) and carry it to the conversation, whose status the classifier saw moments
        ago (``seen_status``): a new customer message reopens an answered or resolved
        conversation, as in every helpdesk; spam stays spam; a conversation whose first
        message is spam becomes spam and leaves the queue (never escalated).

        The message's condition makes a redelivered request change nothing; the
        conversation's condition (its status is still the one seen) makes a change made in
        between (an agent marking spam) fail the record, which the queue then retries.
        """
        now = iso(self._clock())
        found = decimals(classification.model_dump(exclude_none=True))
        items: list[dict[str, Any]] = [
            {
                "Update": {
                    "TableName": self._table,
                    "Key": to_item({"pk": conversation_pk(conversation_id), "sk": message_sk}),
                    "UpdateExpression": "SET processed_at = :now, classification = :found",
                    "ConditionExpression": (
                        "attribute_exists(pk) AND attribute_not_exists(processed_at)"
                    ),
                    "ExpressionAttributeValues": to_item({":now": now, ":found": found}),
                }
            }
        ]
        change = _conversation_change(classification, seen_status, now)
        if change is not None:
            update, values = change
            for plan in clocks:  # the conversation's current clocks, and their start events
                update += f", clock_{plan.clock.value} = :clock_{plan.clock.value}"
                values[f":clock_{plan.clock.value}"] = plan.summary()
                if plan.clock.value in RESPONSE_CLOCKS:  # the queue sorts by the reply due
                    update += ", queue_sk = :queue_sk"
                    values[":queue_sk"] = f"{iso(plan.due_at)}#{conversation_id}"
                event = "resumed" if plan.spent_seconds else "started"
                items.append(
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": to_item(_clock_event(plan, event, 0, plan.started_at)),
                        }
                    }
                )
            items.append(
                {
                    "Update": {
                        "TableName": self._table,
                        "Key": to_item({"pk": conversation_pk(conversation_id), "sk": "META"}),
                        "UpdateExpression": update,
                        "ConditionExpression": "#status = :seen",
                        "ExpressionAttributeNames": {"#status": "status", "#language": "language"}
                        if "#language" in update
                        else {"#status": "status"},
                        "ExpressionAttributeValues": to_item(values | {":seen": seen_status}),
                    }
                }
            )
        try:
            with storage_errors("storing the classification", expect_condition=True):
                self._transact_with_conflict_retries(items)
        except ConditionNotMet as failed:
            if failed.reasons[:1] == ["ConditionalCheckFailed"]:
                return TakeUp.ALREADY  # the message's own condition: classified already
            raise StorageUnavailable("the conversation changed while classifying") from failed
        return TakeUp.TAKEN

    def _transact_with_conflict_retries(self, items: list[dict[str, Any]]) -> None:
        """Two messages of one conversation at the same moment both update it; DynamoDB then
        cancels one with TransactionConflict. That is no failure to report to the platform:
        try again, briefly (the platform's own retry is the last resort)."""
        for attempt in range(CONFLICT_RETRIES + 1):
            try:
                self._client.transact_write_items(TransactItems=items)
                return
            except ClientError as exc:
                if attempt == CONFLICT_RETRIES or not cancelled_by_conflict(exc):
                    raise
                time.sleep(random.uniform(0.02, 0.08) * (attempt + 1))  # noqa: S311 - jitter

    def earlier_conversations(self, customer_pk: str, since: str, before: str) -> int:
        """How many conversations the customer opened in [since, before): a count over the
        ByCustomer index (keys only), never the items."""
        with storage_errors("counting earlier conversations"):
            found = self._client.query(
                TableName=self._table,
                IndexName="ByCustomer",
                Select="COUNT",
                KeyConditionExpression="customer_pk = :customer AND customer_sk BETWEEN :a AND :b",
                ExpressionAttributeValues=to_item(
                    {":customer": customer_pk, ":a": since, ":b": before}
                ),
            )
        return int(found.get("Count", 0))

    def copies(self, brand_id: str, day: str, text_key: str, message_ref: str) -> int:
        """Count the messages that carried one promotional text on one day (a tally: a
        redelivery adds nothing), kept two days by TTL."""
        return self.count_once(f"TEXT#{brand_id}#{day}#{text_key}", message_ref, COPIES_KEPT)

    def conversation(self, conversation_id: str) -> dict[str, Any] | None:
        with storage_errors("reading the conversation"):
            found = self._client.get_item(
                TableName=self._table,
                Key=to_item({"pk": conversation_pk(conversation_id), "sk": "META"}),
                ConsistentRead=True,
            ).get("Item")
        return from_item(found) if found else None

    def record_clock_event(
        self, plan: ClockPlan, event: str, tier: int, at: datetime, notify: bool
    ) -> Recorded:
        """One audit item per clock, generation, event and tier, written once: the time, the
        policy and its version; ``notified`` tracks the notice it may owe."""
        return self.record_once(_clock_event(plan, event, tier, at), notify)

    def mark_notified(self, plan: ClockPlan, event: str, tier: int) -> None:
        self.mark_sent(conversation_pk(plan.conversation_id), _clock_event_sk(plan, event, tier))

    def priority_alert(
        self, conversation_id: str, generation: int, reasons: tuple[str, ...], at: datetime
    ) -> Recorded:
        item = {
            "pk": conversation_pk(conversation_id),
            "sk": f"ALERT#priority#{generation}",
            "type": "alert",
            "reasons": list(reasons),
            "at": iso(at),
        }
        return self.record_once(item, notify=True)

    def priority_alert_sent(self, conversation_id: str, generation: int) -> None:
        self.mark_sent(conversation_pk(conversation_id), f"ALERT#priority#{generation}")

    def count_negative(self, brand_id: str, topic: str, hour: str, message_ref: str) -> int:
        return self.count_once(f"NEG#{brand_id}#{topic}#{hour}", message_ref, NEGATIVE_KEPT)

    def negative_history(self, brand_id: str, topic: str, hours: list[str]) -> list[int]:
        keys = [f"NEG#{brand_id}#{topic}#{hour}" for hour in hours]
        counts = self.tallies(keys)
        return [counts[key] for key in keys]

    def spike_alert(
        self, brand_id: str, topic: str, hour: str, count: int, at: datetime
    ) -> Recorded:
        item = {
            "pk": f"SPIKE#{brand_id}#{topic}#{hour}",
            "sk": "ALERT",
            "type": "alert",
            "count": count,
            "at": iso(at),
            "expires_at": int((at + SPIKE_KEPT).timestamp()),
        }
        return self.record_once(item, notify=True)

    def spike_alert_sent(self, brand_id: str, topic: str, hour: str) -> None:
        self.mark_sent(f"SPIKE#{brand_id}#{topic}#{hour}", "ALERT")

    def wait_on_customer(self, conversation_id: str, at: datetime) -> bool:
        """The agent asked the customer something: the conversation becomes ``pending`` and
        its resolution clock pauses (an audit event, the pause time on the clock). False when
        the conversation was not waiting on the brand."""
        now = iso(at)
        try:
            with storage_errors("pausing the conversation", expect_condition=True):
                found = self._client.update_item(
                    TableName=self._table,
                    Key=to_item({"pk": conversation_pk(conversation_id), "sk": "META"}),
                    UpdateExpression="SET #status = :pending, updated_at = :now",
                    ConditionExpression="#status IN (:open, :answered)",
                    ExpressionAttributeNames={"#status": "status"},
                    ExpressionAttributeValues=to_item(
                        {
                            ":pending": "pending",
                            ":now": now,
                            ":open": "open",
                            ":answered": "answered",
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
                self._client.update_item(
                    TableName=self._table,
                    Key=to_item({"pk": conversation_pk(conversation_id), "sk": "META"}),
                    UpdateExpression="SET clock_resolution.paused_at = :now",
                    ExpressionAttributeValues=to_item({":now": now}),
                )
            paused = _clock_event_item(
                conversation_id,
                "resolution",
                brand_id=str(meta.get("brand_id", "")),
                generation=int(clock["generation"]),
                event="paused",
                tier=0,
                at=now,
                summary=clock,
            )
            self.record_once(paused, notify=False)
        return True

    def record_once(self, item: dict[str, Any], notify: bool) -> Recorded:
        """Write ``item`` unless its key exists; ``notified`` tracks a notice it may owe."""
        try:
            with storage_errors(f"recording {item['sk']}", expect_condition=True):
                self._client.put_item(
                    TableName=self._table,
                    Item=to_item(item | {"notified": not notify}),
                    ConditionExpression="attribute_not_exists(pk)",
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
        except ConditionNotMet as failed:
            old: dict[str, Any] = failed.error.response.get("Item") or {}  # type: ignore[assignment]
            notified = bool(old.get("notified", {}).get("BOOL", True))
            return Recorded.DONE if notified else Recorded.PENDING
        return Recorded.NEW

    def mark_sent(self, pk: str, sk: str) -> None:
        with storage_errors("marking the notice sent"):
            self._client.update_item(
                TableName=self._table,
                Key=to_item({"pk": pk, "sk": sk}),
                UpdateExpression="SET notified = :yes",
                ExpressionAttributeValues=to_item({":yes": True}),
            )

    def count_once(self, pk: str, message_ref: str, kept: timedelta) -> int:
        """Count a message in a tally (``n``), once: a redelivered message finds its reference
        in the tally's set and adds nothing. Past SET_CAP references the set stops growing
        (an item stays far below DynamoDB's 400 KB) and later messages are counted as they
        come."""
        expires = int((self._clock() + kept).timestamp())
        key = to_item({"pk": pk, "sk": "TALLY"})
        values = {":ref": {message_ref}, ":one": 1, ":ttl": expires, ":cap": SET_CAP}
        try:
            with storage_errors("counting", expect_condition=True):
                found = self._client.update_item(
                    TableName=self._table,
                    Key=key,
                    UpdateExpression=f"ADD refs :ref, n :one SET {KEEP_UNTIL}",
                    ConditionExpression=(
                        "attribute_not_exists(refs)"
                        " OR (NOT contains(refs, :refone) AND size(refs) < :cap)"
                    ),
                    ExpressionAttributeValues=to_item(values | {":refone": message_ref}),
                    ReturnValues="UPDATED_NEW",
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
        except ConditionNotMet as failed:
            old: dict[str, Any] = failed.error.response.get("Item") or {}  # type: ignore[assignment]
            refs = old.get("refs", {}).get("SS", [])
            if message_ref in refs:
                return int(old.get("n", {}).get("N", "0"))
            return self._count_past_cap(key, expires)
        return int(found["Attributes"]["n"]["N"])

    def _count_past_cap(self, key: dict[str, Any], expires: int) -> int:
        with storage_errors("counting"):
            found = self._client.update_item(
                TableName=self._table,
                Key=key,
                UpdateExpression=f"ADD n :one SET {KEEP_UNTIL}",
                ExpressionAttributeValues=to_item({":one": 1, ":ttl": expires}),
                ReturnValues="UPDATED_NEW",
            )
        return int(found["Attributes"]["n"]["N"])

    def tallies(self, pks: list[str]) -> dict[str, int]:
        """The counts of several tallies in one read (absent ones are 0)."""
        if not pks:
            return {}
        with storage_errors("reading tallies"):
            found = self._client.batch_get_item(
                RequestItems={
                    self._table: {
                        "Keys": [to_item({"pk": pk, "sk": "TALLY"}) for pk in pks],
                        "ProjectionExpression": "pk, n",
                    }
                }
            )
        counts = dict.fromkeys(pks, 0)
        for item in found["Responses"].get(self._table, []):
            counts[item["pk"]["S"]] = int(item.get("n", {}).get("N", "0"))
        return counts

    def record_card(self, conversation_id: str, message_sk: str, channel: str, ts: str) -> bool:
        """The card just posted for the conversation's first message, in one transaction: the
        conversation's Slack thread (set once) and the message's copy on the desk, by which a
        redelivery knows it was posted. False: the conversation had a thread already (then
        only the message's copy is recorded)."""
        thread = {"channel": channel, "ts": ts}
        try:
            with storage_errors("storing the thread", expect_condition=True):
                self._transact_with_conflict_retries(
                    [
                        {
                            "Update": {
                                "TableName": self._table,
                                "Key": to_item(
                                    {"pk": conversation_pk(conversation_id), "sk": "META"}
                                ),
                                "UpdateExpression": "SET slack_thread = :thread, thread_key = :key",
                                "ConditionExpression": (
                                    "attribute_exists(pk) AND attribute_not_exists(slack_thread)"
                                ),
                                "ExpressionAttributeValues": to_item(
                                    {":thread": thread, ":key": f"{channel}#{ts}"}
                                ),
                            }
                        },
                        _desk_copy_update(self._table, conversation_id, message_sk, thread),
                    ]
                )
        except ConditionNotMet as failed:
            if failed.reasons[:1] == ["ConditionalCheckFailed"]:
                self.record_copy(conversation_id, message_sk, channel, ts)
            return False
        return True

    def record_copy(self, conversation_id: str, message_sk: str, channel: str, ts: str) -> None:
        """The message's copy on the desk (a follow-up in its thread). A message erased
        meanwhile has nothing to record."""
        update = _desk_copy_update(
            self._table, conversation_id, message_sk, {"channel": channel, "ts": ts}
        )["Update"]
        try:
            with storage_errors("recording the desk's copy", expect_condition=True):
                self._client.update_item(**update)
        except ConditionNotMet:
            return

    def record_deletion_shown(self, conversation_id: str, message_sk: str, at: str) -> None:
        """The desk showed that the message's author deleted it: a redelivered notice is not
        shown twice."""
        try:
            with storage_errors("recording the deletion shown", expect_condition=True):
                self._client.update_item(
                    TableName=self._table,
                    Key=to_item({"pk": conversation_pk(conversation_id), "sk": message_sk}),
                    UpdateExpression="SET deletion_shown_at = :at",
                    ConditionExpression="attribute_exists(pk)",
                    ExpressionAttributeValues=to_item({":at": at}),
                )
        except ConditionNotMet:
            return

    def started_on(self, brand_id: str, day: str) -> list[dict[str, Any]]:
        """The brand's conversations that began on ``day`` (UTC, YYYY-MM-DD), each with its
        ``status``, ``priority`` and ``queue_sk`` (its reply due time while it waits) only:
        the DayStats index, whose items are small enough for a day of a busy brand to come
        in one or two pages."""
        pages = self._client.get_paginator("query").paginate(
            TableName=self._table,
            IndexName="DayStats",
            KeyConditionExpression="day_pk = :day",
            ExpressionAttributeValues=to_item({":day": f"DAY#{brand_id}#{day}"}),
        )
        with storage_errors("reading the day"):
            return [from_item(item) for page in pages for item in page["Items"]]

    def waiting(self, brand_id: str, limit: int) -> list[dict[str, Any]]:
        """The brand's conversations that wait on it, the earliest reply due first (the
        sparse ByDueTime index: only waiting conversations carry its keys)."""
        with storage_errors("reading the queue"):
            found = self._client.query(
                TableName=self._table,
                IndexName="ByDueTime",
                KeyConditionExpression="queue_pk = :queue",
                ExpressionAttributeValues=to_item({":queue": f"QUEUE#{brand_id}"}),
                Limit=limit,
            )
        return [from_item(item) for item in found["Items"]]

    def clock_events(self, conversation_id: str) -> list[dict[str, Any]]:
        """The conversation's audit trail of clock events."""
        return self._items_of(conversation_id, "CLOCK#")

    def _items_of(self, conversation_id: str, prefix: str) -> list[dict[str, Any]]:
        pages = self._client.get_paginator("query").paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues=to_item(
                {":pk": conversation_pk(conversation_id), ":prefix": prefix}
            ),
        )
        with storage_errors("reading the conversation's items"):
            return [from_item(item) for page in pages for item in page["Items"]]

    def get_conversation(self, conversation_id: str) -> Conversation | None:
        found = self.conversation(conversation_id)
        return Conversation.model_validate(found) if found else None

    def list_messages(self, conversation_id: str) -> list[dict[str, Any]]:
        return self._items_of(conversation_id, "MSG#")

    def _put_new(self, item: dict[str, Any]) -> dict[str, Any]:
        return {
            "Put": {
                "TableName": self._table,
                "Item": to_item(item),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }

    @staticmethod
    def _ref_item(message: InboundMessage, stored: StoredRef, now: str) -> dict[str, Any]:
        return {
            "pk": f"REF#{message.ref}",
            "sk": "REF",
            "conversation_id": stored.conversation_id,
            "message_sk": stored.message_sk,
            "platform_event_id": message.platform_event_id,
            "stored_at": now,
        }

    @staticmethod
    def _message_item(message: InboundMessage, stored: StoredRef, now: str) -> dict[str, Any]:
        sent_at = iso(message.sent_at)
        return {
            **activity_keys(message.brand_id, sent_at, stored.conversation_id, stored.message_sk),
            "pk": conversation_pk(stored.conversation_id),
            "sk": stored.message_sk,
            "type": "message",
            "direction": "inbound",
            "platform": str(message.platform),
            "account_id": message.account_id,
            "kind": str(message.kind),
            "message_ref": message.ref,
            "platform_message_id": message.platform_message_id,
            "platform_event_id": message.platform_event_id,
            "in_reply_to": message.in_reply_to,
            "author": message.customer.model_dump(exclude_none=True),
            "text": message.text,
            "sent_at": sent_at,
            "platform_sent_at": message.platform_sent_at,  # only when sent_at is the receipt
            "stored_at": now,
            "link": message.link,
            "summoned": message.summoned,
        }

    def _conversation_update(
        self, message: InboundMessage, conversation_id: str, key: str, now: str
    ) -> dict[str, Any]:
        sent_at = iso(message.sent_at)
        brand = message.brand_id
        # The same for every message of the conversation: plain SETs are idempotent.
        constant = {
            "id": conversation_id,
            "type": "conversation",
            "platform": str(message.platform),
            "account_id": message.account_id,
            "brand_id": brand,
            "channel_type": str(message.channel_type),
            "queue_pk": f"QUEUE#{brand}",
        }
        # Set by the first message only (if_not_exists): later ones never rewrite history.
        # The customer is the conversation's first author; each message keeps its own.
        first = {
            "key": key,
            "status": "new",
            "customer": message.customer.model_dump(exclude_none=True),
            "created_at": sent_at,
            "link": message.link,
            "waiting_since": sent_at,
            "queue_sk": f"{sent_at}#{conversation_id}",
            "day_pk": f"DAY#{brand}#{sent_at[:10]}",
            "day_sk": f"{sent_at}#{conversation_id}",
            "customer_pk": f"CUST#{message.platform}#{message.customer.id}",
            "customer_sk": f"{sent_at}#{conversation_id}",
        }
        latest = {"last_inbound_at": sent_at, "updated_at": now}
        first = {k: v for k, v in first.items() if v is not None}
        plain = constant | latest
        names = {f"#{k}": k for k in (*first, *plain, "message_count")}
        values = {f":{k}": v for k, v in (*first.items(), *plain.items())} | {":one": 1}
        sets = [f"#{k} = if_not_exists(#{k}, :{k})" for k in first] + [
            f"#{k} = :{k}" for k in plain
        ]
        return {
            "TableName": self._table,
            "Key": to_item({"pk": conversation_pk(conversation_id), "sk": "META"}),
            "UpdateExpression": f"SET {', '.join(sets)} ADD #message_count :one",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": to_item(values),
        }


def _clock_event_sk(plan: ClockPlan, event: str, tier: int) -> str:
    return f"CLOCK#{plan.clock.value}#{plan.generation}#{event}#{tier}"


def _clock_event(plan: ClockPlan, event: str, tier: int, at: datetime) -> dict[str, Any]:
    return _clock_event_item(
        plan.conversation_id,
        plan.clock.value,
        brand_id=plan.brand_id,
        generation=plan.generation,
        event=event,
        tier=tier,
        at=iso(at),
        summary=plan.summary(),
    )


def _clock_event_item(
    conversation_id: str,
    clock: str,
    *,
    brand_id: str,
    generation: int,
    event: str,
    tier: int,
    at: str,
    summary: dict[str, Any],
) -> dict[str, Any]:
    """An audit-trail item: what happened to which clock, when, under which policy."""
    sk = f"CLOCK#{clock}#{generation}#{event}#{tier}"
    return {
        **activity_keys(brand_id, at, conversation_id, sk),
        "pk": conversation_pk(conversation_id),
        "sk": sk,
        "type": "clock_event",
        "clock": clock,
        "generation": generation,
        "event": event,
        "tier": tier,
        "at": at,
        "due_at": summary.get("due_at"),
        "policy": summary.get("policy"),
        "policy_version": summary.get("policy_version"),
    }


def _desk_copy_update(
    table: str, conversation_id: str, message_sk: str, copy: dict[str, str]
) -> dict[str, Any]:
    return {
        "Update": {
            "TableName": table,
            "Key": to_item({"pk": conversation_pk(conversation_id), "sk": message_sk}),
            "UpdateExpression": "SET desk_copy = :copy",
            "ConditionExpression": "attribute_exists(pk)",
            "ExpressionAttributeValues": to_item({":copy": copy}),
        }
    }


def _conversation_change(
    classification: Classification, seen_status: str | None, now: str
) -> tuple[str, dict[str, Any]] | None:
    """The update the conversation needs after this message, or None when it stays as it is."""
    if seen_status is None:
        return None
    if seen_status == "spam":  # ingest put it back in the queue: a spammer never waits there
        return "REMOVE queue_pk", {}
    if classification.spam.is_spam:
        if seen_status != "new":
            return None  # spam inside a real customer's conversation: only the message is marked
        return "SET #status = :spam, updated_at = :now REMOVE queue_pk, queue_sk", {
            ":spam": "spam",
            ":now": now,
        }
    values: dict[str, Any] = {
        ":open": "open",
        ":language": classification.language.code,
        ":now": now,
    }
    sets = ["#status = :open", "#language = :language", "updated_at = :now"]
    if classification.topic is not None:
        sets.append("topic = :topic")
        values[":topic"] = str(classification.topic.code)
    if classification.priority is not None:
        sets.append("priority = :priority")
        values[":priority"] = classification.priority.level
    if classification.sentiment is not None:
        sets.append("sentiment = :sentiment")
        values[":sentiment"] = str(classification.sentiment.label)
    return "SET " + ", ".join(sets), values
