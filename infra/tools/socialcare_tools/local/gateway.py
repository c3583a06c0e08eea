"""A local HTTP API: the template's routes, served on 127.0.0.1, as API Gateway (payload
format 2.0) would hand them to Lambda: lower-cased headers, raw query string, the body
as received (base64 when it is not UTF-8 text), path parameters from ``{name}`` routes.
"""

import base64
import re
import threading
from collections.abc import Iterable
from typing import Any

from werkzeug.routing import Map, Rule
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from socialcare_tools.apigw import http_event
from socialcare_tools.local.embedded_aws import ensure_free
from socialcare_tools.local.keep_alive import KeepAliveRequestHandler
from socialcare_tools.local.runtime import LocalRuntime

PAYLOAD_LIMIT = 10 * 1024 * 1024  # API Gateway HTTP APIs refuse larger bodies


def _rule(path: str) -> str:
    return re.sub(r"\{(\w+)\+?\}", r"<\1>", path)


class LocalGateway:
    def __init__(self, runtime: LocalRuntime, port: int = 0) -> None:
        self.runtime = runtime
        self.port = port
        self.server: BaseWSGIServer | None = None
        self.thread: threading.Thread | None = None
        rules = []
        for spec in runtime.functions.values():
            for route in spec.routes:
                methods = None if route.method == "ANY" else [route.method]
                rules.append(
                    Rule(_rule(route.path), methods=methods, endpoint=(spec.logical_id, route))
                )
        self.routes = Map(rules)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @staticmethod
    def event(request: Request, route: Any, path_parameters: Any) -> dict[str, Any]:
        raw = request.get_data(cache=False)
        try:
            raw.decode("utf-8")
            binary = False
        except UnicodeDecodeError:
            binary = True  # API Gateway hands a non-text body over base64-encoded
        return http_event(
            request.method,
            request.path,
            raw or None,
            dict(request.headers.items()),
            request.query_string.decode("latin-1"),
            base64_body=binary,
            route_key=f"{route.method} {route.path}",
            path_parameters=path_parameters or None,
            source_ip=request.remote_addr or "127.0.0.1",
            domain=request.host,
        )

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        try:
            (logical_id, route), parameters = self.routes.bind_to_environ(environ).match()
        except Exception:
            return Response('{"message":"Not Found"}', 404, content_type="application/json")(
                environ, start_response
            )
        if (request.content_length or 0) > PAYLOAD_LIMIT:
            return Response('{"message":"Request Entity Too Large"}', 413)(environ, start_response)
        outcome = self.runtime.invoke(logical_id, self.event(request, route, parameters))
        if not outcome.ok or not isinstance(outcome.result, dict):
            # What API Gateway answers when the integration fails.
            return Response(
                '{"message":"Internal Server Error"}', 500, content_type="application/json"
            )(environ, start_response)
        result = outcome.result
        body = result.get("body") or ""
        data = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
        response = Response(data, status=int(result.get("statusCode", 200)))
        for name, value in (result.get("headers") or {}).items():
            response.headers[name] = str(value)
        for cookie in result.get("cookies") or []:
            response.headers.add("Set-Cookie", cookie)
        return response(environ, start_response)

    def start(self) -> "LocalGateway":
        self.port = ensure_free(self.port, "local HTTP gateway")
        # Kept connections, as API Gateway keeps them: a platform posting a burst does not
        # pay a TCP connection (and the server a thread) per webhook.
        self.server = make_server(
            "127.0.0.1", self.port, self, threaded=True, request_handler=KeepAliveRequestHandler
        )
        self.thread = threading.Thread(
            target=self.server.serve_forever, name="socialcare-gateway", daemon=True
        )
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
        if self.thread is not None:
            self.thread.join(timeout=5)
        self.server = self.thread = None
