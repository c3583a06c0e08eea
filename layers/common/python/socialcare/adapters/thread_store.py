"""What the thread poster records: the conversation's Slack thread (its card) and each
message's copy on the desk, by which a redelivered desk request posts nothing
(docs/storage.md, the message item's ``desk_copy``)."""

from datetime import datetime
from typing import Any

from socialcare.adapters.conversation_reads import BatchLoads, ConversationReads
from socialcare.adapters.dynamo_codec import (
    ConditionNotMet,
    conversation_pk,
    storage_errors,
    to_item,
)
from socialcare.adapters.dynamo_table import ConversationTable
from socialcare.adapters.handles import handle_item
from socialcare.clock import Clock, utc_now
from socialcare.models.common import Platform
from socialcare.models.message import Customer, iso


class DynamoThreadStore(BatchLoads):
    """The thread poster's writes: the card's thread and each message's desk copy."""

    def __init__(
        self, table: str | ConversationTable, client: Any = None, clock: Clock = utc_now
    ) -> None:
        self._table = ConversationTable.of(table, client, clock)
        self._reads = ConversationReads(self._table)

    def record_card(
        self,
        conversation_id: str,
        message_sk: str,
        channel: str,
        ts: str,
        *,
        customer: Customer | None = None,
        platform: Platform | None = None,
    ) -> bool:
        """The card just posted for the conversation's first message, in one transaction: the
        conversation's Slack thread (set once) and the message's copy on the desk, by which a
        redelivery knows it was posted; and the customer's profile when it was read for the
        card, with the lookup of its handle (``/care forget @handle`` finds them by it, as
        it finds those whose platform gave the handle at intake). False: the conversation had
        a thread already (then only the message's copy is recorded)."""
        table = self._table
        thread = {"channel": channel, "ts": ts}
        values: dict[str, Any] = {":thread": thread, ":key": f"{channel}#{ts}"}
        update = "SET slack_thread = :thread, thread_key = :key"
        if customer is not None:
            update += ", customer = :customer"
            values[":customer"] = customer.model_dump(exclude_none=True)
        try:
            with storage_errors("storing the thread", expect_condition=True):
                table.transact(
                    [
                        {
                            "Update": {
                                "TableName": table.name,
                                "Key": table.meta_key(conversation_id),
                                "UpdateExpression": update,
                                "ConditionExpression": (
                                    "attribute_exists(pk) AND attribute_not_exists(slack_thread)"
                                ),
                                "ExpressionAttributeValues": to_item(values),
                            }
                        },
                        self._desk_copy_update(conversation_id, message_sk, thread),
                        *self._handle_lookup(customer, platform),
                    ]
                )
        except ConditionNotMet as failed:
            if failed.reasons[:1] == ["ConditionalCheckFailed"]:
                self.record_copy(conversation_id, message_sk, channel, ts)
            return False
        return True

    def _handle_lookup(
        self, customer: Customer | None, platform: Platform | None
    ) -> list[dict[str, Any]]:
        if customer is None or not customer.handle or platform is None:
            return []
        item = handle_item(customer.handle, str(platform), customer.id, iso(self._table.clock()))
        return [
            {
                "Update": {  # an update that creates it: the poster may not put items
                    "TableName": self._table.name,
                    "Key": to_item({"pk": item["pk"], "sk": item["sk"]}),
                    # A lookup left by the customer's closed conversation expires no more.
                    "UpdateExpression": "SET #type = :type, seen_at = :seen REMOVE expires_at",
                    "ExpressionAttributeNames": {"#type": "type"},
                    "ExpressionAttributeValues": to_item(
                        {":type": item["type"], ":seen": item["seen_at"]}
                    ),
                }
            }
        ]

    def record_copy(self, conversation_id: str, message_sk: str, channel: str, ts: str) -> None:
        """The message's copy on the desk (a follow-up in its thread). A message erased
        meanwhile has nothing to record."""
        copy = {"channel": channel, "ts": ts}
        update = self._desk_copy_update(conversation_id, message_sk, copy)["Update"]
        try:
            with storage_errors("recording the desk's copy", expect_condition=True):
                self._table.client.update_item(**update)
        except ConditionNotMet:
            return

    def record_deletion_shown(self, conversation_id: str, message_sk: str, at: datetime) -> None:
        """The desk showed that the message's author deleted it: a redelivered notice is not
        shown twice."""
        self._mark_shown(conversation_id, message_sk, "deletion_shown_at", at)

    def record_edit_shown(self, conversation_id: str, message_sk: str, edited_at: datetime) -> None:
        """The desk showed the author's edit of ``edited_at``: a redelivered notice (or an
        older edit's, arriving late) is not shown again."""
        self._mark_shown(conversation_id, message_sk, "edit_shown_at", edited_at)

    def _mark_shown(self, conversation_id: str, message_sk: str, field: str, at: datetime) -> None:
        table = self._table
        try:
            with storage_errors(f"recording {field}", expect_condition=True):
                table.client.update_item(
                    TableName=table.name,
                    Key=to_item({"pk": conversation_pk(conversation_id), "sk": message_sk}),
                    UpdateExpression=f"SET {field} = :at",
                    ConditionExpression="attribute_exists(pk)",
                    ExpressionAttributeValues=to_item({":at": iso(at)}),
                )
        except ConditionNotMet:
            return  # erased since

    def _desk_copy_update(
        self, conversation_id: str, message_sk: str, copy: dict[str, str]
    ) -> dict[str, Any]:
        return {
            "Update": {
                "TableName": self._table.name,
                "Key": to_item({"pk": conversation_pk(conversation_id), "sk": message_sk}),
                "UpdateExpression": "SET desk_copy = :copy",
                "ConditionExpression": "attribute_exists(pk)",
                "ExpressionAttributeValues": to_item({":copy": copy}),
            }
        }
