"""When a support account last heard from a customer, read from what ingest already stores.

No new write: the conversation's META carries ``last_inbound_at`` (moved by every inbound
message, in ingest's one transaction) and the ByDay index (projection ALL) holds it, keyed
by the day the conversation began. One query per day read and brand, filtered to the
account (the filter does not lower the read cost: the brand's conversations of those days
are read). The trade-off: a conversation begun before the days read that keeps getting
messages is not seen, so an account whose only traffic is such a conversation looks silent
(the alarm errs on the loud side); a per-account "last event" item written by ingest would
see it, at one more write per message.

Also each account's "filled until" mark (``XFILLED#<account>``): where the last gap fill
window the health check handed over ended, so the next one starts there; and our own
delivery outages (``XOUTAGE#<alarm>``): when the 503 alarm went off, until it clears.
"""

from contextlib import suppress
from datetime import datetime, timedelta
from typing import Any, Literal

from socialcare.adapters.dynamo_codec import ConditionNotMet, storage_errors
from socialcare.adapters.dynamo_table import ConversationTable

MARK_KEPT = timedelta(days=7)
Closing = Literal["closed", "already closed", "unknown"]


class DynamoLastEvents:
    def __init__(self, table: str | ConversationTable, client: Any = None) -> None:
        shared = ConversationTable.of(table, client)
        self._table = shared.name
        self._client = shared.client

    def latest_inbound(self, brand_id: str, account_id: str, days: list[str]) -> datetime | None:
        latest: str | None = None
        paginator = self._client.get_paginator("query")
        for day in days:
            pages = paginator.paginate(
                TableName=self._table,
                IndexName="ByDay",
                KeyConditionExpression="day_pk = :day",
                FilterExpression="platform = :x AND account_id = :account",
                ProjectionExpression="last_inbound_at",
                ExpressionAttributeValues={
                    ":day": {"S": f"DAY#{brand_id}#{day}"},
                    ":x": {"S": "x"},
                    ":account": {"S": account_id},
                },
            )
            with storage_errors("reading the day"):
                for page in pages:
                    for item in page["Items"]:
                        seen = item.get("last_inbound_at", {}).get("S")
                        if seen and (latest is None or seen > latest):
                            latest = seen
        return datetime.fromisoformat(latest) if latest else None

    def filled_until(self, account_id: str) -> datetime | None:
        with storage_errors("reading the fill mark"):
            item = self._client.get_item(
                TableName=self._table,
                Key={"pk": {"S": f"XFILLED#{account_id}"}, "sk": {"S": "MARK"}},
                ConsistentRead=True,
            ).get("Item")
        return datetime.fromisoformat(item["until"]["S"]) if item else None

    def mark_filled(self, account_id: str, until: datetime) -> None:
        with storage_errors("writing the fill mark"):
            self._client.put_item(
                TableName=self._table,
                Item={
                    "pk": {"S": f"XFILLED#{account_id}"},
                    "sk": {"S": "MARK"},
                    "until": {"S": until.isoformat()},
                    # a mark older than the lookback starts nothing: let it go
                    "expires_at": {"N": str(int((until + MARK_KEPT).timestamp()))},
                },
            )

    def open_outage(self, alarm: str, start: datetime) -> None:
        with (
            suppress(ConditionNotMet),  # a repeated ALARM keeps the first start
            storage_errors("keeping the outage", expect_condition=True),
        ):
            self._client.put_item(
                TableName=self._table,
                Item={
                    "pk": {"S": f"XOUTAGE#{alarm}"},
                    "sk": {"S": "OUTAGE"},
                    "open": {"BOOL": True},
                    "started_at": {"S": start.isoformat()},
                    "expires_at": {"N": str(int((start + MARK_KEPT).timestamp()))},
                },
                ConditionExpression="attribute_not_exists(pk) OR #open = :no",
                ExpressionAttributeNames={"#open": "open"},
                ExpressionAttributeValues={":no": {"BOOL": False}},
            )

    def close_outage(self, alarm: str, at: datetime) -> tuple[Closing, datetime | None]:
        key = {"pk": {"S": f"XOUTAGE#{alarm}"}, "sk": {"S": "OUTAGE"}}
        with storage_errors("closing the outage"):
            answer = self._client.update_item(
                TableName=self._table,
                Key=key,
                UpdateExpression="SET #open = :no, closed_at = :at, expires_at = :expires",
                ExpressionAttributeNames={"#open": "open"},
                ExpressionAttributeValues={
                    ":no": {"BOOL": False},
                    ":at": {"S": at.isoformat()},
                    ":expires": {"N": str(int((at + MARK_KEPT).timestamp()))},
                },
                ReturnValues="ALL_OLD",
            )
        old = answer.get("Attributes")
        if not old:
            return "unknown", None
        if not old.get("open", {}).get("BOOL"):
            return "already closed", None
        return "closed", datetime.fromisoformat(old["started_at"]["S"])
