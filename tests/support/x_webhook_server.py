"""The X ingest function's real handler behind an HTTP port, so the X stand-in's CRC calls
reach it as X's reach API Gateway (fixtures ``x_webhook`` and ``x_standin``)."""

import base64
import threading
from typing import Any

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from functions.ingest_x import app as ingest_x
from socialcare.services.x_webhook import XWebhookDeps
from socialcare_tools.apigw import http_event
from tests.conftest import LambdaContext


class Webhook:
    """The X ingest function's handler behind a real HTTP port, as API Gateway would call it."""

    def __init__(self, deps: XWebhookDeps) -> None:
        self.deps = deps
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.port}/webhooks/x"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def app(self, environ: Any, start_response: Any) -> Any:
        request = Request(environ)
        event = http_event(
            request.method,
            request.path,
            request.get_data() or None,
            dict(request.headers.items()),
            request.query_string.decode("latin-1"),
        )
        answer = ingest_x.lambda_handler(event, LambdaContext(), deps=self.deps)  # type: ignore[arg-type]
        body = answer.get("body", "")
        raw = base64.b64decode(body) if answer.get("isBase64Encoded") else body.encode()
        response = Response(raw, status=answer["statusCode"], headers=answer.get("headers", {}))
        return response(environ, start_response)
