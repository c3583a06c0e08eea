"""The local runtime under load: SQS polling as Lambda's event source mapping does it,
invocations run side by side within each function's concurrency."""

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from socialcare_tools.local import parked_waits
from socialcare_tools.local.deploy import FunctionSpec, QueueSource
from socialcare_tools.local.embedded_aws import EmbeddedAws
from socialcare_tools.local.pollers import SqsPoller, pollers_for
from socialcare_tools.local.runtime import DEFAULT_CONCURRENCY, LocalRuntime
from socialcare_tools.local.stack import LocalStack, Ports
from tests.conftest import ROOT

pytestmark = pytest.mark.integration
FUNCTIONS = ROOT / "tests" / "fixtures" / "local_functions"
SFN_STACK = ROOT / "tests" / "fixtures" / "sfn_stack"


def spec(name: str, handler: str, **extra: Any) -> FunctionSpec:
    return FunctionSpec(
        logical_id=name,
        name=name,
        code_dir=FUNCTIONS,
        handler=f"handlers.{handler}",
        environment=extra.pop("environment", {}),
        timeout=30,
        **extra,
    )


@pytest.fixture
def queue(tmp_path: Path) -> Iterator[str]:
    """On the embedded AWS, as the local stack's pollers run: they read a message's
    visibility from its process."""
    aws = EmbeddedAws(log_path=tmp_path / "aws.log").start()
    try:
        yield boto3.client("sqs").create_queue(
            QueueName="replies", Attributes={"VisibilityTimeout": "60"}
        )["QueueUrl"]
    finally:
        aws.stop()


def poller_of(queue: str) -> SqsPoller:
    function = spec("Postpone", "postpone", environment={"QUEUE_URL": queue})
    source = QueueSource("Replies", queue, 10, report_failures=False, visibility_timeout=60)
    # A time factor larger than the visibility timeout: a failure is retried at once.
    return SqsPoller(LocalRuntime({"Postpone": function}), "Postpone", source, time_factor=1000)


def receive(queue: str) -> list[str]:
    found = boto3.client("sqs").receive_message(QueueUrl=queue, MaxNumberOfMessages=10)
    return [m["Body"] for m in found.get("Messages", [])]


def test_a_plain_failure_comes_back_promptly(queue: str) -> None:
    boto3.client("sqs").send_message(QueueUrl=queue, MessageBody="fail")
    assert poller_of(queue).poll_once() == 1
    assert receive(queue) == ["fail"]


def test_a_message_the_function_postponed_stays_away_until_its_time(queue: str) -> None:
    boto3.client("sqs").send_message(QueueUrl=queue, MessageBody="postpone")
    boto3.client("sqs").send_message(QueueUrl=queue, MessageBody="fail")
    assert poller_of(queue).poll_once() == 2
    assert receive(queue) == ["fail"]  # the postponed one is not back before its hour


@pytest.mark.parametrize(("window", "batch"), [(0.0, 1), (2.0, 3)])
def test_a_batching_window_gathers_what_arrives_within_it_into_one_invocation(
    queue: str, window: float, batch: int
) -> None:
    """Lambda's MaximumBatchingWindowInSeconds (the escalation poster's minute, which
    makes a burst of breaches one digest): messages sent while the window is open come in
    the same invocation; without a window each poll takes what is there."""
    function = spec("Count", "count_records")
    source = QueueSource(
        "Replies", queue, 10, report_failures=False, visibility_timeout=60, batching_window=window
    )
    poller = SqsPoller(LocalRuntime({"Count": function}), "Count", source, time_factor=1)
    sqs = boto3.client("sqs")
    sqs.send_message(QueueUrl=queue, MessageBody="first")
    later = threading.Timer(
        0.3, lambda: [sqs.send_message(QueueUrl=queue, MessageBody=b) for b in ("2", "3")]
    )
    later.start()
    assert poller.poll_once(wait_seconds=1) == batch
    later.join()


