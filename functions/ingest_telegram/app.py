"""POST /webhooks/telegram: every brand's Telegram bot (the secret token header says which)."""

from functools import cache
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from socialcare.observability import logger, metrics
from socialcare.platforms.telegram.secret import SECRET_HEADER
from socialcare.services.telegram_webhook import TelegramWebhookDeps, receive
from socialcare.settings import TelegramIngestSettings, load_settings
from socialcare.webhooks import install_error_responses, raw_body
from socialcare.wiring_telegram import telegram_webhook_deps

app = APIGatewayHttpResolver()
install_error_responses(app)


@cache
def build_deps() -> TelegramWebhookDeps:
    return telegram_webhook_deps(load_settings(TelegramIngestSettings))


@app.post("/webhooks/telegram")
def update() -> Response[str]:
    deps: TelegramWebhookDeps = app.context["deps"]
    event = app.current_event
    # The secret token before the body: a request without this bot's is refused unread.
    secret_token = event.headers.get(SECRET_HEADER)
    receive(raw_body(event, deps.max_body_bytes), secret_token, deps)
    return Response(200, content_types.TEXT_PLAIN, "ok")


@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True
)
@metrics.log_metrics
def lambda_handler(
    event: dict[str, Any], context: LambdaContext, deps: TelegramWebhookDeps | None = None
) -> dict[str, Any]:
    app.append_context(deps=deps or build_deps())
    return app.resolve(event, context)
