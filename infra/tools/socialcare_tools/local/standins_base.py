"""What every stand-in shares: the call recorder, scripted failures and the WSGI plumbing.

A stand-in is a WSGI application that answers like one outside API (Slack, X, VK). The
app under test reaches it through the real client library over HTTP, so what we record
is what the library really put on the wire, and what we answer is what the library
really parses (errors included).
"""

import copy
import json
import threading
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from socialcare.clock import utc_now

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

Json = dict[str, Any]


@dataclass(frozen=True)
class Reply:
    """One HTTP answer. ``duplicate`` marks a call the platform deduplicated (VK)."""

    body: Json
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    duplicate: bool = False

    def to_response(self) -> Response:
        return Response(
            json.dumps(self.body, ensure_ascii=False),
            status=_status_line(self.status),
            headers=self.headers,
            mimetype="application/json",
        )


def _status_line(code: int) -> str:
    """``"403 Forbidden"`` as the platforms send it (werkzeug would say ``403 FORBIDDEN``),
    because tweepy puts the reason phrase into its exception messages."""
    try:
        return f"{code} {HTTPStatus(code).phrase}"
    except ValueError:
        return f"{code} Unknown"


class Recorder:
    """Every call the stand-ins answered, in arrival order; shared by all stand-ins.

    Records are plain JSON-able dicts so another process can read them via ``/_calls``:
    ``service``, ``method``, ``params``, ``at`` (ISO time), ``response`` (the body),
    ``status`` (HTTP status) and ``duplicate``.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: list[Json] = []

    def record(self, service: str, method: str, params: Json, reply: Reply) -> None:
        entry = {
            "service": service,
            "method": method,
            "params": params,
            "at": utc_now().isoformat(),
            "response": reply.body,
            "status": reply.status,
            "duplicate": reply.duplicate,
        }
        with self._lock:
            self._calls.append(copy.deepcopy(entry))

    def calls(self, service: str | None = None) -> list[Json]:
        """A copy, so a reader can never see (or cause) a half-updated record."""
        with self._lock:
            chosen = [c for c in self._calls if service is None or c["service"] == service]
            return copy.deepcopy(chosen)

    def clear(self, service: str | None = None) -> None:
        with self._lock:
            self._calls = [
                c for c in self._calls if service is not None and c["service"] != service
            ]


class FailureScript:
    """Canned answers for the next N calls of a method, consumed in order."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queued: dict[str, deque[Reply]] = {}

    def add(self, method: str, reply: Reply, times: int = 1) -> None:
        with self._lock:
            self._queued.setdefault(method, deque()).extend([reply] * times)

    def take(self, method: str) -> Reply | None:
        with self._lock:
            queue = self._queued.get(method)
            return queue.popleft() if queue else None

    def clear(self) -> None:
        with self._lock:
            self._queued.clear()


class StandIn(ABC):
    """Base WSGI app: ``/_calls`` and ``/_fail`` for other processes, then the API itself.

    Subclasses implement ``parse`` (request -> method name and recorded params) and
    ``dispatch`` (the API's answer). Scripted failures win over the normal answer, so a
    test can make any endpoint fail without knowing its validation rules.
    """

    service = ""

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder
        self.failures = FailureScript()
        self.lock = threading.Lock()  # guards the subclass's fake platform state

    @abstractmethod
    def parse(self, request: Request) -> tuple[str, Json]:
        """The API method this request calls, and the parameters to record."""

    @abstractmethod
    def dispatch(self, method: str, params: Json, request: Request) -> Reply:
        """The platform's answer to that call."""

    def __call__(
        self, environ: "WSGIEnvironment", start_response: "StartResponse"
    ) -> Iterable[bytes]:
        response = self._serve(Request(environ))
        return response(environ, start_response)

    def _serve(self, request: Request) -> Response:
        if request.path == "/_calls":
            return self._calls_endpoint(request)
        if request.path == "/_fail" and request.method == "POST":
            return self._fail_endpoint(request)
        method, params = self.parse(request)
        reply = self.failures.take(method) or self.dispatch(method, params, request)
        self.recorder.record(self.service, method, params, reply)
        return reply.to_response()

    def _calls_endpoint(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.recorder.clear(self.service)
        return Reply({"calls": self.recorder.calls(self.service)}).to_response()

    def _fail_endpoint(self, request: Request) -> Response:
        """``{"method", "status", "body", "headers"?, "times"?}``: a raw scripted reply."""
        spec = request.get_json(silent=True) or {}
        if not isinstance(spec.get("method"), str) or not isinstance(spec.get("body"), dict):
            return Reply({"error": "need method (str) and body (object)"}, 400).to_response()
        reply = Reply(spec["body"], int(spec.get("status", 200)), dict(spec.get("headers", {})))
        self.failures.add(spec["method"], reply, int(spec.get("times", 1)))
        return Reply({"ok": True}).to_response()


def json_body(request: Request) -> Json:
    """The request's JSON object, or ``{}`` when the body is absent or not an object."""
    body = request.get_json(silent=True, force=True) if request.content_length else None
    return body if isinstance(body, dict) else {}
