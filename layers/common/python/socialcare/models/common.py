from enum import StrEnum


class Platform(StrEnum):
    X = "x"
    VK = "vk"
    MESSENGER = "messenger"  # a Facebook Page's direct conversations
    FACEBOOK = "facebook"  # comments on a Facebook Page's posts
    INSTAGRAM = "instagram"
    TELEGRAM = "telegram"

    @property
    def label(self) -> str:
        """As people write it: X, VK, Messenger, Facebook, Instagram, Telegram."""
        return _LABELS[self]


_LABELS = {
    Platform.X: "X",
    Platform.VK: "VK",
    Platform.MESSENGER: "Messenger",
    Platform.FACEBOOK: "Facebook",
    Platform.INSTAGRAM: "Instagram",
    Platform.TELEGRAM: "Telegram",
}


class ChannelType(StrEnum):
    PUBLIC = "public"  # mention, reply, wall or post comment: everyone sees our answer
    PRIVATE = "private"  # direct message
