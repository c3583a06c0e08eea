"""A conversation's partition and what leads into it, read by key (never a scan): what
erasure and retention share. A conversation's items are its partition (``CONV#<id>``:
META, messages, clock events, alerts, reply records, notes, escalation requests, outbound
messages); what leads into it are the message references (``REF#...``) and the handle
lookups that name its customer (``HANDLE#<handle>``)."""

import random
import time
from collections.abc import Iterable
from typing import Any

from socialcare.adapters.dynamo_codec import conversation_pk, from_item, storage_errors, to_item
from socialcare.adapters.dynamo_table import ConversationTable
from socialcare.adapters.handles import handle_pk
from socialcare.errors import StorageUnavailable

BATCH = 25  # BatchWriteItem's and a sensible BatchGetItem's limit
UNPROCESSED_RETRIES = 8
Key = tuple[str, str]


def references_of(item: dict[str, Any]) -> list[Key]:
    """The ``REF#`` items that lead into a conversation from one of its items: the
    customer's message; links to our replies (posted on the platform, ``linked_refs`` on
    META); candidates that may not exist: our sent reply's echo, the parent a reply answers."""
    refs = [str(item["message_ref"])] if item.get("message_ref") else []
    refs += [str(ref) for ref in item.get("linked_refs") or ()]
    where = f"{item.get('platform')}#{item.get('account_id')}"
    if item.get("direction") == "outbound" and item.get("platform_message_id"):
        refs.append(f"{where}#{item['platform_message_id']}")
    if item.get("direction") == "inbound" and item.get("in_reply_to"):
        refs.append(f"{where}#{item['in_reply_to']}")
    return [(f"REF#{ref}", "REF") for ref in refs]


def handles_of(item: dict[str, Any]) -> list[Key]:
    """The handle lookups naming the customer of a conversation (META) or a message."""
    person = item.get("customer") or item.get("author") or {}
    platform = item.get("platform")
    if not (person.get("handle") and person.get("id") and platform):
        return []
    return [(handle_pk(str(person["handle"])), f"{platform}#{person['id']}")]


class PartitionItems:
    """Reading a conversation's items, and the items that lead to them, by key."""

    def __init__(self, table: str | ConversationTable, client: Any = None) -> None:
        shared = ConversationTable.of(table, client)
        self._table = shared.name
        self._client = shared.client

    def conversation_items(self, conversation_id: str) -> list[dict[str, Any]]:
        """Every item of the conversation's partition (one query, paginated)."""
        pages = self._client.get_paginator("query").paginate(
            TableName=self._table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=to_item({":pk": conversation_pk(conversation_id)}),
            ConsistentRead=True,
        )
        with storage_errors("reading the conversation"):
            return [from_item(item) for page in pages for item in page["Items"]]

    def existing(self, keys: Iterable[Key]) -> list[dict[str, Any]]:
        """Those of ``keys`` that exist (BatchGetItem in chunks; unprocessed keys retried)."""
        wanted = sorted(set(keys))
        found: list[dict[str, Any]] = []
        for start in range(0, len(wanted), BATCH):
            request = {
                self._table: {
                    "Keys": [
                        to_item({"pk": pk, "sk": sk}) for pk, sk in wanted[start : start + BATCH]
                    ],
                    "ConsistentRead": True,
                }
            }
            for attempt in range(UNPROCESSED_RETRIES + 1):
                with storage_errors("reading items"):
                    answer = self._client.batch_get_item(RequestItems=request)
                found += [from_item(i) for i in answer["Responses"].get(self._table, [])]
                request = answer.get("UnprocessedKeys") or {}
                if not request:
                    break
                back_off(attempt)
            if request:
                raise StorageUnavailable("reading items was throttled: run again to finish")
        return found

    def linked(self, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The reference and handle-lookup items (those that exist) leading to a
        conversation's items: references that point into this conversation only (a
        candidate may belong to another), handle lookups of its customer only (someone else
        may have written in a public thread)."""
        meta = next((i for i in items if i["sk"] == "META"), {})
        here = str(meta.get("id") or "")
        customer = str((meta.get("customer") or {}).get("id") or "")
        keys: list[Key] = []
        for item in items:
            keys += references_of(item)
            person = item.get("customer") or item.get("author") or {}
            if customer and str(person.get("id")) == customer:
                keys += handles_of(item)
        return [
            found
            for found in self.existing(keys)
            if not str(found["pk"]).startswith("REF#") or found.get("conversation_id") == here
        ]


def back_off(attempt: int) -> None:
    time.sleep(min(2.0, 0.05 * 2**attempt) * random.uniform(0.5, 1.0))  # noqa: S311 - jitter
