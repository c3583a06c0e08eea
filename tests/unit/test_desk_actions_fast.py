"""What an agent's actions in Slack do (services/desk_actions.py, desk_buttons.py) with the
desk's store, the outbox, Slack and the managers' topic in memory: replies written in the
card's thread, notes, and the card's buttons, each once however often Slack retries. The
same through Bolt, moto and the Slack stand-in: tests/integration/test_desk_actions.py."""

from datetime import UTC, datetime
from typing import Any

from socialcare.config import load_brands
from socialcare.models.reply import ReplyRoute, ReplyStatus
from socialcare.services.desk_actions import ActionDeps, check_modal, take_thread_message
from socialcare.services.desk_buttons import ButtonPress, press
from socialcare.slack.events import SlackMessageEvent
from tests.conftest import BRANDS_DIR
from tests.support.fake_classify import FakeRetention
from tests.support.fake_clocks import FakeEscalations
from tests.support.fake_desk_actions import FakeDeskActionStore, FakeDeskSlack
from tests.support.fake_outbox import FakeOutboxQueue
from tests.support.items import classified, conversation_item, message_item

NOW = datetime(2026, 8, 24, 10, 20, tzinfo=UTC)
CHANNEL, CARD = "C0ACMESUPPORT", "1.000001"
AGENT = "U0AGENT01"


class Desk:
    def __init__(self, message: dict[str, Any] | None = None, **meta: Any) -> None:
        self.store, self.outbox = FakeDeskActionStore(), FakeOutboxQueue()
        self.slack, self.managers, self.retention = (
            FakeDeskSlack(),
            FakeEscalations(),
            FakeRetention(),
        )
        card = {"slack_thread": {"channel": CHANNEL, "ts": CARD}, "status": "open"}
        self.store.add(
            conversation_item(**(card | meta)),
            message_item(
                **({"classification": classified(suggestion="It ships today.")} | (message or {}))
            ),
        )
        self.deps = ActionDeps(
            store=self.store,
            outbox=self.outbox,
            slack=self.slack,
            brands=load_brands(BRANDS_DIR),
            escalations=self.managers,
            clock=lambda: NOW,
            retention=self.retention,
        )

    def writes(self, text: str, event_id: str = "Ev01", **event: Any) -> str:
        message = {"type": "message", "channel": CHANNEL, "ts": "1.000009", "user": AGENT}
        parsed = SlackMessageEvent.model_validate(
            message | {"text": text, "thread_ts": CARD} | event
        )
        return take_thread_message(parsed, event_id, self.deps)

    def presses(self, action: str, key: str = "press-1") -> str:
        return press(ButtonPress(action, "c-1", AGENT, key), self.deps)

    @property
    def meta(self) -> dict[str, Any]:
        return self.store.conversations["c-1"]

    @property
    def told(self) -> list[str]:
        return [text for _, _, text in self.slack.ephemerals]


def test_what_an_agent_writes_in_the_thread_goes_to_the_customers_post_once() -> None:
    desk = Desk()
    assert desk.writes("It ships today, sorry for the wait!") == "queued"
    [reply] = desk.outbox.sent
    assert reply.text == "It ships today, sorry for the wait!" and reply.agent == AGENT
    assert reply.route is ReplyRoute.PUBLIC and reply.target_message_id == "1960000000000000100"
    assert desk.writes("It ships today, sorry for the wait!") == "requeued"  # Slack retried
    assert len(desk.store.replies) == 1


def test_a_note_is_kept_and_nothing_goes_to_the_customer() -> None:
    desk = Desk()
    assert desk.writes("note: customer called too, order 4411") == "note"
    assert desk.outbox.sent == []
    [note] = desk.store.notes.values()
    assert note["text"] == "customer called too, order 4411"


def test_bots_and_edits_in_the_thread_send_nothing() -> None:
    desk = Desk()
    assert desk.writes("echo", bot_id="B0SOCIALCARE") == "ignored"
    assert desk.writes("fixed typo", subtype="message_changed") == "ignored"
    assert desk.outbox.sent == []


def test_a_reply_to_a_resolved_conversation_is_refused_and_the_agent_told() -> None:
    desk = Desk(status="resolved")
    assert desk.writes("one more thing") == "refused:closed"
    assert desk.outbox.sent == [] and desk.told == [
        "This conversation is resolved; nothing was sent."
    ]


def test_the_same_text_twice_is_refused_before_the_platform_refuses_it() -> None:
    desk = Desk()
    desk.writes("Thanks, checking now.", "Ev01")
    assert desk.writes("Thanks, checking now.", "Ev02") == "refused:unchanged"
    assert len(desk.outbox.sent) == 1 and "word for word" in desk.told[0]


