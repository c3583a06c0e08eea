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
    # Set on the desk queue only: not a new message but news about a stored one
    # ("deleted": its author deleted it on the platform; the desk redraws its copy).
    notice: Literal["deleted"] | None = None
