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

from socialcare_tools.local import aws_routes, moto_patches
from tests.support.tables import create_table

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
            create_table(client)
            client.put_item(
                TableName="t", Item={"pk": {"S": "a"}, "sk": {"S": "1"}, "n": {"N": "1"}}
            )
            client.put_item(TableName="t", Item={"pk": {"S": "z"}, "sk": {"S": "1"}})
            yield client
    finally:
        moto_patches.uninstall()


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


def test_an_invalid_update_of_a_missing_item_creates_nothing(ddb: Any) -> None:
    with pytest.raises(ClientError, match="ValidationException"):
        ddb.update_item(
            TableName="t",
            Key={"pk": {"S": "new"}, "sk": {"S": "1"}},
            UpdateExpression="SET x = :undefined",
            ExpressionAttributeValues={":v": {"S": "1"}},
        )
    assert keys(ddb) == {"a": "1", "z": None}


def test_with_the_patch_a_failed_add_on_a_missing_item_creates_nothing_as_dynamodb() -> None:
    """Stock moto 5.2.5 leaves a key-only item behind here; real DynamoDB writes nothing."""
    moto_patches.install()
    try:
        with mock_aws():
            client = boto3.client("dynamodb", region_name="eu-west-1")
            create_table(client, "t", {"pk": "S"})
            with pytest.raises(ClientError, match="ValidationException"):
                client.update_item(
                    TableName="t",
                    Key={"pk": {"S": "new"}},
                    UpdateExpression="ADD n :v",
                    ExpressionAttributeValues={":v": {"S": "not a number"}},
                )
            assert client.scan(TableName="t")["Items"] == []
    finally:
        moto_patches.uninstall()


def test_an_update_creates_a_missing_item_with_if_not_exists(ddb: Any) -> None:
    update = {
        "TableName": "t",
        "Key": {"pk": {"S": "new"}, "sk": {"S": "1"}},
        "UpdateExpression": "SET x = if_not_exists(x, :v) ADD n :one",
        "ExpressionAttributeValues": {":v": {"S": "first"}, ":one": {"N": "1"}},
    }
    ddb.update_item(**update)
    ddb.update_item(
        **update | {"ExpressionAttributeValues": {":v": {"S": "second"}, ":one": {"N": "1"}}}
    )
    item = ddb.get_item(TableName="t", Key=update["Key"])["Item"]
    assert (item["x"]["S"], item["n"]["N"]) == ("first", "2")


def test_an_update_with_two_set_clauses_is_still_refused(ddb: Any) -> None:
    with pytest.raises(ClientError, match="SET"):
        ddb.update_item(
            TableName="t",
            Key={"pk": {"S": "a"}, "sk": {"S": "1"}},
            UpdateExpression="SET x = :v, y = :v SET z = :v",
            ExpressionAttributeValues={":v": {"S": "1"}},
        )
    assert keys(ddb) == {"a": "1", "z": None}


def test_two_operations_on_one_item_are_refused_and_nothing_is_written(ddb: Any) -> None:
    with pytest.raises(ClientError, match="ValidationException"):
        ddb.transact_write_items(TransactItems=[put("d"), put("d")])
    assert keys(ddb) == {"a": "1", "z": None}


