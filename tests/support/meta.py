"""Meta deliveries for tests: the builders of the samples (socialcare_tools.samples_meta),
the example brand (its Facebook Page and Instagram account), and the local app secret."""

import json
from typing import Any

from socialcare.config import BrandDirectory, load_brands
from socialcare.platforms.meta.payloads import MetaSecrets
from socialcare.platforms.meta.signature import sign
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

__all__ = [
    "APP_SECRET",
    "IGSID",
    "INSTAGRAM",
    "PAGE",
    "PSID",
    "SENT",
    "VERIFY_TOKEN",
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
