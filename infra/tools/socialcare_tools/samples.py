"""Sample platform deliveries: the files in ``events/`` are generated from this module.

``python -m socialcare_tools.samples`` (``make events``) rewrites them; a unit test
checks the files still match, so the samples used by tests, ``sam local invoke -e`` and
the demo cannot drift. Signed with the local secrets (``local_secrets``).
"""

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from socialcare_tools import local_secrets as local
from socialcare_tools.apigw import http_event, json_bytes, vk_delivery, x_delivery

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


def v2_user(user: dict[str, Any]) -> dict[str, Any]:
    """The X API v2 user for a v1.1 user object (the XAA twin of an AAA sample)."""
    return {
        "id": user["id_str"],
        "name": user["name"],
        "username": user["screen_name"],
        "verified": user["verified"],
        "protected": False,
        "public_metrics": {
            "followers_count": user["followers_count"],
            "followers_count_str": str(user["followers_count"]),
        },
    }


def v2_post(old: dict[str, Any]) -> dict[str, Any]:
    """The X API v2 post for a v1.1 tweet (its XAA twin): same id, text, author and time."""
    created = datetime.fromtimestamp(int(old["timestamp_ms"]) / 1000, UTC)
    references = []
    if old.get("in_reply_to_status_id_str"):
        references.append({"type": "replied_to", "id": old["in_reply_to_status_id_str"]})
    if old.get("quoted_status"):
        references.append({"type": "quoted", "id": old["quoted_status"]["id_str"]})
    text = old.get("extended_tweet", {}).get("full_text", old["text"])
    return {
        "id": old["id_str"],
        "text": text,
        "author_id": old["user"]["id_str"],
        "conversation_id": old.get("in_reply_to_status_id_str") or old["id_str"],
        "created_at": created.strftime("%Y-%m-%dT%H:%M:%S.")
        + f"{created.microsecond // 1000:03d}Z",
        "edit_history_tweet_ids": [old["id_str"]],
        "lang": "en",
        "reply_settings": "everyone",
        "possibly_sensitive": False,
        "entities": {
            "mentions": [
                {
                    "start": m["indices"][0],
                    "end": m["indices"][1],
                    "username": m["screen_name"],
                    "id": m["id_str"],
                }
                for m in old["entities"]["user_mentions"]
            ]
        },
        **({"referenced_tweets": references} if references else {}),
    }


def xaa(
    event_type: str,
    payload: dict[str, Any],
    uuid: str,
    includes: dict[str, Any] | None = None,
    account: str | None = ACCOUNT,
) -> dict[str, Any]:
    """An X Activity API delivery: one event in the ``data`` envelope (event-payloads page)."""
    event: dict[str, Any] = {
        "event_uuid": uuid,
        "filter": {"user_id": account} if account else {},
        "event_type": event_type,
        "tag": f"socialcare {event_type}",
        "payload": payload,
    }
    if includes is not None:
        event["includes"] = includes
    return {"data": event}


def xaa_post(
    event_type: str, old: dict[str, Any], uuid: str, *quoted: dict[str, Any]
) -> dict[str, Any]:
    """The XAA twin of a ``tweet_create_events`` delivery of ``old``."""
    users = [v2_user(old["user"])] + [v2_user(q["user"]) for q in quoted]
    includes = {"users": users, "tweets": [v2_post(old), *(v2_post(q) for q in quoted)]}
    return xaa(event_type, v2_post(old), uuid, includes)


def xaa_dm(event_type: str, old: dict[str, Any], uuid: str) -> dict[str, Any]:
    """The XAA twin of a ``direct_message_events`` delivery: users wrapped in ``data``."""
    users = {key: {"data": v2_user({**u, "id_str": u["id"]})} for key, u in old["users"].items()}
    payload = {"direct_message_events": old["direct_message_events"], "users": users}
    return xaa(event_type, payload, uuid)


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


