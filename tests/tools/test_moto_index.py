"""The local stack's index queries read a maintained index of values instead of every item,
and answer exactly as they do without it, whatever writes came before: puts, updates that
set, change or remove the index key, failed updates, deletes, batch writes, transactions
that commit and transactions that roll back.

The reference is the local stack without the index (its other DynamoDB fixes are compared
with moto in their own tests: the query shortcut in test_moto_query)."""

import hashlib
import inspect
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import moto.dynamodb.models as models
import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table

from socialcare_tools.local import moto_index, moto_patches, moto_query
from tests.support.tables import create_table

REGION = "eu-west-1"
PKS = st.sampled_from(["CONV#a", "CONV#b", "CONV#c"])
SKS = st.sampled_from(["META", "MSG#1", "MSG#2"])
CUSTOMERS = st.sampled_from(["CUST#1", "CUST#2", "CUST#3"])
AT = st.text("0123456789", min_size=1, max_size=2)

operations = st.lists(
    st.one_of(
        st.tuples(st.just("put"), PKS, SKS, st.one_of(st.none(), CUSTOMERS), AT),
        st.tuples(st.just("set"), PKS, SKS, CUSTOMERS, AT),
        st.tuples(st.just("set_if_absent"), PKS, SKS, CUSTOMERS, AT),
        st.tuples(st.just("remove"), PKS, SKS),
        st.tuples(st.just("failed_set"), PKS, SKS, CUSTOMERS),
        st.tuples(st.just("delete"), PKS, SKS),
        st.tuples(st.just("batch"), PKS, SKS, CUSTOMERS, AT),
        st.tuples(st.just("transaction"), PKS, SKS, CUSTOMERS, st.booleans()),
        st.tuples(st.just("query"), CUSTOMERS, st.sampled_from([1, 2, 100])),
    ),
    max_size=30,
)


def customer_table(client: Any) -> None:
    """Table "t" keyed pk/sk with the ByCustomer index on c (partition) and at (sort)."""
    create_table(
        client, "t", {"pk": "S", "sk": "S", "c": "S", "at": "S"}, ("ByCustomer", "c", "at")
    )


def _key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def _set(client: Any, pk: str, sk: str, customer: str, at: str, condition: str | None) -> None:
    extra = {"ConditionExpression": condition} if condition else {}
    client.update_item(
        TableName="t",
        Key=_key(pk, sk),
        UpdateExpression="SET c = :c, #at = :at",
        ExpressionAttributeNames={"#at": "at"},
        ExpressionAttributeValues={":c": {"S": customer}, ":at": {"S": at}},
        **extra,
    )


def _query(client: Any, customer: str, limit: int) -> list[Any]:
    pages, start = [], None
    while True:
        extra = {"ExclusiveStartKey": start} if start else {}
        answer = client.query(
            TableName="t",
            IndexName="ByCustomer",
            KeyConditionExpression="c = :c",
            ExpressionAttributeValues={":c": {"S": customer}},
            Limit=limit,
            **extra,
        )
        pages.append(answer["Items"])
        start = answer.get("LastEvaluatedKey")
        if not start:
            return pages


def _run(client: Any, operation: tuple[Any, ...]) -> Any:
    kind, *args = operation
    if kind == "put":
        pk, sk, customer, at = args
        item = _key(pk, sk) | {"at": {"S": at}}
        if customer:
            item["c"] = {"S": customer}
        return client.put_item(TableName="t", Item=item)
    if kind in {"set", "set_if_absent"}:
        pk, sk, customer, at = args
        condition = "attribute_not_exists(c)" if kind == "set_if_absent" else None
        return _set(client, pk, sk, customer, at, condition)
    if kind == "remove":
        return client.update_item(TableName="t", Key=_key(*args), UpdateExpression="REMOVE c")
    if kind == "failed_set":
        pk, sk, customer = args
        return _set(client, pk, sk, customer, "0", "attribute_exists(never)")
    if kind == "delete":
        return client.delete_item(TableName="t", Key=_key(*args))
    if kind == "batch":
        pk, sk, customer, at = args
        item = _key(pk, sk) | {"c": {"S": customer}, "at": {"S": at}}
        return client.batch_write_item(RequestItems={"t": [{"PutRequest": {"Item": item}}]})
    if kind == "transaction":
        pk, sk, customer, commits = args
        other = "MSG#1" if sk != "MSG#1" else "MSG#2"
        return client.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": "t",
                        "Key": _key(pk, sk),
                        "UpdateExpression": "SET c = :c, #at = :at",
                        "ExpressionAttributeNames": {"#at": "at"},
                        "ExpressionAttributeValues": {":c": {"S": customer}, ":at": {"S": "5"}},
                    }
                },
                {
                    "Put": {
                        "TableName": "t",
                        "Item": _key(pk, other) | {"c": {"S": customer}, "at": {"S": "6"}},
                        **({} if commits else {"ConditionExpression": "attribute_exists(never)"}),
                    }
                },
            ]
        )
    customer, limit = args
    return _query(client, customer, limit)


