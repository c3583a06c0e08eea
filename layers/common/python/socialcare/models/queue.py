"""Messages between functions. Small on purpose: the text stays in DynamoDB only."""

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
