"""Forgetting a customer, end to end: tweets ingested for real, classified, carded in the
Slack stand-in, worked on by an agent (a note, a sent reply, resolved), then a manager's
``/care forget`` through the real Bolt app (its lazy listener run as Lambda would). moto
for AWS; the table is scanned here only to prove nothing of the customer is left.

Also retention: a resolved conversation's every item expires at resolution + the brand's
``retention_days``; one that reopens keeps them all."""

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import boto3
import pytest

from functions.classify_message import app as classify
from functions.clock_task import app as clock_task
from functions.erase_customer import app as erase_customer
from functions.escalation_slack import app as escalation_slack
from functions.slack_thread import app as thread
from socialcare.adapters.alert_store import DynamoAlertStore
from socialcare.adapters.classify_store import DynamoClassifyStore
from socialcare.adapters.clock_store import DynamoClockStore
from socialcare.adapters.conversation_reads import ConversationReads
from socialcare.adapters.dynamo_table import ConversationTable
from socialcare.adapters.erasure_store import DynamoErasureStore
from socialcare.adapters.escalations import SnsEscalations
from socialcare.adapters.lambda_eraser import LambdaEraser
from socialcare.adapters.posted_notices import DynamoPostedNotices, DynamoPostLog
from socialcare.adapters.retention_store import DynamoRetentionStore
from socialcare.adapters.slack import SlackPoster
from socialcare.adapters.sqs import SqsClassifyQueue
from socialcare.adapters.stepfunctions import StepFunctionsClocks
from socialcare.adapters.thread_store import DynamoThreadStore
from socialcare.config import load_brands
from socialcare.config.brands import BrandDirectory
from socialcare.errors import ConfigurationError, StorageUnavailable
from socialcare.services.alerts import AlertDeps
from socialcare.services.classify import ClassifyDeps, Knowledge
from socialcare.services.clock_task import ClockTaskDeps
from socialcare.services.erasure import (
    ErasingDeps,
    ErasureDeps,
    InProcessEraser,
    Target,
    forget,
)
from socialcare.services.escalation_slack import EscalationPostDeps
from socialcare.services.slack_thread import ThreadDeps
from socialcare.services.x_webhook import XWebhookDeps
from socialcare_tools import cli
from socialcare_tools.local.standins import StandIns
from socialcare_tools.samples import ACCOUNT, JANE, tweet
from socialcare_tools.slack_requests import TEAM, button_press
from socialcare_tools.template_resources import Backbone, create_queue
from tests.conftest import BRANDS_DIR, LambdaContext
from tests.integration import desk_support
from tests.integration.conftest import Escalated
from tests.integration.desk_support import (
    AGENT,
    CHANNEL,
    SECRETS,
    Desk,
    message_event,
    run_outbox,
    signed,
    slack_calls,
)
from tests.support.inspect import drain, items
from tests.support.queues import queued_records, record

pytestmark = pytest.mark.integration
MANAGER = "U0ACMELEAD"  # layers/config/brands/acme/brand.yaml slack.managers
BOB = {
    "id_str": "1400000000000000077",
    "name": "Bob Stone",
    "screen_name": "bobstone",
    "followers_count": 12,
    "verified": False,
}
# Everything that names Jane or quotes her: none of it may be left anywhere we can reach.
JANES = (
    "janeroe",
    "Jane Roe",
    JANE["id_str"],
    "ZEBRA-7731",
    "QUOKKA-55",
    "1960000000000000101",
    "1960000000000000102",
    "1960000000000000103",
)
BOBS = ("bobstone", "Bob Stone", BOB["id_str"], "BISON-9", "1960000000000000201")
HUMAN = "Checking with the warehouse now"  # an agent's own message in Jane's thread


@dataclass(frozen=True)
class Pipeline:
    desk_queue: str
    outbox: str
    machine: str  # reply clocks
    escalated: Escalated  # priority-1 alerts, spikes: what reached the topic


@pytest.fixture
def queues(backbone: Backbone, machine: str, escalated: Escalated) -> Pipeline:
    return Pipeline(create_queue("DeskQueue"), create_queue("OutboxQueue"), machine, escalated)


