"""``Conversation``: one customer's thread with one account."""

from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict

from socialcare.models.common import ChannelType, Platform
from socialcare.models.message import (
    Customer,
    is_instagram_mention_key,
    is_telegram_business_key,
)
from socialcare.models.reply import ReplyRoute


class ConversationStatus(StrEnum):
    """``new -> open -> answered -> (customer writes again) open -> ... -> resolved``, + spam.

    Ingest creates conversations as ``new``; the classifier moves them on (it reads the
    conversation anyway), so ingest stays one transaction with no read before the write.
    """

    NEW = "new"
    OPEN = "open"
    ANSWERED = "answered"
    RESOLVED = "resolved"
    PENDING = "pending"  # the agent asked the customer something: the resolution clock pauses
    SPAM = "spam"


# The groups the pipeline decides by, named once.
_S = ConversationStatus
WAITING = frozenset({_S.NEW, _S.OPEN})  # on the brand: in the queue, its clocks run
CLOSED = frozenset({_S.RESOLVED, _S.SPAM})  # kept for the retention period, then gone
RESPONDED = frozenset({_S.ANSWERED, _S.RESOLVED, _S.PENDING})  # an answer exists


class SlackPost(BaseModel):
    """A message the desk posted in Slack: where it is."""

    model_config = ConfigDict(frozen=True)

    channel: str
    ts: str


class ClockSummary(BaseModel):
    """What a conversation keeps of one of its reply clocks: the generation that counts (an
    execution of another generation is moot), when it is due, under which policy; for a
    paused resolution clock, when it paused and the business time it had used."""

    model_config = ConfigDict(frozen=True)

    generation: int
    started_at: AwareDatetime
    due_at: AwareDatetime
    policy: str = "default"
    policy_version: str = ""
    spent_seconds: float = 0.0
    paused_at: AwareDatetime | None = None


class Conversation(BaseModel):
    """One conversation as stored: what ingest wrote, what the classifier found about its
    latest message, its clocks, and what the desk did with it."""

    model_config = ConfigDict(frozen=True)

    id: str
    key: str
    status: ConversationStatus
    platform: Platform
    account_id: str
    brand_id: str
    channel_type: ChannelType
    customer: Customer
    created_at: AwareDatetime
    last_inbound_at: AwareDatetime
    waiting_since: AwareDatetime | None = None
    message_count: int
    link: str | None = None
    language: str | None = None  # the customer's, from the latest classified message
    topic: str | None = None
    priority: str | None = None  # P1..P4, from the latest classified message
    sentiment: str | None = None  # negative, neutral or positive, of the latest message
    # The customer's other conversations in the repeat window before this one began: fixed
    # when it begins, so counted once (its first classified message) and kept here.
    earlier_conversations: int | None = None
    # The clocks (the classifier starts them; a pause or an answer changes them).
    clock_first_response: ClockSummary | None = None
    clock_next_response: ClockSummary | None = None
    clock_resolution: ClockSummary | None = None
    # The desk.
    slack_thread: SlackPost | None = None  # the card's thread
    notices: tuple[SlackPost, ...] = ()  # the bot's posts about it elsewhere (managers')
    assignee: str | None = None  # a Slack user id
    reply_route: ReplyRoute | None = None  # private after "Move to DM"
    # Meta: after a private reply to a comment, the direct-message conversation the
    # customer's answer opens (its id is known from the platform's answer to the send).
    continues_in: str | None = None
    first_response_at: AwareDatetime | None = None
    last_outbound_at: AwareDatetime | None = None
    reply_count: int = 0
    last_reply_text: str | None = None  # the latest reply sent: a repeat is refused
    last_queued_text: str | None = None  # the latest reply queued, until it goes or fails
    resolved_at: AwareDatetime | None = None
    resolved_by: str | None = None
    marked_spam_by: str | None = None
    # Retention and erasure.
    closed_at: AwareDatetime | None = None
    # The platform refused a reply because the customer cannot be reached there (blocked the
    # bot, deleted their account). Read through ``unreachable_now``: their next message ends it.
    unreachable: str | None = None
    unreachable_since: AwareDatetime | None = None
    expires_at: int | None = None  # epoch seconds: DynamoDB's TTL removes it then
    erasure_id: str | None = None

    def clock(self, kind: str) -> ClockSummary | None:
        """The summary of the ``kind`` clock (first_response, next_response, resolution)."""
        found: ClockSummary | None = getattr(self, f"clock_{kind}", None)
        return found

    @property
    def replies_privately(self) -> bool:
        return self.reply_route is ReplyRoute.PRIVATE

    @property
    def movable_to_private(self) -> bool:
        """A public conversation not moved yet, except an Instagram mention (written on
        someone else's media, it has no private reply and its author no id in our inbox) and
        Telegram (a bot may not write first to someone who never started a chat with it)."""
        return (
            self.channel_type is ChannelType.PUBLIC
            and not self.replies_privately
            and not is_instagram_mention_key(self.key)
            and self.platform is not Platform.TELEGRAM
        )

    @property
    def unreachable_now(self) -> str | None:
        """Why the customer cannot be reached, unless they wrote since: a message from them
        proves the way is open again (they unblocked the bot), without the intake having to
        clear the mark on every message."""
        if self.unreachable is None or self.unreachable_since is None:
            return self.unreachable
        return None if self.last_inbound_at > self.unreachable_since else self.unreachable

    @property
    def through_telegram_business(self) -> bool:
        """Answered as the brand's Telegram Business account, within 24 hours of the
        customer's last message."""
        return is_telegram_business_key(self.key)
