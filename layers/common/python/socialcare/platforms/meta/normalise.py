"""Meta webhook events -> what socialcare stores (docs/platforms-meta.md).

Conversation keys: a Messenger or Instagram direct conversation is the account + the
customer (``messenger:<page>:<psid>``, ``instagram:<account>:<igsid>``); a comment thread
is the account + the post or media + its top-level comment (a reply to a comment joins
it). Items the brand wrote (echoes of our sends and of the Inbox, the Page's or account's
own comments) never open a conversation; read receipts, deliveries and reactions are not
messages; an edit (Messenger's ``message_edit``, a feed comment ``edited``) and a removal
are marked on the stored message.
"""

from dataclasses import dataclass, field
from datetime import datetime

from pydantic import BaseModel, ValidationError

from socialcare.config import Brand
from socialcare.models import (
    ChannelType,
    Customer,
    InboundMessage,
    MentionRequest,
    MessageKind,
    Platform,
)
from socialcare.models.message import instagram_mention_key
from socialcare.platforms.dates import Dated, dated, from_epoch
from socialcare.platforms.edits import Edit
from socialcare.platforms.meta.payloads import (
    Change,
    Commenter,
    Entry,
    FeedComment,
    InstagramComment,
    InstagramMention,
    MentionedComment,
    MentionedMedia,
    Message,
    MessagingEvent,
)
from socialcare.platforms.outside import OutsideReply
from socialcare.platforms.parsing import describe


@dataclass(frozen=True)
class Echo:
    """A message the brand's account sent a customer: ours, or typed in another app."""

    platform: Platform
    account: str
    customer: str
    mid: str
    text: str
    at: datetime
    app_id: str | None

    @property
    def thread_key(self) -> str:
        return direct_thread_key(self.platform, self.account, self.customer)

    def as_reply(self) -> OutsideReply:
        return OutsideReply(self.platform, self.account, self.mid, self.text, self.at, "private")


@dataclass(frozen=True)
class OwnComment:
    """The brand's account answering a comment: our reply from Slack, or one typed in Meta's
    own tools (Business Suite, the Instagram app)."""

    platform: Platform
    account: str
    mid: str  # the new comment's id
    parent: str  # the comment it answers
    text: str
    at: datetime

    @property
    def ref(self) -> str:
        return f"{self.platform}#{self.account}#{self.mid}"

    @property
    def parent_ref(self) -> str:
        return f"{self.platform}#{self.account}#{self.parent}"

    def as_reply(self) -> OutsideReply:
        return OutsideReply(self.platform, self.account, self.mid, self.text, self.at, "public")


@dataclass
class Found:
    """What one delivery holds for us: messages to store, references of messages their
    authors deleted, and why each other event was passed over."""

    messages: list[InboundMessage] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)  # message refs
    edited: list[Edit] = field(default_factory=list)
    echoes: list[Echo] = field(default_factory=list)
    own_comments: list[OwnComment] = field(default_factory=list)
    mentions: list[MentionRequest] = field(default_factory=list)  # to read from the Graph API
    skipped: list[str] = field(default_factory=list)  # reasons, for the log


def _read(model: type[BaseModel], data: object, found: Found, what: str) -> BaseModel | None:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        fields = ", ".join(f"{e['field']}: {e['problem']}" for e in describe(exc)[:3])
        found.skipped.append(f"{what} of an unknown shape ({fields})")
        return None


@dataclass(frozen=True)
class _Entry:
    """One entry being read: whose account, for which brand, received when."""

    kind: str  # the delivery's object: page or instagram
    account: str
    brand: Brand
    received_at: datetime
    found: Found


def read_entry(kind: str, entry: Entry, brand: Brand, received_at: datetime, found: Found) -> None:
    """Every event of one entry (an account's), each read on its own."""
    reading = _Entry(kind, entry.id, brand, received_at, found)
    for raw in entry.messaging:
        event = _read(MessagingEvent, raw, found, "a messaging event")
        if isinstance(event, MessagingEvent):
            _messaging(reading, event)
    for raw in entry.changes:
        change = _read(Change, raw, found, "a change")
        if isinstance(change, Change):
            _change(reading, change)


