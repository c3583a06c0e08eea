"""Replies on Telegram with ``sendMessage``, as the brand's bot or, in a Telegram Business
chat, as the brand's own account (docs/platforms-telegram.md §5-7):

- a private chat with the bot: the customer's chat;
- a group or a channel's discussion group: the group, replying to the customer's message
  (``reply_parameters``, sent even if that message was deleted meanwhile);
- a business chat: ``business_connection_id``, only through a connection that is enabled and
  has the right to reply (read from the stored connection just before sending).

Plain text, no ``parse_mode``: an agent's ``*``, ``_`` or ``<`` goes out as typed and can
never break the call. Telegram has no idempotency key, so the outbox's reply record keeps a
retry from posting twice; a timeout or a 5xx may have posted (uncertain, never resent
blindly). A 429 postpones the reply by Telegram's ``retry_after``; "blocked by the user" and
its kin mark the conversation unreachable."""

import re
from collections.abc import Callable, Mapping
from time import time
from typing import Any, Protocol

from socialcare.adapters.telegram_bot_api import BotApiError, BotApiUnanswered, TelegramBotApi
from socialcare.errors import (
    ConfigurationError,
    CustomerUnreachable,
    SendInterrupted,
    SendPostponed,
    SendRefused,
)
from socialcare.models.message import MessageKind
from socialcare.models.reply import Delivered, OutboundReply
from socialcare.platforms.telegram.business import Connection, business_target

_CHAT_MESSAGE = re.compile(r"(-?[0-9]{1,16}):([0-9]{1,10})", re.ASCII)  # see normalise
DEFAULT_POSTPONE_SECONDS = 5  # a 429 without retry_after (not seen, but not trusted either)
UNREACHABLE = {
    "blocked by the user": ("telegram-blocked", "the customer has blocked the brand's bot"),
    "user is deactivated": ("telegram-deactivated", "the customer's Telegram account is deleted"),
    "kicked from": ("telegram-kicked", "the bot was removed from this group"),
    "not a member": ("telegram-kicked", "the bot is no longer a member of this group"),
    "initiate conversation": (
        "telegram-not-started",
        "the customer has not started a chat with the bot",
    ),
}
REFUSALS = {
    "BUSINESS_PEER_USAGE_MISSING": (
        "Telegram lets a business account's bot answer only chats where the customer wrote"
        " within the last 24 hours; answer in Telegram itself"
    ),
    "business connection not found": (
        "the Telegram Business connection no longer exists (the account disconnected the bot)"
    ),
    "BUSINESS_PEER_INVALID": "this chat is not reachable through the Telegram Business connection",
    "chat not found": "Telegram does not know this chat for the bot any more",
    "message is too long": "the reply is longer than Telegram allows (4,096 characters)",
    "message thread not found": "the forum topic of this conversation was deleted",
}


class ConnectionReader(Protocol):
    def find(self, bot_id: str, connection_id: str) -> Connection | None: ...


class TelegramSender:
    def __init__(
        self,
        api: TelegramBotApi,
        connections: ConnectionReader,
        business_accounts: Mapping[str, tuple[str, ...]],
        clock: Callable[[], float] = time,
    ) -> None:
        """``business_accounts``: by bot id, the brand's own accounts (brand.yaml) that may
        connect it through Telegram Business."""
        self._api = api
        self._connections = connections
        self._business_accounts = business_accounts
        self._clock = clock

    def send(self, reply: OutboundReply) -> Delivered:
        params, connection = self._request(reply)
        try:
            found = self._api.call(reply.account_id, "sendMessage", params)
        except BotApiUnanswered:
            raise SendInterrupted("Telegram did not answer: the reply may exist") from None
        except BotApiError as refused:
            raise self._translated(refused) from None
        if not isinstance(found, dict) or not isinstance(found.get("message_id"), int):
            raise SendInterrupted("Telegram accepted the reply without saying its id")
        sent = f"{params['chat_id']}:{found['message_id']}"
        return Delivered(platform_message_id=f"{sent}:{connection}" if connection else sent)

    def _request(self, reply: OutboundReply) -> tuple[dict[str, Any], str | None]:
        params: dict[str, Any] = {"text": reply.text, "link_preview_options": {"is_disabled": True}}
        business = business_target(reply.target_message_id)
        if business is not None:
            chat, _, connection_id = business
            self._check_connection(reply.account_id, connection_id)
            params |= {"chat_id": chat, "business_connection_id": connection_id}
            return params, connection_id
        target = _CHAT_MESSAGE.fullmatch(reply.target_message_id)
        if target is None and reply.target_message_id:
            raise SendRefused("telegram-bad-target", "the customer's message has an unknown id")
        if target is None:  # no stored message to answer: the private chat is the customer's
            private = reply.target_kind is MessageKind.DIRECT
            if not private or not re.fullmatch(r"[0-9]{1,16}", reply.customer_id, re.ASCII):
                raise SendRefused("telegram-no-target", "the customer's message is gone")
            params["chat_id"] = int(reply.customer_id)
            return params, None
        params["chat_id"] = int(target[1])
        if reply.target_kind is not MessageKind.DIRECT:
            # In a group the answer hangs under the customer's message.
            params["reply_parameters"] = {
                "message_id": int(target[2]),
                "allow_sending_without_reply": True,
            }
        return params, None

    def _check_connection(self, bot_id: str, connection_id: str) -> None:
        connection = self._connections.find(bot_id, connection_id)
        if connection is None:
            raise SendRefused(
                "telegram-business-unknown",
                "the Telegram Business connection this chat came through is not known any more",
            )
        if not connection.listed_in(self._business_accounts.get(bot_id, ())):
            raise SendRefused(
                "telegram-business-not-listed",
                f"the Telegram account {connection.account} that connected the bot is not one of"
                " the brand's (business_accounts in brand.yaml)",
            )
        refusal = connection.refusal()
        if refusal is not None:
            code = "telegram-business-paused" if not connection.is_enabled else "telegram-no-reply"
            raise SendRefused(code, refusal)

    def _translated(self, refused: BotApiError) -> Exception:
        if refused.code == 429:
            wait = refused.retry_after if refused.retry_after is not None else None
            return SendPostponed("telegram-429", self._clock() + (wait or DEFAULT_POSTPONE_SECONDS))
        if refused.code in (401, 404):
            return ConfigurationError("Telegram refused the bot's token (revoked or wrong)")
        if refused.code >= 500 or refused.code < 400:
            return SendInterrupted(f"Telegram answered {refused.code}: the reply may exist")
        return _refusal(refused)


def _refusal(refused: BotApiError) -> SendRefused:
    """Telegram's 4xx (not 401, 404 or 429): matched on the description, as Telegram advises
    (its codes may change)."""
    said = refused.description
    if refused.code == 403:
        for words, (code, explanation) in UNREACHABLE.items():
            if words in said:
                return CustomerUnreachable(code, explanation)
    if refused.migrate_to_chat_id is not None:
        return SendRefused(
            "telegram-migrated",
            "the group became a supergroup with a new id; answer this one in Telegram",
        )
    for words, explanation in REFUSALS.items():
        if words in said:
            return SendRefused(f"telegram-{refused.code}", explanation)
    return SendRefused(
        f"telegram-{refused.code}", f"Telegram refused the reply ({said[:200] or 'no reason'})"
    )
