"""What the services read back from storage besides the conversation itself: a stored
message (the customer's or our reply), a clock's audit event, and a conversation's line in
the day's figures. The stores return these; the item layout (keys, indexes, encodings)
stays in the adapters."""

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from socialcare.models.classification import Classification
from socialcare.models.common import Platform
from socialcare.models.conversation import ConversationStatus, SlackPost
from socialcare.models.message import Customer, MessageKind


class StoredMessage(BaseModel):
    model_config = ConfigDict(frozen=True)

    message_sk: str = Field(validation_alias="sk")  # its place in the conversation
    direction: Literal["inbound", "outbound"]
    platform: Platform
    kind: MessageKind | None = None  # inbound: what the platform delivered
    text: str = ""
    author: Customer | None = None  # inbound: the customer who wrote it
    sent_at: AwareDatetime
    platform_message_id: str | None = None
    message_ref: str | None = None
    in_reply_to: str | None = None
    link: str | None = None
    summoned: bool | None = None  # X: the post names the account (X lets us answer it)
    posted_under: str | None = None  # Instagram mentions: the media the comment is on
    classification: Classification | None = None  # once the classifier took it up
    processed_at: AwareDatetime | None = None
    desk_copy: SlackPost | None = None  # the Slack post that shows it
    deleted_at: AwareDatetime | None = None  # its author deleted it on the platform
    edited_text: str | None = None  # its author's latest edit (``text`` is the first)
    edited_at: AwareDatetime | None = None
    edit_shown_at: AwareDatetime | None = None  # the edit (by its time) the desk showed
    deletion_shown_at: AwareDatetime | None = None

    @property
    def inbound(self) -> bool:
        return self.direction == "inbound"

    @property
    def is_spam(self) -> bool:
        return self.classification is not None and self.classification.spam.is_spam


class ClockEvent(BaseModel):
    """One line of a clock's audit trail: ``warned``, ``breached``, ``escalated`` (with its
    tier), ``met``, ``stopped``, ``paused``, ``resumed``, ``failed``."""

    model_config = ConfigDict(frozen=True)

    clock: str
    generation: int
    event: str
    tier: int = 0
    at: AwareDatetime
    due_at: AwareDatetime | None = None
    policy: str | None = None
    policy_version: str | None = None


class DayEntry(BaseModel):
    """A conversation in its day's figures (/care stats): no text, no customer."""

    model_config = ConfigDict(frozen=True)

    status: ConversationStatus
    priority: str | None = None
    reply_due: AwareDatetime | None = None  # while it waits on the brand
