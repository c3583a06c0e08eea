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
window the health check handed over ended, so the next one starts there.
"""

from datetime import datetime, timedelta
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from socialcare.errors import StorageUnavailable

MARK_KEPT = timedelta(days=7)


class DynamoLastEvents:
    def __init__(self, table: str, client: Any = None) -> None:
        self._table = table
        self._client = client or boto3.client("dynamodb")

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
            try:
                for page in pages:
                    for item in page["Items"]:
                        seen = item.get("last_inbound_at", {}).get("S")
                        if seen and (latest is None or seen > latest):
                            latest = seen
            except (ClientError, BotoCoreError) as exc:
                raise StorageUnavailable(f"reading the day failed: {exc}") from exc
        return datetime.fromisoformat(latest) if latest else None

    def filled_until(self, account_id: str) -> datetime | None:
        try:
            item = self._client.get_item(
                TableName=self._table,
                Key={"pk": {"S": f"XFILLED#{account_id}"}, "sk": {"S": "MARK"}},
                ConsistentRead=True,
            ).get("Item")
        except (ClientError, BotoCoreError) as exc:
            raise StorageUnavailable(f"reading the fill mark failed: {exc}") from exc
        return datetime.fromisoformat(item["until"]["S"]) if item else None

    def mark_filled(self, account_id: str, until: datetime) -> None:
        try:
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
        except (ClientError, BotoCoreError) as exc:
            raise StorageUnavailable(f"writing the fill mark failed: {exc}") from exc
