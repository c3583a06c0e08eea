"""HTTP/1.1 keep-alive for the embedded AWS's server.

werkzeug's development server ends every response with ``Connection: close``: after each
answer it drains whatever is left on the socket, which would swallow the next request of a
kept connection. So every boto3 call to the embedded AWS opened a TCP connection, and the
server started a thread for it: about a fifth of both processes' time in a burst went to
socket set-up and tear-down.

A request that says how long its body is (every AWS SDK request does) is read to exactly
that length, answered with its own ``Content-Length`` in one write, and the connection stays
open for the client's next request, with its thread. A request without a length (chunked,
or none on a method with a body) is served by werkzeug as before and then closed.
"""

import io
import logging
from typing import Any

from moto.moto_server.werkzeug_app import MotoRequestHandler

LOG = logging.getLogger("socialcare_tools.local.aws")
_BODYLESS_STATUSES = (204, 304)
FAILED = b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


class KeepAliveRequestHandler(MotoRequestHandler):
    protocol_version = "HTTP/1.1"
    # A body is read into memory before the app sees it; a larger one (never an AWS call or
    # a webhook: API Gateway refuses 10 MB) is left to werkzeug's streaming and closed.
    max_kept_body = 16 * 1024 * 1024

    def run_wsgi(self) -> None:
        length = self._body_length()
        if length is None or length > self.max_kept_body:
            self.close_connection = True
            super().run_wsgi()  # werkzeug's drain and close: the body's end is unknown
            return
        if self.headers.get("Expect", "").lower().strip(" \t") == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        body = self.rfile.read(length) if length else b""
        self.environ = environ = self.make_environ()
        environ["wsgi.input"] = io.BytesIO(body)
        answer: dict[str, Any] = {}

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Any:
            answer["status"], answer["headers"] = status, headers
            return lambda data: answer.setdefault("written", []).append(data)

        try:
            chunks = self.server.app(environ, start_response)
            try:
                content = b"".join([*answer.get("written", []), *chunks])
            finally:
                if hasattr(chunks, "close"):
                    chunks.close()
        except Exception:  # the server answers 500 and stays up, as werkzeug does
            LOG.exception("the embedded AWS failed on %s %s", self.command, self.path)
            self.close_connection = True
            self.wfile.write(FAILED)
            return
        self.wfile.write(self._response(answer["status"], answer["headers"], content))

    def _body_length(self) -> int | None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return None
        declared = self.headers.get("Content-Length")
        if declared is None:
            return None if self.command in ("POST", "PUT", "PATCH") else 0
        try:
            length = int(declared)
        except ValueError:
            return None
        return length if length >= 0 else None

    def _response(self, status: str, headers: list[tuple[str, str]], content: bytes) -> bytes:
        code = int(status.split(None, 1)[0])
        head = self.command == "HEAD"
        sized = head or 100 <= code < 200 or code in _BODYLESS_STATUSES
        kept = [
            (k, v)
            for k, v in headers
            if k.lower() not in ("connection", "transfer-encoding")
            and (sized or k.lower() != "content-length")
        ]
        if not sized:
            kept.append(("Content-Length", str(len(content))))
        if self.close_connection:
            kept.append(("Connection", "close"))
        lines = [f"HTTP/1.1 {status}", *(f"{k}: {v}" for k, v in kept), "", ""]
        payload = b"" if head or code in _BODYLESS_STATUSES else content
        return "\r\n".join(lines).encode("latin-1") + payload
