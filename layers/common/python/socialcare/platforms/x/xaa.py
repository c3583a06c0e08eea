"""X Activity API (XAA) webhook payloads, only the fields we use.

What X documents (read December 2026; XAA is still marked open beta, so shapes may move):

- docs.x.com/x-api/activity/event-payloads: every event shares one envelope, delivered as
  ``{"data": {"event_uuid", "filter", "event_type", "tag", "payload", "includes"}}``:
  ``event_uuid`` identifies the delivery (a signed 64-bit number as a string, sometimes
  negative), ``filter`` is the subscription's filter (``{"user_id": ...}``, with optional
  ``direction``; EMPTY for ``oauth.revoke``), ``tag`` the subscription's optional label,
  ``includes`` optional expansions (``users``, ``tweets``).
  The docs show one event per POST. Whether a webhook ever batches several is not written
  anywhere: we accept ``data`` as one event or a list of events, and refuse anything else
  with a 400 that says so, rather than guess.
- x-api/account-activity/migrate/aaa-to-xaa-migration: AAA ends on 1 January 2027; "every
  activity type AAA delivers has an equivalent XAA event". The mapping table itself was not
  readable to us, so the event names below are the ones the payload page and the
  introduction document: ``post.create`` (the filtered user's own posts),
  ``post.mention.create`` (someone @mentions the filtered user explicitly),
  ``post.reply.create`` (a direct reply to one of the filtered user's posts; "does not fire
  for replies to replies"), ``post.quote.create`` (a direct quote of one of its posts, with
  ``referenced_tweets`` type ``quoted``), ``post.repost.create`` (nothing to answer),
  ``post.delete`` ("when the filtered user deletes a Post": X documents it for the
  account's OWN posts; a customer's deletion reaches us only if X maps AAA's
  ``tweet_delete_events`` for mentions onto it, which is not documented: we mark any stored
  post it names), ``dm.received``/``dm.sent`` (payload: AAA's ``direct_message_events``
  plus a ``users`` map whose values are wrapped in ``{"data": {...}}``, v2 user fields),
  ``chat.received``/``chat.sent`` (XChat, encrypted: ``encoded_event`` needs the chat keys;
  ``id`` is a UUID, ``created_at_msec``, ``sender_id``, ``conversation_id`` ``"<a>:<b>"``),
  ``oauth.revoke`` (payload ``user_id``, ``app_id``, ``date_time``; ``filter`` may be
  empty).
  A reply to the brand carries no explicit mention, so ``post.mention.create`` alone misses
  most replies: the desk takes all three post events. A post that comes by two of them
  (a reply that also @mentions the brand) is stored once, like any duplicate.
- Inconsistencies in those pages: ``includes.users`` items are plain v2 users for
  ``post.create``/``post.mention.create`` but ``{"data": {...}}``-wrapped for
  ``post.delete`` (and in the DM ``users`` map): both forms are read.

So that a wrong guess fails loudly: an event type not listed here is logged as an ERROR
with its type, counted (``XUnreadableEvent``) and acknowledged; a listed type whose payload
does not match is a named problem (400 when nothing in the delivery was readable).
"""

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from socialcare.platforms.dates import from_epoch
from socialcare.platforms.parsing import SafeText
from socialcare.platforms.x.payloads import IdStr, Millis, Reach, XDirectMessage

EventType = Annotated[str, Field(pattern=r"^[a-z_]+(\.[a-z_]+){1,3}$", max_length=64)]

POST_EVENTS = frozenset(
    {"post.create", "post.mention.create", "post.reply.create", "post.quote.create"}
)
DM_EVENTS = frozenset({"dm.received", "dm.sent"})
CHAT_RECEIVED = "chat.received"
POST_DELETE = "post.delete"
OAUTH_REVOKE = "oauth.revoke"
# Documented, and nothing for the desk: acknowledged with an INFO log.
NOT_FOR_THE_DESK = frozenset(
    {
        "post.repost.create",  # a repost says nothing to answer
        "chat.sent",  # our own encrypted chat: it has no readable text to thread
        "chat.conversation_join",  # a deprecated alias of chat.conversation.join
        "chat.conversation.join",
        "chat.conversation.member_added",
        "chat.conversation.member_removed",
        "chat.conversation.admin_added",
        "chat.conversation.admin_removed",
        "chat.update.group_name",
        "chat.update.restrictions",
        "broadcast.start",
        "broadcast.end",
        "broadcast.chat",
        "dm.read",
        "dm.indicate_typing",
        "like.create",
        "like.delete",
        "follow.follow",
        "follow.unfollow",
        "mute.mute",
        "mute.unmute",
        "block.block",
        "block.unblock",
        "spaces.start",
        "spaces.end",
        "news.new",
    }
)
HANDLED = POST_EVENTS | DM_EVENTS | {CHAT_RECEIVED, POST_DELETE, OAUTH_REVOKE}


