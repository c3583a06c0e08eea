"""The Telegram Bot API over ``requests``: a small typed client instead of a Bot API library
(python-telegram-bot and aiogram are async-only; pyTelegramBotAPI pulls aiohttp and adds
~100 ms of imports for the two or three methods the desk calls: docs/platforms-telegram.md).

The bot's token is part of every URL (``/bot<token>/<method>``), so nothing here lets a URL
reach a message: requests' own exceptions name it, and only their type is passed on.
Telegram answers ``{"ok": false, "error_code", "description", "parameters"}`` on failure,
with the HTTP status equal to ``error_code``; the caller decides what each means."""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests  # type: ignore[import-untyped, unused-ignore]
from pydantic import ValidationError

from socialcare.adapters.http_failures import never_sent
from socialcare.errors import ConfigurationError, StorageUnavailable
from socialcare.observability import logger
from socialcare.platforms.telegram.payloads import BusinessConnection
from socialcare.platforms.telegram.secret import TelegramSecrets

API_ORIGIN = "https://api.telegram.org"
# urllib3 logs each request line at DEBUG, and the line holds the bot token: never below WARNING.
logging.getLogger("urllib3").setLevel(logging.WARNING)
TIMEOUT = (3.05, 10)  # connect, read: a send that outlives this may have gone (uncertain)


@dataclass
class BotApiError(Exception):
    """Telegram's refusal of a call: its code, description and parameters."""

    code: int
    description: str
    retry_after: int | None = None
    migrate_to_chat_id: int | None = None

    def __str__(self) -> str:
        return f"Telegram {self.code}: {self.description[:200]}"


class BotApiUnanswered(Exception):
    """The call reached Telegram, or may have, and no answer came back (a read timeout, a
    connection dropped after the request was written): a send may have gone."""


class TelegramBotApi:
    def __init__(self, secrets: Callable[[], TelegramSecrets], base_url: str | None = None) -> None:
        self._secrets = secrets
        self._origin = (base_url or API_ORIGIN).rstrip("/")
        self._session = requests.Session()

    def _token(self, bot_id: str) -> str:
        keys = self._secrets().bots.get(bot_id)
        if keys is None:
            raise ConfigurationError(f"no Telegram token for bot {bot_id}")
        return keys.token.get_secret_value()

    def call(self, bot_id: str, method: str, params: dict[str, Any] | None = None) -> Any:
        """``result`` of a successful call; BotApiError for Telegram's refusal, BotApiUnanswered
        when no answer came, StorageUnavailable when Telegram could not be reached."""
        url = f"{self._origin}/bot{self._token(bot_id)}/{method}"
        try:
            response = self._session.post(url, json=params or {}, timeout=TIMEOUT)
        except requests.RequestException as exc:  # str(exc) would carry the token
            if never_sent(exc):
                raise StorageUnavailable(f"Telegram unreachable: {type(exc).__name__}") from None
            raise BotApiUnanswered(
                f"Telegram did not answer {method}: {type(exc).__name__}"
            ) from None
        try:
            found = response.json()
        except ValueError:
            found = None
        if not isinstance(found, dict) or "ok" not in found:
            raise BotApiError(response.status_code, "an answer that is not Telegram's") from None
        if found["ok"] is True:
            return found.get("result")
        return _raise(found, response.status_code)


def _raise(found: dict[str, Any], status: int) -> Any:
    code = found.get("error_code")
    parameters = found.get("parameters")
    parameters = parameters if isinstance(parameters, dict) else {}
    retry_after = parameters.get("retry_after")
    migrate = parameters.get("migrate_to_chat_id")
    raise BotApiError(
        code if isinstance(code, int) else status,
        str(found.get("description") or ""),
        retry_after if isinstance(retry_after, int) and retry_after >= 0 else None,
        migrate if isinstance(migrate, int) else None,
    )


def business_connection(
    api: TelegramBotApi, bot_id: str, connection_id: str
) -> BusinessConnection | None:
    """getBusinessConnection: None when Telegram knows no such connection for the bot, or
    describes it in a way we cannot read (logged: its messages are passed over, not 5xx'd for
    a day of Telegram's retries)."""
    try:
        found = api.call(bot_id, "getBusinessConnection", {"business_connection_id": connection_id})
    except BotApiError as refused:
        if refused.code == 400:
            return None
        raise StorageUnavailable(str(refused)) from None
    except BotApiUnanswered as slow:
        raise StorageUnavailable(str(slow)) from None
    try:
        return BusinessConnection.model_validate(found)
    except ValidationError as wrong:
        fields = sorted({".".join(map(str, e["loc"])) for e in wrong.errors()})[:5]
        logger.error("Telegram's business connection is unreadable", extra={"fields": fields})
        return None
