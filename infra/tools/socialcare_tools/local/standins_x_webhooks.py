"""The X stand-in's webhook and X Activity API subscription endpoints (``/2/webhooks``,
``/2/activity/subscriptions``), as ``adapters.x_admin`` documents them.

Like X, registering or revalidating a webhook really calls the webhook's URL with a random
``crc_token`` and checks the ``response_token`` (HMAC-SHA256 with the app's consumer
secret). Unlike X it accepts ``http://127.0.0.1:<port>`` URLs, so the local stack can be
registered. Authorization is checked by kind: ``Bearer <app token>`` for webhooks and
public events, ``Bearer <the account's OAuth 2.0 user token>`` for private events, as
``XWebhookAdmin.tokens`` knows them (the local values of ``devtools.local_secrets``).
"""

import base64
import secrets
import threading
from datetime import UTC, datetime
from typing import Any

import requests  # type: ignore[import-untyped, unused-ignore]
from werkzeug.wrappers import Request

from socialcare.platforms.x.signature import sign
from socialcare_tools import local_secrets as local
from socialcare_tools.local.standins_base import Json, Reply, json_body

WEBHOOKS = "/2/webhooks"
SUBSCRIPTIONS = "/2/activity/subscriptions"
# Private per the changelog of 2026-07-06 and the introduction's table; every other event
# type is public here.
PRIVATE_EVENTS = frozenset(
    {
        "post.mention.create",
        "post.reply.create",
        "post.quote.create",
        "post.repost.create",
        "dm.received",
        "dm.sent",
        "dm.read",
        "dm.indicate_typing",
        "chat.received",
        "chat.sent",
    }
)
CRC_TIMEOUT_SECONDS = 3.0  # X's limit for the answer


_NOT_FOUND = Reply({"errors": [{"message": "Sorry, that page does not exist", "code": 34}]}, 404)


def _problem(status: int, title: str, detail: str) -> Reply:
    body = {"title": title, "detail": detail, "type": "about:blank", "status": status}
    return Reply(body, status)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