def _answers(steps: list[tuple[Any, ...]], indexed: bool) -> list[Any]:
    moto_patches.install()
    if not indexed:
        moto_index.uninstall()
    try:
        with mock_aws():
            client = boto3.client("dynamodb", region_name=REGION)
            customer_table(client)
            answers: list[Any] = []
            for step in steps:
                try:
                    answer = _run(client, step)
                    answers.append(answer if step[0] == "query" else None)
                except ClientError as error:
                    answers.append(error.response["Error"]["Code"])
            answers.extend(
                _query(client, customer, 100) for customer in ("CUST#1", "CUST#2", "CUST#3")
            )
            return answers
    finally:
        moto_patches.uninstall()


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operations)
def test_index_queries_answer_as_without_the_index_after_any_writes(
    steps: list[tuple[Any, ...]],
) -> None:
    assert _answers(steps, indexed=True) == _answers(steps, indexed=False)


@pytest.fixture
def stack_patches() -> Iterator[None]:
    moto_patches.install()
    yield
    moto_patches.uninstall()


def test_an_index_query_reads_only_the_customers_items(stack_patches: None) -> None:
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        customer_table(client)
        for n in range(300):
            _run(client, ("put", f"CONV#{n}", "META", f"CUST#{n}", "1"))
        _run(client, ("set", "CONV#7", "MSG#1", "CUST#7", "2"))
        table = dynamodb_backends[DEFAULT_ACCOUNT_ID][REGION].get_table("t")

        found = moto_query._candidates(table, DynamoType({"S": "CUST#7"}), "ByCustomer")

        assert sorted(item.range_key.value for item in found) == ["META", "MSG#1"]
        assert len(_query(client, "CUST#7", 100)[0]) == 2


def test_writes_made_while_the_index_was_off_are_not_trusted_to_it() -> None:
    """The patches come and go (tests, a stack restarted in one process): an index built
    before is rebuilt, since writes in between were not noted."""
    moto_patches.install()
    try:
        with mock_aws():
            client = boto3.client("dynamodb", region_name=REGION)
            customer_table(client)
            _run(client, ("put", "CONV#a", "META", "CUST#1", "1"))
            assert len(_query(client, "CUST#2", 100)[0]) == 0  # the index is built here
            moto_patches.uninstall()
            _run(client, ("set", "CONV#a", "META", "CUST#2", "1"))
            moto_patches.install()
            assert len(_query(client, "CUST#2", 100)[0]) == 1
    finally:
        moto_patches.uninstall()


def test_keys_whose_items_moved_on_are_dropped_and_can_come_back(stack_patches: None) -> None:
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        customer_table(client)
        for n in range(40):
            _run(client, ("put", f"CONV#{n}", "META", "CUST#1", "1"))
        assert len(_query(client, "CUST#1", 100)[0]) == 40
        for n in range(39):
            _run(client, ("set", f"CONV#{n}", "META", "CUST#2", "1"))
        table = dynamodb_backends[DEFAULT_ACCOUNT_ID][REGION].get_table("t")
        buckets = table.__dict__["_socialcare_value_index"].buckets["c"]
        assert len(buckets[("S", "CUST#1")]) == 40  # the moved keys are still there...

        assert len(_query(client, "CUST#1", 100)[0]) == 1
        assert len(buckets[("S", "CUST#1")]) == 1  # ...until a query finds them stale
        _run(client, ("set", "CONV#3", "META", "CUST#1", "2"))
        assert sum(len(page) for page in _query(client, "CUST#1", 1)) == 2  # page by page


def _item_writes_in_moto() -> str:
    """Every line of moto's DynamoDB models that stores an item or sets an item's attribute,
    with Table.put_item's source: the write paths the index's notes were reviewed against."""
    writes = re.compile(
        r"\.items\[.*\]\s*=[^=]|\.items\s*=[^=]|\.attrs\[.*\]\s*=[^=]|\.attrs\s*=[^=]"
    )
    lines = [
        f"{path.name}: {line.strip()}"
        for path in sorted(Path(models.__file__).parent.glob("*.py"))
        for line in path.read_text().splitlines()
        if writes.search(line)
    ]
    return "\n".join([*lines, inspect.getsource(Table.put_item)])


# the item writes of moto 5.2.5 (models and their Table.put_item), as reviewed
REVIEWED_ITEM_WRITES = "7a63e0f30d50715eda916d129b23766323478eb1ccb2fa5ca70b51ab2a52ffaf"


def test_the_write_paths_the_index_notes_are_the_ones_we_reviewed() -> None:
    digest = hashlib.sha256(_item_writes_in_moto().encode()).hexdigest()
    assert digest == REVIEWED_ITEM_WRITES, (
        "moto changed where it writes items: review socialcare_tools.local.moto_index's notes"
    )
