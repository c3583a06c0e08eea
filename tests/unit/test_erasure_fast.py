"""Forgetting a customer (services/erasure.py) on an in-memory store and Slack: who is
erased, in what order, what the record and the manager are told. The DynamoDB side (which
items, references and tallies go) is tested on moto in tests/integration/test_erasure.py."""

from collections import Counter
from datetime import UTC, datetime

from socialcare.config import load_brands
from socialcare.models.erasure import CustomerRef, HandleLookup
from socialcare.ports import ThreadPost
from socialcare.services.erasure import ErasureDeps, Target, forget, summary
from tests.conftest import BRANDS_DIR
from tests.support.fake_erasure import FakeErasureStore, FakeSlackEraser, a_conversation

ACME = load_brands(BRANDS_DIR).brands["acme"]
NOW = datetime(2026, 9, 1, 12, tzinfo=UTC)
JANE = CustomerRef("x", "1400000000000000042")
THREAD = {"channel": "C0DESK", "ts": "1.000001"}


def deps(store: FakeErasureStore, slack: FakeSlackEraser | None) -> ErasureDeps:
    return ErasureDeps(store=store, slack=slack, clock=lambda: NOW, new_id=lambda: "e1")


def janes_store() -> FakeErasureStore:
    store = FakeErasureStore()
    store.add(
        a_conversation(
            "c1", JANE, slack_thread=THREAD, notices=[{"channel": "C0MGR", "ts": "2.000001"}]
        ),
        messages_received=2,
        clock_events=3,
    )
    store.add(a_conversation("c2", JANE), messages_received=1, messages_sent=1)
    return store


def test_everything_of_the_customer_goes_and_the_record_counts_it() -> None:
    store = janes_store()
    slack = FakeSlackEraser(
        threads={"C0DESK 1.000001": [ThreadPost("1.1", ours=True), ThreadPost("1.2", False)]}
    )
    result = forget(Target(handle="janeroe"), ACME, "U0MANAGER", "slack", deps(store, slack))
    assert result.outcome == "erased" and result.erasure_id == "2026-09-01T12:00:00.000Z#e1"
    assert store.conversations == {} and store.lookups == set()
    assert result.counts == {
        "conversations": 2,
        "messages_received": 3,
        "messages_sent": 1,
        "clock_events": 3,
        "handle_lookups": 1,
        "slack_cards_replaced": 1,
        "slack_bot_posts_deleted": 1,
        "slack_human_messages_left": 1,
        "slack_notices_deleted": 1,
    }
    assert slack.replaced == [("C0DESK", "1.000001")]
    assert slack.deleted == [("C0DESK", "1.1"), ("C0MGR", "2.000001")]  # never a person's
    [record] = store.records.values()
    assert record.status == "done" and record.requested_by == "U0MANAGER"
    assert any("people's messages" in note for note in record.notes)
    said = summary(result, "@janeroe")
    assert "conversations 2" in said and "Note: people's messages" in said


def test_conversations_go_after_their_contents_so_a_rerun_finds_what_is_left() -> None:
    store = janes_store()
    forget(Target(handle="janeroe"), ACME, "U0MANAGER", "slack", deps(store, None))
    assert store.log == [
        "contents c1",
        "contents c2",
        "conversation c1",
        "conversation c2",
        "handle lookups",  # last: a rerun by @handle finds the customer until then
    ]


def test_a_handle_two_customers_used_erases_nothing() -> None:
    store = janes_store()
    store.add(a_conversation("c3", CustomerRef("vk", "77")))  # also "janeroe", on VK
    result = forget(Target(handle="janeroe"), ACME, "U0MANAGER", "slack", deps(store, None))
    assert result.outcome == "ambiguous" and len(store.conversations) == 3
    assert store.records == {}
    assert "platform:id" in summary(result, "@janeroe")


