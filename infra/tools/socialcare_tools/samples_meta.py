"""Meta deliveries as Meta sends them (docs/platforms-meta.md), for the samples in ``events/``,
the tests, ``socialcare send`` and the demo: Messenger and Instagram direct messages, Page
feed comments, Instagram comments and @mentions; signed with the local app secret unless
told otherwise.
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from socialcare_tools import local_secrets as local
from socialcare_tools.apigw import http_event, json_bytes, meta_delivery

PAGE = local.META_PAGE_ID
INSTAGRAM = local.META_INSTAGRAM_ID
PSID = "6100000000000042"  # a customer as the Page sees them (page-scoped id)
IGSID = "9100000000000042"  # a customer as the Instagram account sees them
POST = f"{PAGE}_900000000000001"
MEDIA = "17900000000000001"
THEIR_MEDIA = "17900000000000777"  # a customer's post that @mentions the account
MENTIONING_COMMENT = "17865000000000777"  # a comment on someone's post naming the account
SENT = 1787566502000  # 2026-08-24T10:15:02Z, in milliseconds


def delivery_body(kind: str, *entries: dict[str, Any]) -> dict[str, Any]:
    return {"object": kind, "entry": list(entries)}


def entry(
    account: str,
    *,
    messaging: Sequence[Any] = (),
    changes: Sequence[Any] = (),
    time: int = SENT,
) -> dict[str, Any]:
    found: dict[str, Any] = {"id": account, "time": time}
    if messaging:
        found["messaging"] = list(messaging)
    if changes:
        found["changes"] = list(changes)
    return found


def direct(
    account: str,
    customer: str,
    mid: str,
    text: str = "where is my order?",
    *,
    timestamp: int = SENT,
    **message: Any,
) -> dict[str, Any]:
    """A customer's direct message to a Page (Messenger) or an Instagram account."""
    return {
        "sender": {"id": customer},
        "recipient": {"id": account},
        "timestamp": timestamp,
        "message": {"mid": mid, "text": text, **message},
    }


META_INBOX_APP = 263902037430900  # the app id Meta's own Page inbox sends with (UNVERIFIED)


def echo(
    account: str,
    customer: str,
    mid: str,
    text: str,
    *,
    app_id: int = int(local.META_APP_ID),
    timestamp: int = SENT,
) -> dict[str, Any]:
    """The copy of a message the Page or account sent: by this app (our replies from Slack)
    unless ``app_id`` says another (Meta's own inbox, Business Suite)."""
    return {
        "sender": {"id": account},
        "recipient": {"id": customer},
        "timestamp": timestamp,
        "message": {"mid": mid, "text": text, "is_echo": True, "app_id": app_id},
    }


def page_comment(
    comment_id: str,
    *,
    verb: str = "add",
    author: str = "7000000000000001",
    name: str = "Jane Roe",
    parent_id: str | None = None,
    message: str = "my parcel never came",
    created: int = SENT // 1000,
) -> dict[str, Any]:
    """A ``feed`` change: a comment (or a reply to one) on one of the Page's posts."""
    return {
        "field": "feed",
        "value": {
            "item": "comment",
            "verb": verb,
            "comment_id": comment_id,
            "post_id": POST,
            "parent_id": parent_id or POST,
            "message": message,
            "from": {"id": author, "name": name},
            "created_time": created,
        },
    }


def instagram_comment(
    comment_id: str,
    *,
    author: str = "17850000000000042",
    username: str = "janeroe",
    text: str = "is this in stock?",
    parent_id: str | None = None,
) -> dict[str, Any]:
    """A ``comments`` change: a comment (or a reply) on one of the account's media."""
    value: dict[str, Any] = {
        "id": comment_id,
        "text": text,
        "from": {"id": author, "username": username},
        "media": {"id": MEDIA, "media_product_type": "FEED"},
    }
    if parent_id:
        value["parent_id"] = parent_id
    return {"field": "comments", "value": value}


def instagram_mention(media_id: str, comment_id: str | None = None) -> dict[str, Any]:
    """A ``mentions`` change: ids only, the text is read from the Graph API."""
    value: dict[str, Any] = {"media_id": media_id}
    if comment_id:
        value["comment_id"] = comment_id
    return {"field": "mentions", "value": value}


def mentioned_comment(
    comment_id: str = MENTIONING_COMMENT,
    *,
    media_id: str = THEIR_MEDIA,
    text: str = "@acme.store my order 5521 never came, two weeks now",
    username: str = "janeroe",
    timestamp: str = "2026-08-24T10:14:40+0000",
) -> dict[str, Any]:
    """What ``GET /{ig-user-id}?fields=mentioned_comment...`` answers (the stand-in's too)."""
    return {
        "id": comment_id,
        "text": text,
        "timestamp": timestamp,
        "username": username,
        "media": {"id": media_id, "permalink": f"https://www.instagram.com/p/C{media_id[-6:]}/"},
    }


def mentioned_media(
    media_id: str = THEIR_MEDIA,
    *,
    caption: str = "unboxing my new kettle from acme.store, the lid is already cracked",
    username: str = "janeroe",
    timestamp: str = "2026-08-24T10:12:00+0000",
) -> dict[str, Any]:
    """What ``GET /{ig-user-id}?fields=mentioned_media...`` answers (the stand-in's too)."""
    return {
        "id": media_id,
        "caption": caption,
        "timestamp": timestamp,
        "username": username,
        "permalink": f"https://www.instagram.com/p/C{media_id[-6:]}/",
    }


def handshake(
    token: str = local.META_VERIFY_TOKEN, challenge: str = "1158201444"
) -> dict[str, Any]:
    query = urlencode(
        {"hub.mode": "subscribe", "hub.verify_token": token, "hub.challenge": challenge}
    )
    return http_event("GET", "/webhooks/meta", query=query)


