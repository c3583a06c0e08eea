"""What the classifier reads and writes: the message and its conversation (one batch read per
queue batch), what it found (on the message, carried to the conversation with the clocks it
starts, in one transaction), the customer's earlier conversations and the day's copies of a
promotional text (docs/storage.md)."""

from datetime import timedelta
from typing import Any

from socialcare.adapters.clock_store import RESPONSE_CLOCKS, plan_event
from socialcare.adapters.conversation_reads import BatchLoads, ConversationReads
from socialcare.adapters.dynamo_codec import (
    ConditionNotMet,
    conversation_pk,
    customer_pk,
    decimals,
    storage_errors,
    to_item,
)
from socialcare.adapters.dynamo_table import ConversationTable
from socialcare.clock import Clock, utc_now
from socialcare.deadlines.plan import ClockPlan
from socialcare.errors import StorageUnavailable
from socialcare.models.classification import Classification
from socialcare.models.conversation import Conversation, ConversationStatus
from socialcare.models.message import iso
from socialcare.ports import TakeUp

COPIES_KEPT = timedelta(days=2)


class DynamoClassifyStore(BatchLoads):
    """The classifier's writes: a message taken up, the customer's history, copies of a text."""

    def __init__(
        self, table: str | ConversationTable, client: Any = None, clock: Clock = utc_now
    ) -> None:
        self._table = ConversationTable.of(table, client, clock)
        self._reads = ConversationReads(self._table)

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
        table = self._table
        now = iso(table.clock())
        found = decimals(classification.model_dump(exclude_none=True))
        items: list[dict[str, Any]] = [
            {
                "Update": {
                    "TableName": table.name,
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
                started = plan_event(plan, event, 0, plan.started_at)
                items.append({"Put": {"TableName": table.name, "Item": to_item(started)}})
            items.append(
                {
                    "Update": {
                        "TableName": table.name,
                        "Key": table.meta_key(conversation_id),
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
                table.transact(items)
        except ConditionNotMet as failed:
            if failed.reasons[:1] == ["ConditionalCheckFailed"]:
                return TakeUp.ALREADY  # the message's own condition: classified already
            raise StorageUnavailable("the conversation changed while classifying") from failed
        return TakeUp.TAKEN

    def earlier_conversations(self, conversation: Conversation, window: timedelta) -> int:
        """How many conversations its customer opened in ``window`` before it began: a count
        over the ByCustomer index (keys only; sorted by first-message time), never the items."""
        customer = customer_pk(conversation.platform, conversation.customer.id)
        began = iso(conversation.created_at)
        since, before = iso(conversation.created_at - window), f"{began}#"
        table = self._table
        with storage_errors("counting earlier conversations"):
            found = table.client.query(
                TableName=table.name,
                IndexName="ByCustomer",
                Select="COUNT",
                KeyConditionExpression="customer_pk = :customer AND customer_sk BETWEEN :a AND :b",
                ExpressionAttributeValues=to_item(
                    {":customer": customer, ":a": since, ":b": before}
                ),
            )
        return int(found.get("Count", 0))

    def copies(self, brand_id: str, day: str, text_key: str, message_ref: str) -> int:
        """Count the messages that carried one promotional text on one day (a tally: a
        redelivery adds nothing), kept two days by TTL."""
        return self._table.count_once(copies_pk(brand_id, day, text_key), message_ref, COPIES_KEPT)


def copies_pk(brand_id: str, day: str, text_key: str) -> str:
    """The tally of one promotional text on one day (erasure takes references out of it)."""
    return f"TEXT#{brand_id}#{day}#{text_key}"


def _conversation_change(
    classification: Classification, seen_status: str | None, now: str
) -> tuple[str, dict[str, Any]] | None:
    """The update the conversation needs after this message, or None when it stays as it is."""
    if seen_status is None:
        return None
    if (
        seen_status == ConversationStatus.SPAM
    ):  # ingest put it back in the queue: a spammer never waits there
        return "REMOVE queue_pk", {}
    if classification.spam.is_spam:
        if seen_status != ConversationStatus.NEW:
            return None  # spam inside a real customer's conversation: only the message is marked
        return "SET #status = :spam, updated_at = :now REMOVE queue_pk, queue_sk", {
            ":spam": ConversationStatus.SPAM.value,
            ":now": now,
        }
    values: dict[str, Any] = {
        ":open": ConversationStatus.OPEN.value,
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
        # Kept from the first message on: later ones need not count again.
        sets.append("earlier_conversations = if_not_exists(earlier_conversations, :earlier)")
        values[":earlier"] = classification.priority.earlier_conversations
    if classification.sentiment is not None:
        sets.append("sentiment = :sentiment")
        values[":sentiment"] = str(classification.sentiment.label)
    return "SET " + ", ".join(sets), values
