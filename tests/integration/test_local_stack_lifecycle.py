"""Starting and stopping leaves nothing behind; Step Functions and schedules run."""

import socket
import threading
import time
from pathlib import Path

import boto3
import pytest

from socialcare_tools.local.stack import LocalStack, Ports
from socialcare_tools.local.standins import PortInUse
from tests.conftest import ROOT

pytestmark = pytest.mark.integration
FIXTURE = ROOT / "tests" / "fixtures" / "sfn_stack"


def test_stop_leaves_no_thread_and_frees_every_port(tmp_path: Path) -> None:
    before = set(threading.enumerate())
    stack = LocalStack(ROOT, Ports.any_free(), work_dir=tmp_path).start()
    assert stack.aws is not None and stack.gateway is not None and stack.standins is not None
    ports = [stack.aws.port, stack.gateway.port, *stack.standins.ports.values()]
    stack.stop()
    time.sleep(0.2)
    left = [t for t in threading.enumerate() if t not in before and t.is_alive()]
    assert left == []
    for port in ports:
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as a new server would
            probe.bind(("127.0.0.1", port))  # raises if still held


def test_a_state_machine_runs_its_definition_with_compressed_waits_and_lambda_tasks(
    tmp_path: Path,
) -> None:
    with LocalStack(FIXTURE, Ports.any_free(), time_factor=3600, work_dir=tmp_path) as stack:
        assert stack.deployment is not None
        client = boto3.client("stepfunctions")
        started = time.monotonic()
        execution = client.start_execution(
            stateMachineArn=stack.deployment.physical["Deadline"],
            name="one-hour",
            input='{"wait_seconds": 3600}',
        )["executionArn"]
        while (described := client.describe_execution(executionArn=execution))[
            "status"
        ] == "RUNNING":
            time.sleep(0.1)
        assert described["status"] == "SUCCEEDED", described
        assert time.monotonic() - started < 10  # an hour at 3600x is about a second
        output = __import__("json").loads(described["output"])
        assert output["greeting"] == "hello from local"  # its template environment, Stage=local
        assert output["got"] == {"wait_seconds": 3600}


def test_rate_and_cron_schedules_fire_on_the_compressed_clock_and_on_demand(tmp_path: Path) -> None:
    with LocalStack(FIXTURE, Ports.any_free(), time_factor=3600, work_dir=tmp_path) as stack:
        assert stack.deployment is not None and stack.schedules is not None
        table = stack.deployment.physical["Ticks"]
        fired = stack.schedules.fire("TickFunction")  # each of its schedules, once
        assert [f.ok for f in fired] == [True, True]
        deadline = time.monotonic() + 5
        while (
            boto3.client("dynamodb").scan(TableName=table)["Count"] < 3
            and time.monotonic() < deadline
        ):
            time.sleep(0.1)
        ticks = boto3.client("dynamodb").scan(TableName=table)["Items"]
        assert len(ticks) >= 3  # rate(1 hour) at 3600x fires every second, plus the one on demand
        assert {t["source"]["S"] for t in ticks} == {"aws.events"}
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not any(
            "cron" in t["schedule"]["S"]
            for t in boto3.client("dynamodb").scan(TableName=table)["Items"]
        ):
            time.sleep(0.1)
        schedules = {
            t["schedule"]["S"] for t in boto3.client("dynamodb").scan(TableName=table)["Items"]
        }
        assert "local-schedule:cron(30 * * * ? *)" in schedules  # hourly: a second at 3600x


def test_a_port_in_use_is_a_clear_error_and_starts_nothing() -> None:
    before = {t.name for t in threading.enumerate()}
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = holder.getsockname()[1]
        with pytest.raises(PortInUse, match=f"port {taken}"):
            LocalStack(
                ROOT,
                Ports(aws=0, gateway=taken, slack=0, x=0, vk=0, meta=0, telegram=0),
            ).start()
    assert {t.name for t in threading.enumerate()} <= before


def test_a_second_stack_in_the_same_process_is_refused(tmp_path: Path) -> None:
    with (
        LocalStack(ROOT, Ports.any_free(), work_dir=tmp_path),
        pytest.raises(RuntimeError, match="already running in this process"),
    ):
        LocalStack(ROOT, Ports.any_free(), work_dir=tmp_path).start()


def test_a_failure_while_stopping_still_frees_everything(tmp_path: Path) -> None:
    import sys

    before = set(threading.enumerate())
    stack = LocalStack(ROOT, Ports.any_free(), work_dir=tmp_path).start()

    def interrupted() -> None:
        raise KeyboardInterrupt  # as if Ctrl-C arrived while executions were being stopped

    stack._stop_executions = interrupted  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt):
        stack.stop()
    time.sleep(0.2)
    assert [t for t in threading.enumerate() if t not in before and t.is_alive()] == []
    assert sys.stdout is sys.__stdout__ or "RoutedStdout" not in type(sys.stdout).__name__
    LocalStack(ROOT, Ports.any_free(), work_dir=tmp_path).start().stop()  # the process lock is free