def signed(
    kind: str, *entries: dict[str, Any], app_secret: str = local.META_APP_SECRET
) -> dict[str, Any]:
    return meta_delivery(delivery_body(kind, *entries), app_secret)


def meta_events() -> dict[str, dict[str, Any]]:
    messenger = entry(PAGE, messaging=[direct(PAGE, PSID, "m_sample-messenger-1")])
    comment = entry(PAGE, changes=[page_comment(f"{POST}_1700000000000001")])
    body = delivery_body("page", messenger)
    return {
        "meta_handshake": handshake(),
        "meta_handshake_wrong_token": handshake(token="guessed-token"),
        "meta_messenger_message": signed("page", messenger),
        "meta_messenger_batch": signed(
            "page",
            entry(
                PAGE,
                messaging=[
                    direct(PAGE, PSID, "m_sample-messenger-2", "Bonjour, ma commande ?"),
                    direct(PAGE, "6100000000000043", "m_sample-messenger-3", "¿Dónde está?"),
                    {
                        "sender": {"id": PSID},
                        "recipient": {"id": PAGE},
                        "read": {"watermark": SENT},
                    },
                ],
            ),
            comment,
        ),
        "meta_messenger_echo": signed(
            "page", entry(PAGE, messaging=[echo(PAGE, PSID, "m_sample-echo-1", "On it!")])
        ),
        "meta_page_comment": signed("page", comment),
        "meta_page_comment_reply": signed(
            "page",
            entry(
                PAGE,
                changes=[
                    page_comment(
                        f"{POST}_1700000000000002",
                        parent_id=f"{POST}_1700000000000001",
                        message="still nothing, a week now",
                    )
                ],
            ),
        ),
        "meta_page_own_comment": signed(
            "page",
            entry(
                PAGE,
                changes=[page_comment(f"{POST}_1700000000000003", author=PAGE, name="Acme Store")],
            ),
        ),
        "meta_instagram_message": signed(
            "instagram",
            entry(INSTAGRAM, messaging=[direct(INSTAGRAM, IGSID, "aWdfZAG1fc2FtcGxlLTE", "hola!")]),
        ),
        "meta_instagram_comment": signed(
            "instagram", entry(INSTAGRAM, changes=[instagram_comment("17865000000000001")])
        ),
        "meta_instagram_mention": signed(
            "instagram",
            entry(INSTAGRAM, changes=[instagram_mention(THEIR_MEDIA, MENTIONING_COMMENT)]),
        ),
        "meta_instagram_caption_mention": signed(
            "instagram", entry(INSTAGRAM, changes=[instagram_mention(THEIR_MEDIA)])
        ),
        "meta_unknown_object": signed("permissions", entry(PAGE)),
        "meta_bad_signature": signed("page", messenger, app_secret="not-the-app-secret"),
        "meta_missing_signature": http_event(
            "POST", "/webhooks/meta", json_bytes(body), {"content-type": "application/json"}
        ),
        "meta_malformed_json": meta_delivery(b'{"object": "page", ', local.META_APP_SECRET),
    }


def customer_delivery(
    network: str, text: str, sender: str, *, stamp: int, reply_to: str | None, dm: bool
) -> dict[str, Any]:
    """What ``socialcare send messenger|facebook|instagram`` posts: ``sender`` a handle or an
    id (Meta's ids are digits, so a handle becomes a stable made-up one), ``stamp`` in
    microseconds makes the ids unique. Messenger is always a DM; Facebook and Instagram are a
    comment (on the top comment ``reply_to``, when given) unless ``dm``."""
    person = sender if sender.isdigit() else str(6100000000000000 + sum(map(ord, sender)))
    millis = stamp // 1000
    if network == "messenger" or (network == "facebook" and dm):
        event = direct(PAGE, person, f"m_cli-{stamp}", text, timestamp=millis)
        return signed("page", entry(PAGE, messaging=[event], time=millis))
    if network == "instagram" and dm:
        event = direct(INSTAGRAM, person, f"aWdfcli-{stamp}", text, timestamp=millis)
        return signed("instagram", entry(INSTAGRAM, messaging=[event], time=millis))
    if network == "facebook":
        parent = f"{POST}_{reply_to}" if reply_to and "_" not in reply_to else reply_to
        change = page_comment(
            f"{POST}_{stamp}",
            author=person,
            name=sender,
            parent_id=parent,
            message=text,
            created=millis // 1000,
        )
        return signed("page", entry(PAGE, changes=[change], time=millis))
    if network == "instagram":
        change = instagram_comment(
            str(17865000000000000 + stamp % 10**12),
            author=person,
            username=sender,
            text=text,
            parent_id=reply_to,
        )
        return signed("instagram", entry(INSTAGRAM, changes=[change], time=millis))
    raise ValueError(f"not a Meta network: {network}")


def mention_delivery(
    where: str, text: str, sender: str, *, stamp: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    """What ``socialcare send instagram --mention`` needs: the mentioning comment (``where``
    "comment") or caption ("caption") as Meta's Graph API will answer it, and the signed
    ``mentions`` change that names it. ``stamp`` in microseconds makes the ids unique."""
    media = str(17900000000000000 + stamp % 10**12)
    when = datetime.fromtimestamp(stamp / 10**6, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")
    if where == "caption":
        item = mentioned_media(media, caption=text, username=sender, timestamp=when)
        change = instagram_mention(media)
    else:
        comment = str(17866000000000000 + stamp % 10**12)
        item = mentioned_comment(
            comment, media_id=media, text=text, username=sender, timestamp=when
        )
        change = instagram_mention(media, comment)
    return item, signed("instagram", entry(INSTAGRAM, changes=[change], time=stamp // 1000))
