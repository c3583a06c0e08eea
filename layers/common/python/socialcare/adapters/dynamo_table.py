"""The conversations table as every store shares it: one client, the table's name, the clock,
and the few operations more than one family of items needs (a new item, a transaction that
retries a lost race, a once-only record, a deduplicated tally, a partition's items).

Each family of items (docs/storage.md) has its own store module that holds a
``ConversationTable``; no store subclasses another or reaches into its helpers.
"""

import random
import time
from datetime import timedelta
from typing import Any

import boto3
from botocore.exceptions import ClientError

from socialcare.adapters.dynamo_codec import (
    ConditionNotMet,
    cancelled_by_conflict,
    conversation_pk,
    from_item,
    storage_errors,
    to_item,
)
from socialcare.clock import Clock, utc_now
from socialcare.ports import Recorded

CONFLICT_RETRIES = 3
SET_CAP = 2000  # message references a tally keeps for deduplication
KEEP_UNTIL = "expires_at = if_not_exists(expires_at, :ttl)"


def activity_keys(brand_id: str, at: str, conversation_id: str, sk: str) -> dict[str, str]:
    """The ByActivityDay keys of a message or clock event: the brand's UTC day it happened
    on. A report reads its period's days (and the days of its lag) page by page instead of
    one query per conversation (docs/storage.md)."""
    if not brand_id:
        return {}
    return {"activity_pk": f"ACT#{brand_id}#{at[:10]}", "activity_sk": f"{conversation_id}#{sk}"}


class ConversationTable:
    def __init__(self, name: str, client: Any = None, clock: Clock = utc_now) -> None:
        self.name = name
        self.client = client or boto3.client("dynamodb")
        self.clock = clock

    @classmethod
    def of(
        cls, table: "str | ConversationTable", client: Any = None, clock: Clock = utc_now
    ) -> "ConversationTable":
        """A store is built from a table name (a function's settings) or from a table its
        function shares with other stores (one client, one clock for all)."""
        return table if isinstance(table, ConversationTable) else cls(table, client, clock)

    def meta_key(self, conversation_id: str) -> dict[str, Any]:
        return to_item({"pk": conversation_pk(conversation_id), "sk": "META"})

    def put_new(self, item: dict[str, Any]) -> dict[str, Any]:
        """A transaction's Put of an item that must not exist yet."""
        return {
            "Put": {
                "TableName": self.name,
                "Item": to_item(item),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }

    def transact(self, items: list[dict[str, Any]]) -> None:
        """Two messages of one conversation at the same moment both update it; DynamoDB then
        cancels one with TransactionConflict. That is no failure to report to the platform:
        try again, briefly (the platform's own retry is the last resort)."""
        for attempt in range(CONFLICT_RETRIES + 1):
            try:
                self.client.transact_write_items(TransactItems=items)
                return
            except ClientError as exc:
                if attempt == CONFLICT_RETRIES or not cancelled_by_conflict(exc):
                    raise
                time.sleep(random.uniform(0.02, 0.08) * (attempt + 1))  # noqa: S311 - jitter

    def partition(self, conversation_id: str, prefix: str) -> list[dict[str, Any]]:
        """The conversation's items whose sort key starts with ``prefix``, in key order."""
        pages = self.client.get_paginator("query").paginate(
            TableName=self.name,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues=to_item(
                {":pk": conversation_pk(conversation_id), ":prefix": prefix}
            ),
        )
        with storage_errors("reading the conversation's items"):
            return [from_item(item) for page in pages for item in page["Items"]]

    def record_once(self, item: dict[str, Any], notify: bool) -> Recorded:
        """Write ``item`` unless its key exists; ``notified`` tracks a notice it may owe."""
        try:
            with storage_errors(f"recording {item['sk']}", expect_condition=True):
                self.client.put_item(
                    TableName=self.name,
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
        """The notice a once-only record owed went out."""
        with storage_errors("marking the notice sent"):
            self.client.update_item(
                TableName=self.name,
                Key=to_item({"pk": pk, "sk": sk}),
                UpdateExpression="SET notified = :yes",
                ExpressionAttributeValues=to_item({":yes": True}),
            )

    def count_once(self, pk: str, message_ref: str, kept: timedelta) -> int:
        """Count a message in a tally (``n``), once: a redelivered message finds its reference
        in the tally's set and adds nothing. Past SET_CAP references the set stops growing
        (an item stays far below DynamoDB's 400 KB) and later messages are counted as they
        come."""
        expires = int((self.clock() + kept).timestamp())
        key = to_item({"pk": pk, "sk": "TALLY"})
        values = {":ref": {message_ref}, ":one": 1, ":ttl": expires, ":cap": SET_CAP}
        try:
            with storage_errors("counting", expect_condition=True):
                found = self.client.update_item(
                    TableName=self.name,
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
            found = self.client.update_item(
                TableName=self.name,
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
            found = self.client.batch_get_item(
                RequestItems={
                    self.name: {
                        "Keys": [to_item({"pk": pk, "sk": "TALLY"}) for pk in pks],
                        "ProjectionExpression": "pk, n",
                    }
                }
            )
        counts = dict.fromkeys(pks, 0)
        for item in found["Responses"].get(self.name, []):
            counts[item["pk"]["S"]] = int(item.get("n", {}).get("N", "0"))
        return counts

    def update_if(
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
                found = self.client.update_item(
                    TableName=self.name,
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
