"""X's webhook and X Activity API (XAA) subscription endpoints over HTTP (``requests``).

What this relies on (docs.x.com, read 2026-12-04; the xdevplatform/docs repository):

* ``x-api/webhooks/introduction``: ``POST /2/webhooks`` registers a URL (a CRC is sent at
  once), ``GET /2/webhooks`` lists them with their valid/invalid status, ``PUT
  /2/webhooks/:webhook_id`` "triggers a CRC check and re-enables a webhook", ``DELETE
  /2/webhooks/:webhook_id``. All of them take the app-only OAuth 2.0 bearer token. A webhook
  turns invalid on a wrong CRC answer (2xx with a wrong token, 3xx, TLS error) or after 28 h
  of transient failures; X then stops delivering to it.
* ``x-api/activity/quickstart``: ``POST /2/activity/subscriptions`` with
  ``{"event_type", "filter": {"user_id", ...}, "tag"?, "webhook_id"?}``; ``GET`` lists the
  app's subscriptions as ``{"data": [...], "meta": {"total_subscriptions"}}``; ``DELETE
  /2/activity/subscriptions/:id`` answers ``{"data": {"deleted": true}}``. Public events take
  the app bearer token; private ones (DMs, chats, mentions: the changelog of 2026-07-06)
  need the account's OAuth 2.0 user-context token (``x-api/activity/introduction``, "Event
  privacy and authentication").

Unclear in the docs, and how a wrong guess fails here:

* The create-subscription answer is shown once as ``{"data": {...}}`` and once as
  ``{"data": [{...}]}``: both are accepted; anything else raises ``XUnexpectedResponse``.
* The webhook fields (``id``, ``url``, ``valid``, ``created_at``) come from the webhooks
  OpenAPI page, whose text the reference pages only link to: a listing without a boolean
  ``valid`` raises ``XUnexpectedResponse`` naming the field, never "valid by default".
* The ``PUT /2/webhooks/:id`` answer is taken as ``{"data": {"attempted": bool}}`` (the
  AAA-era shape); another shape raises ``XUnexpectedResponse``. Callers read ``GET`` again
  for the webhook's state rather than trusting it.
* Whether a user token may list subscriptions it did not create is not said; we list with
  the app token.

Errors: 401/403 -> ``XPermissionDenied`` (the token lacks the permission or the plan lacks
the product), 429 -> ``XRateLimited`` with X's reset time, 5xx or no answer ->
``XUnavailable``, any other 4xx -> ``XRequestRefused`` with X's ``detail``.
"""

import time
from collections.abc import Callable
from typing import Any, TypeVar

import requests  # type: ignore[import-untyped, unused-ignore]
from pydantic import BaseModel, ValidationError

from socialcare.errors import ConfigurationError, StorageUnavailable
from socialcare.platforms.x.admin import Subscription, Webhook

X_API_URL = "https://api.x.com"
TIMEOUTS = (3.05, 15)  # connect, read: a POST /2/webhooks waits for X's own CRC call
RATE_LIMIT_FALLBACK_SECONDS = 900
M = TypeVar("M", bound=BaseModel)


class XPermissionDenied(ConfigurationError):
    """401/403: the token is wrong, of the wrong kind, or lacks the permission."""


class XRateLimited(StorageUnavailable):
    def __init__(self, message: str, reset_at: float) -> None:
        super().__init__(message)
        self.reset_at = reset_at


class XUnavailable(StorageUnavailable):
    """X answered 5xx or not at all: try again later."""


class XRequestRefused(ConfigurationError):
    """Another 4xx: X's ``detail`` says why (a bad URL, a duplicate, the plan's limit)."""


class XUnexpectedResponse(ConfigurationError):
    """X answered 2xx with a shape these docs did not describe: nothing is assumed."""