ACME: dict[str, Any] = {
    "id_str": ACCOUNT,
    "screen_name": "AcmeSupport",
    "name": "Acme Support",
    "followers_count": 90000,
    "verified": True,
}
REPLY = tweet(
    "1960000000000000200",
    "@AcmeSupport still nothing, it is the third day",
    reply_to=MENTION_ID,
    millis=1787570102000,
)
OWN_REPLY = tweet("1960000000000000400", "@janeroe we are on it!", reply_to=MENTION_ID, user=ACME)
BRAND_POST = tweet(
    "1960000000000000050", "Our summer sale starts today!", user=ACME, millis=1787560000000
)
QUOTE = tweet(
    "1960000000000000500",
    "Last sale's order still has not arrived",
    millis=1787573702000,
    quoted_status=BRAND_POST,
    is_quote_status=True,
)
QUOTE["entities"]["user_mentions"] = []  # a quote names nobody: summoned by the quote alone
# A direct reply to the brand's post, naming nobody (X no longer puts the @handle of the
# post replied to in the text): XAA delivers it as post.reply.create, never as a mention.
REPLY_TO_BRAND = tweet(
    "1960000000000000550",
    "Does the sale include the blue kettle? The page says sold out",
    reply_to=BRAND_POST["id_str"],
    millis=1787574002000,
    in_reply_to_user_id_str=ACCOUNT,
)
REPLY_TO_BRAND["entities"]["user_mentions"] = []
DM = x_dm("1960000000000000777", "Hi, my order never arrived")
DM_ECHO = x_dm("1960000000000000778", "Thanks, we'll check", sender=ACCOUNT)
CHAT_CONVERSATION = f"{JANE['id_str']}:{ACCOUNT}"


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
        "x_tweet_reply": x_delivery(x_tweets(REPLY), s),
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
        "x_tweet_own": x_delivery(x_tweets(OWN_REPLY), s),
        "x_tweet_quote": x_delivery(x_tweets(QUOTE), s),
        "x_tweet_reply_to_brand": x_delivery(x_tweets(REPLY_TO_BRAND), s),
        "x_tweet_delete": x_delivery(
            {
                "for_user_id": ACCOUNT,
                "tweet_delete_events": [
                    {
                        "status": {"id": MENTION_ID, "user_id": JANE["id_str"]},
                        "timestamp_ms": "1787577302000",
                    }
                ],
            },
            s,
        ),
        "x_user_event_revoke": x_delivery(
            {
                "for_user_id": ACCOUNT,
                "user_event": {
                    "revoke": {
                        "date_time": "2026-08-24T12:00:00+00:00",
                        "target": {"app_id": "29820954"},
                        "source": {"user_id": ACCOUNT},
                    }
                },
            },
            s,
        ),
        "x_dm": x_delivery(DM, s),
        "x_dm_echo": x_delivery(DM_ECHO, s),
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
    } | xaa_events()


