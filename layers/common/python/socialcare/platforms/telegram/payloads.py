"""Telegram Bot API updates as socialcare reads them (docs/platforms-telegram.md). One update
per request, with exactly one of its kinds set; the kinds the desk does not use are kept as
raw values (acknowledged and logged), so a new kind never costs a delivery."""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from socialcare.platforms.parsing import SafeText

ChatId = Annotated[int, Field(ge=-(10**15), le=10**15)]
UserId = Annotated[int, Field(gt=0, lt=10**15)]
# 0 exists on rare messages (Telegram's note): read, never used as an identity (normalise).
MessageId = Annotated[int, Field(ge=0, lt=2**31)]
Seconds = Annotated[int, Field(ge=0, le=10**11)]
Username = Annotated[str, Field(pattern=r"^[A-Za-z0-9_]{3,32}$")]
# Telegram's business connection ids are opaque strings: any printable ASCII is accepted.
ConnectionId = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[!-~]+$")]


class _Read(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class User(_Read):
    id: UserId
    is_bot: bool = False
    first_name: SafeText = ""
    last_name: SafeText | None = None
    username: Username | None = None
    language_code: Annotated[str, Field(max_length=35)] | None = None

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p) or ""


class Chat(_Read):
    id: ChatId
    type: Literal["private", "group", "supergroup", "channel"]
    title: SafeText | None = None
    username: Username | None = None


class Entity(_Read):
    type: Annotated[str, Field(max_length=40)]
    offset: Annotated[int, Field(ge=0)]
    length: Annotated[int, Field(ge=0)]
    user: User | None = None  # a text_mention: a person named without a username


class FileRef(_Read):
    file_id: Annotated[str, Field(min_length=1, max_length=300)]
    file_name: SafeText | None = None


class Message(_Read):
    message_id: MessageId
    date: Seconds
    chat: Chat
    from_: User | None = Field(default=None, alias="from")
    sender_chat: Chat | None = None  # written as a chat (a channel, an anonymous admin)
    text: SafeText = ""
    caption: SafeText = ""
    entities: list[Entity] = Field(default_factory=list, max_length=500)
    caption_entities: list[Entity] = Field(default_factory=list, max_length=500)
    reply_to_message: "Message | None" = None
    message_thread_id: MessageId | None = None
    is_automatic_forward: bool = False  # a channel post's copy in its discussion group
    edit_date: Seconds | None = None
    business_connection_id: ConnectionId | None = None
    sender_business_bot: User | None = None  # the business account's bot wrote it (ours)
    photo: list[FileRef] = Field(default_factory=list, max_length=20)
    document: FileRef | None = None
    voice: FileRef | None = None
    video: FileRef | None = None
    sticker: FileRef | None = None
    new_chat_members: list[User] = Field(default_factory=list, max_length=200)  # a service one

    @property
    def words(self) -> str:
        return self.text or self.caption

    @property
    def word_entities(self) -> list[Entity]:
        return self.entities if self.text else self.caption_entities


class BusinessBotRights(_Read):
    """What the business account lets its bot do (each right absent = not granted). The desk
    needs ``can_reply``: answering private chats that wrote within 24 hours."""

    can_reply: bool = False
    can_read_messages: bool = False
    can_delete_sent_messages: bool = False
    can_delete_all_messages: bool = False


class BusinessConnection(_Read):
    """A Telegram Business account connected to the brand's bot; sent again on every change."""

    id: ConnectionId
    user: User  # the business account (the brand's own)
    user_chat_id: ChatId
    date: Seconds
    rights: BusinessBotRights = BusinessBotRights()
    is_enabled: bool


class BusinessMessagesDeleted(_Read):
    business_connection_id: ConnectionId
    chat: Chat
    message_ids: list[MessageId] = Field(max_length=100_000)  # a whole chat cleared at once


class ChatMember(_Read):
    status: Annotated[str, Field(max_length=40)]  # creator, administrator, member, left, kicked...
    user: User


class ChatMemberUpdated(_Read):
    """The bot's own membership changed: in a private chat, the customer blocked the bot
    (``kicked``) or unblocked it (``member``)."""

    chat: Chat
    from_: User = Field(alias="from")
    date: Seconds
    new_chat_member: ChatMember


class Update(_Read):
    """One update: its id, and the kind it carries (the others stay unset)."""

    update_id: Annotated[int, Field(ge=0, lt=2**53)]
    message: Message | None = None
    edited_message: Message | None = None
    business_message: Message | None = None
    edited_business_message: Message | None = None
    business_connection: BusinessConnection | None = None
    deleted_business_messages: BusinessMessagesDeleted | None = None
    my_chat_member: ChatMemberUpdated | None = None

    def kind(self, raw: dict[str, Any]) -> str:
        """The update's kind, as Telegram names it (the one key besides ``update_id``)."""
        return next((k for k in raw if k != "update_id"), "empty")
