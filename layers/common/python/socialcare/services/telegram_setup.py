"""Setting up a brand's Telegram bots from the command line: the webhook registered with its
secret token and the updates the desk reads, and what Telegram says of it (pending updates,
the last delivery error), so an operator sees at once why nothing arrives."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from socialcare.config.brands import TelegramBot
from socialcare.platforms.dates import from_epoch

# Every kind the desk reads. setWebhook keeps the previous list when none is given, so it is
# always sent in full: a bot set up by another tool would otherwise miss business updates.
DESK_UPDATES = (
    "message",
    "edited_message",
    "business_connection",
    "business_message",
    "edited_business_message",
    "deleted_business_messages",
    "my_chat_member",  # a customer blocking or unblocking the bot
)


class BotApi(Protocol):
    def call(self, bot_id: str, method: str, params: dict[str, Any] | None = None) -> Any: ...


class WebhookInfo(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    url: str = ""
    pending_update_count: int = 0
    last_error_date: int | None = None
    last_error_message: str | None = None
    max_connections: int | None = None
    allowed_updates: list[str] = Field(default_factory=list)

    @property
    def last_error_at(self) -> datetime | None:
        return from_epoch(self.last_error_date) if self.last_error_date else None


@dataclass
class BotState:
    bot: TelegramBot
    info: WebhookInfo
    username: str | None = None  # as Telegram knows the bot (getMe)
    problems: list[str] = field(default_factory=list)


def set_webhook(api: BotApi, bot: TelegramBot, url: str, secret_token: str) -> BotState:
    api.call(
        bot.id,
        "setWebhook",
        {"url": url, "secret_token": secret_token, "allowed_updates": list(DESK_UPDATES)},
    )
    return check(api, bot, url)


def delete_webhook(api: BotApi, bot: TelegramBot) -> None:
    """Telegram keeps the pending updates (``drop_pending_updates`` is not sent): set the
    webhook again and they arrive."""
    api.call(bot.id, "deleteWebhook", {})


def check(api: BotApi, bot: TelegramBot, expected_url: str) -> BotState:
    """The bot as Telegram sees it, and what is wrong for the desk."""
    info = WebhookInfo.model_validate(api.call(bot.id, "getWebhookInfo", {}) or {})
    me = api.call(bot.id, "getMe", {}) or {}
    state = BotState(bot, info, me.get("username") if isinstance(me, dict) else None)
    if state.username and state.username.lower() != bot.handle.lower():
        state.problems.append(
            f"Telegram calls this bot @{state.username}, brand.yaml @{bot.handle}:"
            " group mentions of it would be missed"
        )
    if not info.url:
        state.problems.append("no webhook: Telegram keeps the updates (set it)")
    elif info.url != expected_url:
        state.problems.append(f"the webhook points elsewhere: {info.url}")
    missing = [
        kind for kind in DESK_UPDATES if info.allowed_updates and kind not in info.allowed_updates
    ]
    if missing:
        state.problems.append(f"updates not asked for: {', '.join(missing)} (set it again)")
    return state
