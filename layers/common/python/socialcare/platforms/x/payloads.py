"""Account Activity API payloads (v1.1 objects), only the fields we use.

Unknown fields are ignored; every event array we do not handle is acknowledged.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    model_validator,
)

from socialcare.platforms.dates import from_epoch
from socialcare.platforms.parsing import SafeText, describe, not_a_placeholder

IdStr = Annotated[str, Field(pattern=r"^[0-9]{1,25}$")]
Reach = Annotated[int, Field(ge=0, le=10**12)]
Millis = Annotated[str, Field(pattern=r"^[0-9]{1,15}$")]
TWITTER_TIME = "%a %b %d %H:%M:%S %z %Y"


class XSecrets(BaseModel):
    """The X secret in Secrets Manager: ``{"consumer_secret": "..."}``."""

    consumer_secret: Annotated[SecretStr, AfterValidator(not_a_placeholder)] = Field(min_length=1)


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class XUser(_Lenient):
    id_str: IdStr
    name: SafeText | None = None
    screen_name: SafeText | None = None
    followers_count: Reach | None = None
    verified: bool | None = None


class XMention(_Lenient):
    id_str: IdStr


class XEntities(_Lenient):
    user_mentions: list[XMention] = []


class XQuoted(_Lenient):
    user: XUser


class XExtendedTweet(_Lenient):
    full_text: SafeText


class XTweet(_Lenient):
    id_str: IdStr
    text: SafeText = ""
    full_text: SafeText | None = None
    truncated: bool = False
    extended_tweet: XExtendedTweet | None = None
    in_reply_to_status_id_str: IdStr | None = None
    in_reply_to_user_id_str: IdStr | None = None
    user: XUser
    entities: XEntities = XEntities()
    retweeted_status: dict[str, Any] | None = None
    quoted_status: XQuoted | None = None
    timestamp_ms: Millis | None = None
    created_at: str | None = None

    @model_validator(mode="after")
    def _has_a_time(self) -> "XTweet":
        if self.timestamp_ms is None and self.created_at is None:
            raise ValueError("a tweet needs timestamp_ms or created_at")
        if self.timestamp_ms is None:
            try:
                datetime.strptime(self.created_at or "", TWITTER_TIME)
            except ValueError as exc:
                raise ValueError(
                    f"created_at is not a time in X's format {TWITTER_TIME!r}: {exc}"
                ) from None
        return self

    @property
    def raw_time(self) -> str:
        """The platform's own value: ``timestamp_ms`` when present (exact), else
        ``created_at`` (to the second)."""
        return self.timestamp_ms or self.created_at or ""

    @property
    def claimed_at(self) -> datetime | None:
        """The time X says, plausible or not (``platforms.dates`` decides); None when it is
        no representable time."""
        if self.timestamp_ms is not None:
            return from_epoch(int(self.timestamp_ms) / 1000)
        return datetime.strptime(self.created_at or "", TWITTER_TIME)

    @property
    def full(self) -> str:
        """The whole text: ``extended_tweet.full_text`` when the tweet was truncated."""
        if self.extended_tweet is not None:
            return self.extended_tweet.full_text
        return self.full_text if self.full_text is not None else self.text


class XMessageTarget(_Lenient):
    recipient_id: IdStr


class XMessageData(_Lenient):
    text: SafeText = ""


class XMessageCreate(_Lenient):
    target: XMessageTarget
    sender_id: IdStr
    message_data: XMessageData


class XDirectMessage(_Lenient):
    type: str
    id: IdStr
    created_timestamp: Millis
    message_create: XMessageCreate | None = None

    @property
    def claimed_at(self) -> datetime | None:
        return from_epoch(int(self.created_timestamp) / 1000)


class XDmUser(_Lenient):
    id: IdStr
    name: SafeText | None = None
    screen_name: SafeText | None = None
    followers_count: Reach | None = None
    verified: bool | None = None


class XDeletedStatus(_Lenient):
    id: IdStr
    user_id: IdStr


class XDeleteEvent(_Lenient):
    """``tweet_delete_events``: a post was deleted (X sends it for compliance)."""

    status: XDeletedStatus
    timestamp_ms: Millis | None = None


class XWebhook(_Lenient):
    """The envelope: the subscribed account plus one array of events."""

    model_config = ConfigDict(extra="allow", frozen=True)  # other kinds: logged, acknowledged

    for_user_id: IdStr
    # Events are validated one by one (events()): one bad event must not lose the others.
    tweet_create_events: list[dict[str, Any]] | None = None
    direct_message_events: list[dict[str, Any]] | None = None
    tweet_delete_events: list[dict[str, Any]] | None = None
    users: dict[str, XDmUser] = {}
    user_event: dict[str, Any] | None = None

    def events(self) -> "XEvents":
        found = XEvents()
        models: tuple[tuple[str, list[dict[str, Any]] | None, type[BaseModel]], ...] = (
            ("tweet_create_events", self.tweet_create_events, XTweet),
            ("direct_message_events", self.direct_message_events, XDirectMessage),
            ("tweet_delete_events", self.tweet_delete_events, XDeleteEvent),
        )
        for kind, raw_events, model in models:
            for index, raw in enumerate(raw_events or []):
                try:
                    event = model.model_validate(raw)
                except ValidationError as exc:
                    found.problems += [
                        {
                            "field": ".".join(
                                f for f in (kind, str(index), p["field"]) if f != "(body)"
                            ),
                            "problem": p["problem"],
                        }
                        for p in describe(exc)
                    ]
                    continue
                if isinstance(event, XTweet):
                    found.tweets.append(event)
                elif isinstance(event, XDirectMessage):
                    found.dms.append(event)
                elif isinstance(event, XDeleteEvent):
                    found.deletes.append(event)
        return found

    @property
    def other_event_kinds(self) -> list[str]:
        handled = {
            "tweet_create_events",
            "direct_message_events",
            "tweet_delete_events",
            "users",
            "for_user_id",
        }
        return sorted(
            k for k in (self.model_extra or {}) if k.endswith("_events") and k not in handled
        )


@dataclass
class XEvents:
    """The events of one delivery that passed validation, and what was wrong with the rest."""

    tweets: list[XTweet] = field(default_factory=list)
    dms: list[XDirectMessage] = field(default_factory=list)
    deletes: list[XDeleteEvent] = field(default_factory=list)
    problems: list[dict[str, str]] = field(default_factory=list)
