"""GET/POST /webhooks/x: the X Account Activity webhook (CRC challenge and deliveries)."""

from functools import cache
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from socialcare.observability import logger, metrics
from socialcare.platforms.x.signature import SIGNATURE_HEADER
from socialcare.services.x_webhook import XWebhookDeps, answer_crc, receive
from socialcare.settings import XIngestSettings, load_settings
from socialcare.webhooks import install_error_responses, json_response, raw_body
from socialcare.wiring import x_webhook_deps

app = APIGatewayHttpResolver()
install_error_responses(app)


@cache
def build_deps() -> XWebhookDeps:
    return x_webhook_deps(load_settings(XIngestSettings))


@app.get("/webhooks/x")
def crc_challenge() -> Response[str]:
    token = app.current_event.get_query_string_value("crc_token")
    return json_response(200, answer_crc(token, app.context["deps"]))


@app.post("/webhooks/x")
def delivery() -> Response[str]:
    deps: XWebhookDeps = app.context["deps"]
    event = app.current_event
    receive(raw_body(event, deps.max_body_bytes), event.headers.get(SIGNATURE_HEADER), deps)
    return Response(200, content_types.TEXT_PLAIN, "")


@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True
)
@metrics.log_metrics
def lambda_handler(
    event: dict[str, Any], context: LambdaContext, deps: XWebhookDeps | None = None
) -> dict[str, Any]:
    app.append_context(deps=deps or build_deps())
    return app.resolve(event, context)
