"""Starting a clock's execution. The name is the clock's identity, so a second start of the
same clock (a redelivered message) is not a second timer: Step Functions answers a repeated
start with the same name and input with the running execution, and an existing one with
ExecutionAlreadyExists, which is the same outcome here."""

import json
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from socialcare.deadlines.plan import ClockPlan
from socialcare.errors import StorageUnavailable
from socialcare.services.clocks import execution_input


class StepFunctionsClocks:
    def __init__(self, state_machine_arn: str, client: Any = None) -> None:
        self._machine = state_machine_arn
        self._client = client or boto3.client("stepfunctions")

    def start(self, plan: ClockPlan) -> None:
        try:
            self._client.start_execution(
                stateMachineArn=self._machine,
                name=plan.execution_name,
                input=json.dumps(execution_input(plan)),
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ExecutionAlreadyExists":
                return
            raise StorageUnavailable(f"starting the clock failed: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageUnavailable(f"starting the clock failed: {exc}") from exc