class Gauge:
    """How many invocations are inside the handler; they stay until ``release`` is set."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.running = self.peak = 0
        self.release = threading.Event()

    def enter(self) -> None:
        with self._lock:
            self.running += 1
            self.peak = max(self.peak, self.running)

    def leave(self) -> None:
        with self._lock:
            self.running -= 1


def eventually(check: Any) -> None:
    """Polls for a state (never asserts on elapsed time; gives up after a minute)."""
    for _ in range(600):
        if check():
            return
        time.sleep(0.1)
    raise AssertionError("never reached")


@pytest.fixture
def runtime() -> Iterator[LocalRuntime]:
    functions = {
        "Reserved": spec("Reserved", "hold", reserved_concurrency=3),
        "Plain": spec("Plain", "hold", environment={"MARK": "plain"}),
        "Other": spec("Other", "hold", environment={"MARK": "other"}),
    }
    made = LocalRuntime(functions)
    try:
        yield made
    finally:
        made.close()


def invoke_in_threads(
    runtime: LocalRuntime, function: str, gauge: Gauge, count: int
) -> tuple[list[threading.Thread], list[Any]]:
    results: list[Any] = []
    threads = [
        threading.Thread(
            target=lambda: results.append(runtime.invoke(function, {"gauge": gauge}).result)
        )
        for _ in range(count)
    ]
    for thread in threads:
        thread.start()
    return threads, results


def test_a_function_runs_no_more_invocations_at_once_than_its_reserved_concurrency(
    runtime: LocalRuntime,
) -> None:
    gauge = Gauge()
    threads, results = invoke_in_threads(runtime, "Reserved", gauge, 5)
    environments = runtime.environments["Reserved"]
    eventually(lambda: gauge.running == 3 and environments.waiting == 2)
    assert gauge.running == 3  # two invocations queue for the function, not for the process
    gauge.release.set()
    for thread in threads:
        thread.join()
    assert len(results) == 5 and gauge.peak == 3
    assert environments.created == 3  # one execution environment per concurrent invocation


def test_invocations_run_side_by_side_each_with_its_own_environment(
    runtime: LocalRuntime,
) -> None:
    gauge = Gauge()
    plain, plain_results = invoke_in_threads(runtime, "Plain", gauge, DEFAULT_CONCURRENCY)
    other, other_results = invoke_in_threads(runtime, "Other", gauge, 2)
    eventually(lambda: gauge.running == DEFAULT_CONCURRENCY + 2)  # side by side, all of them
    gauge.release.set()
    for thread in plain + other:
        thread.join()
    assert plain_results == [{"mark": "plain", "mark_at_end": "plain"}] * DEFAULT_CONCURRENCY
    assert other_results == [{"mark": "other", "mark_at_end": "other"}] * 2
    assert "MARK" not in os.environ  # only inside an invocation


def aws_stats(stack: LocalStack) -> dict[str, int]:
    assert stack.aws is not None
    stats: dict[str, int] = requests.get(f"{stack.aws.endpoint}/_local/stats", timeout=10).json()
    return stats


def test_executions_in_a_wait_hold_no_thread_each_and_a_stop_still_ends_one(
    tmp_path: Path,
) -> None:
    with LocalStack(SFN_STACK, Ports.any_free(), time_factor=1, work_dir=tmp_path) as stack:
        assert stack.deployment is not None
        client = boto3.client("stepfunctions")
        client.list_state_machines()  # this client's connection (and its server thread) first
        before = aws_stats(stack)["threads"]
        executions = [
            client.start_execution(
                stateMachineArn=stack.deployment.physical["Deadline"],
                name=f"an-hour-{n}",
                input='{"wait_seconds": 3600}',
            )["executionArn"]
            for n in range(60)
        ]
        eventually(lambda: aws_stats(stack)["parked"] == 60)
        # The scheduler's timer and workers, whatever the number of executions (moto gave
        # each execution two threads of its own: 120 here), in the embedded AWS's process.
        assert aws_stats(stack)["threads"] - before <= parked_waits.WORKERS + 1
        client.stop_execution(executionArn=executions[0])
        eventually(
            lambda: client.describe_execution(executionArn=executions[0])["status"] == "ABORTED"
        )
        history = client.get_execution_history(executionArn=executions[0])["events"]
        kinds = [event["type"] for event in history]
        assert kinds[:3] == ["ExecutionStarted", "WaitStateEntered", "ExecutionAborted"]
        assert aws_stats(stack)["parked"] == 59


def test_a_thread_sees_its_overlay_and_its_writes_stay_there() -> None:
    from socialcare_tools.local.isolation import ThreadEnviron

    process = {"SHARED": "yes"}
    environ = ThreadEnviron(process)
    seen: dict[str, Any] = {}

    def in_invocation() -> None:
        with environ.overlaid({"MARK": "a"}):
            environ["WRITTEN"] = "inside"
            seen.update(environ | {"EXTRA": "1"})

    worker = threading.Thread(target=in_invocation)
    worker.start()
    worker.join()
    assert seen == {"SHARED": "yes", "MARK": "a", "WRITTEN": "inside", "EXTRA": "1"}
    assert dict(environ) == {"SHARED": "yes"} == process  # nothing leaked to the process


def test_a_fifo_queue_is_polled_side_by_side_and_each_group_keeps_its_order(
    tmp_path: Path,
) -> None:
    """As Lambda's mapping scales out on a FIFO queue: while one conversation's batch is held
    up, another conversation's messages are handled; no conversation's message overtakes
    an earlier one of its own."""
    log, gate = tmp_path / "handled.log", tmp_path / "gate"
    aws = EmbeddedAws(log_path=tmp_path / "aws.log").start()
    sqs = boto3.client("sqs")
    url = sqs.create_queue(
        QueueName="desk.fifo", Attributes={"FifoQueue": "true", "VisibilityTimeout": "60"}
    )["QueueUrl"]
    environment = {"LOG_PATH": str(log), "GATE_PATH": str(gate)}
    runtime = LocalRuntime({"Desk": spec("Desk", "record_groups", environment=environment)})
    source = QueueSource("Desk", url, 1, report_failures=False, visibility_timeout=60)
    pollers: list[SqsPoller] = []
    try:
        for group, body in [("slow", "wait"), ("slow", "after-wait"), ("fast", "1"), ("fast", "2")]:
            sqs.send_message(
                QueueUrl=url, MessageBody=body, MessageGroupId=group, MessageDeduplicationId=body
            )
        pollers = pollers_for(runtime, "Desk", source, time_factor=1)
        assert len(pollers) == runtime.environments["Desk"].limit == DEFAULT_CONCURRENCY

        def handled() -> list[str]:
            return log.read_text().splitlines() if log.exists() else []

        eventually(lambda: {"fast 1", "fast 2"} <= set(handled()))
        assert "slow after-wait" not in handled()  # held behind its own group's first message
        gate.touch()
        eventually(lambda: "slow after-wait" in handled())
        lines = handled()
        assert lines.index("fast 1") < lines.index("fast 2")
        assert lines.index("slow wait") < lines.index("slow after-wait")
    finally:
        for poller in pollers:
            poller.stop()
        runtime.close()
        aws.stop()