# The local stack replaces or leans on these moto internals (socialcare_tools.local).
REVIEWED = {
    # compress_waits replaces _eval_body; moto's _wait_interval counts whole seconds.
    "WaitFunction._eval_body": "adaade605eee07ef044c2e4043982e114a420a81f109deb24b8494a00761a7ab",
    "WaitFunction._wait_interval": "8f954dee80372b4b8233918f4d94810949f402cb3ddd2361ef4cbd9719d02253",  # noqa: E501
    # _exact_wait_seconds redoes Timestamp's parsing without truncating to whole seconds.
    "Timestamp._get_wait_seconds": "611d040940ad5f39ceb4a907a0ecf8cd5e6c1600a53328c8f6cd445f3a885b16",  # noqa: E501
    # aws_process.forward_invocations replaces the Docker runner of Lambda invocations.
    "LambdaFunction._invoke_lambda": "23ce7a8f956e8090eaf8a3a4de498cf938c79db073ab0284b988f1aed8719f5f",  # noqa: E501
    # moto_patches replaces how an SQS message asks the time (same instant, cheaper).
    "Message.visible": "5129b573308de62a700c40541df76673710ff2303258839ac66990eb56f27f27",
    "Message.delayed": "e2fd48abf582683aa4630cbd95daef06deb9f6de33e002a89f8c3d8a3f334838",
    "unix_time_millis": "7a37e1337d02962edf1a7396cbc8f3872997b0d7cbb22d50e53876019c11dbad",
    "ActionCountValidator.verify_action_counts": "8cd8c9a3ae3a414abe39794eb3b5097b64b580b9dee258da242d2c03cf91c293",  # noqa: E501
    "Validator.validate": "5a99f0d36c7b7b8ebfa3e745203515f57a9b99109cfca55a039153a8f6b081c6",
    "DynamoDBBackend.update_item": "218984588dd689a5de81678ce11e6a40d05c91e7b6c21b44c4ed4122fe74aa9f",  # noqa: E501
    # moto_patches works each out once per class or name: both pure functions.
    "method_names_from_class": "9dbac89d082b655fee902c450e69de9dbadf9699ad06411298494984b55138c3",
    "camelcase_to_underscores": "084cdc5bab92db95a0ebd8d554c70b212a057d35825b08ca3b80b202d4965eb3",
    # An Event invocation runs on its own thread (moto_patches._lambda_invoke).
    "LambdaFunction.invoke": "dadc324f30aed38bf9dde5a93000c195ed3e5fb5e984f71ebd4c6629fc89aa2e",
    # aws_process serves moto's app as ThreadedMotoServer does, behind its own routes.
    "ThreadedMotoServer._server_entry": "ef744bd45e1e465af953a9c540508945eb0012b317f2cc46f37c430eb391e2b1",  # noqa: E501
    # parked_waits: runs executions on its pool (start, stop), repeats _execution_logic up
    # to the program, runs Program._eval_body's loop, and finishes a parked Wait state as
    # CommonStateField._eval_body and StateWait._eval_state do after the wait.
    "ExecutionWorker._execution_logic": "baa3e2a48fd228d951b7b443e34acffcd060721f17c184df43db83ec0c0ffd25",  # noqa: E501
    "ExecutionWorker.start": "0b502dd3a4e5fd2b4a39da9a65b15f74350feef9820bfb36147b2abd7825d4cf",
    "ExecutionWorker.stop": "dc18be1944e1abeb084fccc7a90918d5c2f8856b4f7523722ac9d228766d2b4d",
    "Program.eval": "6d701880064a8970c3a40375b8708af4ea22b6054dd6ac2fe9be295270b62f2b",
    "Program._eval_body": "0735481f6d027e470a5e37351be3a5552f07050c421318cf2ce65d4efb620be6",
    "CommonStateField._eval_body": "035f80caae1290dce90fa4b78c03ef33a32c2f78759e0328078ea70bf593b805",  # noqa: E501
    "StateWait._eval_state": "74b66455ae34080f73e9781ee122e6e816a6fc12c6d32183ecb317c48e71b489",
    # moto_patches caches the module list that the dispatcher scans on every request, and
    # the Lambda client that Step Functions builds for every task.
    "list_of_moto_modules": "4f741a10b06500e840c3aaa1b4f02706e6f2bfbababc0e8a2a7b9c9d0e8957dc",
    "boto_client_for": "1f44dc2ac8aa2179df62365a6e5ea377f1770ea828a0f107440a2554f1b4edb8",
    "DomainDispatcherApplication.get_backend_for_host": "1f41972c1e4e660fbf4e4ddfeeed2fdff56dc105a8f8e1bf015640f710ef511a",  # noqa: E501
    # ... and the JSONPath expressions these parse at every evaluation (module-level parse).
    "extract_json": "932245247973780c72287b75597e70031472f0cd764f35a199100d8a195987a4",
    "ResultPath._eval_body": "a6d93b4e5a332fadf256032411a32a39e24fdbf8080462c6c037bfe11c195081",
    # moto_programs shares one parsed program per definition between executions: the
    # entrypoint it replaces, the parser it calls, and the lazily made heap key it makes early.
    "ExecutionWorker._get_evaluation_entrypoint": "2b25949ae855da8035b347b28ac72f90d7d6542bf26ef7e1f03a50ce6a981fde",  # noqa: E501
    "AmazonStateLanguageParser.parse": "a59a7d18760fb22efc9fd46d8f0fb3bb6c0293abbce2b9053e1589181c6f0711",  # noqa: E501
    "EvalComponent": "56da33f717c7e33c8d96c9ee5539a0d1c574db556d7752fc127423d7382beacd",
    # moto_patches serves DynamoDB requests one at a time (moto's tables are not thread-safe).
    "DynamoHandler.call_action": "ce5f57cf83cde3400fa73a201929d18af92aaba2bb301d4d74609a1467b8daaf",
    # moto_dynamo_json writes DynamoDB data answers in place of this (for DynamoHandler only;
    # what it copies of the serializer is pinned in test_moto_dynamo_json) ...
    "BaseResponse.serialized": "af486a0ef132716231d3a6484c32ae91a54b40fbc1d24fff01c78c813d251110",
    # ... and moto_update_expressions shares the trees this parses (test_moto_update_expressions).
    "UpdateExpressionParser.make": "2c00ed96d6e191f243b449166e75bfb38f307b2e19405bc0981847061e0dbee3",  # noqa: E501
}


