"""DynamoDB, SQS and Step Functions calls answered straight by moto's handlers get the answers
moto's own server gives: the same status, the same body, the same errors, call by call."""

import hashlib
import inspect
import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError
from moto.core.utils import convert_to_flask_response
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server

from socialcare_tools.local.keep_alive import KeepAliveRequestHandler
from socialcare_tools.local.moto_direct import DirectJsonApis

REVIEWED_VIEW = "2c82766d05909ebb416d91eb9db685b57c639346d5eaea28e3a3a89c6607153e"
REGION = "eu-west-1"
# What differs between two runs whatever serves them: generated ids, clocks, request ids.
VOLATILE = {
    "ResponseMetadata",
    "MessageId",
    "ReceiptHandle",
    "MD5OfMessageBody",
    "creationDate",
    "startDate",
    "stopDate",
    "executionArn",
    "CreationDateTime",
    "TableArn",
    "TableId",
    "LatestStreamArn",
    "Attributes",
}


def test_the_view_wrapper_we_stand_in_for_is_the_one_we_reviewed() -> None:
    source = inspect.getsource(convert_to_flask_response.__call__)
    assert hashlib.sha256(source.encode()).hexdigest() == REVIEWED_VIEW, (
        "moto changed how its server answers a call: review moto_direct"
    )


class Counting(DirectJsonApis):
    def __init__(self, moto_app: Any) -> None:
        super().__init__(moto_app)
        self.direct = 0

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        self.direct += self._handler(environ) is not None
        return super().__call__(environ, start_response)


@pytest.fixture
def serve() -> Iterator[Callable[[Any], str]]:
    servers = []

    def start(app: Any) -> str:
        server = make_server("127.0.0.1", 0, app, True, request_handler=KeepAliveRequestHandler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        url = f"http://127.0.0.1:{server.server_port}"
        requests.post(f"{url}/moto-api/reset", timeout=10).raise_for_status()
        return url

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def scrub(answer: Any) -> Any:
    if isinstance(answer, dict):
        return {k: scrub(v) for k, v in answer.items() if k not in VOLATILE}
    if isinstance(answer, list):
        return [scrub(v) for v in answer]
    return answer


def scenario(url: str) -> list[Any]:
    """Calls of each API, successful and failing, and what each answered."""
    config = Config(retries={"max_attempts": 1})
    clients = {
        name: boto3.client(
            name,
            endpoint_url=url,
            region_name=REGION,
            aws_access_key_id="local",
            aws_secret_access_key="local",
            config=config,
        )
        for name in ("dynamodb", "sqs", "stepfunctions")
    }
    ddb, sqs, sfn = clients["dynamodb"], clients["sqs"], clients["stepfunctions"]
    key = {"pk": {"S": "a"}, "sk": {"S": "1"}}
    queue = "https://x/123456789012/missing"
    calls: list[tuple[Any, str, dict[str, Any]]] = [
        (
            ddb,
            "create_table",
            {
                "TableName": "t",
                "BillingMode": "PAY_PER_REQUEST",
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "sk", "KeyType": "RANGE"},
                ],
                "AttributeDefinitions": [
                    {"AttributeName": "pk", "AttributeType": "S"},
                    {"AttributeName": "sk", "AttributeType": "S"},
                ],
            },
        ),
        (ddb, "put_item", {"TableName": "t", "Item": {**key, "n": {"N": "1"}}}),
        (
            ddb,
            "put_item",
            {"TableName": "t", "Item": key, "ConditionExpression": "attribute_not_exists(pk)"},
        ),
        (ddb, "get_item", {"TableName": "t", "Key": key}),
        (ddb, "batch_get_item", {"RequestItems": {"t": {"Keys": [key]}}}),
        (
            ddb,
            "query",
            {
                "TableName": "t",
                "KeyConditionExpression": "pk = :p",
                "ExpressionAttributeValues": {":p": {"S": "a"}},
            },
        ),
        (
            ddb,
            "update_item",
            {
                "TableName": "t",
                "Key": key,
                "UpdateExpression": "ADD n :one",
                "ExpressionAttributeValues": {":one": {"N": "1"}},
                "ReturnValues": "ALL_NEW",
            },
        ),
        (
            ddb,
            "transact_write_items",
            {
                "TransactItems": [
                    {
                        "Put": {
                            "TableName": "t",
                            "Item": key,
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    }
                ]
            },
        ),
        (ddb, "get_item", {"TableName": "nope", "Key": key}),
        (ddb, "put_item", {"TableName": "t", "Item": {"pk": {"S": ""}, "sk": {"S": "1"}}}),
        (sqs, "create_queue", {"QueueName": "q"}),
        (sqs, "send_message", {"QueueUrl": f"{url}/123456789012/q", "MessageBody": "hello"}),
        (sqs, "receive_message", {"QueueUrl": f"{url}/123456789012/q"}),
        (sqs, "get_queue_attributes", {"QueueUrl": f"{url}/123456789012/q"}),
        (sqs, "send_message", {"QueueUrl": queue, "MessageBody": "lost"}),
        (sqs, "get_queue_url", {"QueueName": "missing"}),
        (
            sfn,
            "create_state_machine",
            {
                "name": "m",
                "definition": json.dumps(
                    {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
                ),
                "roleArn": "arn:aws:iam::123456789012:role/r",
            },
        ),
        (sfn, "list_state_machines", {}),
        (
            sfn,
            "describe_execution",
            {"executionArn": "arn:aws:states:eu-west-1:123456789012:execution:m:none"},
        ),
        (
            sfn,
            "start_execution",
            {"stateMachineArn": "arn:aws:states:eu-west-1:123456789012:stateMachine:nope"},
        ),
    ]
    answers = []
    for client, operation, parameters in calls:
        try:
            answer = getattr(client, operation)(**parameters)
            answers.append((operation, "ok", scrub(answer)))
        except ClientError as error:
            status = error.response["ResponseMetadata"]["HTTPStatusCode"]
            answers.append((operation, status, error.response["Error"]))
    # each run has its own port, which queue URLs carry
    return json.loads(json.dumps(answers, default=str).replace(url, "URL"))


def test_every_call_gets_the_answer_moto_gives(serve: Callable[[Any], str]) -> None:
    moto_app = DomainDispatcherApplication(create_backend_app)
    expected = scenario(serve(moto_app))
    direct = Counting(moto_app)
    assert scenario(serve(direct)) == expected
    assert direct.direct == len(expected)  # every one of them took the direct way
    assert {status for _, status, _ in expected} >= {"ok", 400}  # errors compared too