def to_the_managers(backbone: Backbone, queues: Pipeline, slack: StandIns) -> int:
    """What the escalation topic received, posted to the managers' channel as wired."""
    records = [
        {"messageId": m["MessageId"], "body": m["Body"]} for m in queues.escalated.received()
    ]
    deps = EscalationPostDeps(
        brands=load_brands(BRANDS_DIR),
        poster=SlackPoster(lambda: SECRETS, slack.slack_url),
        cards=ConversationReads(backbone.table),
        posts=DynamoPostLog(backbone.table),
        notices=DynamoPostedNotices(backbone.table),
    )
    escalation_slack.lambda_handler({"Records": records}, LambdaContext(), deps=deps)
    return len(records)


def to_the_desk(backbone: Backbone, queues: Pipeline, slack: StandIns, records: Any) -> None:
    """Classify as the function is wired (clocks, alerts, retention), post the threads."""
    brands = load_brands(BRANDS_DIR)
    table = ConversationTable(backbone.table)
    classify.lambda_handler(
        {"Records": records},
        LambdaContext(),
        deps=ClassifyDeps(
            store=DynamoClassifyStore(table),
            brands={b.id: Knowledge.of(b) for b in brands.brands.values()},
            clocks=StepFunctionsClocks(queues.machine),
            alerts=AlertDeps(DynamoAlertStore(table), SnsEscalations(queues.escalated.topic)),
            desk=SqsClassifyQueue(queues.desk_queue, what="the Slack desk"),
            retention=DynamoRetentionStore(backbone.table),
        ),
    )
    desk_records = [
        record(json.dumps(q["body"]), q["group"], f"d{i}")
        for i, q in enumerate(drain(queues.desk_queue))
    ]
    deps = ThreadDeps(
        DynamoThreadStore(table),
        SlackPoster(lambda: SECRETS, slack.slack_url),
        brands,
        cards=ConversationReads(table),
    )
    thread.lambda_handler({"Records": desk_records}, LambdaContext(), deps=deps)


def a_desk(backbone: Backbone, slack: StandIns, outbox: str, **erasing: Any) -> Desk:
    """The Slack desk as its handler wires it, retention included; the erasure it hands
    over runs in this process, as the erase function runs it."""
    poster = SlackPoster(lambda: SECRETS, slack.slack_url)
    erasure = ErasureDeps(store=DynamoErasureStore(backbone.table), slack=poster)
    brands = erasing.get("brands") or load_brands(BRANDS_DIR)
    eraser = InProcessEraser(ErasingDeps(brands, erasure, tell=poster))
    return desk_support.a_desk(backbone, slack, outbox, eraser=eraser, **erasing)


def care(text: str, user: str) -> dict[str, Any]:
    body = {
        "command": "/care",
        "text": text,
        "channel_id": CHANNEL,
        "user_id": user,
        "team_id": TEAM,
        "trigger_id": "1.2.3",
    }
    return signed(urlencode(body).encode(), "application/x-www-form-urlencoded")


def metas(table: str) -> dict[str, dict[str, Any]]:
    """The conversations by their customer's handle."""
    return {
        str(i["customer"]["handle"]): i
        for i in items(table)
        if i["sk"] == "META" and str(i["pk"]).startswith("CONV#")
    }


@pytest.fixture
def desk_with_jane_and_bob(
    backbone: Backbone, x_live: XWebhookDeps, queues: Pipeline, slack: StandIns
) -> Desk:
    """Jane: two conversations (one with a follow-up, a note, a sent reply, resolved, an
    agent's message in its thread); Bob: one conversation."""
    first = tweet("1960000000000000101", "@AcmeSupport my parcel ZEBRA-7731 never came")
    other = tweet("1960000000000000103", "@AcmeSupport the app crashes at checkout QUOKKA-55")
    bobs = tweet("1960000000000000201", "@AcmeSupport where is my order BISON-9", user=BOB)
    to_the_desk(backbone, queues, slack, queued_records(backbone, x_live, first, other, bobs))
    assert to_the_managers(backbone, queues, slack) == 2  # Jane's two are priority 1
    again = tweet(
        "1960000000000000102",
        "@AcmeSupport still nothing about ZEBRA-7731",
        reply_to="1960000000000000101",
        millis=1787566602000,
    )
    to_the_desk(backbone, queues, slack, queued_records(backbone, x_live, again))
    jane = next(m for m in items(backbone.table) if m.get("link", "").endswith("101"))
    ts = jane["slack_thread"]["ts"]
    desk = a_desk(backbone, slack, queues.outbox)
    desk.act(message_event("note: she wrote about ZEBRA-7731 twice", ts, event_id="Ev1"))
    desk.act(message_event("Sorry, Jane Roe: ZEBRA-7731 ships today.", ts, event_id="Ev2"))
    run_outbox(backbone, slack, queues.outbox)
    slack.slack.add_message(CHANNEL, HUMAN, user=AGENT, thread_ts=ts)
    desk.act(button_press("resolve", jane["id"]))
    return desk