def test_send_suggestion_sends_the_answer_base_text_marked_as_such() -> None:
    desk = Desk()
    assert desk.presses("send_suggestion") == "queued"
    [reply] = desk.outbox.sent
    assert reply.text == "It ships today." and reply.from_suggestion


def test_escalate_reaches_the_managers_once_per_press() -> None:
    desk = Desk()
    assert desk.presses("escalate_now") == "escalated"
    assert desk.presses("escalate_now") == "already"  # Slack's retry of the same press
    [notice] = desk.managers.published
    assert notice.kind == "requested" and AGENT in notice.reason
    assert [p["text"] for p in desk.slack.posts] == [
        f":sos: <@{AGENT}> asked the managers for help."
    ]
    assert desk.presses("escalate_now", key="press-2") == "escalated"  # a new press
    assert len(desk.managers.published) == 2


def test_resolve_closes_once_and_starts_the_expiry() -> None:
    desk = Desk()
    assert desk.presses("resolve") == "resolved"
    assert desk.meta["status"] == "resolved" and desk.meta["resolved_by"] == AGENT
    assert desk.presses("resolve", key="press-2") == "ignored"
    assert [cid for cid, _ in desk.retention.settled] == ["c-1", "c-1"]  # a cut-off run finishes


def test_waiting_on_the_customer_pauses_until_they_write() -> None:
    desk = Desk()
    assert desk.presses("wait_on_customer") == "pending"
    assert desk.meta["status"] == "pending"
    assert desk.presses("wait_on_customer", key="press-2") == "ignored"


def test_move_to_dm_tells_the_customer_publicly_then_replies_go_privately() -> None:
    desk = Desk(language="en")
    assert desk.presses("move_to_dm") == "moved:queued"
    [notice] = desk.outbox.sent
    assert notice.route is ReplyRoute.PUBLIC and "private message" in notice.text
    assert desk.meta["reply_route"] == "private"
    assert desk.writes("Could you send your order number?") == "queued"
    assert desk.outbox.sent[-1].route is ReplyRoute.PRIVATE
    assert desk.presses("move_to_dm", key="press-2") == "told"


def test_assign_and_mark_spam() -> None:
    desk = Desk()
    assert desk.presses("assign_me") == "assigned" and desk.meta["assignee"] == AGENT
    assert desk.presses("mark_spam") == "spam" and desk.meta["marked_spam_by"] == AGENT
    assert desk.presses("no_such_button") == "ignored"


def test_a_comment_moved_to_dm_gets_one_private_reply_and_a_second_is_refused_anywhere() -> None:
    comment = {
        "platform": "instagram",
        "kind": "comment",
        "platform_message_id": "17865000000000001",
    }
    desk = Desk(
        comment, platform="instagram", channel_type="public", account_id="17841400000000001"
    )
    assert desk.presses("move_to_dm") == "moved:private_reply"
    assert desk.outbox.sent == []  # no public notice: Meta's private reply is the move
    assert desk.writes("We sent you the sizes by DM", "Ev01") == "queued"
    [reply] = desk.outbox.sent
    assert reply.route is ReplyRoute.PRIVATE and reply.reply_id == "private-reply:17865000000000001"
    assert desk.writes("We sent you the sizes by DM", "Ev01") == "requeued"  # Slack retried
    assert desk.writes("And the colours?", "Ev02") == "refused:private_reply_used"
    assert "one private reply per comment" in desk.told[-1]
    refusal = check_modal("c-1", "And the colours?", desk.deps)  # the editor says it too
    assert refusal is not None and "answer them there" in refusal
    assert len(desk.outbox.sent) == 2  # the first reply, queued again on Slack's retry


def test_a_private_reply_meta_refused_frees_the_comment_and_one_cut_off_says_to_check() -> None:
    comment = {"platform": "facebook", "kind": "comment", "platform_message_id": "104_900_1"}
    desk = Desk(comment, platform="facebook", channel_type="public", account_id="104000000000001")
    desk.presses("move_to_dm")
    assert desk.writes("Sent you a DM", "Ev01") == "queued"
    key = ("c-1", "private-reply:104_900_1")
    first = desk.store.replies[key]
    desk.store.replies[key] = first.model_copy(update={"status": ReplyStatus.FAILED})
    desk.store.conversations["c-1"].pop("last_queued_text", None)  # the outbox clears it
    assert desk.writes("Sent you a DM", "Ev02") == "queued"  # Meta refused the first one
    second = desk.outbox.sent[-1]
    assert second.reply_id == "private-reply:104_900_1:2"
    desk.store.replies[("c-1", second.reply_id)] = desk.store.replies[
        ("c-1", second.reply_id)
    ].model_copy(update={"status": ReplyStatus.UNCERTAIN})
    assert desk.writes("Did you get it?", "Ev03") == "refused:private_reply_used"
    assert "may have gone" in desk.told[-1] and "Facebook allows" in desk.told[-1]
