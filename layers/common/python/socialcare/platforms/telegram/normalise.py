"""Telegram updates -> what socialcare stores (docs/platforms-telegram.md).

Conversation keys: a private chat with the brand's bot is the bot and the chat
(``telegram:<bot>:<chat>``). In a group the bot is addressed, not overheard: a message that
mentions the bot, names one of the brand's keywords or replies to the bot opens a
conversation of its own (``telegram:<bot>:<chat>:<message>``), and a reply to a stored
message joins that message's conversation. In a channel's discussion group a comment on the
channel's post (a reply to its automatic forward) is a public comment. The rest of a group's
chatter, other bots, our own bot and service messages are never customer messages. A message
is identified by its chat and id (``<chat>:<message>``: ids are unique per chat only), so a
redelivered update changes nothing; an edit is kept beside the first text.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime

from socialcare.config import Brand
from socialcare.config.brands import TelegramBot
from socialcare.models import ChannelType, Customer, InboundMessage, MessageKind, Platform
from socialcare.platforms.dates import dated, from_epoch
from socialcare.platforms.edits import Edit
from socialcare.platforms.outside import OutsideReply
from socialcare.platforms.telegram.payloads import (
    ChatMemberUpdated,
    Entity,
    Message,
    Update,
    User,
)


@dataclass(frozen=True)
class Bot:
    """The brand's bot: its id, its @username (mentions name it) and the brand's keywords."""

    id: int
    username: str
    brand: Brand
    keywords: tuple[str, ...] = ()
    business_accounts: tuple[str, ...] = ()  # user ids and @usernames (brand.yaml)

    @classmethod
    def of(cls, account: TelegramBot, brand: Brand) -> "Bot":
        return cls(
            int(account.id), account.handle, brand, account.keywords, account.business_accounts
        )


@dataclass
class Found:
    messages: list[InboundMessage] = field(default_factory=list)
    edited: list[Edit] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)  # references of deleted messages
    # Replies the brand typed in Telegram itself, with their conversation's key.
    outside: list[tuple[str, OutsideReply]] = field(default_factory=list)
    # A private chat's customer blocked the bot (the reason) or unblocked it (None), and when:
    # (conversation key, why unreachable, Telegram's date of the change).
    reachability: tuple[str, str | None, datetime] | None = None
    skipped: list[str] = field(default_factory=list)  # reasons, for the log


def thread_key(bot: Bot, chat_or_message: str) -> str:
    """A private chat (``<chat>``) or a group message's own conversation (``<chat>:<msg>``)."""
    return f"{Platform.TELEGRAM}:{bot.id}:{chat_or_message}"


def message_id(message: Message) -> str:
    return f"{message.chat.id}:{message.message_id}"


def read_update(update: Update, kind: str, bot: Bot, received_at: datetime) -> Found:
    found = Found()
    if update.message is not None:
        _message(update.message, bot, received_at, found)
    elif update.edited_message is not None:
        _edited(update.edited_message, bot, received_at, found)
    elif update.my_chat_member is not None:
        _membership(update.my_chat_member, bot, received_at, found)
    else:
        found.skipped.append(f"a {kind:.40} update: not a customer message")
    return found


def noise_in(message: Message, bot: Bot) -> str | None:
    """Why a message is not a customer's (None: it is one)."""
    author = message.from_
    if message.message_id == 0:
        return "a message without an id (Telegram's 0): it cannot be told from another"
    if author is None or message.sender_chat is not None:
        return "written as a chat (a channel or an anonymous admin)"
    if author.id == bot.id:
        return "our own bot's message"
    if author.is_bot:
        return "another bot's message"
    if message.new_chat_members or not (message.words or _media(message)):
        return "a service message"
    return None


def _message(message: Message, bot: Bot, received_at: datetime, found: Found) -> None:
    why = noise_in(message, bot)
    if why is not None:
        found.skipped.append(why)
        return
    chat = message.chat
    if chat.type == "private":
        kind, channel, key, parent = MessageKind.DIRECT, ChannelType.PRIVATE, str(chat.id), None
    elif chat.type in ("group", "supergroup"):
        addressed = _addressed(message, bot)
        if addressed is None:
            found.skipped.append("group chatter: neither mentions nor answers the bot")
            return
        kind, channel = addressed, ChannelType.PUBLIC
        key = f"{chat.id}:{message.message_id}"
        replied = message.reply_to_message
        parent = message_id(replied) if replied is not None else None
    else:
        found.skipped.append(f"a message in a {chat.type}")
        return
    when = dated(Platform.TELEGRAM, from_epoch(message.date), str(message.date), received_at)
    found.messages.append(
        InboundMessage(
            platform=Platform.TELEGRAM,
            account_id=str(bot.id),
            brand_id=bot.brand.id,
            channel_type=channel,
            kind=kind,
            thread_key=thread_key(bot, key),
            platform_message_id=message_id(message),
            in_reply_to=parent,
            customer=person_of(message.from_),
            text=text_of(message),
            sent_at=when.sent_at,
            platform_sent_at=when.platform_sent_at,
            link=_link(message),
        )
    )