class XWebhookAdmin:
    """The state and answers of the endpoints above; ``XStandIn`` hands requests here."""

    def __init__(self, next_id: Any, lock: Any) -> None:
        self._next_id = next_id  # the stand-in's snowflake-sized id source
        self._lock = lock
        self.consumer_secret = local.X_CONSUMER_SECRET
        self.app_token = local.X_BEARER_TOKEN
        self.user_tokens: dict[str, str] = dict(local.X_USER_TOKENS)  # token -> user id
        self.webhooks: dict[str, Json] = {}
        self.subscriptions: dict[str, Json] = {}
        self.crc_checks: list[tuple[str, bool]] = []  # (url, passed), in order
        self._pending: list[threading.Thread] = []

    # test hooks

    def invalidate(self, webhook_id: str) -> None:
        """As X does after a failed hourly CRC: the webhook turns invalid."""
        with self._lock:
            self.webhooks[webhook_id]["valid"] = False

    # routing

    def handles(self, request: Request) -> bool:
        # The replay endpoint lives under /2/webhooks but belongs to the timeline's stand-in.
        if request.path.rstrip("/") == f"{WEBHOOKS}/replay":
            return False
        return request.path.startswith((WEBHOOKS, SUBSCRIPTIONS))

    def endpoint(self, request: Request) -> str:
        """A stable name for the recorder: ``PUT /2/webhooks/:webhook_id`` and so on."""
        path = request.path.rstrip("/")
        for base, name in ((WEBHOOKS, ":webhook_id"), (SUBSCRIPTIONS, ":subscription_id")):
            if path.startswith(base + "/"):
                return f"{request.method} {base}/{name}"
        return f"{request.method} {path}"

    def answer(self, request: Request) -> Reply:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if token != self.app_token and token not in self.user_tokens:
            return _problem(401, "Unauthorized", "Unauthorized")
        path = request.path.rstrip("/")
        if path == WEBHOOKS or path.startswith(WEBHOOKS + "/"):
            if token != self.app_token:
                return _problem(
                    403,
                    "Unsupported Authentication",
                    "Authenticating with OAuth 2.0 User Context is forbidden for this "
                    "endpoint. Supported authentication types are [OAuth 2.0 Application-Only].",
                )
            return self._webhook_call(request, path)
        return self._subscription_call(request, path, token)

    def _webhook_call(self, request: Request, path: str) -> Reply:
        method, tail = request.method, path.rsplit("/", 1)[-1]
        if path == WEBHOOKS and method == "GET":
            return self._list_webhooks()
        if path == WEBHOOKS and method == "POST":
            return self._register(json_body(request))
        if method == "PUT" and path != WEBHOOKS:
            return self._revalidate(tail)
        if method == "DELETE" and path != WEBHOOKS:
            return self._delete_webhook(tail)
        return _NOT_FOUND

    def _subscription_call(self, request: Request, path: str, token: str) -> Reply:
        if path == SUBSCRIPTIONS and request.method == "GET":
            with self._lock:
                rows = list(self.subscriptions.values())
            return Reply({"data": rows, "meta": {"total_subscriptions": len(rows)}})
        if path == SUBSCRIPTIONS and request.method == "POST":
            return self._subscribe(json_body(request), token)
        if path.startswith(SUBSCRIPTIONS + "/") and request.method == "DELETE":
            return self._unsubscribe(path.rsplit("/", 1)[-1], token)
        return _NOT_FOUND

    # webhooks

    def _list_webhooks(self) -> Reply:
        with self._lock:
            rows = [dict(w) for w in self.webhooks.values()]
        return Reply({"data": rows, "meta": {"result_count": len(rows)}})

    def _crc(self, url: str) -> bool:
        token = base64.urlsafe_b64encode(secrets.token_bytes(24)).decode()
        expected = sign(self.consumer_secret, token.encode())
        try:
            response = requests.get(url, params={"crc_token": token}, timeout=CRC_TIMEOUT_SECONDS)
            passed = response.status_code == 200 and (
                response.json().get("response_token") == expected
            )
        except (requests.RequestException, ValueError, AttributeError):
            passed = False
        self.crc_checks.append((url, passed))
        return passed

    def _register(self, body: Json) -> Reply:
        url = body.get("url")
        if not isinstance(url, str) or not url.startswith(("https://", "http://127.0.0.1")):
            return _problem(400, "Invalid Request", "The url must be an https:// URL.")
        with self._lock:
            if any(w["url"] == url for w in self.webhooks.values()):
                return _problem(400, "Invalid Request", "DuplicateUrlFailed: url already exists")
        if not self._crc(url):
            return _problem(
                400, "Invalid Request", "CrcValidationFailed: the webhook did not answer the CRC"
            )
        hook = {"id": self._next_id(), "url": url, "valid": True, "created_at": _now()}
        with self._lock:
            self.webhooks[hook["id"]] = hook
        return Reply({"data": dict(hook)}, 200)

    def _revalidate(self, webhook_id: str) -> Reply:
        """X answers ``attempted`` and runs the CRC; here after answering (a thread), so a
        caller that is itself the webhook's host (the local runtime runs one function at a
        time) is not blocked by its own CRC. ``settle()`` waits for these checks."""
        with self._lock:
            hook = self.webhooks.get(webhook_id)
        if hook is None:
            return _problem(404, "Not Found Error", f"Could not find webhook {webhook_id}")

        def check() -> None:
            passed = self._crc(hook["url"])
            with self._lock:
                hook["valid"] = passed

        thread = threading.Thread(target=check, name=f"crc-{webhook_id}", daemon=True)
        self._pending.append(thread)
        thread.start()
        return Reply({"data": {"attempted": True}})

    def settle(self, timeout: float = 10.0) -> None:
        """Wait for the CRC checks that revalidations started (tests, the CLI's view)."""
        while self._pending:
            self._pending.pop().join(timeout)

    def _delete_webhook(self, webhook_id: str) -> Reply:
        with self._lock:
            if self.webhooks.pop(webhook_id, None) is None:
                return _problem(404, "Not Found Error", f"Could not find webhook {webhook_id}")
        return Reply({"data": {"deleted": True}})

    # subscriptions

    def _subscribe(self, body: Json, token: str) -> Reply:
        event_type = body.get("event_type")
        filt = body.get("filter")
        if not isinstance(event_type, str) or not isinstance(filt, dict):
            return _problem(400, "Invalid Request", "event_type and filter are required")
        user_id = filt.get("user_id")
        if not isinstance(user_id, str) or not user_id.isdigit():
            return _problem(400, "Invalid Request", "filter.user_id must be a numeric user id")
        if event_type in PRIVATE_EVENTS and self.user_tokens.get(token) != user_id:
            return _problem(
                403,
                "Forbidden",
                f"{event_type} is a private event: authenticate with OAuth 2.0 user context "
                f"as user {user_id}",
            )
        webhook_id = body.get("webhook_id")
        with self._lock:
            if webhook_id is not None and webhook_id not in self.webhooks:
                return _problem(400, "Invalid Request", f"webhook {webhook_id} does not exist")
            for row in self.subscriptions.values():
                if row["event_type"] == event_type and row["filter"] == filt:
                    return _problem(409, "Conflict", "DuplicateSubscription")
        now = _now()
        row = {
            "subscription_id": self._next_id(),
            "event_type": event_type,
            "filter": dict(filt),
            "created_at": now,
            "updated_at": now,
            **({"tag": body["tag"]} if isinstance(body.get("tag"), str) else {}),
            **({"webhook_id": webhook_id} if webhook_id else {}),
        }
        with self._lock:
            self.subscriptions[row["subscription_id"]] = row
            total = len(self.subscriptions)
        return Reply({"data": dict(row), "meta": {"total_subscriptions": total}}, 201)

    def _unsubscribe(self, subscription_id: str, token: str) -> Reply:
        with self._lock:
            row = self.subscriptions.get(subscription_id)
            if row is None:
                return _problem(404, "Not Found Error", f"no subscription {subscription_id}")
            owner = row["filter"]["user_id"]
            if row["event_type"] in PRIVATE_EVENTS and self.user_tokens.get(token) != owner:
                return _problem(
                    403, "Forbidden", "a private event's subscription needs its user's token"
                )
            del self.subscriptions[subscription_id]
            total = len(self.subscriptions)
        return Reply({"data": {"deleted": True}, "meta": {"total_subscriptions": total}})
