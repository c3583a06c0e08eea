"""Starting a clock execution. The name is the clocks' identity (their conversation and the
message that started them), so a second start of the same clocks (a redelivered message) is
not a second timer: Step Functions answers a repeated start with the same name and input
with the running execution, and an existing one with ExecutionAlreadyExists, which is the
same outcome here."""

import json
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from socialcare.deadlines.execution import execution_input, execution_name
from socialcare.deadlines.plan import ClockPlan
from socialcare.errors import StorageUnavailable


class StepFunctionsClocks:
    def __init__(self, state_machine_arn: str, client: Any = None) -> None:
        self._machine = state_machine_arn
        self._client = client or boto3.client("stepfunctions")

    def start(self, plans: tuple[ClockPlan, ...]) -> None:
        start = execution_input(plans) if plans else None
        if start is None or start["next"]["done"]:
            return  # no clock with a step to wait for
        try:
            self._client.start_execution(
                stateMachineArn=self._machine,
                name=execution_name(plans),
                input=json.dumps(start),
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ExecutionAlreadyExists":
                return
            raise StorageUnavailable(f"starting the clocks failed: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageUnavailable(f"starting the clocks failed: {exc}") from exc
