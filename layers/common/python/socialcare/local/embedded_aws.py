"""The embedded AWS: moto in server mode on 127.0.0.1 (aws-local.md §4).

Everything in this process (our functions, the CLI, moto's own Step Functions
interpreter) talks to it through plain ``boto3`` over HTTP, because ``AWS_ENDPOINT_URL``
points at it: the code under test is the code that runs in Lambda.
"""

import logging
import os
import socket
from dataclasses import dataclass

import requests
from moto.server import ThreadedMotoServer

REGION = "eu-west-1"
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_SESSION_TOKEN": "local",
}


class PortInUseError(Exception):
    def __init__(self, port: int, service: str) -> None:
        super().__init__(
            f"port {port} on 127.0.0.1 is in use, so the {service} cannot start; "
            f"stop what uses it or choose another port (see `socialcare local --help`)"
        )
        self.port, self.service = port, service


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
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            raise PortInUseError(port, service) from None
    return port


@dataclass
class EmbeddedAws:
    port: int = 0
    server: ThreadedMotoServer | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "EmbeddedAws":
        self.port = ensure_free(self.port, "embedded AWS (moto)")
        # moto's Step Functions interpreter calls the other services at localhost:MOTO_PORT.
        os.environ["MOTO_PORT"] = str(self.port)
        os.environ.update(FAKE_CREDENTIALS)
        os.environ["AWS_DEFAULT_REGION"] = os.environ["AWS_REGION"] = REGION
        os.environ["AWS_ENDPOINT_URL"] = self.endpoint
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self.server.start()
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
            self.server = None
        for name in ("AWS_ENDPOINT_URL", "MOTO_PORT"):
            os.environ.pop(name, None)
