"""Where the embedded AWS invokes our functions: an HTTP endpoint on 127.0.0.1 in the
functions' process. moto's Lambda would run a function in Docker; the embedded AWS's process
POSTs the event here instead (socialcare_tools.local.aws_process), and the local runtime runs it.

``POST /invoke/<function name>`` with the event as the body answers
``[payload, errored, logs]``, what moto's runner returns.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from socialcare_tools.local.runtime import LocalRuntime


class InvocationEndpoint:
    def __init__(self) -> None:
        self.runtime: LocalRuntime | None = None  # set once the functions are loaded
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                name = self.path.removeprefix("/invoke/")
                event = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                body = json.dumps(endpoint.invoke(name, event)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: Any) -> None:  # the function logs say what ran
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, name="invocations", daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def invoke(self, function_name: str, event: bytes) -> tuple[str, bool, str]:
        if self.runtime is None:
            message = f"the local runtime is not loaded yet ({function_name})"
            return json.dumps({"errorMessage": message}), True, ""
        try:
            return self.runtime.invoke_from_aws(function_name, event)
        except Exception as exc:  # a bad event is the invocation's error, not a dropped socket
            error = f"{type(exc).__name__}: {exc}"
            return (
                json.dumps({"errorType": type(exc).__name__, "errorMessage": str(exc)}),
                True,
                error,
            )

    def start(self) -> "InvocationEndpoint":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
