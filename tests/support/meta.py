"""Meta deliveries for tests: the builders of the samples (socialcare_tools.samples_meta),
the example brand (its Facebook Page and Instagram account), and the local app secret."""

import json
from dataclasses import dataclass, field
from typing import Any

from socialcare.config import BrandDirectory, load_brands
from socialcare.platforms.meta.payloads import MetaSecrets
from socialcare.platforms.meta.signature import sign
from socialcare.platforms.outside import OutsideReply
from socialcare.ports import StoredRef
from socialcare_tools import local_secrets as local
from socialcare_tools.samples_meta import (
    IGSID,
    INSTAGRAM,
    PAGE,
    PSID,
    SENT,
    delivery_body,
    direct,
    echo,
    entry,
    instagram_comment,
    page_comment,
)
from tests.conftest import BRANDS_DIR
from tests.support.fakes import FakeStore

__all__ = [
    "APP_SECRET",
    "IGSID",
    "INSTAGRAM",
    "PAGE",
    "PSID",
    "SENT",
    "VERIFY_TOKEN",
    "FakeOutside",
    "brands",
    "delivery",
    "direct",
    "echo",
    "entry",
    "instagram_comment",
    "page_comment",
    "secrets",
    "signed",
]

APP_SECRET = local.META_APP_SECRET
VERIFY_TOKEN = local.META_VERIFY_TOKEN


def secrets() -> MetaSecrets:
    return MetaSecrets.model_validate(local.META_SECRET_VALUE)


def brands() -> BrandDirectory:
    return load_brands(BRANDS_DIR)


def delivery(kind: str, *entries: dict[str, Any]) -> bytes:
    return json.dumps(delivery_body(kind, *entries)).encode()


def signed(body: bytes) -> str:
    return sign(APP_SECRET, body)


@dataclass
class FakeOutside:
    """services.meta_webhook.OutsideReplies: each reply given outside socialcare, kept once,
    in a conversation the store holds, unless it is our own latest reply's text."""

    store: FakeStore
    ours: set[str] = field(default_factory=set)  # texts of our own latest replies
    kept: list[tuple[str, str, OutsideReply]] = field(default_factory=list)

    def record(self, conversation_id: str, brand_id: str, echo: OutsideReply) -> StoredRef | None:
        if conversation_id not in self.store.messages or echo.text in self.ours:
            return None
        if not any(kept.mid == echo.mid for _, _, kept in self.kept):
            self.kept.append((conversation_id, brand_id, echo))
        return StoredRef(conversation_id, f"MSG#out#{echo.mid}")
