"""Telegram Business (docs/platforms-telegram.md §5): a brand's own Telegram account connects
the brand's bot, which then receives the account's private chats and may answer as the
account. The customer writes to the brand's account, not to a bot, so these are the brand's
direct messages: each customer's chat through a connection is one conversation
(``telegram:<bot>:business:<chat>:<connection>``). A message is ``<chat>:<message>:<connection>``:
message ids are the business account's, unique per chat only, and must not meet the ids of
the same customer's chat with the bot itself.

A connection the owner paused or removed (``is_enabled`` false) stops both ways: its
messages are not taken in, and nothing is sent through it. So does one from an account the
brand has not listed as its own (brand.yaml ``business_accounts``): anyone with Telegram
Premium can connect any bot to their account, and their chats are not the brand's."""

import re
from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict

from socialcare.models import ChannelType, InboundMessage, MessageKind, Platform
from socialcare.models.message import telegram_business_key
from socialcare.platforms.dates import dated, from_epoch
from socialcare.platforms.edits import Edit
from socialcare.platforms.outside import OutsideReply
from socialcare.platforms.telegram.normalise import (
    Bot,
    Found,
    noise_in,
    person_of,
    text_of,
)
from socialcare.platforms.telegram.payloads import BusinessConnection, Message, Update

BUSINESS_KINDS = frozenset(
    {"business_message", "edited_business_message", "deleted_business_messages"}
)


class Connection(BaseModel):
    """A business connection as the desk keeps it (the latest Telegram sent)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    bot_id: str
    id: str
    brand_id: str
    account_user_id: str  # the business account: its own messages are the brand's
    account_name: str | None = None
    account_username: str | None = None
    user_chat_id: int  # the bot's chat with the account's owner
    is_enabled: bool
    can_reply: bool
    rights: dict[str, bool]
    connected_at: AwareDatetime

    @classmethod
    def of(cls, payload: BusinessConnection, bot: Bot) -> "Connection":
        granted = payload.rights.model_dump()
        return cls(
            bot_id=str(bot.id),
            id=payload.id,
            brand_id=bot.brand.id,
            account_user_id=str(payload.user.id),
            account_name=payload.user.name or None,
            account_username=payload.user.username,
            user_chat_id=payload.user_chat_id,
            is_enabled=payload.is_enabled,
            can_reply=payload.rights.can_reply,
            rights={k: v for k, v in granted.items() if v},
            connected_at=from_epoch(payload.date),
        )

    def listed_in(self, accounts: tuple[str, ...]) -> bool:
        """The brand named this account (by user id or @username) as its own."""
        named = {a.lower().removeprefix("@") for a in accounts}
        username = (self.account_username or "").lower()
        return self.account_user_id in named or bool(username and username in named)

    @property
    def account(self) -> str:
        return f"@{self.account_username}" if self.account_username else self.account_name or ""

    def refusal(self) -> str | None:
        """Why nothing may be sent through this connection now (None: it may)."""
        if not self.is_enabled:
            return (
                f"the Telegram Business account {self.account} has paused or disconnected the"
                " brand's bot (Telegram > Settings > Business > Chatbots)"
            )
        if not self.can_reply:
            return (
                f"the Telegram Business account {self.account} has not given the brand's bot the"
                ' right to reply ("Reply to messages" in Settings > Business > Chatbots)'
            )
        return None


def business_message_id(message: Message, connection_id: str) -> str:
    return f"{message.chat.id}:{message.message_id}:{connection_id}"


_BUSINESS_ID = re.compile(r"(-?[0-9]{1,16}):([0-9]{1,10}):(.+)", re.ASCII)


def business_target(platform_message_id: str) -> tuple[int, int, str] | None:
    """(chat, message, connection) of a business message's id; None for any other."""
    found = _BUSINESS_ID.fullmatch(platform_message_id)
    if found is None:
        return None
    return int(found[1]), int(found[2]), found[3]


