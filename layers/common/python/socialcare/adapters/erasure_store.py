"""Erasure in the conversations table (see docs/privacy.md): every read is a key or an index
query, never a scan; deletions go in BatchWriteItem chunks of 25. A customer's items: their
conversations (the ByCustomer index), each one's partition and what leads into it
(adapters/partition_items.py), and the erasure record (``ERASURE#<brand>``)."""

from collections import Counter
from collections.abc import Iterable, Mapping
from contextlib import suppress
from datetime import datetime, timedelta
from typing import Any

from socialcare.adapters.alert_store import negative_pk
from socialcare.adapters.classify_store import copies_pk
from socialcare.adapters.conversation_reads import conversation_of
from socialcare.adapters.dynamo_codec import (
    ConditionNotMet,
    conversation_pk,
    customer_pk,
    from_item,
    storage_errors,
    to_item,
)
from socialcare.adapters.dynamo_table import ConversationTable
from socialcare.adapters.handles import handle_pk
from socialcare.adapters.partition_items import (
    BATCH,
    UNPROCESSED_RETRIES,
    Key,
    PartitionItems,
    back_off,
)
from socialcare.classification import spam
from socialcare.errors import StorageUnavailable
from socialcare.models import Conversation
from socialcare.models.erasure import CustomerRef, ErasedContents, HandleLookup
from socialcare.models.message import iso


def erasure_pk(brand_id: str) -> str:
    return f"ERASURE#{brand_id}"


