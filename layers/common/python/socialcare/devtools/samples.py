"""Sample platform deliveries: the files in ``events/`` are generated from this module.

``python -m socialcare.devtools.samples`` (``make events``) rewrites them; a unit test
checks the files still match, so the samples used by tests, ``sam local invoke -e`` and
the demo cannot drift. Signed with the local secrets (``local_secrets``).
"""

import json
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from socialcare.devtools import local_secrets as local
from socialcare.devtools.apigw import http_event, json_bytes, vk_delivery, x_delivery

ACCOUNT = local.X_ACCOUNT_ID
GROUP = local.VK_GROUP_ID
JANE: dict[str, Any] = {
    "id_str": "1400000000000000042",
    "name": "Jane Roe",
    "screen_name": "janeroe",
    "followers_count": 1532,
    "verified": False,
}
MENTION_ID = "1960000000000000123"


def tweet(
    tweet_id: str,
    text: str,
    *,
    user: dict[str, Any] = JANE,
    reply_to: str | None = None,
    millis: int = 1787566502000,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "created_at": "Mon Aug 24 10:15:02 +0000 2026",
        "id_str": tweet_id,
        "text": text,
        "truncated": False,
        "in_reply_to_status_id_str": reply_to,
        "in_reply_to_user_id_str": ACCOUNT if reply_to is None else user["id_str"],
        "user": user,
        "entities": {
            "hashtags": [],
            "urls": [],
            "user_mentions": [
                {"id_str": ACCOUNT, "screen_name": "AcmeSupport", "indices": [0, 12]}
            ],
        },
        "timestamp_ms": str(millis),
        **extra,
    }


def x_tweets(*tweets: dict[str, Any]) -> dict[str, Any]:
    return {
        "for_user_id": ACCOUNT,
        "user_has_blocked": "false",
        "tweet_create_events": list(tweets),
    }


def x_dm(
    dm_id: str, text: str, sender: str = JANE["id_str"], millis: int = 1787566502557
) -> dict[str, Any]:
    return {
        "for_user_id": ACCOUNT,
        "direct_message_events": [
            {
                "type": "message_create",
                "id": dm_id,
                "created_timestamp": str(millis),
                "message_create": {
                    "target": {"recipient_id": ACCOUNT if sender != ACCOUNT else JANE["id_str"]},
                    "sender_id": sender,
                    "message_data": {"text": text, "entities": {}},
                },
            }
        ],
        "users": {
            JANE["id_str"]: {
                "id": JANE["id_str"],
                "name": "Jane Roe",
                "screen_name": "janeroe",
                "verified": False,
                "followers_count": 1532,
            }
        },
    }


def vk(
    kind: str, obj: dict[str, Any], event_id: str, secret: str = local.VK_SECRET, group: int = GROUP
) -> dict[str, Any]:
    return {
        "group_id": group,
        "type": kind,
        "event_id": event_id,
        "v": "5.199",
        "object": obj,
        "secret": secret,
    }


def vk_message(
    text: str, conversation_message_id: int = 734, peer: int = 512345678, date: int = 1787566502
) -> dict[str, Any]:
    return {
        "message": {
            "date": date,
            "from_id": peer,
            "id": 98000 + conversation_message_id,
            "version": 10000123,
            "out": 0,
            "fwd_messages": [],
            "attachments": [],
            "conversation_message_id": conversation_message_id,
            "text": text,
            "peer_id": peer,
            "random_id": 0,
        },
        "client_info": {
            "button_actions": ["text"],
            "keyboard": True,
            "inline_keyboard": True,
            "carousel": True,
            "lang_id": 0,
        },
    }


def x_events() -> dict[str, dict[str, Any]]:
    s = local.X_CONSUMER_SECRET
    mention = x_tweets(tweet(MENTION_ID, "@AcmeSupport order #4411 never arrived"))
    long_text = (
        "@AcmeSupport " + "my parcel went to the wrong city and nobody answers the phone. " * 4
    )
    return {
        "x_crc_challenge": http_event("GET", "/webhooks/x", query="crc_token=challenge_string"),
        "x_crc_missing_token": http_event("GET", "/webhooks/x"),
        # An attack: a delivery body as the CRC token, hoping for its signature back.
        "x_crc_forged_body": http_event(
            "GET", "/webhooks/x", query=urlencode({"crc_token": json_bytes(mention).decode()})
        ),
        "x_tweet_mention": x_delivery(mention, s),
        "x_tweet_mention_base64": x_delivery(mention, s, base64_body=True),
        "x_tweet_reply": x_delivery(
            x_tweets(
                tweet(
                    "1960000000000000200",
                    "@AcmeSupport still nothing, it is the third day",
                    reply_to=MENTION_ID,
                    millis=1787570102000,
                )
            ),
            s,
        ),
        "x_tweet_extended": x_delivery(
            x_tweets(
                tweet(
                    "1960000000000000300",
                    long_text[:140],
                    truncated=True,
                    extended_tweet={"full_text": long_text.strip()},
                )
            ),
            s,
        ),
        "x_tweet_own": x_delivery(
            x_tweets(
                tweet(
                    "1960000000000000400",
                    "@janeroe we are on it!",
                    reply_to=MENTION_ID,
                    user={
                        "id_str": ACCOUNT,
                        "screen_name": "AcmeSupport",
                        "name": "Acme Support",
                        "followers_count": 90000,
                        "verified": True,
                    },
                )
            ),
            s,
        ),
        "x_dm": x_delivery(x_dm("1960000000000000777", "Hi, my order never arrived"), s),
        "x_dm_echo": x_delivery(
            x_dm("1960000000000000778", "Thanks, we'll check", sender=ACCOUNT), s
        ),
        "x_favorite_events": x_delivery(
            {
                "for_user_id": ACCOUNT,
                "favorite_events": [
                    {"id": "f1", "favorited_status": {"id_str": "1"}, "user": JANE}
                ],
            },
            s,
        ),
        "x_bad_signature": x_delivery(mention, "not-the-consumer-secret"),
        "x_missing_signature": http_event(
            "POST", "/webhooks/x", json_bytes(mention), {"content-type": "application/json"}
        ),
        "x_malformed_json": x_delivery(b'{"for_user_id": "150', s),
        "x_invalid_payload": x_delivery({"tweet_create_events": [{"id_str": "abc"}]}, s),
        "x_unknown_account": x_delivery({**mention, "for_user_id": "1999999999999999999"}, s),
    }


