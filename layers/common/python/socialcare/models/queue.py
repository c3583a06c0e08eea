"""Messages between functions. Small on purpose: the text stays in DynamoDB only."""

from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

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


ItemId = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[0-9A-Za-z_]+$")]


class MentionRequest(BaseModel):
    """Meta webhook → mention reader: "the Instagram account was @mentioned here". Meta's
    ``mentions`` change carries only ids; the reader fetches the text with the account's
    token and stores it as a message."""

    model_config = ConfigDict(frozen=True)

    account_id: str
    brand_id: str
    media_id: ItemId
    comment_id: ItemId | None = None
    received_at: AwareDatetime

    @property
    def item_id(self) -> str:
        """The mentioning item: the comment, or the media whose caption names the account."""
        return self.comment_id or self.media_id

    @property
    def ref(self) -> str:
        return f"{Platform.INSTAGRAM}#{self.account_id}#{self.item_id}"
