"""The local stack parses a state machine once and shares the program between executions:
each execution still gets its own outcome and its own retry count."""

import json
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

from socialcare_tools.local import moto_programs

ROLE = "arn:aws:iam::123456789012:role/sfn"
ROUTE = {
    "StartAt": "Which",
    "States": {
        "Which": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.n", "NumericGreaterThan": 4, "Next": "Big"}],
            "Default": "Small",
        },
        "Big": {"Type": "Pass", "Parameters": {"size": "big", "n.$": "$.n"}, "End": True},
        "Small": {"Type": "Pass", "Parameters": {"size": "small", "n.$": "$.n"}, "End": True},
    },
}
# A task that always fails (the table does not exist), retried twice, then caught.
RETRIED = {
    "StartAt": "Read",
    "States": {
        "Read": {
            "Type": "Task",
            "Resource": "arn:aws:states:::dynamodb:getItem",
            "Parameters": {"TableName": "missing", "Key": {"pk": {"S.$": "$.id"}}},
            "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 2}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "GaveUp"}],
            "End": True,
        },
        "GaveUp": {"Type": "Pass", "End": True},
    },
}


@pytest.fixture
def sfn() -> Iterator[Any]:
    moto_programs.install()
    try:
        with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
            yield boto3.client("stepfunctions", region_name="eu-west-1")
    finally:
        moto_programs.uninstall()


def _finished(sfn: Any, arns: list[str]) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        described = [sfn.describe_execution(executionArn=arn) for arn in arns]
        if all(d["status"] != "RUNNING" for d in described):
            return described
        time.sleep(0.05)
    raise AssertionError("executions did not finish")


def _machine(sfn: Any, name: str, definition: dict[str, Any]) -> str:
    return str(
        sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE)[
            "stateMachineArn"
        ]
    )


def test_each_execution_gets_its_own_outcome_from_one_parse(
    sfn: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    parses: list[str] = []
    original = AmazonStateLanguageParser.parse

    def counting(definition: str) -> Any:
        parses.append(definition)
        return original(definition)

    monkeypatch.setattr(AmazonStateLanguageParser, "parse", staticmethod(counting))
    machine = _machine(sfn, "route", ROUTE)
    parses.clear()  # creating the machine validates it: one parse, as in moto
    arns = [
        sfn.start_execution(stateMachineArn=machine, name=f"e{n}", input=json.dumps({"n": n}))[
            "executionArn"
        ]
        for n in range(10)
    ]
    outputs = [json.loads(d["output"]) for d in _finished(sfn, arns)]
    assert outputs == [{"size": "big" if n > 4 else "small", "n": n} for n in range(10)]
    assert len(parses) == 1


def test_concurrent_executions_count_their_retries_apart(sfn: Any) -> None:
    machine = _machine(sfn, "retried", RETRIED)
    arns = [
        sfn.start_execution(
            stateMachineArn=machine, name=f"e{n}", input=json.dumps({"id": str(n)})
        )["executionArn"]
        for n in range(8)
    ]
    for described in _finished(sfn, arns):
        assert described["status"] == "SUCCEEDED"  # caught after its retries
        events = sfn.get_execution_history(executionArn=described["executionArn"])["events"]
        attempts = [e for e in events if e["type"] == "TaskScheduled"]
        assert len(attempts) == 3  # the first try and two retries, each execution its own


def test_a_shared_program_has_no_lazy_state_left_for_executions_to_race_on(sfn: Any) -> None:
    # The retry counters' slots (heap keys) are made once per component, lazily: a program
    # shared by executions has them all made before any execution runs.
    program = moto_programs.program_for(json.dumps(RETRIED))
    components = list(moto_programs.eval_components(program))
    retry_parts = [
        c for c in components if type(c).__name__ in ("MaxAttemptsDecl", "BackoffRateDecl")
    ]
    assert retry_parts
    assert all(c._EvalComponent__heap_key is not None for c in components)  # type: ignore[attr-defined]
