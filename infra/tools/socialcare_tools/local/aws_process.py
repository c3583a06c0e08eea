"""The embedded AWS's own process: moto's server, our fixes to moto, and Lambda routed back
to the functions' process.

Why a process of its own: moto is pure Python. In the functions' process, every request moto
served and every line of our functions took turns on one interpreter lock, one core of the
machine; a burst kept that core busy and left the other idle. Here the emulator has a core
(and an interpreter) of its own, as AWS runs beside Lambda, not inside it. Run by
``EmbeddedAws`` as ``python -m socialcare_tools.local.aws_process``; not meant to be started
by hand.

Protocol with the parent: one line ``READY <port>`` on stdout once the server listens; the
process ends when its stdin closes (the parent stopped, or died), after stopping what runs.
Lambda invocations that moto makes (Step Functions tasks, SNS, the Invoke API) are POSTed to
the parent's invocation endpoint (``--invoke-url``), which runs them in the local runtime.
"""

import argparse
import json
import logging
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import urllib3
from moto.awslambda.models import LambdaFunction
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server

from socialcare_tools.local import moto_patches, parked_waits
from socialcare_tools.local.aws_routes import LocalRoutes
from socialcare_tools.local.keep_alive import KeepAliveRequestHandler
from socialcare_tools.local.moto_direct import DirectJsonApis

REGION = "eu-west-1"
EVENT_WORKERS = 4  # asynchronous (Event) invocations forwarded at once, as the runtime's pool


def forward_invocations(invoke_url: str) -> None:
    """moto's Lambda runs a function in Docker; here it asks the functions' process."""
    pool = urllib3.PoolManager(maxsize=32)

    def invoke(function: Any, event: str | bytes | dict[str, Any] | None = None) -> Any:
        body = event if isinstance(event, (str, bytes)) else json.dumps(event or {})
        response = pool.request(
            "POST",
            f"{invoke_url}/invoke/{function.function_name}",
            body=body,
            headers={"Content-Type": "application/json"},
            # The function's own timeout bounds it in the runtime; this only ends a wait on
            # a parent that stopped answering.
            timeout=urllib3.Timeout(connect=5, read=float(function.timeout or 3) + 30),
            retries=False,
        )
        payload, errored, logs = json.loads(response.data)
        return payload, errored, logs

    LambdaFunction._invoke_lambda = invoke  # type: ignore[method-assign, assignment]
    events = ThreadPoolExecutor(EVENT_WORKERS, thread_name_prefix="lambda-event")

    def run_event(invocation: Callable[[], None]) -> None:
        events.submit(invocation)

    moto_patches.run_event_invocations_with(run_event)


def serve(port: int, time_factor: float, invoke_url: str) -> None:
    moto_patches.install()
    moto_patches.compress_waits(time_factor)
    parked_waits.install()
    if invoke_url:
        forward_invocations(invoke_url)
    app = LocalRoutes(DirectJsonApis(DomainDispatcherApplication(create_backend_app)))
    server = make_server("127.0.0.1", port, app, True, request_handler=KeepAliveRequestHandler)
    port = server.server_port
    endpoint = f"http://127.0.0.1:{port}"
    # moto's Step Functions calls Lambda at localhost:MOTO_PORT with boto3.
    os.environ.update({"MOTO_PORT": str(port), "AWS_ENDPOINT_URL": endpoint})
    thread = threading.Thread(target=server.serve_forever, name="aws-server", daemon=True)
    thread.start()
    print(f"READY {port}", flush=True)
    sys.stdin.read()  # until the parent closes it: a parent that dies takes us with it
    parked_waits.uninstall()
    server.shutdown()
    server.server_close()


def positive(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"the time factor must be above 0, not {text}")
    return value


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="the local stack's embedded AWS")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--time-factor", type=positive, default=1.0)
    parser.add_argument("--invoke-url", default="", help="none: Lambda is moto's own")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_SESSION_TOKEN": "local",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
        }
    )
    serve(args.port, args.time_factor, args.invoke_url)


if __name__ == "__main__":
    main()
