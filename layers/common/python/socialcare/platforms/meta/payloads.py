"""Meta webhook payloads (docs/platforms-meta.md): a delivery is ``{"object": "page" |
"instagram", "entry": [...]}``, each entry an account (a Page, an Instagram professional
account) with its ``messaging`` events (Messenger, Instagram direct messages) and its
``changes`` (Page feed, Instagram comments and mentions).

The envelope is strict; each event is read on its own (``entry_events``), so one event of a
shape we do not know (Meta adds fields and kinds) is logged and passed over instead of
costing the batch's other events.
"""

from typing import Annotated, Any, Literal

from pydantic import (
    AliasChoices,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)

from socialcare.platforms.parsing import Filled, SafeText

MetaId = Annotated[str, Field(pattern=r"^[0-9]{1,25}$")]  # Pages, PSIDs, IGSIDs: digits
ItemId = Annotated[str, Field(min_length=1, max_length=300, pattern=r"^[A-Za-z0-9_.=:+/-]+$")]
Millis = Annotated[int, Field(ge=0, le=10**14)]


class MetaSecrets(BaseModel):
    """The Meta secret in Secrets Manager: the app's secret (it signs every delivery) and the
    verify token typed into the app's webhook settings (the GET handshake)."""

    app_secret: Filled = Field(min_length=1)
    # An app using Instagram Login has an Instagram app secret of its own, and which of the
    # two signs its Instagram deliveries is not settled (docs/platforms-meta.md): either is
    # accepted when it is set.
    instagram_app_secret: Filled | None = None
    verify_token: Filled = Field(min_length=8)
    # The Meta app's id (App settings, Basic; not a secret, kept with its settings). Set,
    # an echo sent by another app (Meta's own inbox, Business Suite) is a reply given outside
    # socialcare: kept in its conversation, which turns answered. Unset, echoes are skipped.
    app_id: Annotated[str, Field(pattern=r"^[0-9]{1,25}$")] | None = None

    def signing_secrets(self) -> list[str]:
        found = [self.app_secret, self.instagram_app_secret]
        return [secret.get_secret_value() for secret in found if secret is not None]


class _Read(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Party(_Read):
    id: MetaId


class AttachmentPayload(_Read):
    url: Annotated[str, Field(max_length=4000)] | None = None
    title: SafeText | None = None


class Attachment(_Read):
    type: Annotated[str, Field(max_length=50)]
    payload: AttachmentPayload | None = None


class Story(_Read):
    id: ItemId | None = None
    url: Annotated[str, Field(max_length=4000)] | None = None


class ReplyTo(_Read):
    mid: ItemId | None = None
    story: Story | None = None


class QuickReply(_Read):
    payload: Annotated[str, Field(max_length=1000)] = ""


class Message(_Read):
    mid: ItemId
    text: SafeText = ""
    attachments: list[Attachment] = Field(default_factory=list, max_length=50)
    reply_to: ReplyTo | None = None
    quick_reply: QuickReply | None = None
    is_echo: bool = False  # sent by the Page or account (our replies, the Inbox)
    app_id: int | None = None  # an echo: the app that sent it
    is_deleted: bool = False  # Instagram: the customer unsent it
    is_unsupported: bool = False


class Postback(_Read):
    mid: ItemId | None = None
    title: SafeText = ""
    payload: Annotated[str, Field(max_length=1000)] = ""


class MessageEdit(_Read):
    """Messenger: the customer edited a message they sent (its new text)."""

    mid: ItemId
    text: SafeText = ""
    num_edit: int | None = None


class MessagingEvent(_Read):
    sender: Party
    recipient: Party
    timestamp: Millis
    message: Message | None = None
    postback: Postback | None = None
    message_edit: MessageEdit | None = None
    # Known and deliberately not messages (see normalise): read receipts, deliveries,
    # reactions.
    read: Any = None
    delivery: Any = None
    reaction: Any = None


class Change(_Read):
    field: Annotated[str, Field(max_length=100)]
    value: dict[str, Any]


class Commenter(_Read):
    id: MetaId
    name: SafeText | None = None  # Facebook
    username: Annotated[str, Field(max_length=100)] | None = None  # Instagram


class FeedComment(_Read):
    """A Page ``feed`` change about a comment (``item: comment``)."""

    item: Literal["comment"]
    verb: Annotated[str, Field(max_length=30)]  # add, edited, remove, hide, unhide
    comment_id: ItemId
    post_id: ItemId
    parent_id: ItemId | None = None  # the post for a top-level comment, else the comment
    message: SafeText = ""
    from_: Commenter | None = Field(default=None, alias="from")
    created_time: Millis | None = None  # seconds since the epoch


class Media(_Read):
    id: ItemId
    media_product_type: Annotated[str, Field(max_length=30)] | None = None


class InstagramComment(_Read):
    """An Instagram ``comments`` change: a comment on one of the account's media."""

    # ``id`` with Instagram Login, ``comment_id`` in some Facebook Login examples.
    id: ItemId = Field(validation_alias=AliasChoices("id", "comment_id"))
    text: SafeText = ""
    from_: Commenter = Field(alias="from")
    media: Media
    parent_id: ItemId | None = None


class InstagramMention(_Read):
    """An Instagram ``mentions`` change: someone @mentioned the account in a comment
    (``comment_id`` and the ``media_id`` it is on) or in a media's caption (``media_id``).
    Ids only: the text is read from the Graph API (``MentionedComment``, ``MentionedMedia``)."""

    media_id: MetaId  # Instagram's ids are digits: anything else is not Meta's
    comment_id: MetaId | None = None


Username = Annotated[str, Field(pattern=r"^[A-Za-z0-9._]{1,30}$")]  # Instagram's rule
Permalink = Annotated[str, Field(max_length=500, pattern=r"^https://(www\.)?instagram\.com/")]


def _dropped_if_invalid(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    """An optional detail of an odd shape costs only itself, not the mention it belongs to."""
    try:
        return handler(value)
    except ValidationError:
        return None


OrNone = WrapValidator(_dropped_if_invalid)


class MediaLink(_Read):
    id: ItemId
    permalink: Annotated[Permalink | None, OrNone] = None


class MentionedComment(_Read):
    """``GET /{ig-user-id}?fields=mentioned_comment.comment_id(ID){...}``: the comment."""

    id: ItemId
    text: SafeText = ""
    timestamp: Annotated[AwareDatetime | None, OrNone] = None
    username: Annotated[Username | None, OrNone] = None  # its author (UNVERIFIED here)
    media: Annotated[MediaLink | None, OrNone] = None


class MentionedMedia(_Read):
    """``GET /{ig-user-id}?fields=mentioned_media.media_id(ID){...}``: the post."""

    id: ItemId
    caption: SafeText = ""
    timestamp: Annotated[AwareDatetime | None, OrNone] = None
    username: Annotated[Username | None, OrNone] = None  # its owner
    permalink: Annotated[Permalink | None, OrNone] = None


class Entry(_Read):
    id: MetaId  # the Page or the Instagram account the events are about
    time: Millis | None = None
    messaging: list[Any] = Field(default_factory=list, max_length=1000)
    changes: list[Any] = Field(default_factory=list, max_length=1000)


class Delivery(_Read):
    object: Annotated[str, Field(min_length=1, max_length=50)]  # page, instagram; others ignored
    entry: list[Entry] = Field(min_length=1, max_length=1000)
