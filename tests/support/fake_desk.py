"""In-memory stand-ins for the desk's thread poster: its store (the stored messages and
conversations it reads and marks) and Slack (what was posted where), for the fast tier."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from socialcare.adapters.conversation_reads import conversation_of, message_of
from socialcare.errors import StorageUnavailable
from socialcare.models.common import Platform
from socialcare.models.message import Customer
from socialcare.services.batch_reads import Key, Loaded

Item = dict[str, Any]


@dataclass
class FakeThreadStore:
    """services.slack_thread.ThreadStore: messages by (conversation, sort key), conversations
    by id. ``down`` makes every write fail as DynamoDB being unreachable would."""

    messages: dict[Key, Item] = field(default_factory=dict)
    conversations: dict[str, Item] = field(default_factory=dict)
    down: bool = False
    batch_reads: int = 0

    def load(self, conversation_id: str, message_sk: str) -> Loaded:
        return message_of(self.messages.get((conversation_id, message_sk))), conversation_of(
            self.conversations.get(conversation_id)
        )

    def load_many(self, wanted: list[Key]) -> dict[Key, Loaded]:
        self.batch_reads += 1
        return {key: self.load(*key) for key in wanted}

    def record_card(
        self,
        conversation_id: str,
        message_sk: str,
        channel: str,
        ts: str,
        *,
        customer: Customer | None = None,
        platform: Platform | None = None,
    ) -> bool:
        self._writable()
        meta = self.conversations[conversation_id]
        attached = "slack_thread" not in meta
        if attached:
            meta["slack_thread"] = {"channel": channel, "ts": ts}
            if customer is not None:
                meta["customer"] = customer.model_dump(exclude_none=True)
        self.record_copy(conversation_id, message_sk, channel, ts)
        return attached

    def record_copy(self, conversation_id: str, message_sk: str, channel: str, ts: str) -> None:
        self._writable()
        if (conversation_id, message_sk) in self.messages:
            self.messages[(conversation_id, message_sk)]["desk_copy"] = {
                "channel": channel,
                "ts": ts,
            }

    def record_deletion_shown(self, conversation_id: str, message_sk: str, at: datetime) -> None:
        self._writable()
        if (conversation_id, message_sk) in self.messages:
            self.messages[(conversation_id, message_sk)]["deletion_shown_at"] = at.isoformat()

    def record_edit_shown(self, conversation_id: str, message_sk: str, edited_at: datetime) -> None:
        self._writable()
        if (conversation_id, message_sk) in self.messages:
            self.messages[(conversation_id, message_sk)]["edit_shown_at"] = edited_at.isoformat()

    def _writable(self) -> None:
        if self.down:
            raise StorageUnavailable("the table is unreachable")


@dataclass
class FakeSlack:
    """ports.SlackDesk as far as the thread poster uses it: posts get ts 1.000001, 1.000002..."""

    posts: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    failing: Exception | None = None  # what Slack answers every post with, when set

    def post(
        self,
        channel: str,
        text: str,
        blocks: list[dict[str, Any]],
        thread_ts: str | None = None,
    ) -> str:
        if self.failing is not None:
            raise self.failing
        ts = f"1.{len(self.posts) + 1:06d}"
        self.posts.append(
            {"channel": channel, "text": text, "blocks": blocks, "thread_ts": thread_ts, "ts": ts}
        )
        return ts

    def permalink(self, channel: str, ts: str) -> str | None:
        return f"https://acme.slack.com/archives/{channel}/p{ts.replace('.', '')}"

    def update(self, channel: str, ts: str, text: str, blocks: list[dict[str, Any]]) -> None:
        self.updates.append({"channel": channel, "ts": ts, "text": text, "blocks": blocks})

    def ephemeral(self, channel: str, user: str, text: str, thread_ts: str | None = None) -> None:
        raise AssertionError("the thread poster tells no one privately")

    def open_modal(self, trigger_id: str, view: dict[str, Any]) -> None:
        raise AssertionError("the thread poster opens no modal")

    def update_modal(self, external_id: str, view: dict[str, Any]) -> bool:
        raise AssertionError("the thread poster updates no modal")


@dataclass
class FakePostedNotices:
    """services.escalation_slack.PostedNotices: the notices already in Slack, by digest."""

    ts_of: dict[str, str] = field(default_factory=dict)

    def posted(self, digests: list[str]) -> set[str]:
        return {d for d in digests if d in self.ts_of}

    def mark_posted(self, digests: list[str], ts: str) -> None:
        self.ts_of.update(dict.fromkeys(digests, ts))


@dataclass
class FakePostLog:
    """services.escalation_slack.PostLog: the managers' posts about each conversation."""

    posts: list[tuple[str, str, str]] = field(default_factory=list)

    def remember_post(self, conversation_id: str, channel: str, ts: str) -> None:
        self.posts.append((conversation_id, channel, ts))
