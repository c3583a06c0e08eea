"""The queue consumers' own processes: a broken consumer fails the start with its error, and
stopping the stack ends them."""

from pathlib import Path

import pytest

from socialcare_tools.local.consumer_process import ConsumerProcess, ConsumersFailed
from socialcare_tools.local.deploy import FunctionSpec, QueueSource
from socialcare_tools.local.stack import LocalStack, Ports
from tests.conftest import ROOT

pytestmark = pytest.mark.integration


def test_a_consumer_that_cannot_load_fails_the_start_with_its_error(tmp_path: Path) -> None:
    code = tmp_path / "broken"
    code.mkdir()
    (code / "app.py").write_text("raise RuntimeError('the handler is broken on purpose')\n")
    spec = FunctionSpec(
        logical_id="BrokenFunction",
        name="broken",
        code_dir=code,
        handler="app.lambda_handler",
        environment={},
        timeout=3,
        queues=[QueueSource("Q", "http://127.0.0.1:9/queue/q", 10, True, 30)],
    )
    consumers = ConsumerProcess({"BrokenFunction": spec}, tmp_path / "logs", 1.0).spawn()
    with pytest.raises(ConsumersFailed, match="broken on purpose"):
        consumers.wait_until_ready()
    assert consumers.process is None  # stopped, nothing left running


def test_stopping_the_stack_ends_every_consumers_process(tmp_path: Path) -> None:
    stack = LocalStack(ROOT, Ports.any_free(), work_dir=tmp_path).start()
    processes = [c.process for c in stack.consumers]
    assert processes and all(p is not None and p.poll() is None for p in processes)
    stack.stop()
    assert [p.poll() for p in processes if p is not None] == [0] * len(processes)  # not killed
