"""What services need from the outside world. Adapters satisfy these structurally."""

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from socialcare.models import ClassifyRequest, InboundMessage
from socialcare.models.escalation import EscalationNotice
from socialcare.platforms.outside import OutsideReply


@dataclass(frozen=True)
class StoredRef:
    """Where a platform message was stored: its conversation and its sort key."""

    conversation_id: str
    message_sk: str


@dataclass(frozen=True)
class SaveOutcome:
    ref: StoredRef
    created: bool  # False: the platform re-delivered a message we already have


class ConversationStore(Protocol):
    def find_ref(self, message_ref: str) -> StoredRef | None: ...

    def link(self, message_ref: str, parent_ref: str) -> bool: ...

    def save_inbound(
        self, message: InboundMessage, conversation_id: str, conversation_key: str
    ) -> SaveOutcome: ...

    def mark_deleted(self, message_ref: str, at: str) -> StoredRef | None:
        """Mark a stored inbound message deleted by its author (``deleted_at``); None when
        we never stored it. Marking twice keeps the first time."""
        ...

    def mark_edited(self, message_ref: str, text: str, at: str) -> StoredRef | None:
        """Keep the customer's edit of a stored inbound message (``edited_text``,
        ``edited_at``: the latest edit wins, an older one arriving late changes nothing);
        None when we never stored it."""
        ...


SEND_BATCH_LIMIT = 10  # requests SQS takes in one SendMessageBatch


@dataclass(frozen=True)
class Queued:
    """A request for the next step, with its FIFO group and deduplication id."""

    request: ClassifyRequest
    group: str
    dedup_id: str


class ClassifyQueue(Protocol):
    def send(self, request: ClassifyRequest, *, group: str, dedup_id: str) -> None: ...

    def send_batch(self, entries: Sequence[Queued]) -> set[int]:
        """Up to ten requests in one call; answers the positions the queue refused (an
        outage of the whole call raises StorageUnavailable)."""
        ...


class TakeUp(StrEnum):
    """What happened when the classify step took up a stored message."""

    TAKEN = "taken"  # first time: processed now
    ALREADY = "already"  # a redelivered request: nothing changed


class Recorded(StrEnum):
    """What writing a once-only audit event found."""

    NEW = "new"  # written now: act on it
    PENDING = "pending"  # written before, its notice not yet sent: send it
    DONE = "done"  # written and its notice sent before: nothing to do


class SlackPost(Protocol):
    """Posting to Slack (socialcare.adapters.slack.SlackPoster)."""

    def post(
        self,
        channel: str,
        text: str,
        blocks: list[dict[str, Any]],
        thread_ts: str | None = None,
    ) -> str: ...

    def permalink(self, channel: str, ts: str) -> str | None: ...


class SlackDesk(SlackPost, Protocol):
    """What the desk does in Slack besides posting (socialcare.adapters.slack.SlackPoster)."""

    def update(self, channel: str, ts: str, text: str, blocks: list[dict[str, Any]]) -> None: ...

    def ephemeral(
        self, channel: str, user: str, text: str, thread_ts: str | None = None
    ) -> None: ...

    def open_modal(self, trigger_id: str, view: dict[str, Any]) -> None: ...

    def update_modal(self, external_id: str, view: dict[str, Any]) -> bool: ...


@dataclass(frozen=True)
class ThreadPost:
    """A reply in a Slack thread: ``ours`` when the app posted it (it may delete those only)."""

    ts: str
    ours: bool


class SlackEraser(SlackDesk, Protocol):
    """What erasing a customer needs in Slack besides the desk's calls."""

    def replace(self, channel: str, ts: str, text: str, blocks: list[dict[str, Any]]) -> bool: ...

    def thread_posts(self, channel: str, ts: str) -> list[ThreadPost]: ...

    def delete(self, channel: str, ts: str) -> bool: ...


class Escalations(Protocol):
    """The managers' notices (SNS): clocks, desk escalations and alerts publish them."""

    def publish(self, notice: EscalationNotice) -> None: ...


class OutsideReplies(Protocol):
    def record(self, conversation_id: str, brand_id: str, echo: OutsideReply) -> StoredRef | None:
        """A reply the brand gave outside socialcare, in its conversation, once (None: no
        such conversation, or kept before); the conversation answered."""
        ...
