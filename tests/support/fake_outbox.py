"""In-memory stand-ins for the send function: the reply records it moves on (queued ->
sending -> accepted -> sent, or failed / uncertain), the conversation it marks answered, a
platform that takes, refuses or rate-limits a reply, and the outbox it postpones in."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from socialcare.adapters.conversation_reads import conversation_of
from socialcare.errors import SendPostponed, SendRefused
from socialcare.models.conversation import Conversation
from socialcare.models.message import iso
from socialcare.models.reply import Delivered, OutboundReply, ReplyRecord, Shown
from socialcare.models.stored import ClockEvent, StoredMessage
from tests.support.items import conversation_item

STUCK_AFTER = timedelta(minutes=10)  # as the reply store's first pending time
Item = dict[str, Any]


@dataclass
class FakeSendStore:
    """services.send_reply.SendStore and services.reply_sweeper.SweepStore (and the card's
    reads, which find no card here). A record is ``pending`` (in the PendingReplies index)
    from the moment it is written until it ends; ``due`` is when the sweeper looks at it."""

    replies: dict[tuple[str, str], Item] = field(default_factory=dict)
    conversations: dict[str, Item] = field(default_factory=dict)

    def queued(self, reply: OutboundReply, status: str = "queued") -> None:
        self.replies[(reply.conversation_id, reply.reply_id)] = {
            "status": status,
            "reply": reply.model_dump(mode="json"),
            "pending": True,
            "due": iso(reply.queued_at + STUCK_AFTER),
        }
        self.conversations.setdefault(
            reply.conversation_id, conversation_item(id=reply.conversation_id)
        )

    def record(self, reply: OutboundReply) -> Item:
        return self.replies[(reply.conversation_id, reply.reply_id)]

    def reply(self, conversation_id: str, reply_id: str) -> ReplyRecord | None:
        found = self.replies.get((conversation_id, reply_id))
        return ReplyRecord.model_validate(found) if found else None

    def claim(self, reply: OutboundReply, at: datetime) -> bool:
        record = self.record(reply)
        if record["status"] != "queued":
            return False
        record.update(status="sending", due=iso(at + STUCK_AFTER))
        return True

    def release(self, reply: OutboundReply, postponed_until: datetime | None = None) -> None:
        self.record(reply)["status"] = "queued"
        if postponed_until is not None:
            self.record(reply)["postponed_until"] = iso(postponed_until)

    def record_accepted(self, reply: OutboundReply, delivered: Delivered, at: datetime) -> bool:
        self.record(reply).update(
            status="accepted",
            platform_message_id=delivered.platform_message_id,
            link=delivered.link,
            sent_at=iso(at),
            due=iso(at + STUCK_AFTER),
        )
        return True

    def record_sent(self, reply: OutboundReply, delivered: Delivered, at: Any) -> bool:
        record = self.record(reply)
        if record["status"] == "sent":
            return False
        record.update(status="sent", pending=False)
        return True

    def mark_answered(self, conversation_id: str, at: datetime) -> None:
        meta = self.conversations[conversation_id]
        meta["status"] = "answered"
        meta.setdefault("first_response_at", iso(at))

    def mark_failed(self, reply: OutboundReply, code: str, explanation: str) -> None:
        status = "uncertain" if code == "uncertain" else "failed"
        self.record(reply).update(status=status, error_code=code, error=explanation, pending=False)

    def mark_unreachable(self, conversation_id: str, why: str, at: datetime) -> None:
        self.conversations[conversation_id].update(unreachable=why, unreachable_since=iso(at))

    def mark_shown(self, reply: OutboundReply, what: Shown = "shown") -> None:
        self.record(reply)[what] = True

    def hold(self, reply: OutboundReply, at: datetime) -> None:
        self.record(reply).update(held_at=iso(at), pending=False)

    def stuck_replies(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        due = sorted(
            (record["due"], key)
            for key, record in self.replies.items()
            if record.get("pending") and record["due"] <= iso(now)
        )
        return [key for _, key in due[:limit]]

    def swept(self, reply: OutboundReply, next_check: datetime) -> int | None:
        record = self.record(reply)
        if not record.get("pending"):
            return None
        record.update(sweeps=record.get("sweeps", 0) + 1, due=iso(next_check))
        return int(record["sweeps"])

    def conversation(self, conversation_id: str) -> Conversation | None:
        return conversation_of(self.conversations.get(conversation_id))

    def first_inbound(self, conversation_id: str) -> StoredMessage | None:
        return None

    def clock_events(self, conversation_id: str) -> list[ClockEvent]:
        return []


@dataclass
class FakePlatform:
    """services.send_reply.PlatformSender: takes every reply, unless told to refuse it or
    to answer with a rate limit until ``limited_until`` (epoch seconds)."""

    sent: list[OutboundReply] = field(default_factory=list)
    refusal: SendRefused | None = None
    limited_until: float | None = None

    def send(self, reply: OutboundReply) -> Delivered:
        if self.refusal is not None:
            raise self.refusal
        if self.limited_until is not None:
            raise SendPostponed("rate limited", self.limited_until)
        self.sent.append(reply)
        number = 1960000000000000900 + len(self.sent)
        return Delivered(platform_message_id=str(number), link=f"https://x.com/i/status/{number}")


@dataclass
class FakeOutboxQueue:
    """services.desk_actions.Outbox: the replies handed to the outbox queue."""

    sent: list[OutboundReply] = field(default_factory=list)
    failing: Exception | None = None

    def send(self, reply: OutboundReply) -> None:
        if self.failing is not None:
            raise self.failing
        self.sent.append(reply)


@dataclass
class FakeOutbox:
    """services.send_reply.Postponer: how long each received reply was put back for."""

    postponed: list[tuple[str, float]] = field(default_factory=list)

    def postpone(self, receipt_handle: str, seconds: float) -> None:
        self.postponed.append((receipt_handle, seconds))
