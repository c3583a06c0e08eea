"""The Slack desk hands an erasure to the erase function: an asynchronous invoke carrying
the request, and a failure to hand it over is a SupportError (the lazy step fails)."""

import io
import json
import zipfile
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from socialcare.adapters.lambda_eraser import LambdaEraser
from socialcare.errors import StorageUnavailable
from socialcare.services.erasure import AnswerTo, ErasureRequest

REQUEST = ErasureRequest(
    brand="acme",
    target="@janeroe",
    requested_by="U0ACMELEAD",
    via="slack",
    answer_to=AnswerTo(channel="C0ACMESUPPORT", user="U0ACMELEAD"),
)


@pytest.fixture
def lam() -> Iterator[Any]:
    with mock_aws(config={"lambda": {"use_docker": False}}):
        role = boto3.client("iam", region_name="eu-west-1").create_role(
            RoleName="erase", AssumeRolePolicyDocument="{}"
        )["Role"]["Arn"]
        client = boto3.client("lambda", region_name="eu-west-1")
        code = io.BytesIO()
        with zipfile.ZipFile(code, "w") as archive:
            archive.writestr("app.py", "def lambda_handler(event, context):\n    return {}\n")
        client.create_function(
            FunctionName="stack-erase-customer",
            Runtime="python3.11",
            Role=role,
            Handler="app.lambda_handler",
            Code={"ZipFile": code.getvalue()},
        )
        yield client


def test_the_request_is_invoked_asynchronously_with_its_fields(lam: Any) -> None:
    sent: list[Any] = []
    lam.meta.events.register("before-send.lambda.Invoke", lambda request, **_: sent.append(request))
    LambdaEraser("stack-erase-customer", lam).erase(REQUEST)
    [request] = sent
    assert request.headers["X-Amz-Invocation-Type"] == b"Event"
    assert request.url.endswith("/functions/stack-erase-customer/invocations")
    assert json.loads(request.body) == {
        "brand": "acme",
        "target": "@janeroe",
        "requested_by": "U0ACMELEAD",
        "via": "slack",
        "answer_to": {"channel": "C0ACMESUPPORT", "user": "U0ACMELEAD"},
    }
    assert ErasureRequest.model_validate_json(request.body) == REQUEST  # what the function reads


def test_a_missing_function_is_a_support_error_that_says_so() -> None:
    with mock_aws():  # moto's own backend: it knows which functions exist
        client = boto3.client("lambda", region_name="eu-west-1")
        with pytest.raises(StorageUnavailable, match="handing the erasure over failed"):
            LambdaEraser("stack-no-such-function", client).erase(REQUEST)