class DynamoErasureStore:
    """Forgetting a customer, step by step as services/erasure.py orders them, each step
    safe to run again."""

    def __init__(self, table: str | ConversationTable, client: Any = None) -> None:
        shared = ConversationTable.of(table, client)
        self._table, self._client = shared.name, shared.client
        self._items = PartitionItems(shared)

    def customers_by_handle(self, handle: str) -> list[CustomerRef]:
        """Everyone seen with this handle, on any platform."""
        with storage_errors("looking up the handle"):
            found = self._client.query(
                TableName=self._table,
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues=to_item({":pk": handle_pk(handle)}),
                ConsistentRead=True,
            )["Items"]
        return [_customer(str(from_item(item)["sk"])) for item in found]

    def conversations_of(self, customer: CustomerRef) -> list[Conversation]:
        """The customer's conversations with every brand (ByCustomer, keys only, then each
        conversation by key)."""
        pages = self._client.get_paginator("query").paginate(
            TableName=self._table,
            IndexName="ByCustomer",
            KeyConditionExpression="customer_pk = :customer",
            ExpressionAttributeValues=to_item(
                {":customer": customer_pk(customer.platform, customer.customer_id)}
            ),
        )
        with storage_errors("finding the customer's conversations"):
            keys = {str(from_item(item)["pk"]) for page in pages for item in page["Items"]}
        found = [
            conversation_of(meta) for meta in self._items.existing((pk, "META") for pk in keys)
        ]
        return sorted((c for c in found if c is not None), key=lambda c: c.id)

    def handle_lookups(self, handle: str, customers: list[CustomerRef]) -> list[HandleLookup]:
        """Those stored of this handle's lookups of these customers."""
        wanted = [HandleLookup(handle, customer) for customer in customers]
        stored = {_key(item) for item in self._items.existing(_lookup_key(w) for w in wanted)}
        return [lookup for lookup in wanted if _lookup_key(lookup) in stored]

    def claim(self, conversation_id: str, erasure_id: str) -> str | None:
        """Marks the conversation as being erased by ``erasure_id``; returns the erasure that
        holds it (an earlier one, cut off, is continued), None if it is gone."""
        try:
            with storage_errors("marking the conversation", expect_condition=True):
                found = self._client.update_item(
                    TableName=self._table,
                    Key=to_item({"pk": conversation_pk(conversation_id), "sk": "META"}),
                    UpdateExpression="SET erasure_id = if_not_exists(erasure_id, :id)",
                    ConditionExpression="attribute_exists(pk)",
                    ExpressionAttributeValues=to_item({":id": erasure_id}),
                    ReturnValues="ALL_NEW",
                )
        except ConditionNotMet:
            return None
        return str(from_item(found["Attributes"])["erasure_id"])

    def erase_contents(self, conversation: Conversation) -> ErasedContents:
        """Everything of the conversation but its META: the message references that lead
        into it, its references in the counting tallies (the counts stay), then its items.
        The customer's handle lookups are found, not deleted (the caller decides)."""
        items = self._items.conversation_items(conversation.id)
        counts: Counter[str] = Counter()
        linked = self._items.linked(items)
        refs = [_key(i) for i in linked if str(i["pk"]).startswith("REF#")]
        self.delete(refs)
        counts["message_references"] += len(refs)
        meta = next((i for i in items if i["sk"] == "META"), {})
        counts["tallies_unreferenced"] += self._unreference(conversation.brand_id, meta, items)
        rest = [i for i in items if i["sk"] != "META"]
        self.delete(_key(i) for i in rest)
        counts.update(_kind(i) for i in rest)
        lookups = [
            HandleLookup(str(i["pk"]).removeprefix("HANDLE#"), _customer(str(i["sk"])))
            for i in linked
            if str(i["pk"]).startswith("HANDLE#")
        ]
        return ErasedContents(+counts, frozenset(lookups))

    def erase_conversations(self, conversation_ids: Iterable[str]) -> None:
        """The conversations themselves (their META): what a rerun finds the rest by."""
        self.delete((conversation_pk(c), "META") for c in conversation_ids)

    def erase_handle_lookups(self, lookups: Iterable[HandleLookup]) -> int:
        """Deletes those of the lookups that are stored; returns how many were."""
        gone = [_key(i) for i in self._items.existing(_lookup_key(lookup) for lookup in lookups)]
        self.delete(gone)
        return len(gone)

    def delete(self, keys: Iterable[Key]) -> None:
        """BatchWriteItem in chunks of 25; what DynamoDB leaves unprocessed is retried with
        backoff. Deleting an absent item is no error, so a second run changes nothing."""
        wanted = sorted(set(keys))
        for start in range(0, len(wanted), BATCH):
            chunk = wanted[start : start + BATCH]
            request = {
                self._table: [
                    {"DeleteRequest": {"Key": to_item({"pk": pk, "sk": sk})}} for pk, sk in chunk
                ]
            }
            for attempt in range(UNPROCESSED_RETRIES + 1):
                with storage_errors("deleting items"):
                    answer = self._client.batch_write_item(RequestItems=request)
                request = answer.get("UnprocessedItems") or {}
                if not request:
                    break
                back_off(attempt)
            if request:
                raise StorageUnavailable("deleting was throttled: run again to finish")

    def _unreference(self, brand_id: str, meta: dict[str, Any], items: list[dict[str, Any]]) -> int:
        """Takes the conversation's message references out of the counting tallies (negative
        messages by hour, copies of a text by day) that hold them; the counts stay."""
        refs = {str(i["message_ref"]) for i in items if i.get("message_ref")}
        tallies = _tallies(brand_id, meta, items)
        changed = 0
        for tally in self._items.existing(tallies):
            mine = set(tally.get("refs") or ()) & refs
            if not mine:
                continue
            with (
                suppress(ConditionNotMet),  # expired meanwhile: nothing left to take out
                storage_errors("updating a tally", expect_condition=True),
            ):
                self._client.update_item(
                    TableName=self._table,
                    Key=to_item({"pk": tally["pk"], "sk": tally["sk"]}),
                    UpdateExpression="DELETE refs :mine",
                    ConditionExpression="attribute_exists(pk)",
                    ExpressionAttributeValues=to_item({":mine": mine}),
                )
            changed += 1
        return changed

    def open_record(
        self, brand_id: str, erasure_id: str, requested_by: str, via: str, at: datetime
    ) -> None:
        """The erasure record: who asked, when, how (no personal data), written once; a
        continued erasure keeps it."""
        item = {
            "pk": erasure_pk(brand_id),
            "sk": erasure_id,
            "type": "erasure",
            "brand_id": brand_id,
            "requested_by": requested_by,
            "via": via,
            "requested_at": iso(at),
            "status": "in progress",
            "counts": {},
        }
        with (
            suppress(ConditionNotMet),  # a continued erasure: the record is there
            storage_errors("writing the erasure record", expect_condition=True),
        ):
            self._client.put_item(
                TableName=self._table,
                Item=to_item(item),
                ConditionExpression="attribute_not_exists(pk)",
            )

    def add_counts(self, brand_id: str, erasure_id: str, counts: Mapping[str, int]) -> None:
        """Adds what was just erased to the record (after the deletion: a run cut off in
        between under-counts, never counts an item twice)."""
        counts = {k: v for k, v in counts.items() if v}
        if not counts:
            return
        names = {f"#c{i}": kind for i, kind in enumerate(counts)}
        values: dict[str, Any] = {f":c{i}": n for i, n in enumerate(counts.values())}
        adds = ", ".join(
            f"counts.#c{i} = if_not_exists(counts.#c{i}, :zero) + :c{i}" for i in range(len(names))
        )
        self._update_record(brand_id, erasure_id, f"SET {adds}", names, values | {":zero": 0})

    def close_record(self, brand_id: str, erasure_id: str, at: datetime, notes: list[str]) -> None:
        self._update_record(
            brand_id,
            erasure_id,
            "SET #status = :done, completed_at = :at, notes = :notes",
            {"#status": "status"},
            {":done": "done", ":at": iso(at), ":notes": notes},
        )

    def counts(self, brand_id: str, erasure_id: str) -> dict[str, int]:
        """What the erasure removed so far, every run of it together, by kind."""
        with storage_errors("reading the erasure record"):
            found = self._client.get_item(
                TableName=self._table,
                Key=to_item({"pk": erasure_pk(brand_id), "sk": erasure_id}),
                ConsistentRead=True,
                ProjectionExpression="#counts",
                ExpressionAttributeNames={"#counts": "counts"},
            ).get("Item")
        counts = from_item(found).get("counts") if found else None
        return {str(kind): int(n) for kind, n in (counts or {}).items()}

    def _update_record(
        self,
        brand_id: str,
        erasure_id: str,
        expression: str,
        names: dict[str, str],
        values: dict[str, Any],
    ) -> None:
        with storage_errors("updating the erasure record"):
            self._client.update_item(
                TableName=self._table,
                Key=to_item({"pk": erasure_pk(brand_id), "sk": erasure_id}),
                UpdateExpression=expression,
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=to_item(values),
            )