def connection_of(update: Update) -> str | None:
    """The connection a business update came through."""
    if update.deleted_business_messages is not None:
        return update.deleted_business_messages.business_connection_id
    message = update.business_message or update.edited_business_message
    return message.business_connection_id if message is not None else None


def read_business(
    update: Update, bot: Bot, connection: Connection | None, received_at: datetime
) -> Found:
    found = Found()
    if connection is None:
        found.skipped.append("a business update of a connection Telegram does not know")
        return found
    if not connection.is_enabled:
        found.skipped.append("a business update of a paused or disconnected account")
        return found
    if not connection.listed_in(bot.business_accounts):
        found.skipped.append(
            "a business update of an account the brand has not listed (business_accounts)"
        )
        return found
    if update.deleted_business_messages is not None:
        gone = update.deleted_business_messages
        found.deleted.extend(
            f"{Platform.TELEGRAM}#{bot.id}#{gone.chat.id}:{mid}:{connection.id}"
            for mid in gone.message_ids
        )
        return found
    message = update.business_message or update.edited_business_message
    assert message is not None  # connection_of found one
    if update.business_message is not None and _typed_by_the_owner(message, connection):
        found.outside.append(_outside(message, bot, connection, received_at))
        return found
    why = _not_the_customers(message, bot, connection)
    if why is not None:
        found.skipped.append(why)
    elif update.edited_business_message is not None:
        stamp = message.edit_date or message.date
        at = dated(Platform.TELEGRAM, from_epoch(stamp), str(stamp), received_at).sent_at
        mid = business_message_id(message, connection.id)
        found.edited.append(Edit(Platform.TELEGRAM, str(bot.id), mid, text_of(message), at))
    else:
        found.messages.append(_inbound(message, bot, connection, received_at))
    return found


def _typed_by_the_owner(message: Message, connection: Connection) -> bool:
    """The account's owner answered in Telegram itself (not through the bot: that one carries
    ``sender_business_bot``)."""
    author = message.from_
    return (
        message.chat.type == "private"
        and message.sender_business_bot is None
        and author is not None
        and str(author.id) == connection.account_user_id
        and message.message_id != 0
    )


def _outside(
    message: Message, bot: Bot, connection: Connection, received_at: datetime
) -> tuple[str, OutsideReply]:
    when = dated(Platform.TELEGRAM, from_epoch(message.date), str(message.date), received_at)
    key = telegram_business_key(str(bot.id), message.chat.id, connection.id)
    reply = OutsideReply(
        platform=Platform.TELEGRAM,
        account=str(bot.id),
        mid=business_message_id(message, connection.id),
        text=text_of(message),
        at=when.sent_at,
        route="private",
    )
    return key, reply


def _not_the_customers(message: Message, bot: Bot, connection: Connection) -> str | None:
    if message.chat.type != "private":
        return f"a business message in a {message.chat.type}"
    if message.sender_business_bot is not None:
        return "sent on the account's behalf by a bot (ours, from the desk)"
    author = message.from_
    if author is not None and str(author.id) == connection.account_user_id:
        return "the business account's own message (answered in Telegram itself)"
    return noise_in(message, bot)


def _inbound(
    message: Message, bot: Bot, connection: Connection, received_at: datetime
) -> InboundMessage:
    when = dated(Platform.TELEGRAM, from_epoch(message.date), str(message.date), received_at)
    chat = message.chat.id
    return InboundMessage(
        platform=Platform.TELEGRAM,
        account_id=str(bot.id),
        brand_id=bot.brand.id,
        channel_type=ChannelType.PRIVATE,
        kind=MessageKind.DIRECT,
        thread_key=telegram_business_key(str(bot.id), chat, connection.id),
        platform_message_id=business_message_id(message, connection.id),
        customer=person_of(message.from_),
        text=text_of(message),
        sent_at=when.sent_at,
        platform_sent_at=when.platform_sent_at,
    )
