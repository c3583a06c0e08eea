"""Hands an X outage window to the gap fill: an asynchronous Lambda invocation (the gap
fill's own retries and dead-letter queue then apply), or a log line when none is wired."""

import json
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from socialcare.errors import StorageUnavailable
from socialcare.observability import logger


class LambdaOutageHandoff:
    def __init__(self, function_name: str | None, client: Any = None) -> None:
        self._function = function_name
        self._client = client

    def __call__(self, event: dict[str, str]) -> None:
        if not self._function:
            logger.warning("x outage: no gap fill is wired (GAP_FILL_FUNCTION)", extra=event)
            return
        client = self._client or boto3.client("lambda")
        try:
            client.invoke(
                FunctionName=self._function,
                InvocationType="Event",
                Payload=json.dumps(event).encode(),
            )
        except (ClientError, BotoCoreError) as exc:
            raise StorageUnavailable(f"handing the outage to the gap fill failed: {exc}") from exc
        logger.info("x outage handed to the gap fill", extra=event)