def xaa_events() -> dict[str, dict[str, Any]]:
    """X Activity API deliveries, each the twin of the AAA sample of the same event."""
    s = local.X_CONSUMER_SECRET
    mention = xaa_post(
        "post.mention.create",
        tweet(MENTION_ID, "@AcmeSupport order #4411 never arrived"),
        "2080765813578191303",
    )
    return {
        "x_xaa_mention": x_delivery(mention, s),
        "x_xaa_reply": x_delivery(xaa_post("post.mention.create", REPLY, "2080765813578191304"), s),
        "x_xaa_quote": x_delivery(
            xaa_post("post.quote.create", QUOTE, "2080765813578191305", BRAND_POST), s
        ),
        "x_xaa_reply_to_brand": x_delivery(
            xaa_post("post.reply.create", REPLY_TO_BRAND, "2080765813578191306", BRAND_POST), s
        ),
        "x_xaa_own_post": x_delivery(xaa_post("post.create", OWN_REPLY, "2080761390344937796"), s),
        "x_xaa_dm_received": x_delivery(xaa_dm("dm.received", DM, "-6850472171600526495"), s),
        "x_xaa_dm_sent": x_delivery(xaa_dm("dm.sent", DM_ECHO, "-3577827201104920132"), s),
        "x_xaa_post_delete": x_delivery(
            xaa(
                "post.delete",
                {"id": MENTION_ID, "author_id": JANE["id_str"]},
                "-2781149976877970683",
                {"users": [{"data": v2_user(JANE)}]},
            ),
            s,
        ),
        "x_xaa_oauth_revoke": x_delivery(
            xaa(
                "oauth.revoke",
                {
                    "date_time": "2026-08-24T12:00:00+00:00",
                    "user_id": ACCOUNT,
                    "app_id": "29820954",
                },
                "5934540941047412905",
                account=None,
            ),
            s,
        ),
        "x_xaa_chat_received": x_delivery(
            xaa(
                "chat.received",
                {
                    "conversation_token": "eyJhbGciOiJIUzI1NiJ9.sample",
                    "id": "e4f4d3fc-8bbf-4928-92eb-e5058d6bb6f6",
                    "created_at_msec": "1787566502557",
                    "sender_id": JANE["id_str"],
                    "conversation_id": CHAT_CONVERSATION,
                    "conversation_key_version": "1768236281331",
                    "encoded_event": "CwABAAAAEzIwODA0MDA4MjUyMjcxMDAxNjALAAIA",
                    "conversation_key_change_event": "CwABAAAAEzIwMTA3NTQ4MTkxMTY0NDk5MDULAAIA",
                    "message_event_signature": {
                        "public_key_version": "1765382634817",
                        "signature": "6IK9SZIMXBe5SFcB7vGZJd5A5Eb5MLvnwrhUFfBGv4S5",
                        "signature_version": "7",
                        "signing_public_key": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE",
                    },
                },
                "8511582263942905822",
            ),
            s,
        ),
        "x_xaa_like": x_delivery(
            xaa(
                "like.create",
                {
                    "id": "87719f50ee17bdfa06a3089098a2b9ed",
                    "liked_tweet_id": MENTION_ID,
                    "liked_tweet_author_id": JANE["id_str"],
                },
                "-3402274206530057851",
            ),
            s,
        ),
        # An event type X does not document (yet): must be loud, never dropped as "not for us".
        "x_xaa_unknown_type": x_delivery(
            xaa("post.reaction.create", {"id": "1"}, "1234567890123456789"), s
        ),
        "x_xaa_invalid_payload": x_delivery(
            xaa("post.mention.create", {"id": "abc", "text": "hi"}, "1234567890123456790"), s
        ),
        "x_xaa_bad_signature": x_delivery(mention, "not-the-consumer-secret"),
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


X_DELIVERY_ALARM = "socialcare-prod-XDeliveryUnavailableAlarm-1Q2W3E4R5T6Y"


def sns_alarm(state: str, changed_at: str, alarm: str = X_DELIVERY_ALARM) -> dict[str, Any]:
    """CloudWatch's alarm notification as SNS hands it to a Lambda function (one record)."""
    topic = "arn:aws:sns:eu-west-1:123456789012:socialcare-prod-XDeliveryOutageTopic-AbCdEf"
    message = {
        "AlarmName": alarm,
        "AlarmDescription": "The X webhook answered 503 (storage or configuration unavailable).",
        "AWSAccountId": "123456789012",
        "AlarmConfigurationUpdatedTimestamp": "2026-12-01T09:00:00.000+0000",
        "NewStateValue": state,
        "NewStateReason": (
            "Threshold Crossed: 1 datapoint [3.0 (06/12/26 03:19:00)] was greater than or equal"
            " to the threshold (1.0)."
            if state == "ALARM"
            else "Threshold Crossed: no datapoints were received for 1 period."
        ),
        "StateChangeTime": changed_at,
        "Region": "EU (Ireland)",
        "AlarmArn": f"arn:aws:cloudwatch:eu-west-1:123456789012:alarm:{alarm}",
        "OldStateValue": "OK" if state == "ALARM" else "ALARM",
        "Trigger": {
            "MetricName": "DeliveryUnavailable",
            "Namespace": "socialcare",
            "StatisticType": "Statistic",
            "Statistic": "SUM",
            "Unit": None,
            "Dimensions": [{"value": "ingest-x", "name": "service"}],
            "Period": 60,
            "EvaluationPeriods": 1,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "Threshold": 1.0,
            "TreatMissingData": "notBreaching",
        },
    }
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": f"{topic}:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55",
                "Sns": {
                    "Type": "Notification",
                    "MessageId": "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
                    "TopicArn": topic,
                    "Subject": f'{state}: "{alarm}" in EU (Ireland)',
                    "Message": json.dumps(message),
                    "Timestamp": changed_at.replace("+0000", "Z"),
                    "SignatureVersion": "1",
                    "Signature": "EXAMPLE",
                    "SigningCertUrl": "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-0000.pem",
                    "UnsubscribeUrl": "https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe",
                    "MessageAttributes": {},
                },
            }
        ]
    }
