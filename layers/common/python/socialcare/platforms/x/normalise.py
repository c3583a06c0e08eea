"""X events → ``InboundMessage``: what the customer wrote, in which conversation.

Conversation keys (design.md): a DM belongs to account + customer; a public tweet starts
its own thread unless it answers a stored tweet (``in_reply_to``, resolved by ingest).
Our own tweets and DM echoes come back through the webhook and are skipped here.
"""

from dataclasses import dataclass, field
from datetime import datetime

from socialcare.config import Brand
from socialcare.models import ChannelType, Customer, InboundMessage, MessageKind, Platform
from socialcare.platforms.dates import dated
from socialcare.platforms.x.payloads import XDirectMessage, XEvents, XTweet, XWebhook


@dataclass(frozen=True)
class Skipped:
    """Why an event was not a message. The reason names no id (it is logged as it is);
    ``message_ref`` is logged under a pseudonym."""

    reason: str
    message_ref: str | None = None


@dataclass
class Normalised:
    messages: list[InboundMessage] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    # (our tweet, the tweet it answers): an answer posted on x.com joins that thread, so
    # the customer's reply to it finds its conversation.
    own_replies: list[tuple[str, str]] = field(default_factory=list)


def _tweet(tweet: XTweet, account: str, brand: Brand, received_at: datetime) -> InboundMessage:
    author = tweet.user
    is_reply = tweet.in_reply_to_status_id_str is not None
    handle = author.screen_name
    when = dated(Platform.X, tweet.claimed_at, tweet.raw_time, received_at)
    return InboundMessage(
        platform=Platform.X,
        account_id=account,
        brand_id=brand.id,
        channel_type=ChannelType.PUBLIC,
        kind=MessageKind.REPLY if is_reply else MessageKind.MENTION,
        thread_key=f"x:{account}:tweet:{tweet.id_str}",
        platform_message_id=tweet.id_str,
        in_reply_to=tweet.in_reply_to_status_id_str,
        customer=Customer(
            id=author.id_str,
            name=author.name,
            handle=handle,
            followers=author.followers_count,
            verified=author.verified,
            profile_url=f"https://x.com/{handle}" if handle else None,
        ),
        text=tweet.full,
        sent_at=when.sent_at,
        platform_sent_at=when.platform_sent_at,
        link=f"https://x.com/{handle or 'i/web'}/status/{tweet.id_str}",
        summoned=any(m.id_str == account for m in tweet.entities.user_mentions)
        or (tweet.quoted_status is not None and tweet.quoted_status.user.id_str == account),
    )


def _direct(
    dm: XDirectMessage, payload: XWebhook, brand: Brand, received_at: datetime
) -> InboundMessage:
    assert dm.message_create is not None  # checked by the caller
    when = dated(Platform.X, dm.claimed_at, dm.created_timestamp, received_at)
    account = payload.for_user_id
    sender = dm.message_create.sender_id
    profile = payload.users.get(sender)
    handle = profile.screen_name if profile else None
    low, high = sorted((account, sender), key=int)
    return InboundMessage(
        platform=Platform.X,
        account_id=account,
        brand_id=brand.id,
        channel_type=ChannelType.PRIVATE,
        kind=MessageKind.DIRECT,
        thread_key=f"x:{account}:dm:{sender}",
        platform_message_id=dm.id,
        customer=Customer(
            id=sender,
            name=profile.name if profile else None,
            handle=handle,
            followers=profile.followers_count if profile else None,
            verified=profile.verified if profile else None,
            profile_url=f"https://x.com/{handle}" if handle else None,
        ),
        text=dm.message_create.message_data.text,
        sent_at=when.sent_at,
        platform_sent_at=when.platform_sent_at,
        link=f"https://x.com/messages/{low}-{high}",
    )


def normalise(
    payload: XWebhook, events: XEvents, brand: Brand, received_at: datetime
) -> Normalised:
    account = payload.for_user_id
    result = Normalised()

    def skip(reason: str, platform_id: str) -> None:
        result.skipped.append(Skipped(reason, f"{Platform.X}#{account}#{platform_id}"))

    for tweet in events.tweets:
        if tweet.user.id_str == account:
            skip("tweet: our own tweet", tweet.id_str)
            if tweet.in_reply_to_status_id_str is not None:
                result.own_replies.append((tweet.id_str, tweet.in_reply_to_status_id_str))
        elif tweet.retweeted_status is not None:
            skip("tweet: a retweet, nothing to answer", tweet.id_str)
        else:
            result.messages.append(_tweet(tweet, account, brand, received_at))
    for dm in events.dms:
        if dm.type != "message_create" or dm.message_create is None:
            skip(f"dm event: type {dm.type}", dm.id)
        elif dm.message_create.sender_id == account:
            skip("dm: echo of our own message", dm.id)
        else:
            result.messages.append(_direct(dm, payload, brand, received_at))
    for kind in payload.other_event_kinds:
        result.skipped.append(Skipped(f"{kind}: not handled"))
    return result
