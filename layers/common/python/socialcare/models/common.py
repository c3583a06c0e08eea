from enum import StrEnum


class Platform(StrEnum):
    X = "x"
    VK = "vk"
    MESSENGER = "messenger"  # a Facebook Page's direct conversations
    FACEBOOK = "facebook"  # comments on a Facebook Page's posts
    INSTAGRAM = "instagram"
    TELEGRAM = "telegram"


class ChannelType(StrEnum):
    PUBLIC = "public"  # mention, reply, wall or post comment: everyone sees our answer
    PRIVATE = "private"  # direct message
