"""Replies from Slack on Messenger, Facebook comments and Instagram: through the desk, the
outbox and the real Graph API client code against the Meta stand-in."""

import json
import time
from typing import Any

import pytest

from socialcare.adapters.erasure_store import DynamoErasureStore
from socialcare.config import BrandDirectory, load_brands
from socialcare.models.erasure import CustomerRef
from socialcare.services.erasure import ErasureDeps, Target, forget
from socialcare.services.meta_webhook import MetaWebhookDeps
from socialcare_tools import samples_meta
from socialcare_tools.local.standins import StandIns
from socialcare_tools.samples_meta import customer_delivery
from socialcare_tools.slack_requests import button_press
from socialcare_tools.template_resources import Backbone
from tests.conftest import BRANDS_DIR
from tests.integration.conftest import live_meta
from tests.integration.desk_support import (
    a_desk,
    desk_and_outbox,
    message_event,
    meta_records,
    run_outbox,
    slack_calls,
    to_the_desk,
    to_the_thread,
)
from tests.support.inspect import of_kind
from tests.support.outbox import calls, card_ts

pytestmark = pytest.mark.integration


@pytest.fixture
def queues(backbone: Backbone) -> tuple[str, str]:
    return desk_and_outbox()


def a_customer_writes(
    backbone: Backbone,
    meta_live: MetaWebhookDeps,
    queues: tuple[str, str],
    slack: StandIns,
    network: str,
    text: str,
    *,
    dm: bool = False,
    hours_ago: float = 0,
) -> dict[str, Any]:
    stamp = int((time.time() - hours_ago * 3600) * 1_000_000)
    event = customer_delivery(network, text, "claire", stamp=stamp, reply_to=None, dm=dm)
    to_the_desk(backbone, queues[0], slack, meta_records(backbone, meta_live, event))
    [meta] = of_kind(backbone.table, "META")
    return meta


def with_human_agent() -> BrandDirectory:
    """The example brand, its Page granted Meta's human agent permission."""
    acme = load_brands(BRANDS_DIR).brands["acme"]
    page = acme.accounts.facebook[0].model_copy(update={"human_agent": True})
    accounts = acme.accounts.model_copy(update={"facebook": (page,)})
    return BrandDirectory([acme.model_copy(update={"accounts": accounts})])


def reply(
    backbone: Backbone,
    slack: StandIns,
    queues: tuple[str, str],
    text: str,
    brands: BrandDirectory | None = None,
) -> None:
    desk = a_desk(backbone, slack, queues[1], brands=brands)
    desk.act(message_event(text, card_ts(backbone)))
    run_outbox(backbone, slack, queues[1])


