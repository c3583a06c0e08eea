"""Meta deliveries for tests: a brand with a Facebook Page and an Instagram account, and
the events Meta sends, shaped as its documentation shows them (docs/platforms-meta.md)."""

import json
from collections.abc import Sequence
from typing import Any

from socialcare.config import BrandDirectory, load_brands
from socialcare.config.brands import Account, Accounts
from socialcare.platforms.meta.payloads import MetaSecrets
from socialcare.platforms.meta.signature import sign
from tests.conftest import BRANDS_DIR

PAGE = "104000000000001"
INSTAGRAM = "17841400000000001"
PSID = "6100000000000042"
IGSID = "9100000000000042"
APP_SECRET = "meta-app-secret-for-tests"
VERIFY_TOKEN = "meta-verify-token-for-tests"
SENT = 1787566502000  # 2026-08-24T10:15:02Z, in milliseconds


def secrets() -> MetaSecrets:
    return MetaSecrets.model_validate({"app_secret": APP_SECRET, "verify_token": VERIFY_TOKEN})


def brands() -> BrandDirectory:
    acme = load_brands(BRANDS_DIR).brands["acme"]
    accounts = Accounts(
        x=acme.accounts.x,
        vk=acme.accounts.vk,
        facebook=(Account(id=PAGE, handle="acmestore"),),
        instagram=(Account(id=INSTAGRAM, handle="acmestore"),),
    )
    return BrandDirectory([acme.model_copy(update={"accounts": accounts})])


def delivery(kind: str, *entries: dict[str, Any]) -> bytes:
    return json.dumps({"object": kind, "entry": list(entries)}).encode()


def signed(body: bytes) -> str:
    return sign(APP_SECRET, body)


def entry(
    account: str, *, messaging: Sequence[Any] = (), changes: Sequence[Any] = ()
) -> dict[str, Any]:
    return {"id": account, "time": SENT, "messaging": list(messaging), "changes": list(changes)}


def direct(
    account: str, customer: str, mid: str, text: str = "where is my order?", **message: Any
) -> dict[str, Any]:
    return {
        "sender": {"id": customer},
        "recipient": {"id": account},
        "timestamp": SENT,
        "message": {"mid": mid, "text": text, **message},
    }


def echo(account: str, customer: str, mid: str, text: str) -> dict[str, Any]:
    return {
        "sender": {"id": account},
        "recipient": {"id": customer},
        "timestamp": SENT,
        "message": {"mid": mid, "text": text, "is_echo": True, "app_id": 1517000000000000},
    }


def page_comment(
    comment_id: str,
    *,
    verb: str = "add",
    author: str = "7000000000000001",
    parent_id: str | None = None,
    message: str = "my parcel never came",
) -> dict[str, Any]:
    post = f"{PAGE}_900000000000001"
    return {
        "field": "feed",
        "value": {
            "item": "comment",
            "verb": verb,
            "comment_id": comment_id,
            "post_id": post,
            "parent_id": parent_id or post,
            "message": message,
            "from": {"id": author, "name": "Jane Roe"},
            "created_time": SENT // 1000,
        },
    }


def instagram_comment(
    comment_id: str, *, author: str = "17850000000000042", parent_id: str | None = None
) -> dict[str, Any]:
    value: dict[str, Any] = {
        "id": comment_id,
        "text": "is this in stock?",
        "from": {"id": author, "username": "janeroe"},
        "media": {"id": "17900000000000001", "media_product_type": "FEED"},
    }
    if parent_id:
        value["parent_id"] = parent_id
    return {"field": "comments", "value": value}
