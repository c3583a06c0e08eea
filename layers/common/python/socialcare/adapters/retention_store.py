"""Retention in the conversations table (see docs/privacy.md): a closed conversation
(resolved or spam) expires by DynamoDB TTL, every item of its partition and what leads into
it (adapters/partition_items.py) carrying ``expires_at``."""

from contextlib import suppress
from datetime import datetime, timedelta
from typing import Any

from socialcare.adapters.dynamo_codec import ConditionNotMet, storage_errors, to_item
from socialcare.adapters.dynamo_table import ConversationTable
from socialcare.adapters.partition_items import PartitionItems
from socialcare.models.conversation import CLOSED, ConversationStatus
from socialcare.models.message import iso


def _needs(item: dict[str, Any], expires: int | None) -> bool:
    """A handle lookup is shared by the customer's conversations: it keeps the latest
    expiry of those that closed (a new message rewrites it without one)."""
    if str(item["pk"]).startswith("HANDLE#") and expires is not None:
        return int(item.get("expires_at") or 0) < expires
    return item.get("expires_at") != expires


class DynamoRetentionStore:
    """A closed conversation (resolved or spam) expires by DynamoDB TTL ``retention`` after
    it closed: every item of its partition and the references into it carry ``expires_at``.
    A conversation that reopens loses it again. ``settle`` makes the items match the
    conversation's status, whatever happened before (a cut-off run is finished by the next)."""

    def __init__(self, table: str | ConversationTable, client: Any = None) -> None:
        shared = ConversationTable.of(table, client)
        self._table, self._client = shared.name, shared.client
        self._items = PartitionItems(shared)

    def settle(self, conversation_id: str, retention: timedelta, now: datetime) -> str:
        """``kept``, ``expiring`` or ``absent``: what the conversation's items now say."""
        items = self._items.conversation_items(conversation_id)
        meta = next((i for i in items if i["sk"] == "META"), None)
        if meta is None:
            return "absent"
        closed = meta.get("status") in CLOSED
        resolved = (
            meta.get("resolved_at") if meta.get("status") == ConversationStatus.RESOLVED else None
        )
        closed_at = str(meta.get("closed_at") or resolved or iso(now))
        expires = (
            int((datetime.fromisoformat(closed_at) + retention).timestamp()) if closed else None
        )
        refs = self._items.linked(items)
        # META last: a run cut off half-way leaves META saying the old state, so the next
        # settle (every close, reopen or later message calls it) does the rest.
        others = [i for i in [*refs, *items] if i["sk"] != "META"]
        for item in others:
            if _needs(item, expires):
                self._expire(str(item["pk"]), str(item["sk"]), expires)
        if meta.get("expires_at") != expires or (closed and "closed_at" not in meta):
            self._expire(str(meta["pk"]), "META", expires, closed_at if closed else None)
        return "expiring" if closed else "kept"

    def follow(self, conversation_id: str) -> None:
        """What was written into a closed conversation after it closed (an agent's note, a
        clock's last event) expires with it: the expiry it has, no brand setting needed."""
        items = self._items.conversation_items(conversation_id)
        meta = next((i for i in items if i["sk"] == "META"), None)
        if meta is None or meta.get("status") not in CLOSED or not meta.get("expires_at"):
            return
        expires = int(meta["expires_at"])
        for item in [*self._items.linked(items), *items]:
            if item["sk"] != "META" and _needs(item, expires):
                self._expire(str(item["pk"]), str(item["sk"]), expires)

    def _expire(self, pk: str, sk: str, expires: int | None, closed_at: str | None = None) -> None:
        """Sets (or, for None, removes) ``expires_at``; on META ``closed_at`` goes with it."""
        values: dict[str, Any] = {}
        if expires is None:
            expression = "REMOVE expires_at, closed_at" if sk == "META" else "REMOVE expires_at"
        else:
            expression, values = "SET expires_at = :at", {":at": expires}
            if closed_at is not None:
                expression, values = (
                    expression + ", closed_at = :closed",
                    values | {":closed": closed_at},
                )
        arguments: dict[str, Any] = {
            "TableName": self._table,
            "Key": to_item({"pk": pk, "sk": sk}),
            "UpdateExpression": expression,
            "ConditionExpression": "attribute_exists(pk)",  # never recreate a deleted item
        }
        if values:
            arguments["ExpressionAttributeValues"] = to_item(values)
        with (
            suppress(ConditionNotMet),  # deleted meanwhile: never recreated
            storage_errors("setting the expiry", expect_condition=True),
        ):
            self._client.update_item(**arguments)
