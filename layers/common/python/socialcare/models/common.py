from enum import StrEnum


class Platform(StrEnum):
    X = "x"
    VK = "vk"
    MESSENGER = "messenger"
    INSTAGRAM = "instagram"
    TELEGRAM = "telegram"


class ChannelType(StrEnum):
    PUBLIC = "public"  # mention, reply, wall or post comment: everyone sees our answer
    PRIVATE = "private"  # direct message