def slack_holds(slack: StandIns) -> str:
    with slack.slack.lock:
        return json.dumps(list(slack.slack.messages.values()), ensure_ascii=False)


def stored(table: str) -> str:
    return json.dumps(items(table), default=str, ensure_ascii=False)


def test_a_managers_forget_erases_the_customer_everywhere_and_keeps_the_others(
    backbone: Backbone, slack: StandIns, desk_with_jane_and_bob: Desk
) -> None:
    desk = desk_with_jane_and_bob
    before = stored(backbone.table)
    assert all(word in before for word in JANES)  # the scenario really stored all of it
    kinds = {str(i["sk"]).split("#")[0] for i in items(backbone.table)}
    assert {"META", "MSG", "CLOCK", "ALERT", "REPLY", "NOTE", "REF", "TALLY"} <= kinds
    assert any(str(i["pk"]).startswith("HANDLE#janeroe") for i in items(backbone.table))

    def posted() -> list[dict[str, Any]]:  # what the desk did in Slack, not who it asked about
        return [c for c in slack.recorder.calls("slack") if c["method"] != "users.info"]

    calls = len(posted())
    acked = desk.answer(care("forget @JaneRoe", MANAGER))
    assert acked["statusCode"] == 200 and "Erasing every conversation" in acked["body"]
    # The ack (Slack's 3 seconds) neither writes nor posts (the access check may ask Slack who
    # the user is): the work is in the lazy listener.
    assert stored(backbone.table) == before and len(posted()) == calls
    desk.run_lazy()

    after = stored(backbone.table)
    assert [word for word in JANES if word in after] == []
    assert all(word in after for word in BOBS)  # Bob's conversation is intact
    assert list(metas(backbone.table)) == ["bobstone"]
    held = slack_holds(slack)
    assert [word for word in JANES if word in held] == []
    assert "BISON-9" in held and "bobstone" in held  # Bob's card untouched
    cards = [m["text"] for m in slack.slack.messages.values() if "thread_ts" not in m]
    assert sum(t.startswith("Customer data erased on") for t in cards) == 2  # Jane's two
    assert HUMAN in held  # a bot cannot delete people's messages ...
    [told] = [p["text"] for p in slack_calls(slack, "chat.postEphemeral")]
    assert "people's messages in the Slack threads stay" in told  # ... and says so
    assert "conversations 2" in told and "messages received 3" in told

    [erasure] = [i for i in items(backbone.table) if str(i["pk"]) == "ERASURE#acme"]
    assert erasure["status"] == "done" and erasure["requested_by"] == MANAGER
    counts = erasure["counts"]
    assert counts["conversations"] == 2 and counts["messages_received"] == 3
    assert counts["messages_sent"] == 1 and counts["notes"] == 1
    assert counts["reply_records"] == 1 and counts["message_references"] == 3
    assert counts["handle_lookups"] == 1 and counts["clock_events"] >= 1
    assert counts["slack_cards_replaced"] == 2 and counts["slack_bot_posts_deleted"] >= 2
    # Jane's two managers' notices came in one batch: one digest, deleted once
    assert counts["slack_human_messages_left"] == 1 and counts["slack_notices_deleted"] == 1
    assert [
        word for word in JANES if word.lower() in json.dumps(erasure, default=str).lower()
    ] == []


def test_a_second_forget_is_harmless(
    backbone: Backbone, slack: StandIns, desk_with_jane_and_bob: Desk
) -> None:
    desk = desk_with_jane_and_bob
    desk.act(care("forget x:" + JANE["id_str"], MANAGER))
    table, held = stored(backbone.table), slack_holds(slack)
    desk.act(care("forget x:" + JANE["id_str"], MANAGER))
    desk.act(care("forget @janeroe", MANAGER))
    assert stored(backbone.table) == table and slack_holds(slack) == held
    told = [p["text"] for p in slack_calls(slack, "chat.postEphemeral")]
    assert told[1:] == [
        f"Nothing stored about x:{JANE['id_str']} for this brand: nothing to erase.",
        "Nothing stored about @janeroe for this brand: nothing to erase.",
    ]


