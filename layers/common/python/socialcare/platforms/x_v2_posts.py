"""X API v2 post objects (a page of ``GET /2/users/:id/mentions``) and their conversion into
the Account Activity envelope the X normaliser reads, so a post fetched by a gap fill takes
the very path a webhook delivery takes (``services.x_gap_fill.store_page``).

Only the fields we use; unknown ones are ignored. Requested with
``expansions=author_id,referenced_tweets.id.author_id`` and the fields in ``TWEET_FIELDS`` /
``USER_FIELDS`` (docs.x.com "User mentions timeline" quickstart: ``includes.users`` holds
``id``, ``name``, ``username``, ``verified``, ``public_metrics``; ``created_at`` is ISO 8601
with milliseconds, e.g. ``2024-01-15T10:30:00.000Z``).

``as_account_activity`` is the one place that knows both shapes: when the X Activity API
parser lands (it also yields v2 post objects), point the gap fill at that instead.
"""

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from socialcare.platforms.parsing import SafeText

IdStr = Annotated[str, Field(pattern=r"^[0-9]{1,25}$")]
Reach = Annotated[int, Field(ge=0, le=10**12)]
EXPANSIONS = ("author_id", "referenced_tweets.id.author_id")
TWEET_FIELDS = (
    "created_at",
    "author_id",
    "conversation_id",
    "in_reply_to_user_id",
    "referenced_tweets",
    "entities",
    "note_tweet",
)
USER_FIELDS = ("username", "name", "verified", "public_metrics")


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class PublicMetrics(_Lenient):
    followers_count: Reach | None = None


class V2User(_Lenient):
    id: IdStr
    name: SafeText | None = None
    username: SafeText | None = None
    verified: bool | None = None
    public_metrics: PublicMetrics | None = None


class V2Reference(_Lenient):
    type: str  # replied_to, quoted, retweeted
    id: IdStr


class V2Mention(_Lenient):
    id: IdStr | None = None  # X sends it with the username; a mention without one is skipped
    username: str | None = None


class V2Entities(_Lenient):
    mentions: list[V2Mention] = []


class V2NoteTweet(_Lenient):
    text: SafeText


class V2Post(_Lenient):
    id: IdStr
    text: SafeText = ""
    author_id: IdStr
    created_at: datetime  # required: the message's time, and the resume point of a fill
    in_reply_to_user_id: IdStr | None = None
    referenced_tweets: list[V2Reference] = []
    entities: V2Entities = V2Entities()
    note_tweet: V2NoteTweet | None = None  # a long post: the whole text is here

    def referenced(self, kind: str) -> str | None:
        return next((r.id for r in self.referenced_tweets if r.type == kind), None)


class V2Includes(_Lenient):
    users: list[V2User] = []
    tweets: list[dict[str, Any]] = []  # referenced posts (their author_id: a quote of us?)


class V2Meta(_Lenient):
    result_count: int = 0
    next_token: str | None = None
    newest_id: IdStr | None = None
    oldest_id: IdStr | None = None


class MentionsPage(_Lenient):
    """One page of the mentions timeline. X leaves ``data`` out when nothing matched."""

    data: list[V2Post] = []
    includes: V2Includes = V2Includes()
    meta: V2Meta = V2Meta()


def as_account_activity(account_id: str, page: MentionsPage) -> dict[str, Any]:
    """The page as an Account Activity delivery for ``account_id``: one v1.1-shaped tweet per
    post (``tweet_create_events``). A post whose author is not in ``includes.users`` still
    converts (no name or reach), since losing the message would be worse."""
    users = {u.id: u for u in page.includes.users}
    authors = {str(t.get("id")): str(t.get("author_id")) for t in page.includes.tweets}
    return {
        "for_user_id": account_id,
        "tweet_create_events": [_tweet(p, users, authors) for p in page.data],
    }


def _tweet(post: V2Post, users: dict[str, V2User], authors: dict[str, str]) -> dict[str, Any]:
    author = users.get(post.author_id)
    metrics = author.public_metrics if author else None
    quoted = post.referenced("quoted")
    tweet: dict[str, Any] = {
        "id_str": post.id,
        "text": post.note_tweet.text if post.note_tweet else post.text,
        "in_reply_to_status_id_str": post.referenced("replied_to"),
        "in_reply_to_user_id_str": post.in_reply_to_user_id,
        "timestamp_ms": str(int(post.created_at.timestamp() * 1000)),
        "user": {
            "id_str": post.author_id,
            "name": author.name if author else None,
            "screen_name": author.username if author else None,
            "followers_count": metrics.followers_count if metrics else None,
            "verified": author.verified if author else None,
        },
        "entities": {"user_mentions": [{"id_str": m.id} for m in post.entities.mentions if m.id]},
    }
    if post.referenced("retweeted") is not None:
        tweet["retweeted_status"] = {"id_str": post.referenced("retweeted")}
    if quoted is not None and quoted in authors:
        tweet["quoted_status"] = {"user": {"id_str": authors[quoted]}}
    return tweet
