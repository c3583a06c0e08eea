"""POST /webhooks/vk: the VK Callback API endpoint."""

from functools import cache
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from socialcare.observability import logger, metrics
from socialcare.services.vk_webhook import VkWebhookDeps, receive
from socialcare.settings import VkIngestSettings, load_settings
from socialcare.webhooks import install_error_responses, raw_body
from socialcare.wiring import vk_webhook_deps

app = APIGatewayHttpResolver()
install_error_responses(app)


@cache
def build_deps() -> VkWebhookDeps:
    return vk_webhook_deps(load_settings(VkIngestSettings))


@app.post("/webhooks/vk")
def callback() -> Response[str]:
    deps: VkWebhookDeps = app.context["deps"]
    answer = receive(raw_body(app.current_event, deps.max_body_bytes), deps)
    return Response(200, content_types.TEXT_PLAIN, answer)


@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True
)
@metrics.log_metrics
def lambda_handler(
    event: dict[str, Any], context: LambdaContext, deps: VkWebhookDeps | None = None
) -> dict[str, Any]:
    app.append_context(deps=deps or build_deps())
    return app.resolve(event, context)