def known(event_type: str) -> bool:
    return (
        event_type in HANDLED
        or event_type in NOT_FOR_THE_DESK
        or event_type.startswith("profile.update.")
    )


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


def _unwrap_data(value: Any) -> Any:
    """Some XAA pages wrap a user as ``{"data": {...}}``, others do not."""
    if isinstance(value, dict) and set(value) == {"data"} and isinstance(value["data"], dict):
        return value["data"]
    return value


class XaaMetrics(_Lenient):
    followers_count: Reach | None = None


class XaaUser(_Lenient):
    id: IdStr
    name: SafeText | None = None
    username: SafeText | None = None
    verified: bool | None = None
    public_metrics: XaaMetrics | None = None

    @model_validator(mode="before")
    @classmethod
    def _unwrapped(cls, value: Any) -> Any:
        return _unwrap_data(value)

    @property
    def followers(self) -> int | None:
        return self.public_metrics.followers_count if self.public_metrics else None


class XaaMention(_Lenient):
    id: IdStr | None = None  # X omits it when the handle no longer resolves
    username: SafeText | None = None


class XaaEntities(_Lenient):
    mentions: list[XaaMention] = []


class XaaReference(_Lenient):
    type: str
    id: IdStr


class XaaNote(_Lenient):
    text: SafeText


class XaaPost(_Lenient):
    """A v2 post object, as ``payload`` of post events and in ``includes.tweets``."""

    id: IdStr
    text: SafeText = ""
    note_tweet: XaaNote | None = None  # a long post: its whole text
    author_id: IdStr
    conversation_id: IdStr | None = None
    created_at: datetime
    referenced_tweets: list[XaaReference] = []
    entities: XaaEntities = XaaEntities()

    def referenced(self, kind: str) -> str | None:
        return next((r.id for r in self.referenced_tweets if r.type == kind), None)

    @property
    def full(self) -> str:
        return self.note_tweet.text if self.note_tweet is not None else self.text


class XaaIncludedPost(_Lenient):
    id: IdStr
    author_id: IdStr | None = None


class XaaIncludes(_Lenient):
    users: list[XaaUser] = []
    tweets: list[XaaIncludedPost] = []

    def user(self, user_id: str) -> XaaUser | None:
        return next((u for u in self.users if u.id == user_id), None)

    def author_of(self, post_id: str) -> str | None:
        return next((t.author_id for t in self.tweets if t.id == post_id), None)


class XaaDeletedPost(_Lenient):
    id: IdStr
    author_id: IdStr | None = None


class XaaDirectMessages(_Lenient):
    direct_message_events: list[XDirectMessage]
    users: dict[str, XaaUser] = {}


class XaaChat(_Lenient):
    """An encrypted XChat message: we read who and when, never ``encoded_event``."""

    id: Annotated[str, Field(pattern=r"^[0-9A-Za-z-]{1,64}$")]
    sender_id: IdStr
    conversation_id: Annotated[str, Field(pattern=r"^[0-9]{1,25}(:[0-9]{1,25})*$")]
    created_at_msec: Millis

    @property
    def claimed_at(self) -> datetime | None:
        return from_epoch(int(self.created_at_msec) / 1000)


class XaaRevoke(_Lenient):
    user_id: IdStr
    app_id: str | None = None
    date_time: str | None = None


class XaaFilter(_Lenient):
    user_id: IdStr | None = None


class XaaEvent(BaseModel):
    """One event in its envelope. ``payload`` is read per ``event_type`` (``xaa_events``)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    event_uuid: Annotated[str, Field(pattern=r"^-?[0-9A-Za-z-]{1,64}$")]
    filter: XaaFilter = XaaFilter()
    event_type: EventType
    tag: SafeText | None = None
    payload: dict[str, Any] = {}
    includes: dict[str, Any] = {}

    @property
    def account(self) -> str | None:
        """The subscribed account: the filter's user, or the revoking user (empty filter)."""
        if self.filter.user_id is not None:
            return self.filter.user_id
        if self.event_type == OAUTH_REVOKE:
            user = self.payload.get("user_id")
            return user if isinstance(user, str) else None
        return None


class XaaDelivery(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    data: XaaEvent | Annotated[list[XaaEvent], Field(min_length=1, max_length=100)] = Field(
        description="one event, or (undocumented, accepted) a list of events"
    )

    @property
    def events(self) -> list[XaaEvent]:
        return self.data if isinstance(self.data, list) else [self.data]


def is_xaa(body: Any) -> bool:
    """XAA wraps its event in ``data``; AAA's envelope is ``for_user_id`` plus event arrays."""
    return isinstance(body, dict) and "data" in body and "for_user_id" not in body
