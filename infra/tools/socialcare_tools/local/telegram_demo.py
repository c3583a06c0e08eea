"""The demo's Telegram act: agents answer on Telegram from Slack, through the same signed
Slack requests and the real outbox, against the Telegram stand-in.

- The private chat with the bot is answered in the customer's chat.
- The group mention is answered in the group, under the customer's message.
- The customer of the brand's Telegram Business account writes again now (the recorded one
  is older than the 24 hours the account's bot may answer in); the reply goes out as the
  brand's own account, through its business connection.
- The bot's private customer blocks the bot; the agent's follow-up is refused by Telegram,
  the thread says why, and the card marks the conversation unreachable.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

import requests  # type: ignore[import-untyped, unused-ignore]

from socialcare.adapters.conversation_reads import ConversationReads
from socialcare.models.message import is_telegram_business_key
from socialcare_tools import samples_telegram as tg
from socialcare_tools.local.meta_demo import post_to_slack, wait_for
from socialcare_tools.local.standins import Recorder
from socialcare_tools.local.standins_telegram import TelegramStandIn
from socialcare_tools.local.views import conversations
from socialcare_tools.slack_requests import message_event

PRIVATE_REPLY = "Hi Jane! Order #4411 left our warehouse this morning; it arrives tomorrow."
GROUP_REPLY = "Yes, the parcel lockers take our orders too."
BUSINESS_REPLY = "Да, доставляем в Минск за 2-3 дня."
FOLLOW_UP = "Did the parcel arrive?"


@dataclass(frozen=True)
class TelegramAct:
    what: str
    ok: bool


@dataclass(frozen=True)
class TelegramDemo:
    gateway: str
    table: str
    standin: TelegramStandIn
    recorder: Recorder
    out: TextIO

    def find(self, wanted: Callable[[dict[str, Any]], bool]) -> dict[str, Any] | None:
        rows = [r for r in conversations(self.table) if r.get("platform") == "telegram"]
        return next((r for r in rows if r.get("slack_thread") and wanted(r)), None)

    def sends(self, since: int) -> list[dict[str, Any]]:
        calls = self.recorder.calls("telegram")[since:]
        return [c for c in calls if c["method"] == "sendMessage"]

    def write(self, row: dict[str, Any], text: str, event_id: str) -> int:
        """The agent writes in the card's thread (a signed Slack event); the send count before."""
        before = len(self.recorder.calls("telegram"))
        thread = row["slack_thread"]
        post_to_slack(
            self.gateway,
            message_event(text, str(thread["ts"]), str(thread["channel"]), event_id=event_id),
        )
        return before

    def answered(self, row: dict[str, Any]) -> bool:
        reads = ConversationReads(self.table)
        return bool(
            wait_for(lambda: (m := reads.conversation(str(row["id"]))) and m.status == "answered")
        )


def telegram_answers(
    gateway: str, table: str, standin: TelegramStandIn, recorder: Recorder, out: TextIO
) -> list[TelegramAct]:
    out.write("\nOn Telegram (the Telegram stand-in):\n")
    demo = TelegramDemo(gateway, table, standin, recorder, out)
    return [_private(demo), _group(demo), _business(demo), _blocked(demo)]


def _private_chat(row: dict[str, Any]) -> bool:
    return row.get("channel_type") == "private" and not is_telegram_business_key(str(row["key"]))


def _private(demo: TelegramDemo) -> TelegramAct:
    what = "Telegram private chat answered"
    row = demo.find(lambda r: _private_chat(r) and r.get("status") == "open")
    if row is None:
        demo.out.write("  telegram: no open private chat with a Slack thread\n")
        return TelegramAct(what, ok=False)
    before = demo.write(row, PRIVATE_REPLY, "EvTg01")
    sent = wait_for(lambda: demo.sends(before))
    answered = demo.answered(row)
    chat = sent[0]["params"]["chat_id"] if sent else None
    demo.out.write(
        f"  telegram: a reply written in the thread; the stand-in got sendMessage to chat {chat}"
        f" as plain text; the conversation is {'answered' if answered else 'not answered'}\n"
    )
    return TelegramAct(what, ok=bool(sent) and answered)


def _group(demo: TelegramDemo) -> TelegramAct:
    what = "Telegram group mention answered under the message"
    row = demo.find(lambda r: r.get("channel_type") == "public" and r.get("status") == "open")
    if row is None:
        demo.out.write("  telegram: no open group conversation with a Slack thread\n")
        return TelegramAct(what, ok=False)
    before = demo.write(row, GROUP_REPLY, "EvTg02")
    sent = wait_for(lambda: demo.sends(before))
    under = (sent[0]["params"].get("reply_parameters") or {}).get("message_id") if sent else None
    demo.out.write(
        f"  telegram: the group reply went to chat {sent[0]['params']['chat_id'] if sent else '?'}"
        f" under message {under}; the conversation is"
        f" {'answered' if demo.answered(row) else 'not answered'}\n"
    )
    return TelegramAct(what, ok=bool(sent) and under is not None)


def _business(demo: TelegramDemo) -> TelegramAct:
    what = "Telegram Business chat answered as the brand's account"
    row = demo.find(lambda r: is_telegram_business_key(str(r["key"])))
    if row is None:
        demo.out.write("  telegram: no Telegram Business conversation with a Slack thread\n")
        return TelegramAct(what, ok=False)
    demo.standin.connect(tg.business_connection())  # as Telegram holds it
    again = tg.business_message(
        "Вы ещё здесь? Доставка в Минск?", message_id=302, date=int(time.time())
    )
    event = tg.telegram_delivery(tg.update("business_message", again, 851204100))
    requests.post(
        f"{demo.gateway}/webhooks/telegram",
        data=event["body"],
        headers=event["headers"],
        timeout=30,
    )
    reads = ConversationReads(demo.table)
    wait_for(lambda: (m := reads.conversation(str(row["id"]))) and m.message_count >= 2)
    before = demo.write(row, BUSINESS_REPLY, "EvTg03")
    sent = wait_for(lambda: demo.sends(before))
    via = sent[0]["params"].get("business_connection_id") if sent else None
    demo.out.write(
        "  telegram: the business customer wrote again now; the reply went as the brand's own"
        f" account through business connection {via}; the conversation is"
        f" {'answered' if demo.answered(row) else 'not answered'}\n"
    )
    return TelegramAct(what, ok=via == tg.CONNECTION)


def _blocked(demo: TelegramDemo) -> TelegramAct:
    what = "Telegram reply refused: the customer blocked the bot"
    row = demo.find(_private_chat)
    if row is None:
        demo.out.write("  telegram: no private chat with a Slack thread\n")
        return TelegramAct(what, ok=False)
    chat = int(str(row["customer"]["id"]))
    demo.standin.block(chat)
    slack_before = len(demo.recorder.calls("slack"))
    demo.write(row, FOLLOW_UP, "EvTg04")
    told = wait_for(
        lambda: [
            c["params"]
            for c in demo.recorder.calls("slack")[slack_before:]
            if c["method"] == "chat.postMessage" and "Not sent on Telegram" in str(c["params"])
        ]
    )
    reads = ConversationReads(demo.table)
    marked = wait_for(lambda: (m := reads.conversation(str(row["id"]))) and m.unreachable)
    reason = str(told[0]["text"]).split("\n")[0] if told else "nothing"
    demo.out.write(
        "  telegram: the customer blocked the bot; the agent's follow-up was refused and the"
        f' thread says: "{reason[:120]}"; the card marks the conversation unreachable: '
        f"{'yes' if marked else 'no'}\n"
    )
    return TelegramAct(what, ok=bool(told) and bool(marked))
