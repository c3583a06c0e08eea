"""An item is refused for its size exactly when moto refuses it: the same items stored, the
same error, whether the size is checked once (the local stack) or at every attribute (moto)."""

import hashlib
import inspect
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from moto import mock_aws
from moto.dynamodb.models.dynamo_type import Item, LimitedSizeDict

from socialcare_tools.local import moto_items
from tests.support.tables import create_table

REVIEWED_ITEM_INIT = "d9c12b62cb921831aab9b2eb22ac24fbd600689064a0219ae3ffbe057ae4be74"
REVIEWED_SIZE_CHECK = "d979580fdbe14f79f3216564e1385c4b3485db82bc88193326c467a037331e81"
REVIEWED_ITEM_SIZE = "9bc6ada96d33365c0a0abcb4faf534e1bdc7bfe0af0ef0c1c6671eccd5b80f45"
LIMIT = moto_items.ITEM_SIZE_LIMIT


def test_the_size_check_we_replace_is_the_one_we_reviewed() -> None:
    for function, reviewed in (
        (moto_items.ORIGINAL_ITEM_INIT, REVIEWED_ITEM_INIT),
        (LimitedSizeDict.__setitem__, REVIEWED_SIZE_CHECK),
        (Item.size, REVIEWED_ITEM_SIZE),  # the measure the replacement calls
    ):
        digest = hashlib.sha256(inspect.getsource(function).encode()).hexdigest()
        assert digest == reviewed, "moto changed how an item's size is checked: review moto_items"


@pytest.fixture(scope="module")
def ddb() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="eu-west-1")
        create_table(client, "t")
        yield client


def put(client: Any, item: dict[str, Any], patched: bool) -> str:
    if patched:
        moto_items.install()
    try:
        client.put_item(TableName="t", Item=item)
        return "stored"
    except ClientError as error:
        return f"{error.response['Error']['Code']}: {error.response['Error']['Message']}"
    finally:
        moto_items.uninstall()


# Attribute sizes that add up to around the limit: many small ones, a few large, names of
# any script (sizes count UTF-8 bytes).
sizes = st.lists(st.integers(0, 120_000), min_size=1, max_size=12)
names = st.text(alphabet="aяé€😀_", min_size=1, max_size=6)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@example(lengths=[LIMIT - 40], name="a")
@example(lengths=[LIMIT], name="a")
@example(lengths=[135_000, 135_000, 135_000], name="b")
@given(lengths=sizes, name=names)
def test_an_item_is_stored_or_refused_as_moto_decides(
    ddb: Any, lengths: list[int], name: str
) -> None:
    item: dict[str, Any] = {"pk": {"S": "p"}, "sk": {"S": name}}
    for i, length in enumerate(lengths):
        item[f"{name}{i}"] = {"S": "x" * length} if i % 3 else {"L": [{"S": "y" * length}]}
    assert put(ddb, item, patched=True) == put(ddb, item, patched=False)


def test_a_stored_item_is_what_was_put(ddb: Any) -> None:
    item = {"pk": {"S": "p"}, "sk": {"S": "whole"}, "n": {"N": "1"}, "m": {"M": {"k": {"S": "v"}}}}
    assert put(ddb, item, patched=True) == "stored"
    assert ddb.get_item(TableName="t", Key={"pk": {"S": "p"}, "sk": {"S": "whole"}})["Item"] == item
    built = Item.__new__(Item)
    moto_items._item_init(built, None, None, {"a": {"S": "b"}})  # type: ignore[arg-type]
    assert type(built.attrs) is LimitedSizeDict  # later updates still check the size
