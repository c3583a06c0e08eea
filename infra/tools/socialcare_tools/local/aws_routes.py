"""What the local stack reads from the embedded AWS that no AWS API answers, served beside
moto's own routes under ``/_local/`` (no AWS path starts so: not a valid bucket name).

- ``POST /_local/sqs/in-flight`` ``{"queue_url", "receipt_handles"}``: when each received
  message becomes visible again (epoch ms, or null), so the local event source mapping sees
  whether the function moved it (ChangeMessageVisibility), as on SQS.
- ``GET /_local/sns/sent?topic=ARN``: what SNS delivered on a topic (subject, message,
  attributes), for the CLI's view of what managers were e-mailed.
- ``GET /_local/stats``: the Step Functions scheduler's parked executions and the process's
  threads, for tests that check an execution in a Wait holds no thread.
"""

import json
import threading
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.sns.models import sns_backends
from moto.sqs.models import sqs_backends

from socialcare_tools.local import parked_waits

StartResponse = Callable[..., Any]
PREFIX = "/_local/"


def in_flight_until(queue_url: str, region: str, receipt_handles: list[str]) -> dict[str, float]:
    account, name = queue_url.rstrip("/").split("/")[-2:]
    try:
        queue = sqs_backends[account][region].get_queue(name)
    except Exception:
        return {}
    wanted = set(receipt_handles)
    return {
        m.receipt_handle: float(m.visible_at)
        for m in list(queue._messages)
        if m.receipt_handle in wanted
    }


def sent_on_topic(topic_arn: str) -> list[list[Any]]:
    region = topic_arn.split(":")[3] if topic_arn.count(":") >= 5 else ""
    topic = sns_backends[DEFAULT_ACCOUNT_ID][region].topics.get(topic_arn) if region else None
    if topic is None:
        return []
    return [[n[2], n[1], n[3] or {}] for n in topic.sent_notifications]


class LocalRoutes:
    """WSGI: ``/_local/`` here, everything else to moto."""

    def __init__(self, moto_app: Callable[[dict[str, Any], StartResponse], Iterable[bytes]]):
        self.moto_app = moto_app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if not path.startswith(PREFIX):
            return self.moto_app(environ, start_response)
        try:
            status, answer = self._answer(path[len(PREFIX) :], environ)
        except (ValueError, KeyError, TypeError) as exc:
            status, answer = "400 Bad Request", {"error": str(exc)}
        body = json.dumps(answer).encode()
        start_response(
            status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        )
        return [body]

    def _answer(self, route: str, environ: dict[str, Any]) -> tuple[str, Any]:
        if route == "sqs/in-flight" and environ["REQUEST_METHOD"] == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            asked = json.loads(environ["wsgi.input"].read(length))
            region = asked.get("region", "eu-west-1")
            return "200 OK", in_flight_until(asked["queue_url"], region, asked["receipt_handles"])
        query = parse_qs(environ.get("QUERY_STRING", ""))
        if route == "sns/sent":
            return "200 OK", sent_on_topic(query["topic"][0])
        if route == "stats":
            return "200 OK", {
                "parked": parked_waits.SCHEDULER.parked,
                "threads": threading.active_count(),
            }
        return "404 Not Found", {"error": f"no local route {route}"}
