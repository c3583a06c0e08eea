"""X events → ``InboundMessage``: what the customer wrote, in which conversation.

Conversation keys (design.md): a DM belongs to account + customer; a public tweet starts
its own thread unless it answers a stored tweet (``in_reply_to``, resolved by ingest).
Our own tweets and DM echoes come back through the webhook and are skipped here.

Both X webhook formats land here: the Account Activity API (v1.1 objects, ``payloads``)
and the X Activity API (v2 objects, ``xaa``). A post or DM delivered once by each gives
the SAME message (same reference, thread key, customer, kind and date), so the store
keeps it once.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from socialcare.config import Brand
from socialcare.models import ChannelType, Customer, InboundMessage, MessageKind, Platform
from socialcare.platforms.dates import dated
from socialcare.platforms.x.payloads import XDirectMessage, XEvents, XTweet, XWebhook
from socialcare.platforms.x.xaa import XaaChat, XaaIncludes, XaaPost, XaaUser


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
    # Posts X says were deleted (their platform ids): the stored copy is marked deleted.
    deleted: list[str] = field(default_factory=list)


def _profile(
    user_id: str,
    name: str | None,
    handle: str | None,
    followers: int | None,
    verified: bool | None,
) -> Customer:
    return Customer(
        id=user_id,
        name=name,
        handle=handle,
        followers=followers,
        verified=verified,
        profile_url=f"https://x.com/{handle}" if handle else None,
    )


def _v2_customer(user_id: str, user: XaaUser | None) -> Customer:
    if user is None:
        return _profile(user_id, None, None, None, None)
    return _profile(user_id, user.name, user.username, user.followers, user.verified)


def _dm_link(account: str, other: str) -> str:
    low, high = sorted((account, other), key=int)
    return f"https://x.com/messages/{low}-{high}"


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
        customer=_profile(
            author.id_str, author.name, handle, author.followers_count, author.verified
        ),
        text=tweet.full,
        sent_at=when.sent_at,
        platform_sent_at=when.platform_sent_at,
        link=f"https://x.com/{handle or 'i/web'}/status/{tweet.id_str}",
        summoned=any(m.id_str == account for m in tweet.entities.user_mentions)
        or (tweet.quoted_status is not None and tweet.quoted_status.user.id_str == account),
    )


def _aaa_dm_customer(payload: XWebhook, sender: str) -> Customer:
    profile = payload.users.get(sender)
    if profile is None:
        return _profile(sender, None, None, None, None)
    return _profile(
        sender, profile.name, profile.screen_name, profile.followers_count, profile.verified
    )


def _direct(
    dm: XDirectMessage, account: str, customer: Customer, brand: Brand, received_at: datetime
) -> InboundMessage:
    assert dm.message_create is not None  # checked by the caller
    when = dated(Platform.X, dm.claimed_at, dm.created_timestamp, received_at)
    sender = dm.message_create.sender_id
    return InboundMessage(
        platform=Platform.X,
        account_id=account,
        brand_id=brand.id,
        channel_type=ChannelType.PRIVATE,
        kind=MessageKind.DIRECT,
        thread_key=f"x:{account}:dm:{sender}",
        platform_message_id=dm.id,
        customer=customer,
        text=dm.message_create.message_data.text,
        sent_at=when.sent_at,
        platform_sent_at=when.platform_sent_at,
        link=_dm_link(account, sender),
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
    _dms(
        events.dms,
        account=account,
        customer=lambda sender: _aaa_dm_customer(payload, sender),
        brand=brand,
        received_at=received_at,
        result=result,
    )
    for deleted in events.deletes:
        if deleted.status.user_id == account:
            skip("tweet deleted: our own tweet", deleted.status.id)
        else:
            result.deleted.append(deleted.status.id)
    for kind in payload.other_event_kinds:
        result.skipped.append(Skipped(f"{kind}: not handled"))
    return result


def _dms(
    dms: list[XDirectMessage],
    *,
    account: str,
    customer: Callable[[str], Customer],
    brand: Brand,
    received_at: datetime,
    result: Normalised,
) -> None:
    for dm in dms:
        if dm.type != "message_create" or dm.message_create is None:
            result.skipped.append(Skipped(f"dm event: type {dm.type}", f"x#{account}#{dm.id}"))
        elif dm.message_create.sender_id == account:
            result.skipped.append(Skipped("dm: echo of our own message", f"x#{account}#{dm.id}"))
        else:
            sender = dm.message_create.sender_id
            result.messages.append(_direct(dm, account, customer(sender), brand, received_at))


def _post(
    post: XaaPost, includes: XaaIncludes, account: str, brand: Brand, received_at: datetime
) -> InboundMessage:
    """The v2 twin of ``_tweet``: the same message for the same post."""
    customer = _v2_customer(post.author_id, includes.user(post.author_id))
    replied_to = post.referenced("replied_to")
    quoted = post.referenced("quoted")
    # X's value as it came (ISO 8601), for platform_sent_at when it is implausible.
    raw = post.created_at.isoformat().replace("+00:00", "Z")
    when = dated(Platform.X, post.created_at, raw, received_at)
    return InboundMessage(
        platform=Platform.X,
        account_id=account,
        brand_id=brand.id,
        channel_type=ChannelType.PUBLIC,
        kind=MessageKind.REPLY if replied_to is not None else MessageKind.MENTION,
        thread_key=f"x:{account}:tweet:{post.id}",
        platform_message_id=post.id,
        in_reply_to=replied_to,
        customer=customer,
        text=post.full,
        sent_at=when.sent_at,
        platform_sent_at=when.platform_sent_at,
        link=f"https://x.com/{customer.handle or 'i/web'}/status/{post.id}",
        # A quote counts when X expanded the quoted post and it is ours; without the
        # expansion we cannot tell (AAA embeds it, XAA may not): then only a mention counts.
        summoned=any(m.id == account for m in post.entities.mentions)
        or (quoted is not None and includes.author_of(quoted) == account),
    )


def normalise_posts(
    posts: list[XaaPost],
    includes: XaaIncludes,
    account: str,
    brand: Brand,
    received_at: datetime,
) -> Normalised:
    """v2 posts (XAA deliveries, and the gap fill's timeline reads) → messages.

    Our own posts are never a customer message: a reply of ours joins the thread it
    answers (``own_replies``), as on the AAA path. Reposts are skipped."""
    result = Normalised()
    for post in posts:
        ref = f"{Platform.X}#{account}#{post.id}"
        if post.author_id == account:
            result.skipped.append(Skipped("post: our own post", ref))
            replied_to = post.referenced("replied_to")
            if replied_to is not None:
                result.own_replies.append((post.id, replied_to))
        elif post.referenced("retweeted") is not None:
            result.skipped.append(Skipped("post: a repost, nothing to answer", ref))
        else:
            result.messages.append(_post(post, includes, account, brand, received_at))
    return result


def normalise_xaa_dms(
    dms: list[XDirectMessage],
    users: dict[str, XaaUser],
    account: str,
    brand: Brand,
    received_at: datetime,
) -> Normalised:
    """``dm.received``/``dm.sent``: AAA's DM events inside XAA's envelope."""
    result = Normalised()
    _dms(
        dms,
        account=account,
        customer=lambda sender: _v2_customer(sender, users.get(sender)),
        brand=brand,
        received_at=received_at,
        result=result,
    )
    return result


# Unverified: X documents no web address for an XChat conversation. x.com/i/chat/<id> is
# what the X web client shows for chats today; the DM address is the fallback in the card.
CHAT_LINK = "https://x.com/i/chat/{conversation}"


def normalise_chat(
    chat: XaaChat, includes: XaaIncludes, account: str, brand: Brand, received_at: datetime
) -> Normalised:
    """An encrypted chat: who wrote and when, no text (we hold no chat keys). It joins the
    customer's private conversation, so the desk sees it beside their DMs."""
    result = Normalised()
    if chat.sender_id == account:
        result.skipped.append(Skipped("chat: our own message", f"x#{account}#{chat.id}"))
        return result
    when = dated(Platform.X, chat.claimed_at, chat.created_at_msec, received_at)
    result.messages.append(
        InboundMessage(
            platform=Platform.X,
            account_id=account,
            brand_id=brand.id,
            channel_type=ChannelType.PRIVATE,
            kind=MessageKind.ENCRYPTED_CHAT,
            thread_key=f"x:{account}:dm:{chat.sender_id}",
            platform_message_id=chat.id,
            customer=_v2_customer(chat.sender_id, includes.user(chat.sender_id)),
            text="",
            sent_at=when.sent_at,
            platform_sent_at=when.platform_sent_at,
            link=CHAT_LINK.format(conversation=chat.conversation_id),
        )
    )
    return result