def test_a_non_manager_is_refused_and_nothing_is_erased(
    backbone: Backbone, slack: StandIns, desk_with_jane_and_bob: Desk
) -> None:
    desk = desk_with_jane_and_bob
    table, held = stored(backbone.table), slack_holds(slack)
    acked = desk.answer(care("forget @janeroe", AGENT))
    assert "Only the brand's managers may erase" in acked["body"]
    desk.run_lazy()  # the lazy listener runs whatever the ack said: it must refuse too
    assert stored(backbone.table) == table and slack_holds(slack) == held
    assert slack_calls(slack, "chat.postEphemeral") == []


def test_a_member_of_the_managers_group_may_forget_and_an_agent_still_may_not(
    backbone: Backbone, slack: StandIns, queues: Pipeline, desk_with_jane_and_bob: Desk
) -> None:
    """The Slack function's own manager check: slack.managers_group counts, not only the list."""
    acme = load_brands(BRANDS_DIR).brands["acme"]
    assert acme.slack is not None
    grouped = acme.slack.model_copy(update={"managers_group": "S0ACMEMGRS", "managers": ()})
    brands = BrandDirectory([acme.model_copy(update={"slack": grouped})])
    slack.slack.set_group("S0ACMEMGRS", ["U0DEPUTY1"])
    desk = a_desk(backbone, slack, queues.outbox, brands=brands)
    assert "Only the brand's managers" in desk.act(care("forget @janeroe", MANAGER))["body"]
    assert "Only the brand's managers" in desk.act(care("forget @janeroe", AGENT))["body"]
    assert "janeroe" in metas(backbone.table)
    desk.act(care("forget @janeroe", "U0DEPUTY1"))
    assert "janeroe" not in metas(backbone.table) and "bobstone" in metas(backbone.table)


def test_the_permission_is_the_injected_check(
    backbone: Backbone, slack: StandIns, queues: Pipeline, desk_with_jane_and_bob: Desk
) -> None:
    """The lead connects the shared manager check here; a listed manager it refuses is out."""
    desk = a_desk(backbone, slack, queues.outbox, may_erase=lambda brand, user: user == AGENT)
    assert "Only the brand's managers" in desk.act(care("forget @janeroe", MANAGER))["body"]
    assert "janeroe" in metas(backbone.table)
    desk.act(care("forget @janeroe", AGENT))
    assert "janeroe" not in metas(backbone.table)


def cut_off_after(table: str, deletions: int) -> DynamoErasureStore:
    """The real store on a client the Lambda's timeout stops before its third batch of
    deletions (the request is never sent)."""
    client = boto3.client("dynamodb")
    sent = iter(range(deletions + 1))

    def time_out(**_: Any) -> None:
        if next(sent) == deletions:
            raise TimeoutError("Task timed out")

    client.meta.events.register("before-call.dynamodb.BatchWriteItem", time_out)
    return DynamoErasureStore(table, client=client)


def test_a_run_cut_off_half_way_is_finished_by_the_next(
    backbone: Backbone, slack: StandIns, desk_with_jane_and_bob: Desk
) -> None:
    brand = load_brands(BRANDS_DIR).brands["acme"]
    poster = SlackPoster(lambda: SECRETS, slack.slack_url)
    cut = ErasureDeps(store=cut_off_after(backbone.table, 2), slack=poster)
    whole = len(janes(backbone.table))
    with pytest.raises(TimeoutError):
        forget(Target(handle="janeroe"), brand, MANAGER, "cli", cut)
    assert 0 < len(janes(backbone.table)) < whole  # half-way: one conversation emptied
    [erasure] = [i for i in items(backbone.table) if str(i["pk"]) == "ERASURE#acme"]
    assert erasure["status"] == "in progress"

    desk_with_jane_and_bob.act(care("forget @janeroe", MANAGER))

    after = stored(backbone.table)
    assert [word for word in JANES if word in after] == []
    assert [word for word in JANES if word in slack_holds(slack)] == []
    [erasure] = [i for i in items(backbone.table) if str(i["pk"]) == "ERASURE#acme"]
    assert erasure["status"] == "done"  # the same record, continued
    assert erasure["counts"]["conversations"] == 2
    assert erasure["counts"]["messages_received"] == 3


def erase_function_deps(backbone: Backbone, slack: StandIns, store: Any = None) -> ErasingDeps:
    """The erase function as its build_deps wires it, on moto and the Slack stand-in."""
    poster = SlackPoster(lambda: SECRETS, slack.slack_url)
    erasure = ErasureDeps(store=store or DynamoErasureStore(backbone.table), slack=poster)
    return ErasingDeps(load_brands(BRANDS_DIR), erasure, tell=poster)


