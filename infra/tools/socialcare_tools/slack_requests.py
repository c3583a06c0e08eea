"""Slack's requests to the desk, signed as Slack signs them (for tests, the demo and the
bench): an agent's message in a thread, as the Events API delivers it (platforms.md §5.3).

They come from the example brand's workspace (``TEAM``, its brand.yaml ``slack.team``) and
from ``AGENT``, one of its members, so the desk's access check lets them act."""

import json
import time
from typing import Any
from urllib.parse import urlencode

from socialcare.slack.verification import sign
from socialcare_tools import local_secrets as local
from socialcare_tools.apigw import http_event

AGENT = "U0AGENT01"
TEAM = "T0ACMEWORK"  # layers/config/brands/acme/brand.yaml: slack.team
SUPPORT_CHANNEL = "C0ACMESUPPORT"  # and its slack.channel


def signed(
    body: bytes,
    content_type: str,
    secret: str = local.SLACK_SIGNING_SECRET,
    *,
    base64_body: bool = False,
    headers: dict[str, str] | None = None,
    at: int | None = None,
) -> dict[str, Any]:
    """``at``: the request's time (epoch seconds), now unless given; Slack's signature covers
    it and the desk refuses one more than five minutes old."""
    timestamp = str(int(time.time()) if at is None else at)
    return http_event(
        "POST",
        "/slack/events",
        body,
        {
            "content-type": content_type,
            "x-slack-request-timestamp": timestamp,
            "x-slack-signature": sign(secret, timestamp, body),
            **(headers or {}),
        },
        base64_body=base64_body,
    )


def message_event(
    text: str,
    thread_ts: str | None,
    channel: str,
    *,
    event_id: str = "Ev0001",
    retry: int | None = None,
    user: str = AGENT,
    team: str = TEAM,
    user_team: str | None = None,
    **event: Any,
) -> dict[str, Any]:
    """``team``: the workspace the event is delivered for; ``user_team``: the writer's own,
    when it differs (an external member of a shared channel)."""
    ts = event.pop("ts", f"{time.time():.6f}")
    body = {
        "token": "unused",
        "team_id": team,
        "api_app_id": "A0APP",
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
        "event": {
            "type": "message",
            "user": user,
            "text": text,
            "ts": ts,
            "channel": channel,
            "channel_type": "channel",
            "event_ts": ts,
            "team": user_team or team,
        }
        | ({"user_team": user_team} if user_team else {})
        | ({"thread_ts": thread_ts} if thread_ts else {})
        | event,
    }
    retry_headers = (
        {"x-slack-retry-num": str(retry), "x-slack-retry-reason": "http_timeout"} if retry else {}
    )
    return signed(json.dumps(body).encode(), "application/json", headers=retry_headers)


def button_press(
    action_id: str,
    conversation_id: str,
    channel: str = SUPPORT_CHANNEL,
    *,
    action_ts: str = "1787566800.123456",
    user: str = AGENT,
    team: str = TEAM,
    user_team: str | None = None,
    at: int | None = None,
) -> dict[str, Any]:
    """An agent pressing one of a card's buttons (Slack's ``block_actions`` interaction)."""
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": "anna", "team_id": user_team or team},
        "api_app_id": "A0APP",
        "container": {"type": "message", "message_ts": "1787566510.000200", "channel_id": channel},
        "trigger_id": "1334.5224.abc",
        "team": {"id": team},
        "channel": {"id": channel, "name": "support"},
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "conversation_actions",
                "value": conversation_id,
                "action_ts": action_ts,
            }
        ],
    }
    body = urlencode({"payload": json.dumps(payload)}).encode()
    return signed(body, "application/x-www-form-urlencoded", at=at)
