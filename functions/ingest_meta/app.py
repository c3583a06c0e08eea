"""GET/POST /webhooks/meta: the Meta app's webhook (Pages: Messenger and feed; Instagram).

One route for both networks because Meta's unit is the app: one callback URL, one verify
token and one app secret serve its Page and Instagram subscriptions (docs/platforms-meta.md).
"""

from functools import cache
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from socialcare.observability import logger, metrics
from socialcare.platforms.meta.signature import SIGNATURE_HEADER
from socialcare.services.meta_webhook import MetaWebhookDeps, handshake, receive
from socialcare.settings import MetaIngestSettings, load_settings
from socialcare.webhooks import install_error_responses, raw_body
from socialcare.wiring import meta_webhook_deps

app = APIGatewayHttpResolver()
install_error_responses(app)


@cache
def build_deps() -> MetaWebhookDeps:
    return meta_webhook_deps(load_settings(MetaIngestSettings))


@app.get("/webhooks/meta")
def subscription_handshake() -> Response[str]:
    query = app.current_event.get_query_string_value
    challenge = handshake(
        query("hub.mode"), query("hub.verify_token"), query("hub.challenge"), app.context["deps"]
    )
    return Response(200, content_types.TEXT_PLAIN, challenge)


@app.post("/webhooks/meta")
def delivery() -> Response[str]:
    deps: MetaWebhookDeps = app.context["deps"]
    event = app.current_event
    receive(raw_body(event, deps.max_body_bytes), event.headers.get(SIGNATURE_HEADER), deps)
    return Response(200, content_types.TEXT_PLAIN, "EVENT_RECEIVED")


@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True
)
@metrics.log_metrics
def lambda_handler(
    event: dict[str, Any], context: LambdaContext, deps: MetaWebhookDeps | None = None
) -> dict[str, Any]:
    app.append_context(deps=deps or build_deps())
    return app.resolve(event, context)
