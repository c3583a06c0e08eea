"""The demo's Meta act: agents answer on Facebook and Instagram from Slack, through the
same signed Slack requests and the real outbox, against the Meta stand-in.

- An Instagram comment is moved to DM: the agent presses "Move to DM" on its card, then
  writes in the thread; the reply goes as Meta's private reply (``recipient.comment_id``),
  once, and the conversation is answered.
- An Instagram @mention (a comment on the customer's own post naming the brand) is answered
  in its thread; the reply goes as Meta's mention reply, under that comment.
- A Messenger message from the busy hour (dated when the recorded scenario happened, more
  than 24 hours ago) gets a reply that the desk refuses before anything is sent: Meta's
  window has closed, and the agent reads why.
"""

import base64
import time
from dataclasses import dataclass
from typing import Any, TextIO

import requests

from socialcare.adapters.conversation_reads import ConversationReads
from socialcare.models.message import is_instagram_mention_key
from socialcare_tools.local.standins import Recorder
from socialcare_tools.local.views import conversations
from socialcare_tools.slack_requests import button_press, message_event

PRIVATE_REPLY = "Hi! We have sent you a private message with the stock in your size."
LATE_REPLY = "Bonjour ! Votre commande est partie ce matin."
MENTION_REPLY = "So sorry about order 5521! A new one left our warehouse this morning."


@dataclass(frozen=True)
class MetaAct:
    what: str
    ok: bool


def post_to_slack(gateway: str, event: dict[str, Any]) -> int:
    body = event["body"]
    data = base64.b64decode(body) if event.get("isBase64Encoded") else body
    response = requests.post(
        f"{gateway.rstrip('/')}/slack/events", data=data, headers=event["headers"], timeout=30
    )
    return int(response.status_code)


def _open(
    table: str, platform: str, channel_type: str, *, mention: bool = False
) -> dict[str, Any] | None:
    for row in conversations(table):
        if (
            row.get("platform") == platform
            and row.get("channel_type") == channel_type
            and row.get("status") == "open"
            and row.get("slack_thread")
            and is_instagram_mention_key(str(row.get("key", ""))) is mention
        ):
            return row
    return None


def wait_for(check: Any, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := check()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return found


def meta_answers(gateway: str, table: str, recorder: Recorder, out: TextIO) -> list[MetaAct]:
    out.write("\nOn Facebook and Instagram (the Meta stand-in):\n")
    return [
        _private_reply(gateway, table, recorder, out),
        _mention_reply(gateway, table, recorder, out),
        _late_reply(gateway, table, recorder, out),
    ]


def _private_reply(gateway: str, table: str, recorder: Recorder, out: TextIO) -> MetaAct:
    what = "Instagram comment moved to DM"
    row = _open(table, "instagram", "public")
    if row is None:
        out.write("  instagram: no open comment conversation with a Slack thread\n")
        return MetaAct(what, ok=False)
    thread = row["slack_thread"]
    pressed = post_to_slack(
        gateway, button_press("move_to_dm", str(row["id"]), str(thread["channel"]))
    )
    reads = ConversationReads(table)
    # The desk acknowledges at once and acts a moment later (as Slack's 3 seconds demand);
    # an agent types slower than that.
    wait_for(lambda: (m := reads.conversation(str(row["id"]))) and m.replies_privately)
    before = len(recorder.calls("meta"))
    event = message_event(
        PRIVATE_REPLY, str(thread["ts"]), str(thread["channel"]), event_id="EvMeta01"
    )
    written = post_to_slack(gateway, event)
    sent = wait_for(
        lambda: [
            c
            for c in recorder.calls("meta")[before:]
            if "comment_id" in (c["params"].get("recipient") or {})
        ]
    )
    meta = wait_for(
        lambda: (m := reads.conversation(str(row["id"]))) and m.status == "answered" and m
    )
    comment = sent[0]["params"]["recipient"]["comment_id"] if sent else None
    out.write(
        f"  instagram: Move to DM pressed ({pressed}), the reply written in the thread ({written});"
        f" the stand-in got a private reply to comment {comment}; the conversation is"
        f" {meta.status if meta else 'not answered'}\n"
    )
    return MetaAct(what, ok=bool(sent) and bool(meta))


def _mention_reply(gateway: str, table: str, recorder: Recorder, out: TextIO) -> MetaAct:
    what = "Instagram mention answered under the comment"
    row = _open(table, "instagram", "public", mention=True)
    if row is None:
        out.write("  instagram: no open mention with a Slack thread\n")
        return MetaAct(what, ok=False)
    thread = row["slack_thread"]
    before = len(recorder.calls("meta"))
    event = message_event(
        MENTION_REPLY, str(thread["ts"]), str(thread["channel"]), event_id="EvMeta03"
    )
    written = post_to_slack(gateway, event)
    sent = wait_for(
        lambda: [c for c in recorder.calls("meta")[before:] if c["method"] == "mentions"]
    )
    reads = ConversationReads(table)
    meta = wait_for(
        lambda: (m := reads.conversation(str(row["id"]))) and m.status == "answered" and m
    )
    where = sent[0]["params"] if sent else {}
    out.write(
        f"  instagram: a reply to @{(row.get('customer') or {}).get('handle')}'s mention written"
        f" in the thread ({written}); the stand-in got a mention reply on media"
        f" {where.get('media_id')}, comment {where.get('comment_id')}; the conversation is"
        f" {meta.status if meta else 'not answered'}\n"
    )
    return MetaAct(what, ok=bool(sent) and bool(meta))


def _late_reply(gateway: str, table: str, recorder: Recorder, out: TextIO) -> MetaAct:
    what = "Messenger reply after the 24-hour window refused"
    row = _open(table, "messenger", "private")
    if row is None:
        out.write("  messenger: no open conversation with a Slack thread\n")
        return MetaAct(what, ok=False)
    thread = row["slack_thread"]
    before_meta, before_slack = len(recorder.calls("meta")), len(recorder.calls("slack"))
    event = message_event(
        LATE_REPLY, str(thread["ts"]), str(thread["channel"]), event_id="EvMeta02"
    )
    written = post_to_slack(gateway, event)
    told = wait_for(
        lambda: [
            c["params"]
            for c in recorder.calls("slack")[before_slack:]
            if c["method"] == "chat.postEphemeral" and "window" in str(c["params"].get("text"))
        ]
    )
    sent = recorder.calls("meta")[before_meta:]
    reason = str(told[0]["text"]) if told else "nothing"
    out.write(
        f"  messenger: a reply written in the thread ({written}) on a message from the recorded"
        f" busy hour; nothing was sent ({len(sent)} Graph API calls) and the agent read:\n"
        f'      "{reason[:150]}..."\n'
    )
    return MetaAct(what, ok=bool(told) and not sent)
