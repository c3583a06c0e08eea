"""``InboundMessage``: one customer message, the same shape for every platform."""

import base64
import hashlib
from datetime import UTC, datetime
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, computed_field

from socialcare.models.common import ChannelType, Platform


class MessageKind(StrEnum):
    # X: a tweet that mentions or quotes the account; Instagram: a comment or caption on
    # someone else's media that @mentions the account.
    MENTION = "mention"
    REPLY = "reply"  # X: a reply in a thread
    DIRECT = "direct"  # X DM, VK private message, Messenger, Instagram direct
    COMMENT = "comment"  # Facebook: on the Page's post; Instagram: on the account's media
    STORY_REPLY = "story_reply"  # Instagram: a direct message answering our story
    STORY_MENTION = "story_mention"  # Instagram: the customer mentioned us in their story
    WALL_POST = "wall_post"  # VK: a user's post on the community wall
    WALL_COMMENT = "wall_comment"
    PHOTO_COMMENT = "photo_comment"
    BOARD_POST = "board_post"
    # X: an XChat message, end-to-end encrypted. We hold no chat keys: no text is stored,
    # the card says so and links to the chat in X (platforms/x/normalise.py).
    ENCRYPTED_CHAT = "encrypted_chat"


class Customer(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    name: str | None = None
    handle: str | None = None
    followers: int | None = Field(default=None, ge=0, description="reach, when the platform says")
    verified: bool | None = None
    profile_url: str | None = None


MENTION_SEGMENT = "mention"


def instagram_mention_key(account: str, media: str, comment: str | None) -> str:
    """An @mention of an Instagram account on someone else's media: the caption's own
    conversation (``instagram:<account>:mention:<media>``) or one per comment mentioning it."""
    return ":".join(("instagram", account, MENTION_SEGMENT, media, *([comment] if comment else [])))


def is_instagram_mention_key(key: str) -> bool:
    return key.startswith("instagram:") and key.split(":")[2:3] == [MENTION_SEGMENT]


BUSINESS_SEGMENT = "business"


def telegram_business_key(bot: str, chat: int, connection: str) -> str:
    """A customer's chat with a brand's Telegram Business account, through its bot."""
    return f"telegram:{bot}:{BUSINESS_SEGMENT}:{chat}:{connection}"


def is_telegram_business_key(key: str) -> bool:
    return key.startswith("telegram:") and key.split(":")[2:3] == [BUSINESS_SEGMENT]


def conversation_id_for(key: str) -> str:
    """Stable, short, URL- and Step-Functions-safe id derived from a conversation key."""
    digest = hashlib.sha256(key.encode()).digest()
    return base64.b32encode(digest).decode().lower()[:16]


class InboundMessage(BaseModel):
    """A message a customer wrote to the brand, normalised from any platform.

    ``thread_key`` is the conversation key this message would start on its own (design.md,
    "Conversation keys"). A reply (``in_reply_to``) joins the conversation of the message it
    answers when we stored that one; the ingest service decides, because it needs the store.
    """

    model_config = ConfigDict(frozen=True)

    platform: Platform
    account_id: str
    brand_id: str
    channel_type: ChannelType
    kind: MessageKind
    thread_key: str
    platform_message_id: str
    platform_event_id: str | None = None
    in_reply_to: str | None = None
    customer: Customer
    text: str
    sent_at: AwareDatetime
    # The platform's own date, kept only when it was not a plausible time; sent_at is then
    # when we received the message (platforms/dates.py).
    platform_sent_at: str | None = None
    link: str | None = None
    # X: the post mentions or quotes the account, the only posts X lets an app reply to.
    summoned: bool | None = None
    # Instagram mentions: the media the comment is on (a reply names both).
    posted_under: str | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def ref(self) -> str:
        """Unique across platforms and accounts: the dedup key of this message."""
        return f"{self.platform}#{self.account_id}#{self.platform_message_id}"


def iso(moment: datetime) -> str:
    """One timestamp format everywhere we sort by text: UTC, milliseconds, ``Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
