"""What the benches need of DynamoDB on moto: writing many items, and DynamoDB's sizes of
what a Query answered, from moto's wire JSON. moto neither cuts Query pages at 1 MB nor counts
consumed capacity by size (it says 1 unit a Query, whatever it read), so the benches model
both from the items by DynamoDB's own rules."""

import json
import math
from typing import Any

import boto3
from boto3.dynamodb.types import TypeSerializer

_ser = TypeSerializer()

PAGE_BYTES = 1024 * 1024  # DynamoDB's most a Query page holds


def write(table: str, items: list[dict[str, Any]]) -> None:
    """Items as Python values, 25 a BatchWriteItem."""
    client = boto3.client("dynamodb")
    for start in range(0, len(items), 25):
        batch = [
            {"PutRequest": {"Item": {k: _ser.serialize(v) for k, v in item.items()}}}
            for item in items[start : start + 25]
        ]
        client.batch_write_item(RequestItems={table: batch})


def dynamodb_size(value: Any, name: str = "") -> int:
    """An attribute's size by DynamoDB's rules (names and UTF-8 values; numbers about one
    byte per two digits; maps and lists 3 bytes plus 1 an element), from its wire JSON."""
    size = len(name.encode())
    [(kind, inner)] = value.items()
    if kind in ("S", "B"):
        return size + len(str(inner).encode())
    if kind == "N":
        return size + len(str(inner).lstrip("-").replace(".", "")) // 2 + 2
    if kind in ("BOOL", "NULL"):
        return size + 1
    if kind == "M":
        return size + 3 + sum(dynamodb_size(v, k) + 1 for k, v in inner.items())
    if kind == "L":
        return size + 3 + sum(dynamodb_size(v) + 1 for v in inner)
    return size + sum(len(str(v).encode()) for v in inner)  # sets


class Answered:
    """The DynamoDB size of what each Query answered, to model its 1 MB pages and its read
    units (half a unit per 4 KB read, eventually consistent) at another volume."""

    def __init__(self, client: Any) -> None:
        self.queries: list[int] = []
        client.meta.events.register("provide-client-params.dynamodb.Query", self._whole)
        client.meta.events.register("after-call.dynamodb.Query", self._count)

    @staticmethod
    def _whole(params: dict[str, Any], **_: Any) -> None:
        """DynamoDB cuts pages and charges by the items it read, before a projection: the
        items are asked for whole so that their size is known (the caller gets more than
        it asked for, which changes none of its answers)."""
        if params.pop("ProjectionExpression", None):
            params.pop("ExpressionAttributeNames", None)

    def _count(self, http_response: Any, **_: Any) -> None:
        items = json.loads(http_response.content).get("Items", [])
        self.queries.append(sum(dynamodb_size(v, k) for item in items for k, v in item.items()))

    def pages(self, factor: float) -> int:
        return sum(max(math.ceil(size * factor / PAGE_BYTES), 1) for size in self.queries)

    def read_units(self, factor: float) -> float:
        return sum(max(math.ceil(size * factor / 4096), 1) * 0.5 for size in self.queries)