def request_of(target: str, changes: dict[str, Any] | None = None) -> dict[str, Any]:
    """The erase function's input, as the Slack desk's LambdaEraser sends it."""
    asked = {
        "brand": "acme",
        "target": target,
        "requested_by": MANAGER,
        "via": "slack",
        "answer_to": {"channel": CHANNEL, "user": MANAGER},
    }
    return {k: v for k, v in (asked | (changes or {})).items() if v is not None}


def test_a_failed_hand_over_fails_the_lazy_step_and_the_manager_hears_it_is_retried(
    backbone: Backbone, slack: StandIns, queues: Pipeline, desk_with_jane_and_bob: Desk
) -> None:
    """The production eraser, its function missing (moto answers ResourceNotFound): the lazy
    step raises for Lambda to retry (then the desk's DLQ), and nothing is erased."""
    eraser = LambdaEraser("stack-erase-customer", boto3.client("lambda"))
    desk = desk_support.a_desk(backbone, slack, queues.outbox, eraser=eraser)
    desk.answer(care("forget @janeroe", MANAGER))
    [payload] = desk.lazy.payloads
    with pytest.raises(StorageUnavailable, match="handing the erasure over failed"):
        desk.answer(payload)
    [told] = slack_calls(slack, "chat.postEphemeral")
    assert "tried again automatically" in told["text"] and told["user"] == MANAGER
    assert "janeroe" in metas(backbone.table)


def test_the_erase_function_erases_and_tells_the_manager(
    backbone: Backbone, slack: StandIns, desk_with_jane_and_bob: Desk
) -> None:
    deps = erase_function_deps(backbone, slack)
    done = erase_customer.lambda_handler(request_of("@janeroe"), LambdaContext(), deps=deps)
    assert done["answer"].startswith("Erased @janeroe: ")
    assert janes(backbone.table) == [] and "bobstone" in metas(backbone.table)
    [told] = slack_calls(slack, "chat.postEphemeral")
    assert (told["channel"], told["user"]) == (CHANNEL, MANAGER)
    assert told["text"] == done["answer"]
    [erasure] = [i for i in items(backbone.table) if str(i["pk"]) == "ERASURE#acme"]
    assert erasure["via"] == "slack" and erasure["requested_by"] == MANAGER


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"target": None}, "could not be read (target)"),
        ({"via": "email"}, "could not be read (via)"),
        ({"requested_by": ""}, "could not be read (requested_by)"),
        ({"extra": "field"}, "could not be read (extra)"),
        ({"brand": "globex"}, "could not start (no such brand)"),
        ({"target": "jane roe"}, "could not start (not @handle or platform:id)"),
        ({"target": "fb:123"}, "could not start (not @handle or platform:id)"),
    ],
)
def test_a_bad_erasure_request_erases_nothing_and_the_manager_is_told(
    backbone: Backbone,
    slack: StandIns,
    desk_with_jane_and_bob: Desk,
    changes: dict[str, Any],
    said: str,
) -> None:
    before = items(backbone.table)
    deps = erase_function_deps(backbone, slack)
    erase_customer.lambda_handler(request_of("@janeroe", changes), LambdaContext(), deps=deps)
    assert items(backbone.table) == before  # no record either
    [told] = slack_calls(slack, "chat.postEphemeral")
    assert said in told["text"] and "Nothing was erased." in told["text"]
    assert (told["channel"], told["user"]) == (CHANNEL, MANAGER)


def test_an_unreadable_request_naming_nobody_to_tell_is_only_an_error(
    backbone: Backbone, slack: StandIns, desk_with_jane_and_bob: Desk
) -> None:
    before = items(backbone.table)
    deps = erase_function_deps(backbone, slack)
    done = erase_customer.lambda_handler({"target": 7}, LambdaContext(), deps=deps)
    assert done["error"].startswith("unreadable request: brand, target")
    assert items(backbone.table) == before and slack_calls(slack, "chat.postEphemeral") == []


