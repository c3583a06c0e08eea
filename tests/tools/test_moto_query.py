"""The local stack's Query shortcut answers exactly as moto does: same items, same order,
same pages, for the table and for an index. Checked against moto itself on random tables."""

import hashlib
import inspect
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws

from socialcare_tools.local import moto_query
from tests.support.tables import create_table

# the sources of Table.query and Table.all_items, as reviewed
REVIEWED_QUERY = "b5579b88e55e299d09786319aeafee5d759c48f4cb8713c94ef5d18641895dc9"

Row = tuple[str, str, str | None, str | None]  # pk, sk, the index key (if any), its sort key

rows = st.lists(
    st.tuples(
        st.sampled_from(["CONV#a", "CONV#b", "CONV#c", "REF#x"]),
        st.text("abcdef0123", min_size=1, max_size=4),
        st.one_of(st.none(), st.sampled_from(["CUST#1", "CUST#2"])),
        st.one_of(st.none(), st.text("0123456789", min_size=1, max_size=3)),
    ),
    max_size=40,
)


def _table(client: Any, contents: list[Row]) -> None:
    types = {"pk": "S", "sk": "S", "c": "S", "at": "S"}
    create_table(client, "t", types, index=("ByCustomer", "c", "at"))
    for pk, sk, customer, at in contents:
        item = {"pk": {"S": pk}, "sk": {"S": sk}}
        if customer:
            item["c"] = {"S": customer}
        if at:
            item["at"] = {"S": at}
        client.put_item(TableName="t", Item=item)


QUERIES: list[dict[str, Any]] = [
    {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "CONV#a"}}},
    {
        "KeyConditionExpression": "pk = :p AND begins_with(sk, :s)",
        "ExpressionAttributeValues": {":p": {"S": "CONV#b"}, ":s": {"S": "a"}},
        "ScanIndexForward": False,
    },
    {
        "KeyConditionExpression": "pk = :p",
        "ExpressionAttributeValues": {":p": {"S": "NOPE"}},
    },
    {
        "IndexName": "ByCustomer",
        "KeyConditionExpression": "c = :c",
        "ExpressionAttributeValues": {":c": {"S": "CUST#1"}},
    },
    {
        "IndexName": "ByCustomer",
        "KeyConditionExpression": "c = :c AND #at > :at",
        "ExpressionAttributeNames": {"#at": "at"},
        "ExpressionAttributeValues": {":c": {"S": "CUST#2"}, ":at": {"S": "3"}},
        "ScanIndexForward": False,
    },
]


def _pages(client: Any, query: dict[str, Any], limit: int) -> list[list[dict[str, Any]]]:
    pages, start = [], None
    while True:
        extra = {"ExclusiveStartKey": start} if start else {}
        answer = client.query(TableName="t", Limit=limit, **query, **extra)
        pages.append(answer["Items"])
        start = answer.get("LastEvaluatedKey")
        if not start:
            return pages


def _answers(contents: list[Row], patched: bool) -> list[Any]:
    if patched:
        moto_query.install()
    try:
        with mock_aws():
            client = boto3.client("dynamodb", region_name="eu-west-1")
            _table(client, contents)
            return [
                (_pages(client, query, limit), client.query(TableName="t", Select="COUNT", **query))
                for query in QUERIES
                for limit in (2, 100)
            ]
    finally:
        moto_query.uninstall()


def _comparable(answers: list[Any]) -> list[Any]:
    return [(pages, count["Count"], count["ScannedCount"]) for pages, count in answers]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows)
def test_the_shortcut_answers_every_query_as_moto_does(contents: list[Row]) -> None:
    assert _comparable(_answers(contents, patched=True)) == _comparable(
        _answers(contents, patched=False)
    )


@pytest.fixture
def patched() -> Iterator[None]:
    moto_query.install()
    yield
    moto_query.uninstall()


def test_a_query_no_longer_sorts_the_whole_table(patched: None) -> None:
    """The point of the patch: a partition read does not touch the other partitions."""
    from moto.dynamodb.models.table import Table

    with mock_aws():
        client = boto3.client("dynamodb", region_name="eu-west-1")
        _table(client, [(f"CONV#{n}", "META", None, None) for n in range(50)])
        calls: list[int] = []
        original = Table.all_items
        Table.all_items = lambda self: calls.append(1) or original(self)  # type: ignore[method-assign]
        try:
            client.query(
                TableName="t",
                KeyConditionExpression="pk = :p",
                ExpressionAttributeValues={":p": {"S": "CONV#7"}},
            )
        finally:
            Table.all_items = original  # type: ignore[method-assign]
        assert calls == []


def test_the_query_we_wrap_is_the_one_we_reviewed() -> None:
    from moto.dynamodb.models.table import Table

    source = inspect.getsource(moto_query.ORIGINAL_QUERY) + inspect.getsource(Table.all_items)
    assert hashlib.sha256(source.encode()).hexdigest() == REVIEWED_QUERY, (
        "moto changed Table.query: review socialcare_tools.local.moto_query before upgrading"
    )
