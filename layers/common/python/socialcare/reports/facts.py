"""What a report knows of one conversation: how it started (its META, as the ByDay index
projects it), its messages in and out, and its clocks' audit trail. The report store reads
the items and hands over these facts (adapters/report_store.py).

A week at ~6,700 conversations a day is ~90,000 conversations with the week before, so each
item is boiled down to its fact as it is read (``Activity.add``) and the items themselves are
not kept: a decoded item is a few kilobytes of Python, a fact about a hundred bytes."""

from dataclasses import dataclass, field
from datetime import datetime

from socialcare.models.conversation import ConversationStatus

FIRST_TEXT_CHARS = 500  # what the report shows of the first message (the CSV's column)


@dataclass(frozen=True, slots=True)
class Started:
    """A conversation as the report reads it: what it was about and how it went, not its
    messages (those come as ``Seen`` facts)."""

    id: str
    created_at: datetime
    platform: str
    channel_type: str
    status: str
    customer: str  # the handle, else the platform id
    link: str | None = None
    topic: str | None = None
    sentiment: str | None = None
    priority: str | None = None
    first_response_at: datetime | None = None
    first_responder: str | None = None
    resolved_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class MessageFact:
    inbound: bool
    at: datetime
    agent: str | None = None  # outbound: who sent it
    suggested: bool = False  # inbound: the answer base had an answer for it
    from_suggestion: bool = False  # outbound: sent from the answer base's text
    encrypted: bool = False  # inbound: an encrypted X chat, unreadable here (no chat keys)


@dataclass(frozen=True, slots=True)
class ClockFact:
    clock: str
    generation: int
    event: str
    tier: int
    at: datetime


@dataclass(frozen=True, slots=True)
class Seen:
    """One stored message or clock event as the report reads it: its fact and, for a
    customer's message, what the report keeps should it be the conversation's first."""

    fact: MessageFact | ClockFact | None
    position: str = ""  # where it sorts among the conversation's items (its sort key)
    inbound: bool = False
    text: str = ""  # inbound: the first FIRST_TEXT_CHARS
    returning: bool = False  # inbound: the classifier counted earlier conversations


@dataclass(slots=True)
class Activity:
    """A conversation's messages and clock events, as facts, gathered one by one."""

    messages: list[MessageFact] = field(default_factory=list)
    clocks: list[ClockFact] = field(default_factory=list)
    first_inbound: str | None = None  # its position
    first_text: str = ""
    returning: bool = False

    @property
    def has_inbound(self) -> bool:
        return self.first_inbound is not None

    def add(self, seen: Seen) -> None:
        if isinstance(seen.fact, MessageFact):
            self.messages.append(seen.fact)
        elif isinstance(seen.fact, ClockFact):
            self.clocks.append(seen.fact)
        if seen.inbound and (self.first_inbound is None or seen.position < self.first_inbound):
            self.first_inbound = seen.position
            self.first_text = seen.text
            self.returning = seen.returning

    @classmethod
    def of(cls, seen: list[Seen]) -> "Activity":
        activity = cls()
        for one in seen:
            activity.add(one)
        return activity


@dataclass(frozen=True, slots=True)
class ConversationFacts:
    id: str
    created_at: datetime
    platform: str
    channel_type: str
    status: str
    returning: bool  # the customer had a conversation with the brand before this one
    customer: str
    link: str | None = None
    topic: str | None = None
    sentiment: str | None = None
    priority: str | None = None
    first_text: str = ""
    first_response_at: datetime | None = None
    first_responder: str | None = None
    resolved_at: datetime | None = None
    messages: tuple[MessageFact, ...] = ()
    clocks: tuple[ClockFact, ...] = field(default_factory=tuple)

    @property
    def spam(self) -> bool:
        return self.status == ConversationStatus.SPAM

    @classmethod
    def gathered(cls, started: Started, activity: Activity) -> "ConversationFacts":
        """``returning``: the classifier counted other conversations of the customer in the
        7 days before this one, on its first message."""
        return cls(
            id=started.id,
            created_at=started.created_at,
            platform=started.platform,
            channel_type=started.channel_type,
            status=started.status,
            returning=activity.returning,
            customer=started.customer,
            link=started.link,
            topic=started.topic,
            sentiment=started.sentiment,
            priority=started.priority,
            first_text=activity.first_text,
            first_response_at=started.first_response_at,
            first_responder=started.first_responder,
            resolved_at=started.resolved_at,
            messages=tuple(sorted(activity.messages, key=lambda m: m.at)),
            clocks=tuple(activity.clocks),
        )
