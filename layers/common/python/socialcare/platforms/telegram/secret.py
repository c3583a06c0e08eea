"""Telegram's webhook proof (docs/platforms-telegram.md): no signature, a secret token chosen
at ``setWebhook`` that Telegram sends back in a header with every update. Each bot has its own
token, so the header also says which bot the update is for: one route serves every brand's
bot. It is compared with every bot's token in constant time (no early exit: the time says
nothing about which, if any, came close) before a byte of the body is read; a wrong or
missing one is refused (401)."""

import hmac
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from socialcare.errors import InvalidSignature
from socialcare.platforms.parsing import Filled

SECRET_HEADER = "x-telegram-bot-api-secret-token"  # noqa: S105 - a header name, not a secret


class BotSecrets(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    token: Filled  # from @BotFather: <bot id>:<35 or so characters>
    # setWebhook's secret_token: Telegram allows 1-256 of A-Z a-z 0-9 _ -; we want 32 or more.
    secret_token: Annotated[Filled, Field(min_length=32, max_length=256)]


class TelegramSecrets(BaseModel):
    """The Telegram secret in Secrets Manager: each bot's token and webhook secret token, by
    the bot's id."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    bots: dict[Annotated[str, Field(pattern=r"^[0-9]{1,20}$")], BotSecrets] = Field(min_length=1)


def bot_of(secrets: TelegramSecrets, header: str | None) -> str:
    """The id of the bot whose secret token the header carries."""
    if not header:
        raise InvalidSignature(f"missing {SECRET_HEADER} header")
    given = header.encode()
    found = ""
    for bot, keys in secrets.bots.items():
        if hmac.compare_digest(given, keys.secret_token.get_secret_value().encode()):
            found = bot
    if not found:
        raise InvalidSignature(f"{SECRET_HEADER} is no bot's")
    return found
