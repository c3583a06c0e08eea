"""What every webhook function shares: body limits, decoding, and one error-to-status map.

Bad input gets a clear 4xx and nothing is stored; a storage failure gets 503 so the
platform retries; a bug still gets 500 (and an ERROR log) so the platform retries too.
"""

import base64
import binascii
import json
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

from socialcare.errors import (
    ConfigurationError,
    ForbiddenSender,
    InvalidSignature,
    MalformedPayload,
    PayloadTooLarge,
    RejectedRequest,
    StorageUnavailable,
)
from socialcare.observability import MetricUnit, logger, metrics

_STATUS: dict[type[RejectedRequest], tuple[int, str]] = {
    InvalidSignature: (401, "invalid_signature"),
    ForbiddenSender: (403, "forbidden"),
    MalformedPayload: (400, "malformed_payload"),
    PayloadTooLarge: (413, "payload_too_large"),
}


def json_response(status: int, body: dict[str, Any]) -> Response[str]:
    return Response(status, content_types.APPLICATION_JSON, json.dumps(body, ensure_ascii=False))


def raw_body(event: APIGatewayProxyEventV2, limit: int) -> bytes:
    """The exact bytes the platform signed, base64 undone, refused above ``limit``."""
    body = event.get("body") or ""
    encoded = bool(event.get("isBase64Encoded"))
    # Check the size before decoding so an oversized body costs nothing to refuse.
    if len(body) > (limit * 4 // 3 + 4 if encoded else limit * 4):
        raise PayloadTooLarge(f"body is larger than {limit} bytes")
    if encoded:
        try:
            raw = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise MalformedPayload("body is marked base64 but is not valid base64") from None
    else:
        raw = body.encode("utf-8", "surrogatepass")
    if len(raw) > limit:
        raise PayloadTooLarge(f"body is larger than {limit} bytes")
    return raw


def _rejected(error: RejectedRequest) -> tuple[int, dict[str, Any]]:
    status, code = next(v for k, v in _STATUS.items() if isinstance(error, k))
    logger.warning(
        "request rejected", extra={"status": status, "reason": code, "detail": str(error)}
    )
    body: dict[str, Any] = {"error": code, "message": str(error)}
    if isinstance(error, MalformedPayload) and error.problems:
        body["problems"] = error.problems
    return status, body


def rejection(error: RejectedRequest) -> dict[str, Any]:
    """The same answer as ``install_error_responses`` gives, for a function that is not a
    Powertools resolver (the Slack desk: Bolt takes the whole event)."""
    status, body = _rejected(error)
    headers = {"Content-Type": content_types.APPLICATION_JSON}
    return {"statusCode": status, "headers": headers, "body": json.dumps(body, ensure_ascii=False)}


def install_error_responses(app: APIGatewayHttpResolver) -> None:
    @app.exception_handler(RejectedRequest)
    def rejected(error: RejectedRequest) -> Response[str]:
        return json_response(*_rejected(error))

    @app.exception_handler(StorageUnavailable)
    def unavailable(error: StorageUnavailable) -> Response[str]:
        logger.error(
            "storage unavailable, asking the platform to retry", extra={"detail": str(error)}
        )
        return _unavailable()

    @app.exception_handler(ConfigurationError)
    def misconfigured(error: ConfigurationError) -> Response[str]:
        logger.error("configuration error", extra={"detail": str(error)})
        return _unavailable()


def _unavailable() -> Response[str]:
    """503: the platform should deliver again. ``DeliveryUnavailable`` counts these answers:
    a platform that does not retry (X does not document retries for its Activity API) lost
    the delivery, and the alarm on this metric starts a gap fill when it clears."""
    metrics.add_metric(name="DeliveryUnavailable", unit=MetricUnit.Count, value=1)
    return json_response(503, {"error": "unavailable", "message": "try again later"})
