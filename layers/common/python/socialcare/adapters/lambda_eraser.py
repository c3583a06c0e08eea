"""The Slack desk hands an erasure to the erase function: an asynchronous Lambda invoke
(``InvocationType=Event``), so Lambda queues it, retries a failure twice and keeps what
still fails in the erase function's dead-letter queue. Only the erase function may delete
a customer's items in bulk; the desk may only invoke it."""

from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from socialcare.errors import StorageUnavailable
from socialcare.services.erasure import ErasureRequest


class LambdaEraser:
    def __init__(self, function_name: str, client: Any = None) -> None:
        self._function = function_name
        self._client = client or boto3.client("lambda")

    def erase(self, request: ErasureRequest) -> None:
        try:
            answer = self._client.invoke(
                FunctionName=self._function,
                InvocationType="Event",
                Payload=request.model_dump_json().encode(),
            )
        except (ClientError, BotoCoreError) as exc:
            raise StorageUnavailable(f"handing the erasure over failed: {exc}") from exc
        if answer.get("StatusCode") != 202:  # queued is the only success of an Event invoke
            raise StorageUnavailable(f"the erase function did not queue it: {answer}")