class XAdmin:
    """``bearer``: the app-only token, or a callable that reads it at each call (a function
    that lives on reads it from the secrets cache, so a rotated token is picked up). User
    tokens are passed per call where X needs them."""

    def __init__(
        self,
        bearer: str | Callable[[], str],
        base_url: str | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self._bearer = bearer if callable(bearer) else (lambda: bearer)
        self._base = (base_url or X_API_URL).rstrip("/")
        self._session = session or requests.Session()

    # webhooks (app token)

    def webhooks(self) -> list[Webhook]:
        body = self._call("GET", "/2/webhooks")
        rows = body.get("data", [])  # an app without webhooks may get no "data" at all
        return [_model(Webhook, row, "GET /2/webhooks data[]") for row in _rows(rows, "data")]

    def register(self, url: str) -> Webhook:
        body = self._call("POST", "/2/webhooks", json={"url": url})
        return _model(Webhook, body.get("data"), "POST /2/webhooks data")

    def revalidate(self, webhook_id: str) -> bool:
        """Ask X to run the CRC now; True when X says it attempted it. X may answer before
        the CRC is done: read ``webhooks()`` afterwards for the outcome."""
        body = self._call("PUT", f"/2/webhooks/{webhook_id}")
        data = body.get("data")
        if not isinstance(data, dict) or not isinstance(data.get("attempted"), bool):
            raise XUnexpectedResponse(
                'PUT /2/webhooks/:id: expected {"data": {"attempted": true|false}}'
            )
        return bool(data["attempted"])

    def delete_webhook(self, webhook_id: str) -> None:
        self._call("DELETE", f"/2/webhooks/{webhook_id}")

    # subscriptions

    def subscriptions(self) -> list[Subscription]:
        body = self._call("GET", "/2/activity/subscriptions")
        rows = _rows(body.get("data", []), "data")
        return [_model(Subscription, r, "GET /2/activity/subscriptions data[]") for r in rows]

    def subscribe(
        self,
        event_type: str,
        user_id: str,
        *,
        webhook_id: str,
        tag: str,
        user_token: str | None = None,
        direction: str | None = None,
    ) -> Subscription:
        """``user_token`` (the account's OAuth 2.0 token) for private events, else the app's."""
        filt: dict[str, str] = {"user_id": user_id}
        if direction:
            filt["direction"] = direction
        payload = {"event_type": event_type, "filter": filt, "tag": tag, "webhook_id": webhook_id}
        body = self._call("POST", "/2/activity/subscriptions", json=payload, token=user_token)
        data = body.get("data")
        if isinstance(data, list) and len(data) == 1:
            data = data[0]  # the quickstart shows both shapes
        return _model(Subscription, data, "POST /2/activity/subscriptions data")

    def unsubscribe(self, subscription_id: str, user_token: str | None = None) -> None:
        body = self._call(
            "DELETE", f"/2/activity/subscriptions/{subscription_id}", token=user_token
        )
        if (body.get("data") or {}).get("deleted") is not True:
            raise XUnexpectedResponse(
                'DELETE /2/activity/subscriptions/:id: expected {"data": {"deleted": true}}'
            )

    def _call(
        self, method: str, path: str, *, json: Any = None, token: str | None = None
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token or self._bearer()}"}
        try:
            response = self._session.request(
                method, self._base + path, json=json, headers=headers, timeout=TIMEOUTS
            )
        except requests.RequestException as exc:
            raise XUnavailable(f"X unreachable ({method} {path}): {type(exc).__name__}") from None
        status = response.status_code
        if status in (401, 403):
            kind = "the account's OAuth 2.0 user token" if token else "the app's bearer token"
            raise XPermissionDenied(
                f"X refused {method} {path} ({status}): {kind} lacks the permission "
                f"(or the plan lacks the product): {_detail(response)}"
            )
        if status == 429:
            reset = response.headers.get("x-rate-limit-reset", "")
            at = float(reset) if reset.isdigit() else time.time() + RATE_LIMIT_FALLBACK_SECONDS
            raise XRateLimited(f"X rate limit on {method} {path}", at)
        if status >= 500:
            raise XUnavailable(f"X answered {status} to {method} {path}")
        if status >= 400:
            raise XRequestRefused(f"X refused {method} {path} ({status}): {_detail(response)}")
        if status == 204 or not response.content:
            return {}
        try:
            body = response.json()
        except ValueError:
            raise XUnexpectedResponse(f"{method} {path}: expected a JSON object") from None
        if not isinstance(body, dict):
            raise XUnexpectedResponse(f"{method} {path}: expected a JSON object")
        return body


def _detail(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return "no detail given"
    if isinstance(body, dict):
        if body.get("detail"):
            return str(body["detail"])
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return str(errors[0].get("message", "no detail given"))
    return "no detail given"


def _rows(value: Any, name: str) -> list[Any]:
    if not isinstance(value, list):
        raise XUnexpectedResponse(f"expected {name} to be a list")
    return value


def _model(model: type[M], value: Any, where: str) -> M:
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        fields = ", ".join(".".join(map(str, e["loc"])) or "(the object)" for e in exc.errors())
        raise XUnexpectedResponse(f"{where}: expected {model.__name__}; wrong: {fields}") from None