def _tallies(brand_id: str, meta: dict[str, Any], items: list[dict[str, Any]]) -> list[Key]:
    """The tallies that may hold the conversation's message references: copies of a
    promotional text (by day and digest, ``count_once`` in adapters/dynamo_table.py) and
    negative messages (by topic and the hour the message was taken up, or the hour before,
    should the classifier's two clock readings straddle it)."""
    keys: list[Key] = []
    for item in items:
        if item.get("direction") != "inbound":
            continue
        text_key = spam.campaign_key(str(item.get("text", "")))
        if text_key:
            day = str(item.get("sent_at", ""))[:10]
            keys.append((copies_pk(brand_id, day, text_key), "TALLY"))
        if not item.get("processed_at"):
            continue
        taken = datetime.fromisoformat(str(item["processed_at"]))
        guessed = ((item.get("classification") or {}).get("topic") or {}).get("code")
        for topic in {meta.get("topic"), guessed} - {None}:
            for hour in (taken, taken - timedelta(hours=1)):
                keys.append((negative_pk(brand_id, str(topic), f"{hour:%Y-%m-%dT%H}"), "TALLY"))
    return keys


# Item kinds as the erasure record counts them, by sort key (docs/privacy.md).
KINDS = (
    ("CLOCK#", "clock_events"),
    ("ALERT#", "alerts"),
    ("REPLY#", "reply_records"),
    ("NOTE#", "notes"),
    ("REQUESTED#", "escalation_requests"),
)


def _kind(item: dict[str, Any]) -> str:
    sk = str(item["sk"])
    if sk.startswith("MSG#"):
        return "messages_sent" if item.get("direction") == "outbound" else "messages_received"
    for prefix, kind in KINDS:
        if sk.startswith(prefix):
            return kind
    return "other_items"


def _key(item: dict[str, Any]) -> Key:
    return str(item["pk"]), str(item["sk"])


def _customer(handle_sk: str) -> CustomerRef:
    platform, _, customer_id = handle_sk.partition("#")
    return CustomerRef(platform, customer_id)


def _lookup_key(lookup: HandleLookup) -> Key:
    return handle_pk(lookup.handle), f"{lookup.customer.platform}#{lookup.customer.customer_id}"