def test_the_internals_the_local_stack_relies_on_are_the_ones_we_reviewed() -> None:
    from moto.awslambda.models import LambdaFunction
    from moto.core.utils import unix_time_millis
    from moto.dynamodb.responses import DynamoHandler
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication
    from moto.stepfunctions.parser.asl.component.common.path.result_path import ResultPath
    from moto.stepfunctions.parser.asl.component.eval_component import EvalComponent
    from moto.stepfunctions.parser.asl.component.program.program import Program
    from moto.stepfunctions.parser.asl.component.state.state import CommonStateField
    from moto.stepfunctions.parser.asl.component.state.wait.state_wait import StateWait
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function.timestamp import (
        Timestamp,
    )
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import (
        WaitFunction,
    )
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
    from moto.stepfunctions.parser.asl.utils.json_path import extract_json
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

    from socialcare_tools.local import (
        moto_dynamo_json,
        moto_patches,
        moto_programs,
        moto_update_expressions,
        parked_waits,
    )

    current = {
        "WaitFunction._eval_body": moto_patches.ORIGINAL_WAIT_EVAL_BODY,
        "WaitFunction._wait_interval": WaitFunction._wait_interval,
        "Timestamp._get_wait_seconds": Timestamp._get_wait_seconds,
        "LambdaFunction._invoke_lambda": LambdaFunction._invoke_lambda,
        "ThreadedMotoServer._server_entry": ThreadedMotoServer._server_entry,
        "Message.visible": moto_patches.ORIGINAL_SQS_VISIBLE.fget,
        "Message.delayed": moto_patches.ORIGINAL_SQS_DELAYED.fget,
        "unix_time_millis": unix_time_millis,
        "ActionCountValidator.verify_action_counts": moto_patches.ORIGINAL_VERIFY_ACTION_COUNTS,
        "Validator.validate": moto_patches.ORIGINAL_VALIDATE,
        "DynamoDBBackend.update_item": moto_patches.ORIGINAL_UPDATE_ITEM,
        "ExecutionWorker._execution_logic": ExecutionWorker._execution_logic,
        "ExecutionWorker.start": parked_waits.ORIGINAL_WORKER_START,
        "ExecutionWorker.stop": parked_waits.ORIGINAL_WORKER_STOP,
        "Program.eval": Program.eval,
        "Program._eval_body": Program._eval_body,
        "CommonStateField._eval_body": CommonStateField._eval_body,
        "StateWait._eval_state": StateWait._eval_state,
        "list_of_moto_modules": moto_patches.ORIGINAL_LIST_OF_MOTO_MODULES,
        "boto_client_for": moto_patches.ORIGINAL_LAMBDA_CLIENT_FOR,
        "DomainDispatcherApplication.get_backend_for_host": (
            DomainDispatcherApplication.get_backend_for_host
        ),
        "extract_json": extract_json,
        "ResultPath._eval_body": ResultPath._eval_body,
        "DynamoHandler.call_action": moto_patches.ORIGINAL_DYNAMO_CALL_ACTION,
        "LambdaFunction.invoke": moto_patches.ORIGINAL_LAMBDA_INVOKE,
        "method_names_from_class": moto_patches.ORIGINAL_METHOD_NAMES,
        "camelcase_to_underscores": moto_patches.ORIGINAL_CAMELCASE,
        "ExecutionWorker._get_evaluation_entrypoint": moto_programs.ORIGINAL_ENTRYPOINT,
        "AmazonStateLanguageParser.parse": AmazonStateLanguageParser.parse,
        "EvalComponent": EvalComponent,
        "BaseResponse.serialized": moto_dynamo_json.ORIGINAL_SERIALIZED,
        "UpdateExpressionParser.make": moto_update_expressions.ORIGINAL_MAKE.__func__,
    }
    for name, function in current.items():
        digest = hashlib.sha256(inspect.getsource(function).encode()).hexdigest()
        assert digest == REVIEWED[name], (
            f"moto changed {name}: review socialcare_tools.local before upgrading"
        )
    assert list(inspect.signature(LambdaFunction._invoke_lambda).parameters) == ["self", "event"]
    # moto_dynamo_json.uninstall deletes its override: DynamoHandler has none of its own
    assert "def serialized" not in inspect.getsource(DynamoHandler)


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


