"""services.desk_actions.DeskActionStore in memory: conversations and their messages as
items (handed out as the models the real store returns), the reply records the desk
queues, notes, and the escalation requests each recorded once."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from socialcare.adapters.conversation_reads import conversation_of, message_of
from socialcare.errors import ReplyUnchanged
from socialcare.models.conversation import CLOSED, Conversation, ConversationStatus
from socialcare.models.message import iso
from socialcare.models.reply import OutboundReply, ReplyRecord, ReplyStatus
from socialcare.models.stored import ClockEvent, StoredMessage
from socialcare.ports import Recorded
from tests.support.fake_desk import FakeSlack
from tests.support.once import record_once

Item = dict[str, Any]


@dataclass
class FakeDeskActionStore:
    conversations: dict[str, Item] = field(default_factory=dict)
    messages: dict[str, list[Item]] = field(default_factory=dict)  # by conversation, in order
    replies: dict[tuple[str, str], ReplyRecord] = field(default_factory=dict)
    notes: dict[str, Item] = field(default_factory=dict)  # by note id
    requests: dict[tuple[str, str], bool] = field(default_factory=dict)  # escalation presses

    def add(self, meta: Item, *messages: Item) -> None:
        self.conversations[str(meta["id"])] = meta
        self.messages[str(meta["id"])] = list(messages)

    def conversation(self, conversation_id: str) -> Conversation | None:
        return conversation_of(self.conversations.get(conversation_id))

    def by_thread(self, channel: str, thread_ts: str) -> Conversation | None:
        for meta in self.conversations.values():
            thread = meta.get("slack_thread") or {}
            if (thread.get("channel"), thread.get("ts")) == (channel, thread_ts):
                return conversation_of(meta)
        return None

    def first_inbound(self, conversation_id: str) -> StoredMessage | None:
        inbound = self._inbound(conversation_id)
        return message_of(inbound[0]) if inbound else None

    def latest_inbound(self, conversation_id: str) -> StoredMessage | None:
        inbound = self._inbound(conversation_id)
        return message_of(inbound[-1]) if inbound else None

    def _inbound(self, conversation_id: str) -> list[Item]:
        return [m for m in self.messages.get(conversation_id, []) if m["direction"] == "inbound"]

    def clock_events(self, conversation_id: str) -> list[ClockEvent]:
        return []

    def queue_reply(self, reply: OutboundReply) -> ReplyRecord | None:
        key = (reply.conversation_id, reply.reply_id)
        if key in self.replies:
            return self.replies[key]
        meta = self.conversations[reply.conversation_id]
        if reply.text in (meta.get("last_queued_text"), meta.get("last_reply_text")):
            raise ReplyUnchanged("the same text is queued")
        meta["last_queued_text"] = reply.text
        self.replies[key] = ReplyRecord(status=ReplyStatus.QUEUED, reply=reply, pending=True)
        return None

    def reply(self, conversation_id: str, reply_id: str) -> ReplyRecord | None:
        return self.replies.get((conversation_id, reply_id))

    def record_escalation_request(self, conversation_id: str, press: str, agent: str) -> Recorded:
        return record_once(self.requests, (conversation_id, press))

    def escalation_request_sent(self, conversation_id: str, press: str) -> None:
        self.requests[(conversation_id, press)] = True

    def add_note(self, conversation_id: str, note_id: str, agent: str, text: str, at: Any) -> bool:
        if note_id in self.notes:
            return False
        self.notes[note_id] = {"conversation": conversation_id, "agent": agent, "text": text}
        return True

    def assign(self, conversation_id: str, agent: str) -> None:
        self.conversations[conversation_id]["assignee"] = agent

    def reply_privately(self, conversation_id: str) -> None:
        self.conversations[conversation_id]["reply_route"] = "private"

    def resolve(self, conversation_id: str, agent: str, at: datetime) -> bool:
        return self._close(conversation_id, ConversationStatus.RESOLVED, at, resolved_by=agent)

    def mark_spam(self, conversation_id: str, agent: str, at: datetime) -> bool:
        return self._close(conversation_id, ConversationStatus.SPAM, at, marked_spam_by=agent)

    def wait_on_customer(self, conversation_id: str, at: datetime) -> bool:
        meta = self.conversations[conversation_id]
        if meta["status"] in CLOSED or meta["status"] == ConversationStatus.PENDING:
            return False
        meta["status"] = ConversationStatus.PENDING.value
        return True

    def _close(
        self, conversation_id: str, status: ConversationStatus, at: datetime, **by: str
    ) -> bool:
        meta = self.conversations[conversation_id]
        if meta["status"] == status:
            return False
        meta.update(status=status.value, closed_at=iso(at), **by)
        if status is ConversationStatus.RESOLVED:
            meta["resolved_at"] = iso(at)
        return True


@dataclass
class FakeDeskSlack(FakeSlack):
    """ports.SlackDesk as the desk's actions use it: what the agent was told privately,
    and the reply editor's modals."""

    ephemerals: list[tuple[str, str, str]] = field(default_factory=list)  # channel, user, text
    modals: dict[str, dict[str, Any]] = field(default_factory=dict)  # by external id

    def ephemeral(self, channel: str, user: str, text: str, thread_ts: str | None = None) -> None:
        self.ephemerals.append((channel, user, text))

    def open_modal(self, trigger_id: str, view: dict[str, Any]) -> None:
        self.modals[str(view.get("external_id"))] = view

    def update_modal(self, external_id: str, view: dict[str, Any]) -> bool:
        if external_id not in self.modals:
            return False
        self.modals[external_id] = view
        return True
