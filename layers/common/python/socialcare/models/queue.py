"""Messages between functions. Small on purpose: the text stays in DynamoDB only."""

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict

from socialcare.models.common import Platform


class ClassifyRequest(BaseModel):
    """Ingest → classify queue: "this stored message needs classifying"."""

    model_config = ConfigDict(frozen=True)

    conversation_id: str
    message_sk: str
    message_ref: str
    platform: Platform
    brand_id: str
    sent_at: AwareDatetime


class DeskRequest(ClassifyRequest):
    """Classify (or ingest) → desk queue: "show this stored message in its Slack thread", or,
    with a ``notice``, news about one shown already ("deleted": its author deleted it on the
    platform; the desk redraws its copy)."""

    # "outside_reply": a reply the brand gave outside socialcare (Meta's inbox), kept in
    # the conversation: the thread shows it and the card turns answered.
    # "edited": its author changed it (the latest text is kept beside the first).
    notice: Literal["deleted", "edited", "outside_reply"] | None = None

    @classmethod
    def to_show(cls, classified: ClassifyRequest) -> "DeskRequest":
        return cls(**classified.model_dump())
