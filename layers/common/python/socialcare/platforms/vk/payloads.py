"""VK Callback API payloads, API version 5.199 (platforms.md §2.3).

The envelope is read first (group and secret), checked, and only then is ``object``
parsed with the model of its ``type``.
"""

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from socialcare.platforms.parsing import Filled, SafeText

MIN_API_VERSION = (5, 103)  # below it, message_new's object is the message itself
VkId = Annotated[int, Field(ge=-(10**15), le=10**15)]
VkTime = Annotated[int, Field(ge=0, le=10**11)]


class VkCommunitySecret(BaseModel):
    confirmation: Filled = Field(min_length=1)
    secret: Filled = Field(min_length=1)


class VkSecrets(BaseModel):
    """The VK secret in Secrets Manager: per community id (digits), its two strings."""

    communities: dict[Annotated[str, Field(pattern=r"^[0-9]{1,15}$")], VkCommunitySecret]


class VkEnvelope(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    type: str = Field(min_length=1, max_length=100)
    group_id: Annotated[int, Field(gt=0, le=10**15)]
    event_id: Annotated[str, Field(max_length=100)] | None = None
    v: str | None = None
    secret: str | None = Field(default=None, max_length=1000)
    object: Any = None

    @property
    def api_version_too_old(self) -> bool:
        try:
            major, minor = (int(p) for p in (self.v or "").split(".")[:2])
        except ValueError:
            return False  # no or odd version: let the object's own shape decide
        return (major, minor) < MIN_API_VERSION


class _Item(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: VkId
    from_id: VkId
    date: VkTime
    text: SafeText = ""


class VkMessage(_Item):
    peer_id: VkId
    conversation_message_id: VkId
    out: int = 0


class VkMessageNew(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    message: VkMessage


class VkWallComment(_Item):
    post_id: VkId
    owner_id: VkId | None = None
    post_owner_id: VkId | None = None
    parents_stack: list[VkId] = []

    @model_validator(mode="after")
    def _has_owner(self) -> "VkWallComment":
        if self.post_owner_id is None and self.owner_id is None:
            raise ValueError("a wall comment needs post_owner_id or owner_id")
        return self

    @property
    def wall_owner(self) -> int:
        return self.post_owner_id if self.post_owner_id is not None else int(self.owner_id or 0)


class VkWallPost(_Item):
    owner_id: VkId
    post_type: str | None = None


class VkPhotoComment(_Item):
    photo_id: VkId
    photo_owner_id: VkId
    parents_stack: list[VkId] = []


class VkBoardPost(_Item):
    topic_id: VkId
    topic_owner_id: VkId


HANDLED: dict[str, type[BaseModel]] = {
    "message_new": VkMessageNew,
    "wall_reply_new": VkWallComment,
    "wall_post_new": VkWallPost,
    "photo_comment_new": VkPhotoComment,
    "board_post_new": VkBoardPost,
}
