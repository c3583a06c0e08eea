"""What a report knows of one conversation, read from its stored items: the conversation
(META), its messages in and out, and its clocks' audit trail."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


def moment(value: Any) -> datetime | None:
    return datetime.fromisoformat(str(value)) if value else None


@dataclass(frozen=True)
class MessageFact:
    inbound: bool
    at: datetime
    agent: str | None = None  # outbound: who sent it
    suggested: bool = False  # inbound: the answer base had an answer for it
    from_suggestion: bool = False  # outbound: sent from the answer base's text
    encrypted: bool = False  # inbound: an encrypted X chat, unreadable here (no chat keys)


@dataclass(frozen=True)
class ClockFact:
    clock: str
    generation: int
    event: str
    tier: int
    at: datetime


@dataclass(frozen=True)
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
        return self.status == "spam"

    @classmethod
    def of(cls, meta: dict[str, Any], items: list[dict[str, Any]]) -> "ConversationFacts":
        """``returning``: the classifier counted other conversations of the customer in the
        7 days before this one, on its first message."""
        messages = sorted(
            (
                MessageFact(
                    inbound=item.get("direction") != "outbound",
                    at=moment(item["sent_at"]),  # type: ignore[arg-type]
                    agent=item.get("agent"),
                    suggested=bool((item.get("classification") or {}).get("suggestion")),
                    from_suggestion=bool(item.get("from_suggestion")),
                    encrypted=item.get("kind") == "encrypted_chat",
                )
                for item in items
                if str(item.get("sk", "")).startswith("MSG#") and item.get("sent_at")
            ),
            key=lambda m: m.at,
        )
        clocks = tuple(
            ClockFact(
                clock=str(item["clock"]),
                generation=int(item.get("generation", 0)),
                event=str(item["event"]),
                tier=int(item.get("tier", 0)),
                at=moment(item["at"]),  # type: ignore[arg-type]
            )
            for item in items
            if str(item.get("sk", "")).startswith("CLOCK#") and item.get("at")
        )
        first = next(
            (
                i
                for i in sorted(items, key=lambda i: str(i.get("sk")))
                if i.get("direction") == "inbound"
            ),
            {},
        )
        customer = meta.get("customer") or {}
        return cls(
            id=str(meta["id"]),
            created_at=moment(meta["created_at"]),  # type: ignore[arg-type]
            platform=str(meta.get("platform", "")),
            channel_type=str(meta.get("channel_type", "")),
            status=str(meta.get("status", "new")),
            returning=int(
                ((first.get("classification") or {}).get("priority") or {}).get(
                    "earlier_conversations", 0
                )
            )
            > 0,
            customer=str(customer.get("handle") or customer.get("id") or ""),
            link=meta.get("link"),
            topic=meta.get("topic"),
            sentiment=meta.get("sentiment"),
            priority=meta.get("priority"),
            first_text=str(first.get("text", "")),
            first_response_at=moment(meta.get("first_response_at")),
            first_responder=meta.get("first_responder"),
            resolved_at=moment(meta.get("resolved_at")),
            messages=tuple(messages),
            clocks=clocks,
        )