def vk_events() -> dict[str, dict[str, Any]]:
    message = vk(
        "message_new",
        vk_message("Здравствуйте, заказ #4411 не пришёл"),
        "3f0c9a1b7e2d4c6a8b9e0f1a2b3c4d5e6f708192",
    )
    comment = {
        "id": 8812,
        "from_id": 512345678,
        "date": 1787566600,
        "text": "Когда будет доставка?",
        "post_owner_id": -GROUP,
        "post_id": 1043,
        "parents_stack": [],
        "thread": {"count": 0},
    }
    return {
        "vk_confirmation": vk_delivery(
            {"type": "confirmation", "group_id": GROUP, "secret": local.VK_SECRET}
        ),
        "vk_message_new": vk_delivery(message),
        "vk_message_new_retry": vk_delivery(message, retry=1),
        "vk_message_new_base64": vk_delivery(message, base64_body=True),
        "vk_wall_reply_new": vk_delivery(
            vk("wall_reply_new", comment, "46e87d9c892ee9265959eb40efb9e55e61f9f768")
        ),
        "vk_wall_reply_in_thread": vk_delivery(
            vk(
                "wall_reply_new",
                {
                    **comment,
                    "id": 8813,
                    "date": 1787566700,
                    "text": "И номер трека, пожалуйста",
                    "parents_stack": [8812],
                    "reply_to_comment": 8812,
                },
                "46e87d9c892ee9265959eb40efb9e55e61f9f769",
            )
        ),
        "vk_wall_post_new": vk_delivery(
            vk(
                "wall_post_new",
                {
                    "id": 1044,
                    "owner_id": -GROUP,
                    "from_id": 512345678,
                    "date": 1787566700,
                    "post_type": "suggest",
                    "text": "Жалоба на курьера",
                    "attachments": [],
                },
                "9a1e0c77b2d54f0e8c3a6b1d2e4f5a6b7c8d9e0f",
            )
        ),
        "vk_photo_comment_new": vk_delivery(
            vk(
                "photo_comment_new",
                {
                    "id": 311,
                    "from_id": 512345678,
                    "date": 1787566800,
                    "text": "Це не той товар",
                    "photo_owner_id": -GROUP,
                    "photo_id": 457239017,
                },
                "c0ffee00aa11bb22cc33dd44ee55ff6677889900",
            )
        ),
        "vk_board_post_new": vk_delivery(
            vk(
                "board_post_new",
                {
                    "id": 3490,
                    "from_id": 512345678,
                    "date": 1787566900,
                    "text": "Pitanje o jamstvu 🙏",
                    "topic_owner_id": -GROUP,
                    "topic_id": 40293628,
                },
                "0badc0de11112222333344445555666677778888",
            )
        ),
        "vk_message_reply": vk_delivery(
            vk(
                "message_reply",
                {
                    "date": 1787566950,
                    "from_id": -GROUP,
                    "id": 98100,
                    "out": 1,
                    "peer_id": 512345678,
                    "text": "Проверим",
                    "conversation_message_id": 735,
                },
                "aa00000000000000000000000000000000000001",
            )
        ),
        "vk_own_comment": vk_delivery(
            vk(
                "wall_reply_new",
                {**comment, "id": 8814, "from_id": -GROUP},
                "aa00000000000000000000000000000000000002",
            )
        ),
        "vk_unknown_type": vk_delivery(
            vk(
                "group_join",
                {"user_id": 512345678, "join_type": "join"},
                "aa00000000000000000000000000000000000003",
            )
        ),
        "vk_bad_secret": vk_delivery({**message, "secret": "guessed"}),
        "vk_missing_secret": vk_delivery({k: v for k, v in message.items() if k != "secret"}),
        "vk_unknown_group": vk_delivery({**message, "group_id": 999}),
        "vk_malformed_json": vk_delivery(b'{"type": "message_new", '),
        "vk_invalid_object": vk_delivery(
            vk("message_new", {"client_info": {}}, "aa00000000000000000000000000000000000004")
        ),
    }


def all_events() -> dict[str, dict[str, Any]]:
    return x_events() | vk_events()


def render(event: dict[str, Any]) -> str:
    stable = {
        **event,
        "requestContext": {
            **event["requestContext"],
            "requestId": "sample",
            "time": "24/Aug/2026:10:15:02 +0000",
            "timeEpoch": 1787566502000,
        },
    }
    return json.dumps(stable, ensure_ascii=False, indent=2) + "\n"


def main(directory: str = "events") -> None:
    target = Path(directory)
    for name, event in all_events().items():
        (target / f"{name}.json").write_text(render(event), encoding="utf-8")
    print(f"wrote {len(all_events())} events to {target}/", file=sys.stderr)


if __name__ == "__main__":
    main(*sys.argv[1:])
