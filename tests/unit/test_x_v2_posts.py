"""A post fetched from the mentions timeline (v2) becomes the same message as its webhook
twin (Account Activity, v1.1), so one stored by either is a duplicate for the other: the page
is read by the X Activity API's post models and normalised by the same function."""

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from socialcare.config import load_brands
from socialcare.platforms.x.normalise import normalise, normalise_posts
from socialcare.platforms.x.payloads import XWebhook
from socialcare.platforms.x_v2_posts import MentionsPage
from socialcare_tools.samples import JANE, tweet, x_tweets
from tests.conftest import BRANDS_DIR

ACCOUNT = "1500000000000000001"
RECEIVED = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
MILLIS = 1787566502000  # the samples' time: 2026-08-24T10:15:02Z
AUTHOR = {
    "id": JANE["id_str"],
    "name": JANE["name"],
    "username": JANE["screen_name"],
    "verified": JANE["verified"],
    "public_metrics": {"followers_count": JANE["followers_count"]},
}


def v2(
    post: dict[str, Any], *, users: list[dict[str, Any]] | None = None, **includes: Any
) -> MentionsPage:
    base = {
        "id": "1960000000000000123",
        "text": "@AcmeSupport order #4411 never arrived",
        "author_id": JANE["id_str"],
        "created_at": "2026-08-24T10:15:02.000Z",
        "entities": {
            "mentions": [{"start": 0, "end": 12, "username": "AcmeSupport", "id": ACCOUNT}]
        },
    }
    return MentionsPage.model_validate(
        {
            "data": [base | post],
            "includes": {"users": [AUTHOR] if users is None else users, **includes},
        }
    )


def messages(payload: dict[str, Any]) -> list[Any]:
    brand = load_brands(BRANDS_DIR).brands["acme"]
    parsed = XWebhook.model_validate(payload)
    return normalise(parsed, parsed.events(), brand, received_at=RECEIVED).messages


def fetched(page: MentionsPage) -> list[Any]:
    brand = load_brands(BRANDS_DIR).brands["acme"]
    return normalise_posts(page.data, page.includes, ACCOUNT, brand, RECEIVED).messages


def test_a_mention_is_the_same_message_as_its_webhook_twin() -> None:
    from_timeline = fetched(v2({}))
    delivered = messages(
        x_tweets(
            tweet("1960000000000000123", "@AcmeSupport order #4411 never arrived", millis=MILLIS)
        )
    )
    assert from_timeline == delivered


def test_a_reply_keeps_its_parent_and_a_long_post_its_whole_text() -> None:
    page = v2(
        {
            "referenced_tweets": [{"type": "replied_to", "id": "1960000000000000100"}],
            "in_reply_to_user_id": ACCOUNT,
            "note_tweet": {"text": "@AcmeSupport " + "very long " * 40},
        }
    )
    [message] = fetched(page)
    assert message.in_reply_to == "1960000000000000100" and message.kind == "reply"
    assert message.text.endswith("very long ") and len(message.text) > 280


def test_retweets_and_our_own_posts_are_not_messages_and_a_lost_author_still_is() -> None:
    assert fetched(v2({"referenced_tweets": [{"type": "retweeted", "id": "1"}]})) == []
    assert fetched(v2({"author_id": ACCOUNT})) == []
    [anonymous] = fetched(v2({}, users=[]))
    assert anonymous.customer.id == JANE["id_str"] and anonymous.customer.handle is None


def test_a_quote_of_the_brand_summons_it() -> None:
    quote = {"referenced_tweets": [{"type": "quoted", "id": "1960000000000000001"}], "entities": {}}
    [message] = fetched(v2(quote, tweets=[{"id": "1960000000000000001", "author_id": ACCOUNT}]))
    assert message.summoned


def test_a_page_without_posts_or_with_a_post_without_time_is_told_apart() -> None:
    assert MentionsPage.model_validate({"meta": {"result_count": 0}}).data == []
    with pytest.raises(ValidationError, match="created_at"):
        v2({"created_at": None})
