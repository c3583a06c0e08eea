"""Telegram updates as Telegram sends them (docs/platforms-telegram.md), for the samples in
``events/``, the tests and the local stack: a private chat with the brand's bot, group
messages (addressed to the brand or not), a comment under the channel's post, an edit; each
with the bot's secret token header unless told otherwise."""

from typing import Any

from socialcare.platforms.telegram.secret import SECRET_HEADER
from socialcare_tools import local_secrets as local
from socialcare_tools.apigw import http_event, json_bytes

BOT_ID = int(local.TELEGRAM_BOT_ID)
BOT_USERNAME = "AcmeSupportBot"  # layers/config/brands/acme/brand.yaml
SENT = 1787566502  # 2026-08-24T10:15:02Z
JANE = {
    "id": 7001234567,
    "is_bot": False,
    "first_name": "Jane",
    "username": "janeroe",
    "language_code": "en",
}
PRIVATE = {"id": JANE["id"], "type": "private", "first_name": "Jane", "username": "janeroe"}
GROUP = {"id": -1001500000001, "type": "supergroup", "title": "Acme fans", "username": "acmefans"}
# The brand's own Telegram Business account (a person's account with Premium), and a
# customer who writes to it rather than to the bot.
ACME_ACCOUNT = {"id": 6900000001, "is_bot": False, "first_name": "Acme", "username": "acme_store"}
CONNECTION = "BcAcmeStoreConnection0001"
IVAN = {"id": 7009876543, "is_bot": False, "first_name": "Ivan", "username": "ivanp"}
IVAN_ASKS = "Заказ #4415 до сих пор не пришёл, это ужасно. Вы вообще доставляете в Минск?"
IVAN_CHAT = {"id": IVAN["id"], "type": "private", "first_name": "Ivan", "username": "ivanp"}


def message(
    text: str,
    *,
    message_id: int = 4412,
    chat: dict[str, Any] | None = None,
    author: dict[str, Any] | None = None,
    date: int = SENT,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "message_id": message_id,
        "from": author or JANE,
        "chat": chat or PRIVATE,
        "date": date,
        "text": text,
    } | extra


def mentioning_bot(text: str, **extra: Any) -> dict[str, Any]:
    """A group message naming @AcmeSupportBot (its mention entity where the name is)."""
    at = text.encode("utf-16-le").find(f"@{BOT_USERNAME}".encode("utf-16-le")) // 2
    entity = {"type": "mention", "offset": at, "length": len(BOT_USERNAME) + 1}
    return message(text, chat=GROUP, entities=[entity], **extra)


def business_connection(
    *, can_reply: bool = True, enabled: bool = True, connection: str = CONNECTION
) -> dict[str, Any]:
    """The connection as Telegram sends it when the account connects, pauses or changes the
    bot's rights (Settings > Business > Chatbots)."""
    rights = {"can_reply": True, "can_read_messages": True} if can_reply else {}
    return {
        "id": connection,
        "user": ACME_ACCOUNT,
        "user_chat_id": ACME_ACCOUNT["id"],
        "date": SENT - 86_400,
        "rights": rights,
        "is_enabled": enabled,
    }


def business_message(
    text: str,
    *,
    message_id: int = 301,
    author: dict[str, Any] | None = None,
    chat: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A customer's message to the brand's business account, as its connected bot gets it."""
    return message(
        text,
        message_id=message_id,
        chat=chat or IVAN_CHAT,
        author=author or IVAN,
        business_connection_id=CONNECTION,
        **extra,
    )


def group_message(text: str, **extra: Any) -> dict[str, Any]:
    """A message in the fans' group: a mention entity where it names the bot, as Telegram
    marks it."""
    if f"@{BOT_USERNAME}" in text:
        return mentioning_bot(text, **extra)
    return message(text, chat=GROUP, **extra)


def bot_membership(status: str, chat: dict[str, Any] | None = None) -> dict[str, Any]:
    """The bot's own membership changed: in a private chat, ``kicked`` is the customer
    blocking the bot and ``member`` unblocking it."""
    bot = {"id": BOT_ID, "is_bot": True, "first_name": "Acme Support", "username": BOT_USERNAME}
    return {
        "chat": chat or PRIVATE,
        "from": JANE,
        "date": SENT + 600,
        "old_chat_member": {"status": "member", "user": bot},
        "new_chat_member": {"status": status, "user": bot},
    }


def update(kind: str, body: dict[str, Any], update_id: int = 851203999) -> dict[str, Any]:
    return {"update_id": update_id, kind: body}


def telegram_delivery(
    payload: Any, secret_token: str | None = local.TELEGRAM_SECRET_TOKEN, **options: Any
) -> dict[str, Any]:
    """A POST /webhooks/telegram as Telegram sends it: the bot's secret token in the header."""
    body = payload if isinstance(payload, bytes) else json_bytes(payload)
    headers = {"content-type": "application/json"}
    if secret_token is not None:
        headers[SECRET_HEADER] = secret_token
    return http_event("POST", "/webhooks/telegram", body, headers, **options)


def telegram_events() -> dict[str, dict[str, Any]]:
    private = message("Hi, my order #4411 never arrived")
    ours = message(
        "We are on it", message_id=4413, chat=GROUP, author={"id": BOT_ID, "is_bot": True}
    )
    return {
        "telegram_private_message": telegram_delivery(update("message", private)),
        "telegram_group_mention": telegram_delivery(
            update("message", mentioning_bot("@AcmeSupportBot where is my parcel?"), 851204000)
        ),
        "telegram_group_reply_to_bot": telegram_delivery(
            update(
                "message",
                message("still nothing", message_id=4414, chat=GROUP, reply_to_message=ours),
                851204001,
            )
        ),
        "telegram_group_chatter": telegram_delivery(
            update(
                "message", message("who watched the match?", message_id=4415, chat=GROUP), 851204002
            )
        ),
        "telegram_edited_message": telegram_delivery(
            update(
                "edited_message",
                message("Hi, my order #4412 never arrived", edit_date=SENT + 60),
                851204003,
            )
        ),
        "telegram_unknown_update": telegram_delivery(
            update("message_reaction", {"chat": PRIVATE, "message_id": 4412}, 851204004)
        ),
        "telegram_wrong_secret": telegram_delivery(
            update("message", private), secret_token="an-attackers-guess-of-32-characters!"
        ),
        "telegram_missing_secret": telegram_delivery(update("message", private), secret_token=None),
        "telegram_malformed": telegram_delivery(b'{"update_id": 1, "message": '),
        "telegram_blocked_bot": telegram_delivery(
            update("my_chat_member", bot_membership("kicked"), 851204008)
        ),
        "telegram_business_connection": telegram_delivery(
            update("business_connection", business_connection(), 851204005)
        ),
        "telegram_business_message": telegram_delivery(
            update("business_message", business_message(IVAN_ASKS), 851204006)
        ),
        "telegram_business_deleted": telegram_delivery(
            update(
                "deleted_business_messages",
                {"business_connection_id": CONNECTION, "chat": IVAN_CHAT, "message_ids": [301]},
                851204007,
            )
        ),
    }
