"""What the desk is told: a reply deadline coming (a warning, tier 0, for the conversation's
thread), and what managers are told: an overdue clock, a priority-1 conversation, a spike."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from socialcare.models.conversation import Conversation, SlackPost
from socialcare.models.message import Customer


class EscalationNotice(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: Literal["warning", "overdue", "priority", "spike", "requested"]  # requested: by an agent
    brand_id: str
    tier: int = Field(ge=0, description="0: a warning for the agents, not the managers")
    reason: str = Field(description="one line for people: why the managers hear of this")
    conversation_id: str | None = None  # none for a spike: it is about a topic
    clock: str | None = None
    due_at: datetime | None = None
    policy: str | None = None
    policy_version: str | None = None
    platform: str | None = None
    priority: str | None = None
    topic: str | None = None
    link: str | None = None
    customer: Customer | None = None
    slack_thread: SlackPost | None = None  # the conversation's thread

    @field_validator("customer", mode="before")
    @classmethod
    def _none_for_empty(cls, value: Any) -> Any:
        return value or None  # notices queued before the customer was typed carry {}

    @classmethod
    def about(cls, conversation: Conversation, **fields: Any) -> "EscalationNotice":
        """A notice carrying what the conversation says of itself."""
        return cls(
            conversation_id=conversation.id,
            platform=conversation.platform,
            priority=conversation.priority,
            topic=conversation.topic,
            link=conversation.link,
            customer=conversation.customer,
            slack_thread=conversation.slack_thread,
            **fields,
        )
