"""The embedded AWS runs in a process of its own: it starts, answers, says why when it
cannot start, ends with the stack or with a parent that died, and routes Lambda back."""

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
import requests

from socialcare_tools.local.deploy import FunctionSpec
from socialcare_tools.local.embedded_aws import EmbeddedAws, EmbeddedAwsFailed
from socialcare_tools.local.invocations import InvocationEndpoint
from socialcare_tools.local.runtime import LocalRuntime
from tests.conftest import ROOT

pytestmark = pytest.mark.integration


def eventually(check: object, tries: int = 300) -> None:
    for _ in range(tries):
        if check():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError("never reached")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (ended, not yet reaped by its parent) is gone for our purpose.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.fixture
def aws(tmp_path: Path) -> Iterator[EmbeddedAws]:
    running = EmbeddedAws(log_path=tmp_path / "aws.log").start()
    try:
        yield running
    finally:
        running.stop()


def test_it_answers_as_aws_from_its_own_process_and_stop_ends_it(tmp_path: Path) -> None:
    aws = EmbeddedAws(log_path=tmp_path / "aws.log").start()
    assert aws.process is not None
    pid = aws.process.pid
    assert pid != os.getpid()
    queue = boto3.client("sqs").create_queue(QueueName="q")["QueueUrl"]
    assert queue.endswith("/q")
    aws.stop()
    assert not alive(pid)
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{aws.port}/_local/stats", timeout=2)


def test_a_start_that_fails_says_why(tmp_path: Path) -> None:
    with pytest.raises(EmbeddedAwsFailed, match="time factor must be above 0"):
        EmbeddedAws(time_factor=0, log_path=tmp_path / "aws.log").start()


def test_it_ends_when_the_process_that_started_it_dies(tmp_path: Path) -> None:
    script = (
        "import sys, time; from pathlib import Path;"
        "from socialcare_tools.local.embedded_aws import EmbeddedAws;"
        f"aws = EmbeddedAws(log_path=Path({str(tmp_path / 'aws.log')!r})).start();"
        "print(aws.process.pid, flush=True); time.sleep(600)"
    )
    environment = os.environ | {
        "PYTHONPATH": os.pathsep.join(
            [str(ROOT / "layers" / "common" / "python"), str(ROOT / "infra" / "tools"), str(ROOT)]
        )
    }
    parent = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=environment
    )
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    assert alive(child)
    parent.send_signal(signal.SIGKILL)  # no clean stop: only its closed stdin tells the child
    parent.wait()
    eventually(lambda: not alive(child))


def test_its_local_routes_answer_what_no_aws_api_tells(aws: EmbeddedAws) -> None:
    sns = boto3.client("sns")
    topic = sns.create_topic(Name="escalations")["TopicArn"]
    sns.publish(
        TopicArn=topic,
        Subject="overdue",
        Message="a conversation waits",
        MessageAttributes={"kind": {"DataType": "String", "StringValue": "overdue"}},
    )
    sent = requests.get(f"{aws.endpoint}/_local/sns/sent", params={"topic": topic}, timeout=5)
    assert sent.json() == [
        ["overdue", "a conversation waits", {"kind": {"Type": "String", "Value": "overdue"}}]
    ]
    unknown = requests.get(f"{aws.endpoint}/_local/sns/sent", params={"topic": "x"}, timeout=5)
    assert unknown.json() == []
    assert requests.get(f"{aws.endpoint}/_local/nothing", timeout=5).status_code == 404
    bad = requests.post(f"{aws.endpoint}/_local/sqs/in-flight", data=b"{", timeout=5)
    assert bad.status_code == 400 and "error" in bad.json()


def test_an_invocation_from_aws_answers_as_moto_runner_does() -> None:
    functions = {
        "Postpone": FunctionSpec(
            logical_id="Postpone",
            name="postpone-fn",
            code_dir=ROOT / "tests" / "fixtures" / "local_functions",
            handler="handlers.postpone",
            environment={},
            timeout=30,
        )
    }
    endpoint = InvocationEndpoint().start()
    try:
        early = requests.post(f"{endpoint.url}/invoke/postpone-fn", data=b"{}", timeout=5)
        assert early.json()[1] is True  # before the runtime is loaded: an error, not a hang
        endpoint.runtime = LocalRuntime(functions)
        failed = requests.post(
            f"{endpoint.url}/invoke/postpone-fn", data=b'{"Records": []}', timeout=30
        ).json()
        payload, errored, logs = failed
        assert errored is True and "the platform said: later" in logs
        assert json.loads(payload)["errorType"] == "RuntimeError"
        missing = requests.post(f"{endpoint.url}/invoke/nobody", data=b"{}", timeout=5).json()
        assert missing[1] is True and "no local function nobody" in missing[0]
        garbled = requests.post(f"{endpoint.url}/invoke/postpone-fn", data=b"{", timeout=5)
        assert garbled.json()[1] is True  # an event that is not JSON: the invocation's error
    finally:
        endpoint.stop()
        if endpoint.runtime is not None:
            endpoint.runtime.close()