def _messaging(reading: _Entry, event: MessagingEvent) -> None:
    platform = Platform.MESSENGER if reading.kind == "page" else Platform.INSTAGRAM
    account, found = reading.account, reading.found
    if account not in (event.recipient.id, event.sender.id):
        found.skipped.append("a messaging event for another account than its entry")
        return
    message, postback = event.message, event.postback
    if message is not None and (message.is_echo or event.sender.id == account):
        stamp = event.timestamp
        at = dated(platform, from_epoch(stamp / 1000), str(stamp), reading.received_at).sent_at
        kind, text = _direct_text(message)
        app = str(message.app_id) if message.app_id is not None else None
        found.echoes.append(Echo(platform, account, event.recipient.id, message.mid, text, at, app))
        return
    if message is not None and message.is_deleted:
        found.deleted.append(f"{platform}#{account}#{message.mid}")
        return
    if event.message_edit is not None and event.sender.id != account:
        edited = event.message_edit
        at = dated(platform, from_epoch(event.timestamp / 1000), "", reading.received_at).sent_at
        found.edited.append(Edit(platform, account, edited.mid, edited.text, at))
        return
    customer = event.sender.id
    if message is not None:
        kind, text = _direct_text(message)
        mid, in_reply_to = message.mid, message.reply_to.mid if message.reply_to else None
    elif postback is not None:
        kind, text = MessageKind.DIRECT, postback.title or postback.payload
        mid = postback.mid or f"postback-{customer}-{event.timestamp}"
        in_reply_to = None
    else:
        what = next(
            (n for n in ("read", "delivery", "reaction") if getattr(event, n)),
            "an empty event",
        )
        found.skipped.append(f"{what}: not a message")
        return
    stamp = event.timestamp
    when = dated(platform, from_epoch(stamp / 1000), str(stamp), reading.received_at)
    found.messages.append(
        InboundMessage(
            platform=platform,
            account_id=account,
            brand_id=reading.brand.id,
            channel_type=ChannelType.PRIVATE,
            kind=kind,
            thread_key=direct_thread_key(platform, account, customer),
            platform_message_id=mid,
            in_reply_to=in_reply_to,
            customer=Customer(id=customer),
            text=text,
            sent_at=when.sent_at,
            platform_sent_at=when.platform_sent_at,
            link=inbox_link(platform, account, customer),
        )
    )


def direct_thread_key(platform: Platform, account: str, customer: str) -> str:
    """A direct conversation is the account and the customer (their id scoped to it)."""
    return f"{platform}:{account}:{customer}"


def _direct_text(message: Message) -> tuple[MessageKind, str]:
    """The text the agent reads: attachments as links after the words, a story the customer
    answered or mentioned us in said so."""
    kind = MessageKind.DIRECT
    lines = [message.text] if message.text else []
    story = message.reply_to.story if message.reply_to else None
    if story is not None:
        kind = MessageKind.STORY_REPLY
        lines.append(f"(a reply to our story{': ' + story.url if story.url else ''})")
    for attachment in message.attachments:
        url = attachment.payload.url if attachment.payload else None
        if attachment.type == "story_mention":
            kind = MessageKind.STORY_MENTION
            lines.append(f"(mentioned us in their story{': ' + url if url else ''})")
        else:
            lines.append(f"[{attachment.type}{': ' + url if url else ''}]")
    if message.is_unsupported and not lines:
        lines.append("(a message Meta does not show to apps: open it in the inbox)")
    return kind, "\n".join(lines)


def _change(reading: _Entry, change: Change) -> None:
    kind, found = reading.kind, reading.found
    if kind == "page" and change.field == "feed":
        if change.value.get("item") != "comment":
            found.skipped.append(f"a feed change about a {change.value.get('item')!s:.30}")
            return
        comment = _read(FeedComment, change.value, found, "a Page comment")
        if isinstance(comment, FeedComment):
            _page_comment(reading, comment)
    elif kind == "instagram" and change.field == "messages":
        # The App Dashboard's test deliveries (Instagram Login) carry a direct message as a
        # change; real ones come in ``messaging``. Read the same way.
        event = _read(MessagingEvent, change.value, found, "a messages change")
        if isinstance(event, MessagingEvent):
            _messaging(reading, event)
    elif kind == "instagram" and change.field == "comments":
        ig = _read(InstagramComment, change.value, found, "an Instagram comment")
        if isinstance(ig, InstagramComment):
            _instagram_comment(reading, ig)
    elif kind == "instagram" and change.field == "mentions":
        mention = _read(InstagramMention, change.value, found, "an Instagram mention")
        if isinstance(mention, InstagramMention):
            found.mentions.append(
                MentionRequest(
                    account_id=reading.account,
                    brand_id=reading.brand.id,
                    media_id=mention.media_id,
                    comment_id=mention.comment_id,
                    received_at=reading.received_at,
                )
            )
    else:
        found.skipped.append(f"a {change.field} change: not handled")


def _page_comment(reading: _Entry, comment: FeedComment) -> None:
    page, found = reading.account, reading.found
    ref = f"{Platform.FACEBOOK}#{page}#{comment.comment_id}"
    if comment.verb in ("remove", "hide"):
        found.deleted.append(ref)
        return
    if comment.from_ is None or comment.from_.id == page:
        if (
            comment.from_ is not None
            and comment.verb == "add"
            and comment.parent_id
            not in (
                None,
                comment.post_id,
            )
        ):
            own = OwnComment(
                Platform.FACEBOOK,
                page,
                comment.comment_id,
                comment.parent_id or "",
                comment.message,
                reading.received_at,
            )
            found.own_comments.append(own)
        else:
            found.skipped.append("the Page's own comment")
        return
    if comment.verb == "edited":
        # The change carries no time of its own: the latest to arrive is kept.
        edit = Edit(
            Platform.FACEBOOK, page, comment.comment_id, comment.message, reading.received_at
        )
        found.edited.append(edit)
        return
    if comment.verb != "add":
        found.skipped.append(f"a comment {comment.verb}: not handled")
        return
    top_level = comment.parent_id in (None, comment.post_id)
    created = comment.created_time
    when = dated(
        Platform.FACEBOOK,
        from_epoch(created) if created is not None else None,
        str(created),
        reading.received_at,
    )
    found.messages.append(
        _comment(
            Comment(Platform.FACEBOOK, page, comment.post_id, comment.comment_id),
            reading.brand,
            in_reply_to=None if top_level else comment.parent_id,
            author=comment.from_,
            text=comment.message,
            when=when,
            link=f"https://www.facebook.com/{comment.comment_id}",
        )
    )


