"""What a report knows of one conversation, read from its stored items: the conversation
(META), its messages in and out, and its clocks' audit trail.

A week at ~6,700 conversations a day is ~90,000 conversations with the week before, so each
item is boiled down to its fact as it is read (``Activity.add``) and the items themselves are
not kept: a decoded item is a few kilobytes of Python, a fact about a hundred bytes."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from socialcare.models.conversation import ConversationStatus


def moment(value: Any) -> datetime | None:
    return datetime.fromisoformat(str(value)) if value else None


FIRST_TEXT_CHARS = 500  # what the report shows of the first message (the CSV's column)


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


@dataclass(slots=True)
class Activity:
    """A conversation's messages and clock events, as facts, gathered item by item."""

    messages: list[MessageFact] = field(default_factory=list)
    clocks: list[ClockFact] = field(default_factory=list)
    first_inbound_sk: str | None = None
    first_text: str = ""
    returning: bool = False

    @property
    def has_inbound(self) -> bool:
        return self.first_inbound_sk is not None

    def add(self, item: dict[str, Any]) -> None:
        sk = str(item.get("sk", ""))
        if sk.startswith("MSG#") and item.get("sent_at"):
            self.messages.append(
                MessageFact(
                    inbound=item.get("direction") != "outbound",
                    at=moment(item["sent_at"]),  # type: ignore[arg-type]
                    agent=item.get("agent"),
                    suggested=bool((item.get("classification") or {}).get("suggestion")),
                    from_suggestion=bool(item.get("from_suggestion")),
                    encrypted=item.get("kind") == "encrypted_chat",
                )
            )
        elif sk.startswith("CLOCK#") and item.get("at"):
            self.clocks.append(
                ClockFact(
                    clock=str(item["clock"]),
                    generation=int(item.get("generation", 0)),
                    event=str(item["event"]),
                    tier=int(item.get("tier", 0)),
                    at=moment(item["at"]),  # type: ignore[arg-type]
                )
            )
        if item.get("direction") == "inbound" and (
            self.first_inbound_sk is None or sk < self.first_inbound_sk
        ):
            priority = (item.get("classification") or {}).get("priority") or {}
            self.first_inbound_sk = sk
            self.first_text = str(item.get("text", ""))[:FIRST_TEXT_CHARS]
            self.returning = int(priority.get("earlier_conversations", 0)) > 0

    @classmethod
    def of(cls, items: list[dict[str, Any]]) -> "Activity":
        activity = cls()
        for item in items:
            activity.add(item)
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
    def of(cls, meta: dict[str, Any], items: list[dict[str, Any]]) -> "ConversationFacts":
        return cls.gathered(meta, Activity.of(items))

    @classmethod
    def gathered(cls, meta: dict[str, Any], activity: Activity) -> "ConversationFacts":
        """``returning``: the classifier counted other conversations of the customer in the
        7 days before this one, on its first message."""
        customer = meta.get("customer") or {}
        return cls(
            id=str(meta["id"]),
            created_at=moment(meta["created_at"]),  # type: ignore[arg-type]
            platform=str(meta.get("platform", "")),
            channel_type=str(meta.get("channel_type", "")),
            status=str(meta.get("status", ConversationStatus.NEW)),
            returning=activity.returning,
            customer=str(customer.get("handle") or customer.get("id") or ""),
            link=meta.get("link"),
            topic=meta.get("topic"),
            sentiment=meta.get("sentiment"),
            priority=meta.get("priority"),
            first_text=activity.first_text,
            first_response_at=moment(meta.get("first_response_at")),
            first_responder=meta.get("first_responder"),
            resolved_at=moment(meta.get("resolved_at")),
            messages=tuple(sorted(activity.messages, key=lambda m: m.at)),
            clocks=tuple(activity.clocks),
        )
