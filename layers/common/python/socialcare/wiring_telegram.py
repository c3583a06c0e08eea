"""The Telegram webhook's wiring, apart from ``wiring`` so the other webhooks' cold starts do
not load Telegram's models."""

from socialcare.adapters.secrets import secret_reader
from socialcare.config import load_brands
from socialcare.platforms.telegram.secret import TelegramSecrets
from socialcare.services.telegram_webhook import TelegramWebhookDeps
from socialcare.settings import TelegramIngestSettings
from socialcare.wiring import ingest_deps


def telegram_webhook_deps(settings: TelegramIngestSettings) -> TelegramWebhookDeps:
    return TelegramWebhookDeps(
        ingest=ingest_deps(settings),
        brands=load_brands(settings.BRANDS_DIR),
        secrets=secret_reader(
            settings.TELEGRAM_SECRET_ARN, TelegramSecrets, settings.SECRETS_MAX_AGE_SECONDS
        ),
        max_body_bytes=settings.MAX_BODY_BYTES,
    )
