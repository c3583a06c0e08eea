"""Canaries for the moto internals we rely on: an upgrade that changes them fails here."""

import hashlib
import inspect
from collections.abc import Iterator
from typing import Any

import boto3
import moto
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.dynamodb.models import DynamoDBBackend

from socialcare.local import moto_patches

REVIEWED_TRANSACT_WRITE_ITEMS = "81db2cb7d94e39c90b3a2077e1f4bb41a449c558ef9b1b1e2910fdaa39978ad4"


def test_moto_is_the_pinned_version() -> None:
    assert moto.__version__ == "5.2.5"


def test_the_transaction_code_we_replace_is_the_one_we_reviewed() -> None:
    source = inspect.getsource(moto_patches.ORIGINAL_TRANSACT_WRITE_ITEMS)
    assert hashlib.sha256(source.encode()).hexdigest() == REVIEWED_TRANSACT_WRITE_ITEMS


@pytest.fixture(params=["moto", "patched"])
def ddb(request: pytest.FixtureRequest) -> Iterator[Any]:
    """The same behaviour must hold with moto's own transaction and with ours."""
    if request.param == "patched":
        moto_patches.install()
    try:
        with mock_aws():
            client = boto3.client("dynamodb", region_name="eu-west-1")
            client.create_table(
                TableName="t",
                BillingMode="PAY_PER_REQUEST",
                KeySchema=[
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "sk", "KeyType": "RANGE"},
                ],
                AttributeDefinitions=[
                    {"AttributeName": "pk", "AttributeType": "S"},
                    {"AttributeName": "sk", "AttributeType": "S"},
                ],
            )
            client.put_item(
                TableName="t", Item={"pk": {"S": "a"}, "sk": {"S": "1"}, "n": {"N": "1"}}
            )
            client.put_item(TableName="t", Item={"pk": {"S": "z"}, "sk": {"S": "1"}})
            yield client
    finally:
        DynamoDBBackend.transact_write_items = moto_patches.ORIGINAL_TRANSACT_WRITE_ITEMS  # type: ignore[method-assign]


def put(pk: str, condition: str | None = None) -> dict[str, Any]:
    op: dict[str, Any] = {"TableName": "t", "Item": {"pk": {"S": pk}, "sk": {"S": "1"}}}
    if condition:
        op["ConditionExpression"] = condition
    return {"Put": op}


def bump(pk: str, value: dict[str, str]) -> dict[str, Any]:
    return {
        "Update": {
            "TableName": "t",
            "Key": {"pk": {"S": pk}, "sk": {"S": "1"}},
            "UpdateExpression": "ADD n :v",
            "ExpressionAttributeValues": {":v": value},
        }
    }


def keys(client: Any) -> dict[str, Any]:
    return {i["pk"]["S"]: i.get("n", {}).get("N") for i in client.scan(TableName="t")["Items"]}


def test_a_successful_transaction_applies_every_item(ddb: Any) -> None:
    ddb.transact_write_items(TransactItems=[put("b"), bump("a", {"N": "1"})])
    assert keys(ddb) == {"a": "2", "b": None, "z": None}


def test_a_failed_condition_rolls_back_the_items_before_it(ddb: Any) -> None:
    with pytest.raises(ClientError) as error:
        ddb.transact_write_items(
            TransactItems=[put("b"), bump("a", {"N": "5"}), put("z", "attribute_not_exists(pk)")]
        )
    assert [r["Code"] for r in error.value.response["CancellationReasons"]] == [
        "None",
        "None",
        "ConditionalCheckFailed",
    ]
    assert keys(ddb) == {"a": "1", "z": None}


def test_a_failing_update_rolls_back_the_whole_transaction(ddb: Any) -> None:
    with pytest.raises(ClientError):
        ddb.transact_write_items(TransactItems=[put("c"), bump("a", {"S": "not a number"})])
    assert keys(ddb) == {"a": "1", "z": None}


def test_two_operations_on_one_item_are_refused_and_nothing_is_written(ddb: Any) -> None:
    with pytest.raises(ClientError, match="ValidationException"):
        ddb.transact_write_items(TransactItems=[put("d"), put("d")])
    assert keys(ddb) == {"a": "1", "z": None}


# The local stack replaces or leans on these moto internals (socialcare.local).
REVIEWED = {
    # compress_waits replaces _eval_body; moto's _wait_interval counts whole seconds.
    "WaitFunction._eval_body": "adaade605eee07ef044c2e4043982e114a420a81f109deb24b8494a00761a7ab",
    "WaitFunction._wait_interval": "8f954dee80372b4b8233918f4d94810949f402cb3ddd2361ef4cbd9719d02253",  # noqa: E501
    # LocalRuntime.install_into_moto replaces the Docker runner of Lambda invocations.
    "LambdaFunction._invoke_lambda": "23ce7a8f956e8090eaf8a3a4de498cf938c79db073ab0284b988f1aed8719f5f",  # noqa: E501
    # EmbeddedAws.stop closes the socket that this stop() leaves open (via ._server).
    "ThreadedMotoServer.stop": "0106e010279b6fee6ca4c6bac81bfdc583498edcd3ba71a33801ce489aa02c89",
}


def test_the_internals_the_local_stack_relies_on_are_the_ones_we_reviewed() -> None:
    from moto.awslambda.models import LambdaFunction
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import (
        WaitFunction,
    )

    from socialcare.local import moto_patches, runtime

    current = {
        "WaitFunction._eval_body": moto_patches.ORIGINAL_WAIT_EVAL_BODY,
        "WaitFunction._wait_interval": WaitFunction._wait_interval,
        "LambdaFunction._invoke_lambda": runtime.ORIGINAL_INVOKE,
        "ThreadedMotoServer.stop": ThreadedMotoServer.stop,
    }
    for name, function in current.items():
        digest = hashlib.sha256(inspect.getsource(function).encode()).hexdigest()
        assert digest == REVIEWED[name], (
            f"moto changed {name}: review socialcare.local before upgrading"
        )
    assert "_server" in inspect.getsource(ThreadedMotoServer.__init__)
    assert list(inspect.signature(LambdaFunction._invoke_lambda).parameters) == ["self", "event"]


def test_moto_cloudformation_still_skips_what_the_local_deployer_fills() -> None:
    """If moto learns to create secrets or HTTP APIs, the deployer would create them twice."""
    from moto.cloudformation import parsing

    supported = set(parsing.get_model_map())
    for skipped in (
        "AWS::SecretsManager::Secret",
        "AWS::ApiGatewayV2::Api",
        "AWS::SNS::Subscription",
    ):
        assert skipped not in supported, skipped
