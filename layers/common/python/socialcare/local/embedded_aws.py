"""The embedded AWS: moto in server mode on 127.0.0.1 (aws-local.md §4).

Everything in this process (our functions, the CLI, moto's own Step Functions
interpreter) talks to it through plain ``boto3`` over HTTP, because ``AWS_ENDPOINT_URL``
points at it: the code under test is the code that runs in Lambda.
"""

import logging
import socket
from dataclasses import dataclass

import requests
from moto.server import ThreadedMotoServer

from socialcare.local.environment import EnvironmentSwap
from socialcare.local.standins import PortInUse

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


@dataclass
class EmbeddedAws:
    port: int = 0
    server: ThreadedMotoServer | None = None
    _environment: EnvironmentSwap | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "EmbeddedAws":
        self.port = ensure_free(self.port, "embedded AWS (moto)")
        environment = FAKE_CREDENTIALS | {
            # moto's Step Functions interpreter calls the other services at localhost:MOTO_PORT.
            "MOTO_PORT": str(self.port),
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_ENDPOINT_URL": self.endpoint,
        }
        self._environment = EnvironmentSwap(environment)
        self._environment.apply()
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self.server.start()
        # moto's backends live in this process: start from nothing, whatever ran before.
        requests.post(f"{self.endpoint}/moto-api/reset", timeout=10).raise_for_status()
        response = requests.post(
            f"{self.endpoint}/moto-api/config",
            json={"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": True}},
            timeout=10,
        )
        response.raise_for_status()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            # moto shuts the server down but leaves its socket open (canary-tested).
            self.server._server.server_close()  # type: ignore[union-attr]
            self.server = None
        if self._environment is not None:
            self._environment.restore()
            self._environment = None
