"""The conversations table: every read and write of it lives here (see docs/storage.md)."""

import random
import time
from decimal import Decimal
from typing import Any

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import BotoCoreError, ClientError

from socialcare.clock import Clock, utc_now
from socialcare.errors import StorageUnavailable
from socialcare.models import Conversation, InboundMessage
from socialcare.models.classification import Classification
from socialcare.models.message import iso
from socialcare.ports import SaveOutcome, StoredRef, TakeUp

CONFLICT_RETRIES = 3
_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def _to_item(values: dict[str, Any]) -> dict[str, Any]:
    return {k: _serializer.serialize(v) for k, v in values.items() if v is not None}


def _decimals(value: Any) -> Any:
    """DynamoDB numbers are Decimals; floats (scores) are stored with 4 significant digits."""
    if isinstance(value, float):
        return Decimal(f"{value:.4g}")
    if isinstance(value, dict):
        return {k: _decimals(v) for k, v in value.items()}
    return value


def _from_item(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _deserializer.deserialize(v) for k, v in item.items()}


def conversation_pk(conversation_id: str) -> str:
    return f"CONV#{conversation_id}"


def message_sk(message: InboundMessage) -> str:
    return f"MSG#{iso(message.sent_at)}#{message.platform_message_id}"


def _cancelled_by_conflict(error: ClientError) -> bool:
    reasons = error.response.get("CancellationReasons") or []
    codes = {r.get("Code") for r in reasons} - {"None", None}
    return error.response["Error"]["Code"] == "TransactionCanceledException" and codes == {
        "TransactionConflict"
    }


def _only_conditions_failed(error: ClientError) -> bool:
    reasons = error.response.get("CancellationReasons") or []
    codes = {r.get("Code") for r in reasons} - {"None", None}
    return error.response["Error"]["Code"] == "TransactionCanceledException" and codes == {
        "ConditionalCheckFailed"
    }


