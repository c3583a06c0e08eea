"""What the desk is told: a reply deadline coming (a warning, tier 0, for the conversation's
thread), and what managers are told: an overdue clock, a priority-1 conversation, a spike."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


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
    customer: dict[str, Any] = Field(default_factory=dict)
    slack_thread: dict[str, str] | None = None  # the conversation's thread: channel, ts

    @classmethod
    def about(cls, conversation: dict[str, Any], **fields: Any) -> "EscalationNotice":
        """A notice carrying what the conversation says of itself."""
        return cls(
            conversation_id=str(conversation.get("id")) if conversation.get("id") else None,
            platform=conversation.get("platform"),
            priority=conversation.get("priority"),
            topic=conversation.get("topic"),
            link=conversation.get("link"),
            customer=dict(conversation.get("customer") or {}),
            slack_thread=(
                {k: str(v) for k, v in conversation["slack_thread"].items()}
                if conversation.get("slack_thread")
                else None
            ),
            **fields,
        )
