"""The Telegram webhook (one route for every brand's bot): the secret token names the bot
before a byte of the body is read; the update is stored once; an edit is kept beside the
first text, a deletion marked, and both shown under the message's copy in Slack. Telegram
Business connections are recorded as they come (rights, enabled or not); a business message
is taken in only through an enabled connection. Telegram sends an update again until it is
answered 2xx, so 5xx only when what the update holds could not be stored
(docs/platforms-telegram.md)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from socialcare.clock import Clock, utc_now
from socialcare.config import BrandDirectory
from socialcare.config.brands import TelegramBot
from socialcare.errors import MalformedPayload
from socialcare.models import Platform
from socialcare.models.message import conversation_id_for, iso
from socialcare.observability import MetricUnit, logger, metrics
from socialcare.platforms.outside import OutsideReply
from socialcare.platforms.parsing import parse_json, validate
from socialcare.platforms.telegram.business import (
    BUSINESS_KINDS,
    Connection,
    connection_of,
    read_business,
)
from socialcare.platforms.telegram.normalise import Bot, Found, read_update
from socialcare.platforms.telegram.payloads import BusinessConnection, Update
from socialcare.platforms.telegram.secret import TelegramSecrets, bot_of
from socialcare.ports import ClassifyQueue, OutsideReplies
from socialcare.services.desk_news import News, tell_desk
from socialcare.services.ingest import IngestDeps, ingest
from socialcare.settings import DEFAULT_MAX_BODY_BYTES

MAX_DELETIONS = 50  # marked per update (each a read and a write, and a note to the desk)


class Connections(Protocol):
    def record(self, connection: Connection) -> None: ...
    def find(self, bot_id: str, connection_id: str) -> Connection | None: ...


class Reachability(Protocol):
    def mark(self, conversation_id: str, why: str | None, at: datetime) -> bool: ...


# Telegram's getBusinessConnection: a connection made before the desk kept them (None: unknown).
LookUpConnection = Callable[[str, str], BusinessConnection | None]


@dataclass(frozen=True)
class TelegramWebhookDeps:
    ingest: IngestDeps
    brands: BrandDirectory
    secrets: Callable[[], TelegramSecrets]
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    clock: Clock = utc_now
    connections: Connections | None = None  # unset: Telegram Business is not read
    look_up: LookUpConnection | None = None
    desk: ClassifyQueue | None = None  # the Slack desk's queue: edits and deletions shown
    reachability: Reachability | None = None  # unset: a blocked bot is learnt when replying
    outside: OutsideReplies | None = None  # unset: replies typed in Telegram are only logged


@dataclass
class Received:
    stored: int = 0
    duplicates: int = 0
    edited: int = 0
    deleted: int = 0
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
    bot, kind = Bot.of(account, brand), update.kind(data)
    if update.business_connection is not None:
        _record_connection(Connection.of(update.business_connection, bot), bot, deps)
        return received
    if kind in BUSINESS_KINDS and deps.connections is not None:
        found = read_business(update, bot, _connection(update, bot, deps), deps.clock())
    else:
        found = read_update(update, kind, bot, deps.clock())
    for reason in found.skipped:
        logger.info("update not ingested", extra={"reason": reason})
    received.skipped = len(found.skipped)
    if found.messages:
        report = ingest(found.messages, deps.ingest)  # a failure: 503, Telegram sends it again
        received.stored, received.duplicates = len(report.stored), len(report.duplicates)
    _mark(found, brand.id, received, deps)
    for key, typed in found.outside:
        _answered_in_telegram(key, typed, brand.id, deps)
    if found.reachability is not None and deps.reachability is not None:
        key, why, at = found.reachability
        if deps.reachability.mark(conversation_id_for(key), why, at):
            logger.info("customer reachability changed", extra={"reachable": why is None})
    return received


def _record_connection(connection: Connection, bot: Bot, deps: TelegramWebhookDeps) -> None:
    if deps.connections is None:
        logger.info("update not ingested", extra={"reason": "Telegram Business is not wired"})
        return
    deps.connections.record(connection)
    listed = connection.listed_in(bot.business_accounts)
    facts = {
        "connection": connection.id,
        "account": connection.account_user_id,  # the business account: the brand's, or not
        "enabled": connection.is_enabled,
        "can_reply": connection.can_reply,
        "listed": listed,
    }
    if not listed:  # someone else's account, or the brand's not yet in brand.yaml
        logger.warning("Telegram Business connection from an unlisted account", extra=facts)
        metrics.add_metric(name="TelegramBusinessUnlisted", unit=MetricUnit.Count, value=1)
        return
    logger.info("Telegram Business connection recorded", extra=facts)
    metrics.add_metric(
        name="TelegramBusinessConnected" if connection.is_enabled else "TelegramBusinessPaused",
        unit=MetricUnit.Count,
        value=1,
    )


def _connection(update: Update, bot: Bot, deps: TelegramWebhookDeps) -> Connection | None:
    """The connection a business update came through, as recorded; one made before the desk
    kept connections is asked of Telegram once, then recorded."""
    assert deps.connections is not None  # checked by the caller
    connection_id = connection_of(update)
    if connection_id is None:
        return None
    known = deps.connections.find(str(bot.id), connection_id)
    if known is not None or deps.look_up is None:
        return known
    payload = deps.look_up(str(bot.id), connection_id)
    if payload is None:
        return None
    connection = Connection.of(payload, bot)
    deps.connections.record(connection)
    return connection


def _answered_in_telegram(
    key: str, typed: OutsideReply, brand_id: str, deps: TelegramWebhookDeps
) -> None:
    """The business account's owner answered in Telegram itself: kept in the customer's
    conversation as an answer given outside socialcare, and shown in its thread."""
    if deps.outside is None:
        logger.info("update not ingested", extra={"reason": "a reply typed in Telegram"})
        return
    stored = deps.outside.record(conversation_id_for(key), brand_id, typed)
    if stored is None:  # no conversation with this customer, or kept before
        return
    metrics.add_metric(name="AnsweredOutside", unit=MetricUnit.Count, value=1)
    news = News(f"{typed.ref}#outside", typed.platform, brand_id, typed.at, "outside_reply")
    tell_desk(deps.desk, stored, news)


def _mark(found: Found, brand_id: str, received: Received, deps: TelegramWebhookDeps) -> None:
    """Edits kept beside the first text and deletions marked, each shown in the thread once."""
    store, now = deps.ingest.store, deps.clock()
    for edit in found.edited:
        kept = store.mark_edited(edit.ref, edit.text, iso(edit.at))
        if kept is not None:
            received.edited += 1
            news = News(
                f"{edit.ref}#edited#{iso(edit.at)}", edit.platform, brand_id, edit.at, "edited"
            )
            tell_desk(deps.desk, kept, news)
    if len(found.deleted) > MAX_DELETIONS:
        # A whole chat cleared at once: marking each would outlast the webhook's time, and
        # Telegram would send it all again. The texts stay; the first ones are marked.
        logger.warning(
            "deletions not all marked",
            extra={"deleted": len(found.deleted), "marked": MAX_DELETIONS},
        )
        metrics.add_metric(name="TelegramDeletionsNotMarked", unit=MetricUnit.Count, value=1)
    for ref in found.deleted[:MAX_DELETIONS]:
        marked = store.mark_deleted(ref, iso(now))
        if marked is not None:
            received.deleted += 1
            metrics.add_metric(name="MessageDeletedByAuthor", unit=MetricUnit.Count, value=1)
            tell_desk(
                deps.desk,
                marked,
                News(f"{ref}#deleted", Platform.TELEGRAM, brand_id, now, "deleted"),
            )
