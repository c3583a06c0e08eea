"""The credentials replies are posted with, kept apart from the webhook secrets so the
ingest functions can never post and the send function can never verify webhooks.

Secrets Manager JSON::

    {"x": {"<account id>": {"consumer_key": "...", "consumer_secret": "...",
                            "access_token": "...", "access_token_secret": "..."}},
     "vk": {"<community id>": {"token": "<community token with messages, wall>"}},
     "meta": {"<Page id or Instagram account id>": {"token": "...", "login": "facebook"}}}
"""

from typing import Literal

from pydantic import BaseModel, Field

from socialcare.platforms.parsing import Filled


class XPostingKeys(BaseModel):
    """OAuth 1.0a user context of the support account (Read, Write and Direct Messages)."""

    consumer_key: Filled = Field(min_length=1)
    consumer_secret: Filled = Field(min_length=1)
    access_token: Filled = Field(min_length=1)
    access_token_secret: Filled = Field(min_length=1)


class VkPostingKeys(BaseModel):
    token: Filled = Field(min_length=1)


class MetaPostingKeys(BaseModel):
    """A Page access token (a Page, and an Instagram account linked to it: Facebook Login),
    or an Instagram user token (``login: instagram``: Instagram Login, graph.instagram.com)."""

    token: Filled = Field(min_length=1)
    login: Literal["facebook", "instagram"] = "facebook"


class PublishingSecrets(BaseModel):
    x: dict[str, XPostingKeys] = {}
    vk: dict[str, VkPostingKeys] = {}
    meta: dict[str, MetaPostingKeys] = {}
