"""The embedded AWS: moto in server mode on 127.0.0.1, in a process of its own.

Everything in this process (our functions, the CLI, the benches) talks to it through plain
``boto3`` over HTTP, because ``AWS_ENDPOINT_URL`` points at it: the code under test is the
code that runs in Lambda. Its process starts from empty backends, with moto's Step
Functions executing state machines and its Lambda routed to ``invoke_url``.
"""

import os
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import requests

import socialcare
import socialcare_tools
from socialcare_tools.local.child_process import end, first_line
from socialcare_tools.local.environment import EnvironmentSwap
from socialcare_tools.local.standins import PortInUse

REGION = "eu-west-1"
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_SESSION_TOKEN": "local",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def ensure_free(port: int, service: str) -> int:
    """Port 0 picks a free one; a taken port is a clear error, not a traceback."""
    if port == 0:
        return free_port()
    with socket.socket() as probe:
        # As a server binds: connections of a stack stopped a moment ago (TIME_WAIT) are
        # no reason to refuse the port, only a listener is.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            raise PortInUse(port, service) from None
    return port


STARTUP_SECONDS = 60.0  # importing moto and binding, on a slow machine under load


class EmbeddedAwsFailed(RuntimeError):
    """The embedded AWS's process did not come up; the message carries its last output."""


@dataclass
class EmbeddedAws:
    """moto in a process of its own (socialcare_tools.local.aws_process); this process talks to it
    over HTTP like any AWS client. ``invoke_url``: where it sends Lambda invocations (the
    local stack's invocation endpoint); without one, nothing here can be invoked."""

    port: int = 0
    time_factor: float = 1.0
    invoke_url: str = ""
    log_path: Path | None = None  # its stderr; default: a temporary file
    process: subprocess.Popen[str] | None = None
    _environment: EnvironmentSwap | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "EmbeddedAws":
        if self.port:
            ensure_free(self.port, "embedded AWS (moto)")
        self.process = self._spawn()
        self.port = self._wait_until_ready(self.process)
        environment = FAKE_CREDENTIALS | {
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_ENDPOINT_URL": self.endpoint,
        }
        self._environment = EnvironmentSwap(environment)
        self._environment.apply()
        response = requests.post(
            f"{self.endpoint}/moto-api/config",
            json={"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": True}},
            timeout=10,
        )
        response.raise_for_status()
        return self

    def _spawn(self) -> "subprocess.Popen[str]":
        log = self.log_path or Path(tempfile.mkstemp(prefix="embedded-aws-", suffix=".log")[1])
        log.parent.mkdir(parents=True, exist_ok=True)
        self.log_path = log
        # the runtime package and the tools beside it, wherever this process found them
        roots = [str(Path(m.__path__[0]).resolve().parent) for m in (socialcare, socialcare_tools)]
        python_path = os.pathsep.join(p for p in (*roots, os.environ.get("PYTHONPATH", "")) if p)
        command = [
            sys.executable,
            "-m",
            "socialcare_tools.local.aws_process",
            "--port",
            str(self.port),
        ]
        command += ["--time-factor", repr(self.time_factor)]
        if self.invoke_url:
            command += ["--invoke-url", self.invoke_url]
        with log.open("a", encoding="utf-8") as errors:
            return subprocess.Popen(  # noqa: S603 - this interpreter, our module, our arguments
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errors,
                text=True,
                env=os.environ | {"PYTHONPATH": python_path},
            )

    def _wait_until_ready(self, process: "subprocess.Popen[str]") -> int:
        line = first_line(process, STARTUP_SECONDS)
        if not line.startswith("READY "):
            self.stop()
            tail = self.log_path.read_text(errors="replace")[-2000:] if self.log_path else ""
            raise EmbeddedAwsFailed(f"the embedded AWS did not start:\n{tail}")
        return int(line.split()[1])

    def stop(self) -> None:
        """Closing its stdin ends it (it stops its executions' scheduler and its server)."""
        if self.process is not None:
            end(self.process, 10)
            self.process = None
        if self._environment is not None:
            self._environment.restore()
            self._environment = None
