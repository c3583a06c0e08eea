"""The Telegram webhook (one route for every brand's bot): the secret token names the bot
before a byte of the body is read; the update is stored once; an edit is kept beside the
first text. Telegram sends an update again until it is answered 2xx, so 5xx only when what
the update holds could not be stored (docs/platforms-telegram.md)."""

from collections.abc import Callable
from dataclasses import dataclass

from socialcare.clock import Clock, utc_now
from socialcare.config import BrandDirectory
from socialcare.config.brands import TelegramBot
from socialcare.errors import MalformedPayload
from socialcare.models import Platform
from socialcare.models.message import iso
from socialcare.observability import MetricUnit, logger, metrics
from socialcare.platforms.parsing import parse_json, validate
from socialcare.platforms.telegram.normalise import Bot, read_update
from socialcare.platforms.telegram.payloads import Update
from socialcare.platforms.telegram.secret import TelegramSecrets, bot_of
from socialcare.services.ingest import IngestDeps, ingest
from socialcare.settings import DEFAULT_MAX_BODY_BYTES


@dataclass(frozen=True)
class TelegramWebhookDeps:
    ingest: IngestDeps
    brands: BrandDirectory
    secrets: Callable[[], TelegramSecrets]
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    clock: Clock = utc_now


@dataclass
class Received:
    stored: int = 0
    duplicates: int = 0
    edited: int = 0
    skipped: int = 0


def receive(raw: bytes, secret_token: str | None, deps: TelegramWebhookDeps) -> Received:
    bot_id = bot_of(deps.secrets(), secret_token)
    data = parse_json(raw)
    if not isinstance(data, dict):
        raise MalformedPayload("a Telegram update is a JSON object")
    update = validate(Update, data, "Telegram update")
    logger.append_keys(telegram_update_id=update.update_id, telegram_bot=bot_id)
    received = Received()
    brand = deps.brands.owner_of(Platform.TELEGRAM, bot_id)
    account = deps.brands.account_of(Platform.TELEGRAM, bot_id)
    if brand is None or not isinstance(account, TelegramBot):
        # A bot with a secret but in no brand.yaml: Telegram's retries would not change that.
        logger.warning("Telegram update for a bot of no brand", extra={"bot": bot_id})
        metrics.add_metric(name="TelegramUnknownBot", unit=MetricUnit.Count, value=1)
        return received
    found = read_update(update, update.kind(data), Bot.of(account, brand), deps.clock())
    for reason in found.skipped:
        logger.info("update not ingested", extra={"reason": reason})
    received.skipped = len(found.skipped)
    if found.messages:
        report = ingest(found.messages, deps.ingest)  # a failure: 503, Telegram sends it again
        received.stored, received.duplicates = len(report.stored), len(report.duplicates)
    for edit in found.edited:
        kept = deps.ingest.store.mark_edited(edit.ref, edit.text, iso(edit.at))
        received.edited += kept is not None
    return received