@pytest.fixture(params=["moto", "patched"])
def sqs(request: pytest.FixtureRequest) -> Iterator[Any]:
    if request.param == "patched":
        moto_patches.install()
    try:
        with mock_aws():
            yield boto3.client("sqs", region_name="eu-west-1")
    finally:
        moto_patches.uninstall()


def test_visibility_timeout_delay_and_fifo_dedup_behave_the_same(sqs: Any) -> None:
    import time

    url = sqs.create_queue(QueueName="q.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    for dedup in ("a", "a", "b"):
        sqs.send_message(
            QueueUrl=url, MessageBody=dedup, MessageGroupId=dedup, MessageDeduplicationId=dedup
        )
    counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    assert counts["Attributes"]["ApproximateNumberOfMessages"] == "2"  # the duplicate was dropped
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=1)["Messages"]
    assert sorted(m["Body"] for m in got) == ["a", "b"]
    assert (
        sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages") is None
    )  # in flight
    time.sleep(1.1)
    again = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert len(again) == 2  # visible again after the timeout
    plain = sqs.create_queue(QueueName="plain")["QueueUrl"]
    sqs.send_message(QueueUrl=plain, MessageBody="later", DelaySeconds=1)
    assert sqs.receive_message(QueueUrl=plain).get("Messages") is None  # delayed
    time.sleep(1.1)
    assert sqs.receive_message(QueueUrl=plain)["Messages"][0]["Body"] == "later"


def test_the_local_poller_reads_when_a_received_message_comes_back(sqs: Any) -> None:
    """The local event source mapping reads a received message's visibility from moto's
    queue (aws_routes.in_flight_until): a move by ChangeMessageVisibility must show."""
    url = sqs.create_queue(QueueName="visibility")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="m")
    handle = sqs.receive_message(QueueUrl=url, VisibilityTimeout=60)["Messages"][0]["ReceiptHandle"]
    received = aws_routes.in_flight_until(url, "eu-west-1", [handle])[handle]
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=3600)
    moved = aws_routes.in_flight_until(url, "eu-west-1", [handle, "not-a-handle"])
    assert moved[handle] > received
    assert "not-a-handle" not in moved