def test_the_erase_function_raises_an_unexpected_failure_and_its_retry_finishes(
    backbone: Backbone, slack: StandIns, desk_with_jane_and_bob: Desk
) -> None:
    """Lambda retries a raised asynchronous invocation: the retry continues the erasure."""
    cut = erase_function_deps(backbone, slack, cut_off_after(backbone.table, 2))
    with pytest.raises(TimeoutError):
        erase_customer.lambda_handler(request_of("@janeroe"), LambdaContext(), deps=cut)
    assert slack_calls(slack, "chat.postEphemeral") == []  # nobody told "done" too early
    deps = erase_function_deps(backbone, slack)
    erase_customer.lambda_handler(request_of("@janeroe"), LambdaContext(), deps=deps)
    assert janes(backbone.table) == []
    [erasure] = [i for i in items(backbone.table) if str(i["pk"]) == "ERASURE#acme"]
    assert erasure["status"] == "done" and erasure["counts"]["conversations"] == 2


def janes(table: str) -> list[dict[str, Any]]:
    return [i for i in items(table) if any(w in json.dumps(i, default=str) for w in JANES)]


def expiries(table: str, conversation_id: str) -> dict[tuple[str, str], Any]:
    """Every item of the conversation (its partition, the references into it, the
    customer's handle lookup) and its ``expires_at``."""
    found = items(table)
    pk = f"CONV#{conversation_id}"
    refs = {f"REF#{i['message_ref']}" for i in found if i.get("message_ref") and i["pk"] == pk}
    return {
        (str(i["pk"]), str(i["sk"])): i.get("expires_at")
        for i in found
        if i["pk"] == pk or i["pk"] in refs or str(i["pk"]).startswith("HANDLE#janeroe")
    }


def test_a_resolved_conversation_expires_with_everything_and_a_reopened_one_does_not(
    backbone: Backbone,
    x_live: XWebhookDeps,
    queues: Pipeline,
    slack: StandIns,
    desk_with_jane_and_bob: Desk,
) -> None:
    jane = metas(backbone.table)["janeroe"]
    closed = next(
        m for m in items(backbone.table) if m["sk"] == "META" and m.get("status") == "resolved"
    )
    resolved_at = datetime.fromisoformat(str(closed["resolved_at"]))
    assert closed["closed_at"] == closed["resolved_at"]
    until = int((resolved_at + timedelta(days=365)).timestamp())  # brand.yaml retention_days
    found = expiries(backbone.table, str(closed["id"]))
    assert len(found) >= 10 and [k for k, v in found.items() if v != until] == []
    assert datetime.fromtimestamp(until, UTC) > datetime.now(UTC)  # not yet due
    # Bob's conversation is open: nothing of it expires.
    assert all("expires_at" not in i for i in items(backbone.table) if "BISON-9" in str(i))
    assert jane is not None

    # Jane writes again in that thread: the conversation reopens and nothing expires.
    again = tweet(
        "1960000000000000104",
        "@AcmeSupport it is still not here",
        reply_to="1960000000000000102",
        millis=1787570000000,
    )
    to_the_desk(backbone, queues, slack, queued_records(backbone, x_live, again))
    now = next(
        m for m in items(backbone.table) if m.get("id") == closed["id"] and m["sk"] == "META"
    )
    assert now["status"] == "open" and "closed_at" not in now
    found = expiries(backbone.table, str(closed["id"]))
    assert len(found) >= 12 and [k for k, v in found.items() if v is not None] == []

    # Marked spam later: it closes again from now, not from the old resolution.
    desk_with_jane_and_bob.act(button_press("mark_spam", str(closed["id"]), action_ts="9.3"))
    now = next(
        m for m in items(backbone.table) if m.get("id") == closed["id"] and m["sk"] == "META"
    )
    assert now["status"] == "spam" and now["closed_at"] > closed["resolved_at"]
    again_until = int(
        (datetime.fromisoformat(str(now["closed_at"])) + timedelta(days=365)).timestamp()
    )
    found = expiries(backbone.table, str(closed["id"]))
    assert [k for k, v in found.items() if v != again_until] == []


def test_spam_closes_a_conversation_for_retention_too(
    backbone: Backbone, queues: Pipeline, slack: StandIns, desk_with_jane_and_bob: Desk
) -> None:
    bob = metas(backbone.table)["bobstone"]
    desk_with_jane_and_bob.act(button_press("mark_spam", str(bob["id"]), action_ts="9.1"))
    now = metas(backbone.table)["bobstone"]
    until = int((datetime.fromisoformat(str(now["closed_at"])) + timedelta(days=365)).timestamp())
    bobs = [
        i
        for i in items(backbone.table)
        if i["pk"] == bob["pk"] or "1960000000000000201" in str(i["pk"])
    ]
    assert len(bobs) >= 3 and {i.get("expires_at") for i in bobs} == {until}


