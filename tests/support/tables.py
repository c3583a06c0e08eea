"""DynamoDB tables for the tests that compare the local stack's moto shortcuts with moto."""

from typing import Any


def create_table(
    client: Any,
    name: str = "t",
    types: dict[str, str] | None = None,
    index: tuple[str, str, str | None] | None = None,
) -> None:
    """A pay-per-request table keyed ``pk`` (and ``sk`` when typed), with its attribute
    types (default: ``pk`` and ``sk`` strings) and at most one global index, given as
    (name, partition key, sort key or None), projecting every attribute."""
    types = types or {"pk": "S", "sk": "S"}
    schema = [{"AttributeName": "pk", "KeyType": "HASH"}]
    if "sk" in types:
        schema.append({"AttributeName": "sk", "KeyType": "RANGE"})
    extra: dict[str, Any] = {}
    if index is not None:
        index_name, partition, sort = index
        keys = [{"AttributeName": partition, "KeyType": "HASH"}]
        if sort is not None:
            keys.append({"AttributeName": sort, "KeyType": "RANGE"})
        extra["GlobalSecondaryIndexes"] = [
            {"IndexName": index_name, "KeySchema": keys, "Projection": {"ProjectionType": "ALL"}}
        ]
    client.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=schema,
        AttributeDefinitions=[
            {"AttributeName": attribute, "AttributeType": kind} for attribute, kind in types.items()
        ],
        **extra,
    )
