"""/care as an agent uses it (services/care.py) on an in-memory desk store: the queue in
reply-due order, one conversation shown with what the customer wrote made harmless, the
day's figures, and the answers to a wrong channel or a wrong command."""

from datetime import UTC, datetime

from socialcare.config import load_brands
from socialcare.models import Conversation
from socialcare.models.stored import StoredMessage
from socialcare.services.care import HELP, DeskDeps, care
from tests.conftest import BRANDS_DIR
from tests.support.fake_care import FakeCareStore
from tests.support.items import clock_summary, conversation_item, message_item

SUPPORT, MANAGERS = "C0ACMESUPPORT", "C0ACMEMANAGERS"
NOW = datetime(2026, 8, 24, 11, 0, tzinfo=UTC)


def waiting(cid: str, due: str, **fields: object) -> Conversation:
    item = conversation_item(id=cid, clock_first_response=clock_summary(due_at=due))
    return Conversation.model_validate(item | fields)


def said(text: str, at: str) -> StoredMessage:
    return StoredMessage.model_validate(message_item(sk=f"MSG#{at}#1", text=text, sent_at=at))


def ask(text: str, store: FakeCareStore, channel: str = SUPPORT) -> str:
    deps = DeskDeps(store=store, brands=load_brands(BRANDS_DIR), clock=lambda: NOW)
    return care(text, channel, deps)


def test_the_queue_shows_the_most_urgent_reply_first_and_what_is_overdue() -> None:
    store = FakeCareStore()
    store.add(waiting("later", "2026-08-24T12:30:00.000Z", priority="P3"))
    store.add(waiting("late", "2026-08-24T10:45:00.000Z", priority="P1", topic="delivery"))
    store.add(waiting("done", "2026-08-24T10:00:00.000Z", status="answered"))
    answer = ask("queue", store)
    lines = answer.splitlines()
    assert lines[0] == "*Acme Store: 2 waiting, the most urgent reply first*"
    assert lines[1].startswith("• *overdue* since 24 Aug 10:45 UTC · P1 · x · public · delivery")
    assert lines[2].startswith("• due in 1 h 30 min (24 Aug 12:30 UTC) · P3")
    assert "`done`" not in answer


def test_an_empty_queue_says_so() -> None:
    assert ask("queue", FakeCareStore()) == "Nothing waits on Acme Store."


def test_show_quotes_the_last_messages_with_what_the_customer_wrote_made_harmless() -> None:
    store = FakeCareStore()
    texts = [f"message {n}" for n in range(6)] + ["<!channel> see <https://evil.example|acme.com>"]
    store.add(
        waiting("c-1", "2026-08-24T12:00:00.000Z", link="https://x.com/janeroe/status/1"),
        *(said(t, f"2026-08-24T10:{n:02d}:00.000Z") for n, t in enumerate(texts)),
    )
    answer = ask("show c-1", store)
    assert answer.count("\n> ") == 5  # the last five messages
    assert "message 1" not in answer and "message 2" in answer
    assert "<!channel>" not in answer and "<https://evil.example" not in answer
    assert "&lt;!channel&gt;" in answer
    assert "<https://x.com/janeroe/status/1|open on the platform>" in answer


def test_show_finds_nothing_of_another_brand() -> None:
    store = FakeCareStore()
    store.add(waiting("c-9", "2026-08-24T12:00:00.000Z", brand_id="globex"))
    assert ask("show c-9", store) == "No conversation `c-9` for Acme Store."


def test_stats_count_the_days_conversations_spam_apart() -> None:
    store = FakeCareStore()
    store.add(waiting("late", "2026-08-24T10:45:00.000Z", priority="P1"))
    store.add(waiting("soon", "2026-08-24T12:00:00.000Z", priority="P2"))
    store.add(waiting("ok", "2026-08-24T12:00:00.000Z", priority="P2", status="answered"))
    store.add(waiting("junk", "2026-08-24T12:00:00.000Z", status="spam"))
    store.add(waiting("old", "2026-08-23T12:00:00.000Z", created_at="2026-08-23T09:00:00.000Z"))
    answer = ask("stats", store, MANAGERS)
    assert "3 conversations · answered 1 (33 %) · waiting 2 (1 past their reply deadline)" in answer
    assert "spam 1" in answer and "priorities: P1 1, P2 2, P3 0, P4 0" in answer


def test_a_channel_of_no_brand_and_an_unknown_command_get_a_plain_answer() -> None:
    store = FakeCareStore()
    assert ask("help", store, "C0ELSEWHERE") == HELP
    assert ask("queue", store, "C0ELSEWHERE").startswith("This channel belongs to no brand")
    answer = ask("delete <!everyone>", store)
    assert answer.startswith("I don't know `delete &lt;!everyone&gt;`") and HELP in answer
    assert ask("show", store).startswith("I don't know `show`")