def test_the_command_line_asks_first_then_erases_in_the_stacks_table(
    backbone: Backbone,
    x_live: XWebhookDeps,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    mine = tweet("1960000000000000101", "@AcmeSupport my parcel ZEBRA-7731 never came")
    bobs = tweet("1960000000000000201", "@AcmeSupport where is my order BISON-9", user=BOB)
    queued_records(backbone, x_live, mine, bobs)  # stored, not yet classified
    command = ["forget", "@JaneRoe", "--brand", "acme", "--table", backbone.table]
    command += ["--brands-dir", str(BRANDS_DIR)]
    monkeypatch.setattr("builtins.input", lambda asked: "n")
    assert cli.main(command) == 1
    assert "Nothing erased." in capsys.readouterr().out and "janeroe" in metas(backbone.table)

    assert cli.main([*command, "--yes"]) == 0
    said = capsys.readouterr().out
    assert "Erased @JaneRoe: conversations 1, handle lookups 1" in said
    assert "Slack was not touched" in said
    assert janes(backbone.table) == [] and list(metas(backbone.table)) == ["bobstone"]
    [erasure] = [i for i in items(backbone.table) if str(i["pk"]) == "ERASURE#acme"]
    assert erasure["via"] == "cli" and str(erasure["requested_by"]).startswith("cli")


def test_the_command_line_says_what_it_cannot_take(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["forget", "jane roe", "--brand", "acme", "--table", "t", "--yes"]) == 2
    assert "use @handle or platform:id" in capsys.readouterr().err


def test_a_slack_failure_half_way_is_told_and_the_next_run_finishes(
    backbone: Backbone, slack: StandIns, desk_with_jane_and_bob: Desk
) -> None:
    desk = desk_with_jane_and_bob
    slack.slack.fail_next("conversations.replies", "internal_error")
    desk.act(care("forget @janeroe", MANAGER))
    [stopped] = [p["text"] for p in slack_calls(slack, "chat.postEphemeral")]
    assert "stopped half-way" in stopped and "run the same /care forget again" in stopped
    assert "janeroe" in metas(backbone.table)  # nothing of the conversation deleted yet

    desk.act(care("forget @janeroe", MANAGER))
    assert janes(backbone.table) == [] and [w for w in JANES if w in slack_holds(slack)] == []
    [erasure] = [i for i in items(backbone.table) if str(i["pk"]) == "ERASURE#acme"]
    assert erasure["status"] == "done" and erasure["counts"]["conversations"] == 2


def test_a_card_someone_deleted_or_an_archived_channel_does_not_hold_up_the_erasure(
    backbone: Backbone, slack: StandIns, desk_with_jane_and_bob: Desk
) -> None:
    [gone] = [
        m["slack_thread"]
        for m in items(backbone.table)
        if m["sk"] == "META" and str(m.get("link", "")).endswith("103")
    ]
    with slack.slack.lock:  # an admin deleted one of Jane's cards (and so its thread)
        del slack.slack.messages[(gone["channel"], gone["ts"])]
    slack.slack.fail_next("chat.delete", "is_archived")  # and a channel got archived
    desk_with_jane_and_bob.act(care("forget @janeroe", MANAGER))
    assert janes(backbone.table) == []
    [told] = [p["text"] for p in slack_calls(slack, "chat.postEphemeral")]
    assert "Slack refused part of it" in told and "is_archived" in told


def test_a_handle_two_customers_used_erases_nobody(
    backbone: Backbone, x_live: XWebhookDeps
) -> None:
    other = dict(BOB, screen_name="janeroe")  # Jane's old handle, taken by someone else
    jane = tweet("1960000000000000101", "@AcmeSupport my parcel ZEBRA-7731 never came")
    queued_records(backbone, x_live, jane)
    queued_records(
        backbone,
        x_live,
        tweet("1960000000000000201", "@AcmeSupport where is my order BISON-9", user=other),
    )
    before = stored(backbone.table)
    brand = load_brands(BRANDS_DIR).brands["acme"]
    deps = ErasureDeps(store=DynamoErasureStore(backbone.table))
    assert forget(Target(handle="janeroe"), brand, MANAGER, "cli", deps).outcome == "ambiguous"
    assert stored(backbone.table) == before
    by_id = forget(Target(platform="x", customer_id=JANE["id_str"]), brand, MANAGER, "cli", deps)
    assert by_id.outcome == "erased" and "BISON-9" in stored(backbone.table)
    assert "ZEBRA-7731" not in stored(backbone.table)


def test_the_bot_deletes_only_its_own_posts(slack: StandIns) -> None:
    poster = SlackPoster(lambda: SECRETS, slack.slack_url)
    root = poster.post(CHANNEL, "card", [])
    ours = poster.post(CHANNEL, "a follow-up", [], root)
    theirs = slack.slack.add_message(CHANNEL, HUMAN, user=AGENT, thread_ts=root)["ts"]
    posts = poster.thread_posts(CHANNEL, root)
    assert [(p.ts, p.ours) for p in posts] == [(ours, True), (theirs, False)]
    assert poster.delete(CHANNEL, ours) and not poster.delete(CHANNEL, ours)  # gone: no error
    with pytest.raises(ConfigurationError, match="cant_delete_message"):
        poster.delete(CHANNEL, theirs)
    assert poster.replace(CHANNEL, root, "erased", []) and not poster.replace(
        CHANNEL, "1.2", "x", []
    )


def test_what_is_written_after_a_close_expires_with_the_conversation(
    backbone: Backbone, queues: Pipeline, desk_with_jane_and_bob: Desk
) -> None:
    """A note on a resolved conversation; the clock's last event on a spam one."""
    desk = desk_with_jane_and_bob
    [jane] = [m for m in items(backbone.table) if m["sk"] == "META" and m["status"] == "resolved"]
    desk.act(message_event("note: she wrote again by e-mail", jane["slack_thread"]["ts"]))
    [note] = [i for i in items(backbone.table) if "by e-mail" in str(i.get("text"))]
    assert note["expires_at"] == jane["expires_at"]

    bob = metas(backbone.table)["bobstone"]
    desk.act(button_press("mark_spam", str(bob["id"]), action_ts="9.2"))
    deps = ClockTaskDeps(
        store=DynamoClockStore(backbone.table),
        escalations=SnsEscalations(queues.escalated.topic),
        retention=DynamoRetentionStore(backbone.table),
    )
    client = boto3.client("stepfunctions")
    for run in client.list_executions(stateMachineArn=queues.machine)["executions"]:
        execution = json.loads(client.describe_execution(executionArn=run["executionArn"])["input"])
        if execution["clocks"][0]["conversation_id"] == bob["id"]:
            assert clock_task.lambda_handler(execution, LambdaContext(), deps=deps)["done"]
    stopped = [i for i in items(backbone.table) if str(i["sk"]).endswith("#stopped#0")]
    assert stopped and {i.get("expires_at") for i in stopped} == {
        metas(backbone.table)["bobstone"]["expires_at"]
    }


def test_links_to_our_replies_go_and_other_peoples_lookups_stay(
    backbone: Backbone, x_live: XWebhookDeps
) -> None:
    """Our answer posted on x.com (a link into Jane's thread) is erased with it; Bob, who
    wrote in Jane's public thread, keeps his handle lookup (and his own conversation)."""
    acme = {"id_str": ACCOUNT, "name": "Acme", "screen_name": "AcmeSupport", "verified": True}
    jane = tweet("1960000000000000101", "@AcmeSupport my parcel ZEBRA-7731 never came")
    queued_records(backbone, x_live, jane)
    queued_records(
        backbone,
        x_live,
        tweet(
            "1960000000000000150",
            "@janeroe we are on it",
            user=acme,
            reply_to="1960000000000000101",
        ),
        tweet(
            "1960000000000000202", "@janeroe same here", user=BOB, reply_to="1960000000000000101"
        ),
        tweet("1960000000000000201", "@AcmeSupport where is my order BISON-9", user=BOB),
    )
    link = f"REF#x#{ACCOUNT}#1960000000000000150"
    assert any(i["pk"] == link for i in items(backbone.table))
    brand = load_brands(BRANDS_DIR).brands["acme"]
    deps = ErasureDeps(store=DynamoErasureStore(backbone.table))
    forget(Target(platform="x", customer_id=JANE["id_str"]), brand, MANAGER, "cli", deps)
    left = items(backbone.table)
    assert not any(i["pk"] == link for i in left)
    assert janes(backbone.table) == []
    assert any(i["pk"] == "HANDLE#bobstone" for i in left) and "BISON-9" in stored(backbone.table)