def test_another_brands_conversations_and_the_handle_lookup_stay() -> None:
    store = janes_store()
    store.add(a_conversation("c9", JANE, brand_id="globex"), messages_received=1)
    result = forget(
        Target(platform="x", customer_id=JANE.customer_id),
        ACME,
        "U0MANAGER",
        "slack",
        deps(store, None),
    )
    assert set(store.conversations) == {"c9"} and store.lookups  # globex still needs it
    assert "handle_lookups" not in result.counts
    assert "the customer's conversations with other brands were kept" in result.notes


def test_a_customer_known_only_to_another_brand_is_nothing_to_erase() -> None:
    store = FakeErasureStore()
    store.add(a_conversation("c9", JANE, brand_id="globex"))
    result = forget(Target(handle="janeroe"), ACME, "U0MANAGER", "slack", deps(store, None))
    assert result.outcome == "nothing" and set(store.conversations) == {"c9"}
    assert store.records == {} and "Nothing stored" in summary(result, "@janeroe")


def test_a_run_cut_off_earlier_is_continued_under_the_same_record() -> None:
    store = janes_store()
    store.conversations["c2"] = store.conversations["c2"].model_copy(
        update={"erasure_id": "2026-08-31T09:00:00.000Z#old"}
    )
    store.open_record("acme", "2026-08-31T09:00:00.000Z#old", "U0OTHER", "slack", NOW)
    store.add_counts("acme", "2026-08-31T09:00:00.000Z#old", {"messages_received": 4})
    result = forget(Target(handle="janeroe"), ACME, "U0MANAGER", "slack", deps(store, None))
    assert result.erasure_id == "2026-08-31T09:00:00.000Z#old"
    assert list(store.records) == [("acme", "2026-08-31T09:00:00.000Z#old")]
    assert result.counts["messages_received"] == 4 + 3  # the earlier run's and this one's


def test_only_the_handle_lookup_left_is_still_erased() -> None:
    """A run cut off after the conversations went: a rerun by @handle ends the lookups."""
    store = FakeErasureStore(lookups={HandleLookup("janeroe", JANE)})
    result = forget(Target(handle="janeroe"), ACME, "U0MANAGER", "slack", deps(store, None))
    assert result.outcome == "erased" and result.counts == {"handle_lookups": 1}
    assert store.lookups == set()


def test_a_conversation_erased_meanwhile_by_another_run_is_not_counted() -> None:
    store = janes_store()
    store.gone_before_claim.add("c1")
    result = forget(Target(handle="janeroe"), ACME, "U0MANAGER", "slack", deps(store, None))
    assert result.counts["conversations"] == 1 and result.counts["messages_received"] == 1


def test_without_slack_access_the_cards_stay_and_the_manager_is_told() -> None:
    result = forget(Target(handle="janeroe"), ACME, "U0M", "slack", deps(janes_store(), None))
    assert "no Slack access: the Slack cards were not replaced" in result.notes
    assert result.counts["conversations"] == 2


def test_a_channel_slack_refuses_does_not_hold_up_the_rest() -> None:
    store = janes_store()
    slack = FakeSlackEraser(refusing={"C0DESK"})
    result = forget(Target(handle="janeroe"), ACME, "U0MANAGER", "slack", deps(store, slack))
    assert store.conversations == {} and result.counts["conversations"] == 2
    assert any(note.startswith("Slack refused part of it") for note in result.notes)
    assert Counter(result.counts)["slack_cards_replaced"] == 0


def test_a_messenger_customer_is_forgotten_by_their_page_scoped_id() -> None:
    claire = CustomerRef("messenger", "6100000000000042")
    store = janes_store()
    store.add(a_conversation("m1", claire), messages_received=2)
    target = Target(platform="messenger", customer_id="6100000000000042")
    result = forget(target, ACME, "U0MANAGER", "slack", deps(store, None))
    assert result.outcome == "erased" and result.counts["conversations"] == 1
    assert set(store.conversations) == {"c1", "c2"}  # Jane, on X, stays