def _addressed(message: Message, bot: Bot) -> MessageKind | None:
    """How a group message addresses the brand, if it does: a comment on the channel's post,
    a reply to the bot, a mention of the bot or one of the brand's keywords."""
    replied = message.reply_to_message
    if replied is not None and replied.is_automatic_forward:
        return MessageKind.COMMENT
    if replied is not None and replied.from_ is not None and replied.from_.id == bot.id:
        return MessageKind.REPLY
    if _mentions(message, bot) or _keyword(message.words, bot.keywords):
        return MessageKind.MENTION
    return None


def _mentions(message: Message, bot: Bot) -> bool:
    return any(_names_bot(e, message.words, bot) for e in message.word_entities)


def _names_bot(entity: Entity, text: str, bot: Bot) -> bool:
    if entity.type == "text_mention":
        return entity.user is not None and entity.user.id == bot.id
    if entity.type not in ("mention", "bot_command"):
        return False
    # Offsets count UTF-16 code units (Telegram's rule): an emoji before the mention counts 2.
    units = text.encode("utf-16-le")
    named = units[entity.offset * 2 : (entity.offset + entity.length) * 2].decode(
        "utf-16-le", errors="replace"
    )
    if entity.type == "bot_command":
        return named.lower().endswith(f"@{bot.username.lower()}")
    return named.lower() == f"@{bot.username.lower()}"


def _keyword(text: str, keywords: tuple[str, ...]) -> bool:
    lowered = text.casefold()
    return any(re.search(rf"(?<!\w){re.escape(k.casefold())}(?!\w)", lowered) for k in keywords)


BLOCKED = "the customer has blocked the brand's bot"


def _membership(change: ChatMemberUpdated, bot: Bot, received_at: datetime, found: Found) -> None:
    """In a private chat the bot's membership is the customer's choice: ``kicked`` when they
    block the bot, ``member`` when they unblock it. In groups it is the admins': the sender
    learns of that when Telegram refuses a reply."""
    status = change.new_chat_member.status
    if change.chat.type != "private" or status not in ("kicked", "member"):
        found.skipped.append(f"the bot's membership in a {change.chat.type} is now {status:.20}")
        return
    key = thread_key(bot, str(change.chat.id))
    when = dated(Platform.TELEGRAM, from_epoch(change.date), str(change.date), received_at)
    found.reachability = (key, BLOCKED if status == "kicked" else None, when.sent_at)


def _edited(message: Message, bot: Bot, received_at: datetime, found: Found) -> None:
    if noise_in(message, bot) is not None:
        found.skipped.append("an edit of a message that is not a customer's")
        return
    stamp = message.edit_date or message.date
    at = dated(Platform.TELEGRAM, from_epoch(stamp), str(stamp), received_at).sent_at
    found.edited.append(
        Edit(Platform.TELEGRAM, str(bot.id), message_id(message), text_of(message), at)
    )


def _media(message: Message) -> list[str]:
    found = []
    if message.photo:
        found.append(f"[photo: {message.photo[-1].file_id}]")  # the largest size is last
    for name in ("document", "voice", "video", "sticker"):
        ref = getattr(message, name)
        if ref is not None:
            label = f" {ref.file_name}" if ref.file_name else ""
            found.append(f"[{name}{label}: {ref.file_id}]")
    return found


def text_of(message: Message) -> str:
    """The words (text, or a media's caption) and each attachment as a file reference."""
    return "\n".join([*([message.words] if message.words else []), *_media(message)])


def person_of(user: User | None) -> Customer:
    assert user is not None  # a customer's message has an author (checked before)
    handle = user.username
    return Customer(
        id=str(user.id),
        name=user.name or None,
        handle=handle,
        profile_url=f"https://t.me/{handle}" if handle else None,
    )


def _link(message: Message) -> str | None:
    """A public supergroup's message has an address; private chats and private groups none."""
    if message.chat.type == "supergroup" and message.chat.username:
        return f"https://t.me/{message.chat.username}/{message.message_id}"
    return None