def test_a_messenger_message_is_answered_with_the_send_api_inside_the_window(
    backbone: Backbone, meta_live: MetaWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    a_customer_writes(backbone, meta_live, queues, slack, "messenger", "Where is order 4411?")
    [card] = slack_calls(slack, "chat.postMessage")
    assert "24-hour reply window until" in json.dumps(card["blocks"])  # the agent sees it
    # Meta's message names the customer by id only: the card reads their profile, once.
    [profile] = calls(slack, "meta", "profile")
    assert profile["params"]["fields"] == "first_name,last_name"
    assert "Local Customer" in json.dumps(card["blocks"])
    assert of_kind(backbone.table, "META")[0]["customer"]["name"].startswith("Local Customer")
    reply(backbone, slack, queues, "It left our warehouse this morning.")
    [sent] = calls(slack, "meta", "messages")
    [meta] = of_kind(backbone.table, "META")
    assert sent["params"]["recipient"] == {"id": meta["customer"]["id"]}  # the page-scoped id
    assert sent["params"]["messaging_type"] == "RESPONSE" and "tag" not in sent["params"]
    assert sent["params"]["message"] == {"text": "It left our warehouse this morning."}
    [record] = of_kind(backbone.table, "REPLY#")
    assert record["status"] == "sent"
    [meta] = of_kind(backbone.table, "META")
    assert meta["status"] == "answered"


def test_after_24_hours_a_messenger_reply_is_refused_with_the_reason_and_nothing_is_sent(
    backbone: Backbone, meta_live: MetaWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    a_customer_writes(backbone, meta_live, queues, slack, "messenger", "Hello?", hours_ago=30)
    reply(backbone, slack, queues, "Sorry for the wait!")
    assert calls(slack, "meta", "messages") == []
    [told] = slack_calls(slack, "chat.postEphemeral")
    assert "24 hours" in told["text"] and "human_agent" in told["text"]
    assert of_kind(backbone.table, "REPLY#") == []


def test_with_the_human_agent_permission_a_late_reply_goes_tagged_until_7_days(
    backbone: Backbone,
    meta_live: MetaWebhookDeps,
    queues: tuple[str, str],
    slack: StandIns,
) -> None:
    brands = with_human_agent()
    a_customer_writes(backbone, meta_live, queues, slack, "messenger", "Hello?", hours_ago=30)
    reply(backbone, slack, queues, "Sorry for the wait!", brands)
    [sent] = calls(slack, "meta", "messages")
    assert sent["params"]["messaging_type"] == "MESSAGE_TAG"
    assert sent["params"]["tag"] == "HUMAN_AGENT"


def test_comments_are_answered_in_their_thread_on_facebook_and_instagram(
    backbone: Backbone, meta_live: MetaWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    a_customer_writes(backbone, meta_live, queues, slack, "instagram", "is this in stock?")
    reply(backbone, slack, queues, "Yes, in every size.")
    [sent] = calls(slack, "meta", "replies")
    assert sent["params"]["message"] == "Yes, in every size."
    [outbound] = [m for m in of_kind(backbone.table, "MSG#") if m["direction"] == "outbound"]
    assert outbound["platform_message_id"].startswith(sent["params"]["node"])


def test_an_instagram_customer_named_by_their_profile_can_be_forgotten_by_their_handle(
    backbone: Backbone, meta_live: MetaWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    """Meta's direct message names nobody; the card's profile read gives the username, and
    the handle lookup written with it lets a manager's `/care forget @username` find them."""
    slack.meta.profiles[samples_meta.IGSID] = {"username": "lucia.g", "name": "Lucía G."}
    event = samples_meta.signed(
        "instagram",
        samples_meta.entry(
            samples_meta.INSTAGRAM,
            messaging=[
                samples_meta.direct(
                    samples_meta.INSTAGRAM,
                    samples_meta.IGSID,
                    "aWdfforget",
                    "¿talla M?",
                    timestamp=time.time_ns() // 1_000_000,
                )
            ],
        ),
    )
    to_the_desk(backbone, queues[0], slack, meta_records(backbone, meta_live, event))
    [meta] = of_kind(backbone.table, "META")
    assert meta["customer"]["handle"] == "lucia.g"
    store = DynamoErasureStore(backbone.table)
    assert store.customers_by_handle("@lucia.g") == [CustomerRef("instagram", samples_meta.IGSID)]
    brand = load_brands(BRANDS_DIR).brands["acme"]
    done = forget(Target(handle="lucia.g"), brand, "U0ACMELEAD", "cli", ErasureDeps(store=store))
    assert done.outcome == "erased"
    assert of_kind(backbone.table, "META") == [] and of_kind(backbone.table, "MSG#") == []
    assert store.customers_by_handle("lucia.g") == []


def test_move_to_dm_sends_one_private_reply_to_the_comment_and_refuses_a_second(
    backbone: Backbone, meta_live: MetaWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    meta = a_customer_writes(
        backbone, meta_live, queues, slack, "facebook", "my card was charged twice"
    )
    desk = a_desk(backbone, slack, queues[1])
    desk.act(button_press("move_to_dm", meta["id"]))
    desk.act(message_event("Sorry! Could you send us the order number?", card_ts(backbone)))
    desk.act(message_event("And the last 4 digits?", card_ts(backbone), event_id="Ev0002"))
    run_outbox(backbone, slack, queues[1])
    [sent] = calls(slack, "meta", "messages")
    comment = sent["params"]["recipient"]["comment_id"]
    assert comment.startswith("104000000000001_")
    assert calls(slack, "meta", "comments") == []  # no public notice: Meta tells the customer
    told = [p["text"] for p in slack_calls(slack, "chat.postEphemeral")]
    assert any("one private reply per comment" in t and "answer them there" in t for t in told)
    [record] = of_kind(backbone.table, "REPLY#")
    assert record["status"] == "sent"
    # The customer answers the private reply in Messenger: the conversation it opens is the
    # one the comment's conversation and its Slack thread point to.
    customer = calls(slack, "meta", "messages")[0]["response"]["recipient_id"]
    [comment_conversation] = of_kind(backbone.table, "META")
    said = [
        p["text"] for p in slack_calls(slack, "chat.postMessage") if "private reply" in p["text"]
    ]
    assert said and comment_conversation["continues_in"] in said[0]
    answer = customer_delivery(
        "messenger",
        "Order 4411, thanks",
        customer,
        stamp=time.time_ns() // 1000,
        reply_to=None,
        dm=True,
    )
    meta_records(backbone, meta_live, answer)
    dm = [c for c in of_kind(backbone.table, "META") if c["platform"] == "messenger"]
    assert [c["id"] for c in dm] == [comment_conversation["continues_in"]]


def test_meta_refusing_a_reply_is_explained_in_the_thread(
    backbone: Backbone, meta_live: MetaWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    a_customer_writes(backbone, meta_live, queues, slack, "messenger", "Where is order 4411?")
    slack.meta.fail_next("messages", 551)
    reply(backbone, slack, queues, "It left our warehouse this morning.")
    [said] = [p for p in slack_calls(slack, "chat.postMessage") if "Not sent" in p["text"]]
    assert "cannot be reached" in said["text"]
    [meta] = of_kind(backbone.table, "META")
    assert meta["status"] == "open"


def test_a_meta_rate_limit_postpones_the_reply(
    backbone: Backbone, meta_live: MetaWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    a_customer_writes(backbone, meta_live, queues, slack, "messenger", "Where is order 4411?")
    slack.meta.fail_next("messages", 613)
    reply(backbone, slack, queues, "It left our warehouse this morning.")
    assert len(calls(slack, "meta", "messages")) == 1
    [record] = of_kind(backbone.table, "REPLY#")
    assert record["status"] == "queued"


def test_past_7_days_even_a_human_agent_reply_is_refused(
    backbone: Backbone, meta_live: MetaWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    brands = with_human_agent()
    a_customer_writes(backbone, meta_live, queues, slack, "messenger", "Hello?", hours_ago=8 * 24)
    reply(backbone, slack, queues, "Sorry for the wait!", brands)
    assert calls(slack, "meta", "messages") == []
    [told] = slack_calls(slack, "chat.postEphemeral")
    assert "7 days" in told["text"]


def test_a_revoked_token_holds_the_reply_and_the_agent_is_told_why_once(
    backbone: Backbone, meta_live: MetaWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    a_customer_writes(backbone, meta_live, queues, slack, "messenger", "Where is order 4411?")
    slack.meta.fail_next("messages", 190, times=2)
    reply(backbone, slack, queues, "It left our warehouse this morning.")
    run_outbox(backbone, slack, queues[1])  # the retry: refused again, told once
    said = [p["text"] for p in slack_calls(slack, "chat.postMessage") if "Not sent" in p["text"]]
    assert len(said) == 1 and "access token" in said[0] and "administrator" in said[0]
    [record] = of_kind(backbone.table, "REPLY#")
    assert record["status"] == "queued"  # not uncertain: Meta never had it
    run_outbox(backbone, slack, queues[1])  # the token renewed: it goes
    [record] = of_kind(backbone.table, "REPLY#")
    assert record["status"] == "sent"


def typed_in_metas_inbox(
    meta: dict[str, Any], mid: str, text: str, ago_ms: int = 0
) -> dict[str, Any]:
    """The echo of a reply typed in Meta's inbox to the conversation's customer."""
    echo = samples_meta.echo(
        samples_meta.PAGE,
        meta["customer"]["id"],
        mid,
        text,
        app_id=samples_meta.META_INBOX_APP,
        timestamp=time.time_ns() // 1_000_000 - ago_ms,
    )
    return samples_meta.signed("page", samples_meta.entry(samples_meta.PAGE, messaging=[echo]))


def test_a_reply_typed_in_metas_inbox_answers_the_conversation_and_shows_in_its_thread(
    backbone: Backbone, queues: tuple[str, str], slack: StandIns
) -> None:
    meta_live = live_meta(backbone, DESK_QUEUE_URL=queues[0])
    meta = a_customer_writes(backbone, meta_live, queues, slack, "messenger", "Where is 4411?")
    delivery = typed_in_metas_inbox(meta, "m_typed-in-business-suite", "Hi! It left this morning.")
    for _ in range(2):  # Meta delivers it again: nothing twice
        meta_records(backbone, meta_live, delivery)
    to_the_thread(backbone, queues[0], slack)
    [answered] = of_kind(backbone.table, "META")
    assert answered["status"] == "answered" and int(answered["reply_count"]) == 1
    [outbound] = [m for m in of_kind(backbone.table, "MSG#") if m["direction"] == "outbound"]
    assert outbound["agent"] == "outside" and outbound["text"] == "Hi! It left this morning."
    said = [p["text"] for p in slack_calls(slack, "chat.postMessage") if "own tools" in p["text"]]
    assert len(said) == 1 and "Hi! It left this morning." in said[0]
    assert calls(slack, "meta", "messages") == []  # nothing sent by us
    assert "queue_pk" not in answered and "waiting_since" not in answered  # off the queue
    assert "first_responder" not in answered  # nobody in Slack answered it


def test_a_reply_from_metas_inbox_older_than_the_customers_last_message_answers_nothing(
    backbone: Backbone, queues: tuple[str, str], slack: StandIns
) -> None:
    meta_live = live_meta(backbone, DESK_QUEUE_URL=queues[0])
    meta = a_customer_writes(backbone, meta_live, queues, slack, "messenger", "Hello?")
    delivery = typed_in_metas_inbox(  # an hour before, delivered late
        meta, "m_old-inbox-reply", "An answer to an earlier question", ago_ms=3_600_000
    )
    meta_records(backbone, meta_live, delivery)
    [still] = of_kind(backbone.table, "META")
    assert still["status"] == "open"  # the customer's latest message still waits


def test_an_older_reply_from_metas_inbox_arriving_late_leaves_the_latest_reply_standing(
    backbone: Backbone, queues: tuple[str, str], slack: StandIns
) -> None:
    """Meta's deliveries come out of order: both replies are kept, the newer stays the
    latest (its time and its text, which a repeat from Slack is checked against)."""
    meta_live = live_meta(backbone, DESK_QUEUE_URL=queues[0])
    meta = a_customer_writes(
        backbone, meta_live, queues, slack, "messenger", "Hello?", hours_ago=0.5
    )
    newer = typed_in_metas_inbox(meta, "m_newer", "It left this morning.", ago_ms=60_000)
    older = typed_in_metas_inbox(meta, "m_older", "Let me check.", ago_ms=600_000)
    meta_records(backbone, meta_live, newer, older)
    [answered] = of_kind(backbone.table, "META")
    assert int(answered["reply_count"]) == 2
    assert answered["last_reply_text"] == "It left this morning."
    texts = {
        m["sent_at"]: m["text"]
        for m in of_kind(backbone.table, "MSG#")
        if m["direction"] == "outbound"
    }
    assert answered["last_outbound_at"] == max(texts)
    assert answered["first_response_at"] == min(texts)
    assert "first_responder" not in answered  # nobody in Slack gave the first answer


def test_the_customers_edit_reaches_the_card_once(
    backbone: Backbone, queues: tuple[str, str], slack: StandIns
) -> None:
    meta_live = live_meta(backbone, DESK_QUEUE_URL=queues[0])
    meta = a_customer_writes(backbone, meta_live, queues, slack, "messenger", "order 4411?")
    [message] = [m for m in of_kind(backbone.table, "MSG#") if m["direction"] == "inbound"]
    change = {
        "sender": {"id": meta["customer"]["id"]},
        "recipient": {"id": samples_meta.PAGE},
        "timestamp": time.time_ns() // 1_000_000,
        "message_edit": {"mid": message["platform_message_id"], "text": "order 4412?"},
    }
    delivery = samples_meta.signed(
        "page", samples_meta.entry(samples_meta.PAGE, messaging=[change])
    )
    for _ in range(2):  # Meta sends it again: shown once
        meta_records(backbone, meta_live, delivery)
        to_the_thread(backbone, queues[0], slack)
    redrawn = [c for c in slack_calls(slack, "chat.update") if "order 4412?" in json.dumps(c)]
    assert len(redrawn) == 1  # the card, which shows this first message, says it now
    assert "edited by the customer" in json.dumps(redrawn[0]["blocks"])


def test_a_comment_answered_in_metas_tools_counts_and_our_own_reply_coming_back_does_not(
    backbone: Backbone, queues: tuple[str, str], slack: StandIns
) -> None:
    meta_live = live_meta(backbone, DESK_QUEUE_URL=queues[0])
    a_customer_writes(backbone, meta_live, queues, slack, "instagram", "is this in stock?")
    [inbound] = [m for m in of_kind(backbone.table, "MSG#") if m["direction"] == "inbound"]
    comment = inbound["platform_message_id"]
    reply(backbone, slack, queues, "Yes, in every size.")
    [sent] = calls(slack, "meta", "replies")
    ours = samples_meta.instagram_comment(
        sent["response"]["id"],
        author=samples_meta.INSTAGRAM,
        username="acmestore",
        text="Yes, in every size.",
        parent_id=comment,
    )
    typed = samples_meta.instagram_comment(
        "17865000000000777",
        author=samples_meta.INSTAGRAM,
        username="acmestore",
        text="And in three colours!",
        parent_id=comment,
    )
    for change in (ours, typed):  # our reply comes back; then one typed in Instagram
        delivery = samples_meta.signed(
            "instagram", samples_meta.entry(samples_meta.INSTAGRAM, changes=[change])
        )
        meta_records(backbone, meta_live, delivery)
    to_the_thread(backbone, queues[0], slack)
    outbound = [m for m in of_kind(backbone.table, "MSG#") if m["direction"] == "outbound"]
    assert sorted(m["text"] for m in outbound) == ["And in three colours!", "Yes, in every size."]
    [answered] = of_kind(backbone.table, "META")
    assert int(answered["reply_count"]) == 2
    said = [p["text"] for p in slack_calls(slack, "chat.postMessage") if "own tools" in p["text"]]
    assert len(said) == 1 and "And in three colours!" in said[0]
