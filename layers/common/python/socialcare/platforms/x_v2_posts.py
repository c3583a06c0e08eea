"""A page of X API v2 posts (``GET /2/users/:id/mentions``), read by a gap fill.

The posts and their ``includes`` are the same v2 objects the X Activity API delivers, so they
are parsed by the same models (``platforms.x.xaa``) and normalised by the same function
(``platforms.x.normalise.normalise_posts``): a post fetched by a gap fill takes the path a
webhook delivery takes, and one stored by either is a duplicate for the other.

Requested with ``expansions=author_id,referenced_tweets.id.author_id`` and the fields in
``TWEET_FIELDS`` / ``USER_FIELDS`` (docs.x.com "User mentions timeline" quickstart:
``includes.users`` holds ``id``, ``name``, ``username``, ``verified``, ``public_metrics``;
``created_at`` is ISO 8601 with milliseconds, e.g. ``2024-01-15T10:30:00.000Z``).
"""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from socialcare.platforms.x.xaa import XaaIncludes, XaaPost

IdStr = Annotated[str, Field(pattern=r"^[0-9]{1,25}$")]
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


class V2Meta(_Lenient):
    result_count: int = 0
    next_token: str | None = None
    newest_id: IdStr | None = None
    oldest_id: IdStr | None = None


class MentionsPage(_Lenient):
    """One page of the mentions timeline. X leaves ``data`` out when nothing matched."""

    data: list[XaaPost] = []
    includes: XaaIncludes = XaaIncludes()
    meta: V2Meta = V2Meta()