class DynamoConversationStore:
    def __init__(self, table_name: str, client: Any = None, clock: Clock = utc_now) -> None:
        self._table = table_name
        self._client = client or boto3.client("dynamodb")
        self._clock = clock

    def find_ref(self, message_ref: str) -> StoredRef | None:
        try:
            found = self._client.get_item(
                TableName=self._table,
                Key=_to_item({"pk": f"REF#{message_ref}", "sk": "REF"}),
                ConsistentRead=True,
            ).get("Item")
        except (ClientError, BotoCoreError) as exc:
            raise StorageUnavailable(f"reading message reference failed: {exc}") from exc
        if not found:
            return None
        values = _from_item(found)
        return StoredRef(values["conversation_id"], values["message_sk"])

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
            self._client.put_item(**self._put_new(item)["Put"])
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise StorageUnavailable(f"linking our reply failed: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageUnavailable(f"linking our reply failed: {exc}") from exc
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
        try:
            self._transact_with_conflict_retries(items)
        except ClientError as exc:
            if not _only_conditions_failed(exc):
                raise StorageUnavailable(f"storing message failed: {exc}") from exc
            # Already stored: the platform re-delivered it. Report where it went the first time.
            earlier = self.find_ref(message.ref) or stored
            return SaveOutcome(earlier, created=False)
        except BotoCoreError as exc:
            raise StorageUnavailable(f"storing message failed: {exc}") from exc
        return SaveOutcome(stored, created=True)

    def load(
        self, conversation_id: str, message_sk: str
    ) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """The message and its conversation, in one call."""
        keys = [{"pk": conversation_pk(conversation_id), "sk": sk} for sk in (message_sk, "META")]
        try:
            found = self._client.batch_get_item(
                RequestItems={
                    self._table: {"Keys": [_to_item(k) for k in keys], "ConsistentRead": True}
                }
            )
        except (ClientError, BotoCoreError) as exc:
            raise StorageUnavailable(f"reading message failed: {exc}") from exc
        if found.get("UnprocessedKeys"):
            raise StorageUnavailable("reading message was throttled; retried by the queue")
        items = {
            item["sk"]["S"]: _from_item(item) for item in found["Responses"].get(self._table, [])
        }
        return items.get(message_sk), items.get("META")

    def take_up(
        self, conversation_id: str, message_sk: str, classification: Classification
    ) -> TakeUp:
        """Store what the classifier found on the message and mark it processed, then carry it
        to the conversation and reopen it (a new customer message reopens an answered or
        resolved conversation, as in every helpdesk), unless it is spam.

        Both writes are conditional, so a redelivered request changes nothing; the failed
        condition's old item tells "already processed" from "not stored" without a read.
        """
        now = iso(self._clock())
        found = classification.model_dump(exclude_none=True)
        try:
            self._client.update_item(
                TableName=self._table,
                Key=_to_item({"pk": conversation_pk(conversation_id), "sk": message_sk}),
                UpdateExpression="SET processed_at = :now, classification = :found",
                ConditionExpression="attribute_exists(pk) AND attribute_not_exists(processed_at)",
                ExpressionAttributeValues=_to_item({":now": now, ":found": _decimals(found)}),
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise StorageUnavailable(f"marking message failed: {exc}") from exc
            return TakeUp.ALREADY if "Item" in exc.response else TakeUp.MISSING
        except BotoCoreError as exc:
            raise StorageUnavailable(f"marking message failed: {exc}") from exc
        self._carry_to_conversation(conversation_id, classification, now)
        return TakeUp.TAKEN

    def _carry_to_conversation(
        self, conversation_id: str, classification: Classification, now: str
    ) -> None:
        """Latest language, topic and priority; reopened unless spam. A conversation whose
        first message is spam becomes spam and leaves the queue (never escalated)."""
        if classification.spam.is_spam:
            update = "SET #status = :spam, updated_at = :now REMOVE queue_pk, queue_sk"
            condition = "attribute_exists(pk) AND #status = :new"
            values: dict[str, Any] = {":spam": "spam", ":new": "new", ":now": now}
        else:
            sets = {
                "#status": ":open",
                "#language": ":language",
                "updated_at": ":now",
                "priority": ":priority",
                "topic": ":topic",
            }
            values = {
                ":open": "open",
                ":spam": "spam",
                ":language": classification.language.code,
                ":now": now,
                ":priority": classification.priority.level if classification.priority else None,
                ":topic": str(classification.topic.code) if classification.topic else None,
            }
            values = {k: v for k, v in values.items() if v is not None}
            update = "SET " + ", ".join(
                f"{name} = {value}" for name, value in sets.items() if value in values
            )
            condition = "attribute_exists(pk) AND #status <> :spam"
        names = {"#status": "status"} | ({"#language": "language"} if "#language" in update else {})
        try:
            self._client.update_item(
                TableName=self._table,
                Key=_to_item({"pk": conversation_pk(conversation_id), "sk": "META"}),
                UpdateExpression=update,
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=_to_item(values),
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise StorageUnavailable(f"updating conversation failed: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageUnavailable(f"updating conversation failed: {exc}") from exc

    def _transact_with_conflict_retries(self, items: list[dict[str, Any]]) -> None:
        """Two messages of one conversation at the same moment both update it; DynamoDB then
        cancels one with TransactionConflict. That is no failure to report to the platform:
        try again, briefly (the platform's own retry is the last resort)."""
        for attempt in range(CONFLICT_RETRIES + 1):
            try:
                self._client.transact_write_items(TransactItems=items)
                return
            except ClientError as exc:
                if attempt == CONFLICT_RETRIES or not _cancelled_by_conflict(exc):
                    raise
                time.sleep(random.uniform(0.02, 0.08) * (attempt + 1))  # noqa: S311 - jitter

    def get_conversation(self, conversation_id: str) -> Conversation | None:
        found = self._client.get_item(
            TableName=self._table,
            Key=_to_item({"pk": conversation_pk(conversation_id), "sk": "META"}),
            ConsistentRead=True,
        ).get("Item")
        return Conversation.model_validate(_from_item(found)) if found else None

    def list_messages(self, conversation_id: str) -> list[dict[str, Any]]:
        pages = self._client.get_paginator("query").paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :msg)",
            ExpressionAttributeValues=_to_item(
                {":pk": conversation_pk(conversation_id), ":msg": "MSG#"}
            ),
        )
        return [_from_item(item) for page in pages for item in page["Items"]]

    def _put_new(self, item: dict[str, Any]) -> dict[str, Any]:
        return {
            "Put": {
                "TableName": self._table,
                "Item": _to_item(item),
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
        return {
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
            "sent_at": iso(message.sent_at),
            "stored_at": now,
            "link": message.link,
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
            "Key": _to_item({"pk": conversation_pk(conversation_id), "sk": "META"}),
            "UpdateExpression": f"SET {', '.join(sets)} ADD #message_count :one",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": _to_item(values),
        }
