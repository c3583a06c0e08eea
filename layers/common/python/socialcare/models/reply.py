"""``OutboundReply``: what an agent sends a customer, from the Slack desk to the outbox.

``reply_id`` is fixed the moment the agent acts (the Slack event or action id) and follows
the reply to the platform: the outbox's deduplication id, VK's ``random_id``/``guid``, the
stored reply record. A retry at any stage finds the same id and sends nothing twice.
"""

import hashlib
from enum import StrEnum
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from socialcare.models.common import Platform
from socialcare.models.message import MessageKind


class ReplyRoute(StrEnum):
    PUBLIC = "public"  # in the thread the customer wrote in: everyone sees it
    PRIVATE = "private"  # a direct message to the customer


META_PLATFORMS = frozenset({Platform.MESSENGER, Platform.FACEBOOK, Platform.INSTAGRAM})


def is_private_reply(platform: Platform, route: ReplyRoute, kind: MessageKind | None) -> bool:
    """Meta: a direct message answering a public comment, sent by the comment's id (a
    "private reply"): one per comment."""
    return (
        platform in META_PLATFORMS and route is ReplyRoute.PRIVATE and kind is MessageKind.COMMENT
    )


class OutboundReply(BaseModel):
    model_config = ConfigDict(frozen=True)

    reply_id: str = Field(min_length=1, max_length=200)
    conversation_id: str
    brand_id: str
    platform: Platform
    account_id: str
    route: ReplyRoute
    text: str = Field(min_length=1)
    # The customer's message we answer (its platform id and kind) and the customer: enough
    # for every platform call (tweet id, DM participant, VK peer, wall post and comment).
    target_message_id: str
    target_kind: MessageKind
    # Instagram: the media a mentioning comment is on (the reply names both).
    target_posted_under: str | None = None
    customer_id: str
    agent: str  # the Slack user who sent it
    slack_channel: str
    slack_thread_ts: str
    from_suggestion: bool = False  # the answer base's text, sent as suggested or edited
    # Messenger and Instagram: HUMAN_AGENT when a direct message goes after Meta's 24-hour
    # window (up to 7 days), as the desk decided when the agent acted.
    message_tag: Literal["HUMAN_AGENT"] | None = None
    queued_at: AwareDatetime

    @property
    def guid(self) -> str:
        """VK's comment ``guid``: short, plain, the same for every retry of this reply."""
        return hashlib.sha256(self.reply_id.encode()).hexdigest()[:32]

    @property
    def stable_int31(self) -> int:
        """VK's ``random_id``: the same for every retry of this reply, random across replies."""
        digest = hashlib.sha256(self.reply_id.encode()).digest()
        return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


class Delivered(BaseModel):
    """What the platform gave back for a sent reply."""

    model_config = ConfigDict(frozen=True)

    platform_message_id: str
    link: str | None = None
    # Meta's direct messages: the customer's id in the account's inbox (a private reply
    # learns it only from this answer), and the conversation their answer will open.
    recipient_id: str | None = None
    continues_in: str | None = None


class ReplyStatus(StrEnum):
    """A reply record's way out: ``queued -> sending -> accepted -> sent``; or ``failed``
    (the platform refused it), ``uncertain`` (cut off during the platform call)."""

    QUEUED = "queued"
    SENDING = "sending"
    ACCEPTED = "accepted"  # the platform has it; the bookkeeping after it may still be due
    SENT = "sent"
    FAILED = "failed"
    UNCERTAIN = "uncertain"


_R = ReplyStatus
ON_ITS_WAY = frozenset({_R.QUEUED, _R.SENDING, _R.ACCEPTED})  # its outbox message may go again
ENDED = frozenset({_R.SENT, _R.FAILED, _R.UNCERTAIN})
ON_THE_PLATFORM = frozenset({_R.ACCEPTED, _R.SENT})


Shown = Literal["shown", "postponed_shown"]  # what the thread has been told of a reply


class ReplyRecord(BaseModel):
    """One reply's record, from the moment the agent acted: the reply and where it stands."""

    model_config = ConfigDict(frozen=True)

    status: ReplyStatus
    reply: OutboundReply
    platform_message_id: str | None = None  # once the platform has it
    continues_in: str | None = None  # a private reply: the direct conversation it opens
    link: str | None = None
    sent_at: AwareDatetime | None = None
    error_code: str | None = None  # failed or uncertain: why
    error: str | None = None
    shown: bool = False  # the thread has shown its outcome
    postponed_shown: bool = False  # the thread has shown its rate-limit postponement
    sweeps: int = 0  # how often the sweeper queued it again
    pending: bool = False  # still in the PendingReplies index (the sweeper looks at it)