def _instagram_comment(reading: _Entry, comment: InstagramComment) -> None:
    account = reading.account
    if comment.from_.id == account:
        if comment.parent_id:  # an answer to a comment: ours, or typed in Instagram
            own = OwnComment(
                Platform.INSTAGRAM,
                account,
                comment.id,
                comment.parent_id,
                comment.text,
                reading.received_at,
            )
            reading.found.own_comments.append(own)
        else:
            reading.found.skipped.append("the account's own comment")
        return
    reading.found.messages.append(
        _comment(
            Comment(Platform.INSTAGRAM, account, comment.media.id, comment.id),
            reading.brand,
            in_reply_to=comment.parent_id,
            author=comment.from_,
            text=comment.text,
            # Instagram's comment change carries no time: received is when it was written,
            # within the seconds Meta takes to deliver.
            when=Dated(reading.received_at),
            link=None,
        )
    )


@dataclass(frozen=True)
class Comment:
    """Where a comment is: the platform, the brand's account, the post or media, its id."""

    platform: Platform
    account: str
    under: str  # the post or media commented on
    id: str


def _comment(
    where: Comment,
    brand: Brand,
    *,
    in_reply_to: str | None,
    author: Commenter,
    text: str,
    when: Dated,
    link: str | None,
) -> InboundMessage:
    """A customer's public comment; its thread is the post (or media) and its top-level
    comment, so a reply to a comment joins that comment's conversation."""
    top = in_reply_to or where.id
    return InboundMessage(
        platform=where.platform,
        account_id=where.account,
        brand_id=brand.id,
        channel_type=ChannelType.PUBLIC,
        kind=MessageKind.COMMENT,
        thread_key=f"{where.platform}:{where.account}:{where.under}:{top}",
        platform_message_id=where.id,
        in_reply_to=in_reply_to,
        customer=_person(where.platform, author),
        text=text,
        sent_at=when.sent_at,
        platform_sent_at=when.platform_sent_at,
        link=link,
    )


def _person(platform: Platform, who: Commenter) -> Customer:
    if platform is Platform.INSTAGRAM and who.username:
        return Customer(
            id=who.id,
            handle=who.username,
            profile_url=f"https://www.instagram.com/{who.username}/",
        )
    return Customer(id=who.id, name=who.name)


def inbox_link(platform: Platform, account: str, customer: str) -> str:
    """The conversation in Meta Business Suite's inbox (UNVERIFIED address pattern)."""
    return (
        f"https://business.facebook.com/latest/inbox/all?asset_id={account}"
        f"&selected_item_id={customer}"
        + ("&mailbox_id=&thread_type=IG_MESSAGE" if platform is Platform.INSTAGRAM else "")
    )


def mention_message(
    request: MentionRequest, found: MentionedComment | MentionedMedia
) -> InboundMessage:
    """An @mention of the account, read from the Graph API: a public message on someone
    else's media. Its author has no id in the account's inbox (Meta gives the username), so
    the customer is the username; a comment mention keeps the media it is on, which the
    reply names."""
    if isinstance(found, MentionedComment):
        text, under = found.text, request.media_id
        link = found.media.permalink if found.media else None
    else:
        text, under, link = found.caption, None, found.permalink
    who = found.username
    customer = (
        Customer(id=f"@{who}", handle=who, profile_url=f"https://www.instagram.com/{who}/")
        if who
        else Customer(id=f"mention:{request.item_id}")
    )
    # A comment is written once (Instagram has no comment edits): its time is the mention's.
    # A caption can be edited to add the mention long after the post: dated on arrival.
    when = (
        dated(Platform.INSTAGRAM, found.timestamp, str(found.timestamp), request.received_at)
        if found.timestamp is not None and isinstance(found, MentionedComment)
        else Dated(request.received_at)
    )
    return InboundMessage(
        platform=Platform.INSTAGRAM,
        account_id=request.account_id,
        brand_id=request.brand_id,
        channel_type=ChannelType.PUBLIC,
        kind=MessageKind.MENTION,
        thread_key=instagram_mention_key(request.account_id, request.media_id, request.comment_id),
        platform_message_id=request.item_id,
        customer=customer,
        text=text or "(mentioned the account without words)",
        sent_at=when.sent_at,
        platform_sent_at=when.platform_sent_at,
        link=link,
        posted_under=under,
    )
