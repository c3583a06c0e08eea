"""A queue consumer's own process: the SQS pollers of a function a queue triggers (classify,
the desk thread, the send function, the escalation digest) and the function they invoke.

Why a process of its own: Lambda runs every function in execution environments of its own,
each with its own CPU. In one interpreter, the gateway's functions, the invocations the
embedded AWS makes and every queue consumer took turns on one interpreter lock: in a burst
that process was saturated (one core) while the machine had more, and with the consumers
together in a second one, classify waited on the desk thread. A queue consumer shares
nothing with the rest but the AWS it talks to, so each runs here, in an interpreter of its
own, with its own local runtime (socialcare_tools.local.runtime) and its function's log.
Run by ``ConsumerProcess`` as ``python -m socialcare_tools.local.consumer_process``; not
meant to be started by hand.

Protocol with the parent: the parent writes one line on stdin, the functions' specs (pickled,
base64: the parent deployed them and set their environment); this process loads every
handler, starts the pollers and answers ``READY`` on stdout; it ends, stopping its pollers
first, when its stdin closes (the parent stopped, or died).
"""

import argparse
import base64
import logging
import os
import pickle
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import socialcare
import socialcare_tools
from socialcare_tools.local.child_process import end, first_line
from socialcare_tools.local.deploy import FunctionSpec
from socialcare_tools.local.logs import FunctionLogs
from socialcare_tools.local.pollers import SqsPoller, pollers_for
from socialcare_tools.local.runtime import LocalRuntime

STARTUP_SECONDS = 120.0


class ConsumersFailed(RuntimeError):
    """The consumers' process did not start (its log says why)."""


def consumers(functions: dict[str, FunctionSpec]) -> dict[str, FunctionSpec]:
    """The functions an SQS queue triggers."""
    return {logical_id: spec for logical_id, spec in functions.items() if spec.queues}


def run(functions: dict[str, FunctionSpec], logs_dir: Path, time_factor: float) -> None:
    # stdout carries READY only: the parent reads nothing after it, so what is not a
    # function's output goes to stderr (the consumers' log), never to a pipe that can fill.
    ready, sys.stdout = sys.stdout, sys.stderr
    logs = FunctionLogs(logs_dir)
    logs.install()
    runtime = LocalRuntime(functions, logs)
    for spec in functions.values():
        runtime.handler(spec)  # a broken function fails the start, as in the parent
    pollers: list[SqsPoller] = []
    for logical_id, spec in runtime.functions.items():
        for source in spec.queues:
            pollers += pollers_for(runtime, logical_id, source, time_factor)
    print("READY", file=ready, flush=True)
    sys.stdin.read()  # until the parent closes it
    with ThreadPoolExecutor(max(1, len(pollers))) as stopping:  # each ends its long poll
        list(stopping.map(SqsPoller.stop, pollers))
    runtime.close()
    logs.uninstall()


@dataclass
class ConsumerProcess:
    """The parent's handle on the consumers' process."""

    functions: dict[str, FunctionSpec]
    logs_dir: Path
    time_factor: float
    process: "subprocess.Popen[bytes] | None" = None

    @property
    def log_path(self) -> Path:
        return self.logs_dir / f"consumer-{'-'.join(sorted(self.functions))}.log"

    def spawn(self) -> "ConsumerProcess":
        """Started, not yet ready: ``wait_until_ready`` (the parent loads its own meanwhile)."""
        roots = [str(Path(m.__path__[0]).resolve().parent) for m in (socialcare, socialcare_tools)]
        python_path = os.pathsep.join(p for p in (*roots, os.environ.get("PYTHONPATH", "")) if p)
        command = [sys.executable, "-m", "socialcare_tools.local.consumer_process"]
        command += ["--logs", str(self.logs_dir), "--time-factor", repr(self.time_factor)]
        self.logs_dir.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("a", encoding="utf-8") as errors:
            self.process = subprocess.Popen(  # noqa: S603 - this interpreter, our module
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errors,
                env=os.environ | {"PYTHONPATH": python_path},
            )
        assert self.process.stdin is not None
        self.process.stdin.write(base64.b64encode(pickle.dumps(self.functions)) + b"\n")
        self.process.stdin.flush()
        return self

    def wait_until_ready(self) -> "ConsumerProcess":
        assert self.process is not None
        if not first_line(self.process, STARTUP_SECONDS).startswith("READY"):
            self.stop()
            tail = self.log_path.read_text(errors="replace")[-2000:]
            raise ConsumersFailed(f"the queue consumers did not start:\n{tail}")
        return self

    def ask_to_stop(self) -> None:
        """Closing its stdin ends it: its pollers finish the batch they hold, then stop."""
        if self.process is not None and self.process.stdin is not None:
            self.process.stdin.close()

    def stop(self) -> None:
        """Asked to stop, and waited for (killed if it does not end in 30 s)."""
        if self.process is not None:
            end(self.process, 30)
            self.process = None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="the local stack's queue consumers")
    parser.add_argument("--logs", required=True, help="the function logs' folder")
    parser.add_argument("--time-factor", type=float, default=1.0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    functions = pickle.loads(base64.b64decode(sys.stdin.buffer.readline()))  # noqa: S301
    run(functions, Path(args.logs), args.time_factor)


if __name__ == "__main__":
    main()
