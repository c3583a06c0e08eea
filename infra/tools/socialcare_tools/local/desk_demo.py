"""The demo's last act: agents answer from Slack. For one X and one VK conversation, an
agent's reply arrives as a signed Slack event at the local gateway (as Slack would send it),
the desk acknowledges it, the outbox sends it with tweepy or vk_api to the stand-ins, and the
conversation turns answered."""

import base64
import time
from dataclasses import dataclass
from typing import Any, TextIO

import requests

from socialcare.adapters.conversation_reads import ConversationReads
from socialcare.models.conversation import ConversationStatus
from socialcare.services.reply_guards import USER_TOKEN_ONLY
from socialcare_tools.local.standins import Recorder
from socialcare_tools.local.views import conversations
from socialcare_tools.slack_requests import message_event

REPLIES = {
    "x": "Hi{name}, sorry for the wait: your order ships today and you will get the tracking"
    " number by e-mail. Anna, Acme support",
    "vk": "Здравствуйте{name}! Проверили заказ: он уже в пути, трек-номер пришлём сегодня."
    " Анна, поддержка Acme",
}
PLATFORM_CALLS = {
    "x": ("POST /2/tweets", "POST /2/dm_conversations"),
    "vk": ("messages.send", "wall.createComment"),
}


@dataclass(frozen=True)
class AgentReply:
    platform: str
    conversation_id: str
    acknowledged: int  # Slack's HTTP status
    ack_seconds: float
    status_after: str
    platform_call: dict[str, Any] | None

    @property
    def ok(self) -> bool:
        return (
            self.acknowledged == 200
            and self.status_after == "answered"
            and self.platform_call is not None
        )


def _answerable(table: str, store: ConversationReads, platform: str) -> dict[str, Any] | None:
    """An open conversation of ``platform`` with a Slack thread the API may answer."""
    for row in conversations(table):
        if row.get("platform") != platform or row.get("status") != "open":
            continue
        if not row.get("slack_thread"):
            continue
        latest = store.latest_inbound(str(row["id"]))
        summoned = latest is not None and latest.summoned
        if platform == "x" and row.get("channel_type") == "public" and not summoned:
            continue
        if latest is not None and latest.kind in USER_TOKEN_ONLY:  # VK: an admin's own account
            continue
        return row
    return None


def agents_answer(gateway: str, table: str, recorder: Recorder, out: TextIO) -> list[AgentReply]:
    store = ConversationReads(table)
    done: list[AgentReply] = []
    out.write("\nAgents answer from Slack (a signed Slack event per reply):\n")
    for number, platform in enumerate(("x", "vk"), start=1):
        row = _answerable(table, store, platform)
        if row is None:
            out.write(f"  {platform}: no open conversation with a Slack thread to answer\n")
            continue
        customer = row.get("customer") or {}
        first_name = str(customer.get("name") or "").split(" ", maxsplit=1)[0]  # VK: no names
        text = REPLIES[platform].format(name=f" {first_name}" if first_name else "")
        thread = row["slack_thread"]
        event = message_event(
            text, str(thread["ts"]), str(thread["channel"]), event_id=f"EvDemo{number:04d}"
        )
        before = len(recorder.calls(platform))
        started = time.perf_counter()
        response = requests.post(
            f"{gateway.rstrip('/')}/slack/events",
            data=base64.b64decode(event["body"]) if event.get("isBase64Encoded") else event["body"],
            headers=event["headers"],
            timeout=30,
        )
        ack = time.perf_counter() - started
        status, call = _wait_for_answer(store, str(row["id"]), recorder, platform, before=before)
        reply = AgentReply(platform, str(row["id"]), response.status_code, ack, status, call)
        done.append(reply)
        _render(reply, text, out)
    return done


def _wait_for_answer(
    store: ConversationReads,
    conversation_id: str,
    recorder: Recorder,
    platform: str,
    *,
    before: int,
    timeout: float = 30.0,
) -> tuple[str, dict[str, Any] | None]:
    deadline = time.monotonic() + timeout
    while True:
        meta = store.conversation(conversation_id)
        status = str(meta.status) if meta else "gone"
        calls = [
            c
            for c in recorder.calls(platform)[before:]
            if c["method"].startswith(PLATFORM_CALLS[platform])
        ]
        if (status == ConversationStatus.ANSWERED and calls) or time.monotonic() > deadline:
            return status, (calls[0] if calls else None)
        time.sleep(0.1)


def _render(reply: AgentReply, text: str, out: TextIO) -> None:
    call = reply.platform_call or {}
    params = call.get("params") or {}
    target = (
        (params.get("reply") or {}).get("in_reply_to_tweet_id")
        or params.get("participant_id")
        or params.get("peer_id")
        or (f"post {params.get('post_id')}, comment {params.get('reply_to_comment')}")
    )
    out.write(
        f"  {reply.platform}: Slack acknowledged {reply.acknowledged} in"
        f" {reply.ack_seconds * 1000:.0f} ms; the {reply.platform.upper()} stand-in got"
        f" {call.get('method', 'nothing')} -> {target}\n"
        f'      "{text[:90]}..."\n'
        f"      conversation {reply.conversation_id} is now {reply.status_after}\n"
    )
