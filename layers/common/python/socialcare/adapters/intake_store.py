"""What ingest writes: the message reference (the dedup record and the thread index), the
message, the conversation it opens or continues, and the customer's handle lookup, in one
transaction per message (docs/storage.md, "One inbound message = one transaction")."""

from typing import Any

from socialcare.adapters.dynamo_codec import (
    ConditionNotMet,
    conversation_pk,
    customer_pk,
    from_item,
    message_sk,
    storage_errors,
    to_item,
)
from socialcare.adapters.dynamo_table import ConversationTable, activity_keys
from socialcare.adapters.handles import handle_item
from socialcare.clock import Clock, utc_now
from socialcare.models import InboundMessage
from socialcare.models.conversation import ConversationStatus
from socialcare.models.message import iso
from socialcare.ports import SaveOutcome, StoredRef


class DynamoIntakeStore:
    def __init__(
        self, table: str | ConversationTable, client: Any = None, clock: Clock = utc_now
    ) -> None:
        self._table = ConversationTable.of(table, client, clock)

    def find_ref(self, message_ref: str) -> StoredRef | None:
        values = self._read_ref(message_ref)
        if values is None:
            return None
        return StoredRef(values["conversation_id"], values["message_sk"])

    def _read_ref(self, message_ref: str) -> dict[str, Any] | None:
        """The message reference item (the dedup record), consistently read."""
        table = self._table
        with storage_errors("reading message reference"):
            found = table.client.get_item(
                TableName=table.name,
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
        table = self._table
        item = {
            "pk": f"REF#{message_ref}",
            "sk": "REF",
            "conversation_id": parent.conversation_id,
            "message_sk": parent.message_sk,
            "linked_from": parent_ref,
            "stored_at": iso(table.clock()),
        }
        try:
            with storage_errors("linking our reply", expect_condition=True):
                table.client.put_item(**table.put_new(item)["Put"])
                # The conversation knows its links: erasure and expiry reach them by key.
                table.client.update_item(
                    TableName=table.name,
                    Key=table.meta_key(parent.conversation_id),
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
        table = self._table
        stored = StoredRef(conversation_id, message_sk(message))
        now = iso(table.clock())
        items = [
            table.put_new(_ref_item(message, stored, now)),
            table.put_new(_message_item(message, stored, now)),
            {"Update": self._conversation_update(message, conversation_id, conversation_key, now)},
        ]
        if message.customer.handle:  # /care forget @handle finds the customer by it
            seen = handle_item(message.customer.handle, message.platform, message.customer.id, now)
            items.append({"Put": {"TableName": table.name, "Item": to_item(seen)}})
        try:
            with storage_errors("storing message", expect_condition=True):
                table.transact(items)
        except ConditionNotMet:
            # Already stored: the platform re-delivered it. Report where it went the first time.
            earlier = self.find_ref(message.ref) or stored
            return SaveOutcome(earlier, created=False)
        return SaveOutcome(stored, created=True)

    def mark_deleted(self, message_ref: str, at: str) -> StoredRef | None:
        """The text stays (docs/privacy.md: erasure is the agent's decision, not X's signal);
        the message says when its author deleted it, and the desk shows that."""
        return self._update_inbound(
            message_ref,
            "marking a deleted message",
            "SET deleted_at = if_not_exists(deleted_at, :at)",
            "attribute_exists(pk)",
            {":at": at},
        )

    def mark_edited(self, message_ref: str, text: str, at: str) -> StoredRef | None:
        """The first text stays (what was classified and answered); the latest edit is kept
        beside it, and the desk shows both."""
        return self._update_inbound(
            message_ref,
            "marking an edited message",
            "SET edited_text = :text, edited_at = :at",
            "attribute_exists(pk) AND (attribute_not_exists(edited_at) OR edited_at <= :at)",
            {":text": text, ":at": at},
        )

    def _update_inbound(
        self, message_ref: str, doing: str, update: str, condition: str, values: dict[str, Any]
    ) -> StoredRef | None:
        """One stored inbound message changed by its author; None: unknown, our own reply
        linked to the customer's message it answers (its change must not mark theirs), erased
        since, or the condition refused it (a later edit kept already)."""
        found = self._read_ref(message_ref)
        if found is None or "linked_from" in found:
            return None
        stored = StoredRef(found["conversation_id"], found["message_sk"])
        table = self._table
        try:
            with storage_errors(doing, expect_condition=True):
                table.client.update_item(
                    TableName=table.name,
                    Key=to_item(
                        {"pk": conversation_pk(stored.conversation_id), "sk": stored.message_sk}
                    ),
                    UpdateExpression=update,
                    ConditionExpression=condition,
                    ExpressionAttributeValues=to_item(values),
                )
        except ConditionNotMet:
            return None
        return stored

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
            "status": ConversationStatus.NEW.value,
            "customer": message.customer.model_dump(exclude_none=True),
            "created_at": sent_at,
            "link": message.link,
            "waiting_since": sent_at,
            "queue_sk": f"{sent_at}#{conversation_id}",
            "day_pk": f"DAY#{brand}#{sent_at[:10]}",
            "day_sk": f"{sent_at}#{conversation_id}",
            "customer_pk": customer_pk(message.platform, message.customer.id),
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
            "TableName": self._table.name,
            "Key": self._table.meta_key(conversation_id),
            "UpdateExpression": f"SET {', '.join(sets)} ADD #message_count :one",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": to_item(values),
        }


def _ref_item(message: InboundMessage, stored: StoredRef, now: str) -> dict[str, Any]:
    return {
        "pk": f"REF#{message.ref}",
        "sk": "REF",
        "conversation_id": stored.conversation_id,
        "message_sk": stored.message_sk,
        "platform_event_id": message.platform_event_id,
        "stored_at": now,
    }


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
        "posted_under": message.posted_under,
    }
