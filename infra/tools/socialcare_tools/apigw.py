"""API Gateway HTTP API (payload format 2.0) events, as AWS delivers them to Lambda."""

import base64
import json
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from socialcare.platforms.meta.signature import SIGNATURE_HEADER as META_SIGNATURE_HEADER
from socialcare.platforms.meta.signature import sign as meta_sign
from socialcare.platforms.x.signature import SIGNATURE_HEADER, sign


def http_event(
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    query: str = "",
    *,
    base64_body: bool = False,
    route_key: str | None = None,
    path_parameters: dict[str, str] | None = None,
    source_ip: str = "127.0.0.1",
    domain: str = "local.execute-api.localhost",
) -> dict[str, Any]:
    """The event API Gateway hands to Lambda; the local gateway builds its events here too."""
    now = datetime.now(UTC)
    lowered = {k.lower(): v for k, v in (headers or {}).items()}
    route = route_key or f"{method} {path}"
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route,
        "rawPath": path,
        "rawQueryString": query,
        "headers": lowered,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": domain,
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": lowered.get("user-agent", "socialcare"),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": route,
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": base64_body,
    }
    if query:
        # API Gateway joins repeated parameters with commas.
        joined: dict[str, list[str]] = {}
        for key, value in parse_qsl(query, keep_blank_values=True):
            joined.setdefault(key, []).append(value)
        event["queryStringParameters"] = {k: ",".join(v) for k, v in joined.items()}
    if path_parameters:
        event["pathParameters"] = path_parameters
    if body is not None:
        event["body"] = base64.b64encode(body).decode() if base64_body else body.decode("utf-8")
    return event


def json_bytes(payload: Any) -> bytes:
    """Compact UTF-8 JSON, as platforms send it (non-ASCII kept, not escaped)."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def x_delivery(payload: Any, consumer_secret: str, **options: Any) -> dict[str, Any]:
    """A POST /webhooks/x signed exactly as X signs it: over the raw body bytes."""
    body = payload if isinstance(payload, bytes) else json_bytes(payload)
    headers = {"content-type": "application/json", SIGNATURE_HEADER: sign(consumer_secret, body)}
    headers |= options.pop("headers", {})
    return http_event("POST", "/webhooks/x", body, headers, **options)


def vk_delivery(payload: Any, retry: int | None = None, **options: Any) -> dict[str, Any]:
    body = payload if isinstance(payload, bytes) else json_bytes(payload)
    headers = {"content-type": "application/json"}
    if retry is not None:
        headers["x-retry-counter"] = str(retry)
    return http_event("POST", "/webhooks/vk", body, headers, **options)


def meta_delivery(payload: Any, app_secret: str, **options: Any) -> dict[str, Any]:
    """A POST /webhooks/meta signed as Meta signs it: X-Hub-Signature-256 over the raw body."""
    body = payload if isinstance(payload, bytes) else json_bytes(payload)
    headers = {
        "content-type": "application/json",
        META_SIGNATURE_HEADER: meta_sign(app_secret, body),
    }
    headers |= options.pop("headers", {})
    return http_event("POST", "/webhooks/meta", body, headers, **options)
