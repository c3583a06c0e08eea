"""Agents at the desk, through the real Bolt app with signed requests: what they write in a
conversation's thread reaches the customer (or stays a note), the card's buttons act, the
guards answer ephemerally, and no retry sends anything twice. moto for AWS, the stand-ins
for Slack and X; Bolt's lazy self-invocations are run after Slack has its answer."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pytest

from socialcare.errors import StorageUnavailable
from socialcare.services import desk_actions
from socialcare.services.x_webhook import XWebhookDeps
from socialcare_tools.local import standins_x
from socialcare_tools.local.standins import StandIns
from socialcare_tools.slack_requests import button_press
from socialcare_tools.template_resources import Backbone, create_queue
from tests.integration.conftest import Escalated
from tests.integration.desk_support import (
    AGENT,
    TEAM,
    a_desk,
    action_deps,
    message_event,
    run_outbox,
    signed,
    slack_calls,
    view_submission,
)
from tests.support.desk_cases import (
    conversation_in_slack,
    ephemerals,
    nothing_queued,
    queued,
    tweets,
)
from tests.support.faults import Faults
from tests.support.inspect import of_kind

pytestmark = pytest.mark.integration


@pytest.fixture
def queues(backbone: Backbone) -> Iterator[tuple[str, str]]:
    yield create_queue("DeskQueue"), create_queue("OutboxQueue")


def test_a_forged_event_gets_401_and_queues_nothing(
    backbone: Backbone, x_live: XWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    meta = conversation_in_slack(backbone, x_live, queues, slack)
    desk = a_desk(backbone, slack, queues[1])
    event = message_event("hello", meta["slack_thread"]["ts"])
    event["headers"]["x-slack-signature"] = "v0=" + "0" * 64
    assert desk.act(event)["statusCode"] == 401
    assert nothing_queued(backbone, queues)


def test_slack_retries_and_lambda_retries_of_one_event_send_one_reply(
    backbone: Backbone, x_live: XWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    ts = conversation_in_slack(backbone, x_live, queues, slack)["slack_thread"]["ts"]
    desk = a_desk(backbone, slack, queues[1])
    first = message_event("It ships today.", ts, event_id="Ev42", ts="1787566700.000300")
    assert desk.answer(first)["statusCode"] == 200
    desk.run_lazy(times=2)  # Lambda retried the asynchronous invocation
    run_outbox(backbone, slack, queues[1])
    for retry in (1, 2, 3):  # Slack timed out waiting and retried, after the reply went
        again = message_event(
            "It ships today.", ts, event_id="Ev42", ts="1787566700.000300", retry=retry
        )
        assert desk.act(again)["statusCode"] == 200
        run_outbox(backbone, slack, queues[1])
    assert [t["text"] for t in tweets(slack)] == ["It ships today."]
    assert len(of_kind(backbone.table, "REPLY#")) == 1
    assert ephemerals(slack) == []  # a retry is not judged again ("unchanged" would be wrong)


@pytest.mark.parametrize(
    "extra",
    [
        {"bot_id": "B0OTHERBOT"},  # another app's bot
        {"subtype": "message_changed"},  # an edit
        {"subtype": "message_deleted"},
    ],
    ids=["bot", "edit", "deletion"],
)
def test_bots_edits_and_deletions_send_nothing(
    backbone: Backbone,
    x_live: XWebhookDeps,
    queues: tuple[str, str],
    slack: StandIns,
    extra: dict[str, Any],
) -> None:
    ts = conversation_in_slack(backbone, x_live, queues, slack)["slack_thread"]["ts"]
    desk = a_desk(backbone, slack, queues[1])
    assert desk.act(message_event("It ships today.", ts, **extra))["statusCode"] == 200
    assert nothing_queued(backbone, queues)


def test_messages_outside_a_tracked_thread_send_nothing(
    backbone: Backbone, x_live: XWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    conversation_in_slack(backbone, x_live, queues, slack)
    desk = a_desk(backbone, slack, queues[1])
    desk.act(message_event("chatting in the channel", None, event_id="Ev1"))
    desk.act(message_event("in someone's thread", "1787000000.000001", event_id="Ev2"))
    assert nothing_queued(backbone, queues)


def test_a_note_stays_internal(
    backbone: Backbone, x_live: XWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    ts = conversation_in_slack(backbone, x_live, queues, slack)["slack_thread"]["ts"]
    desk = a_desk(backbone, slack, queues[1])
    desk.act(message_event("Note: she called the hotline too", ts, event_id="Ev5"))
    assert queued(queues[1]) == 0
    [note] = of_kind(backbone.table, "NOTE#")
    assert note["text"] == "she called the hotline too" and note["agent"] == AGENT


def test_x_posts_that_do_not_mention_the_account_are_refused_with_a_link_to_x(
    backbone: Backbone, x_live: XWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    meta = conversation_in_slack(
        backbone,
        x_live,
        queues,
        slack,
        entities={"hashtags": [], "urls": [], "user_mentions": []},
    )
    desk = a_desk(backbone, slack, queues[1])
    desk.act(message_event("It ships today.", meta["slack_thread"]["ts"]))
    [said] = ephemerals(slack)
    assert "mention or quote" in said and "https://x.com/janeroe/status/1960000000000000100" in said
    assert queued(queues[1]) == 0


def test_a_reply_too_long_for_x_and_a_repeated_reply_are_refused(
    backbone: Backbone, x_live: XWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    ts = conversation_in_slack(backbone, x_live, queues, slack)["slack_thread"]["ts"]
    desk = a_desk(backbone, slack, queues[1])
    desk.act(
        message_event("お待たせしました。" * 16, ts, event_id="Ev1")
    )  # 144 characters weigh 288
    desk.act(message_event("It ships today.", ts, event_id="Ev2"))
    run_outbox(backbone, slack, queues[1])
    desk.act(message_event("It ships today.", ts, event_id="Ev3"))
    too_long, repeated = ephemerals(slack)
    assert "Too long for a post on X: 288 of 280" in too_long
    assert "word for word the last reply" in repeated
    assert [t["text"] for t in tweets(slack)] == ["It ships today."]


def test_send_suggested_sends_the_answer_base_text(
    backbone: Backbone, x_live: XWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    meta = conversation_in_slack(backbone, x_live, queues, slack)
    desk = a_desk(backbone, slack, queues[1])
    assert desk.act(button_press("send_suggestion", meta["id"]))["statusCode"] == 200
    run_outbox(backbone, slack, queues[1])
    [sent] = tweets(slack)
    [message] = [m for m in of_kind(backbone.table, "MSG#") if m["direction"] == "inbound"]
    assert sent["text"] == message["classification"]["suggestion"]["text"]
    [outbound] = [m for m in of_kind(backbone.table, "MSG#") if m["direction"] == "outbound"]
    assert outbound["from_suggestion"] is True


def test_edit_opens_a_modal_with_the_suggestion_and_its_submission_is_sent(
    backbone: Backbone, x_live: XWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    meta = conversation_in_slack(backbone, x_live, queues, slack)
    desk = a_desk(backbone, slack, queues[1])
    assert desk.answer(button_press("edit_suggestion", meta["id"]))["statusCode"] == 200
    # Opened in the ack, while Slack's 3-second trigger is valid: before any lazy step ran.
    [opened] = slack_calls(slack, "views.open")
    loading = opened["view"] if isinstance(opened["view"], dict) else json.loads(opened["view"])
    assert "Getting the suggested answer" in json.dumps(loading)
    assert slack_calls(slack, "views.update") == []
    desk.run_lazy()  # then the lazy step fills the editor in, found by its external id
    [updated] = slack_calls(slack, "views.update")
    assert updated["external_id"] == loading["external_id"]
    [view] = slack.slack.views.values()
    assert view["callback_id"] == "reply_modal"
    assert view["blocks"][0]["element"]["initial_value"].startswith("Hi janeroe")
    refused = desk.act(view_submission(meta["id"], "   "))
    assert json.loads(refused["body"]) == {
        "response_action": "errors",
        "errors": {"reply_block": "Nothing to send: the reply is empty."},
    }
    assert ephemerals(slack) == []  # the modal said it; the thread hears nothing
    assert desk.act(view_submission(meta["id"], "Hi Jane, it ships today."))["body"] == ""
    run_outbox(backbone, slack, queues[1])
    assert [t["text"] for t in tweets(slack)] == ["Hi Jane, it ships today."]


def test_assign_resolve_and_spam_change_the_conversation_and_its_card(
    backbone: Backbone, x_live: XWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    meta = conversation_in_slack(backbone, x_live, queues, slack)
    desk = a_desk(backbone, slack, queues[1])
    desk.act(button_press("assign_me", meta["id"], action_ts="1.1"))
    [assigned] = slack_calls(slack, "chat.update")
    shown = json.dumps(assigned["blocks"], ensure_ascii=False)
    assert f"assigned to <@{AGENT}>" in shown and assigned["ts"] == meta["slack_thread"]["ts"]
    assert "＠here" in shown and "∗bold∗" in shown
    assert "<!channel>" not in shown and "&lt;!channel&gt;" in shown
    assert "<https://evil.example|bank.example>" not in shown
    desk.act(button_press("resolve", meta["id"], action_ts="1.2"))
    [now] = of_kind(backbone.table, "META")
    assert now["status"] == "resolved" and now["resolved_by"] == AGENT and "queue_pk" not in now
    resolved = json.dumps(slack_calls(slack, "chat.update")[-1]["blocks"])
    assert "resolved" in resolved and "send_suggestion" not in resolved  # no buttons left
    desk.act(message_event("one more thing", meta["slack_thread"]["ts"], event_id="Ev9"))
    assert "is resolved; nothing was sent" in ephemerals(slack)[-1]


def test_waiting_on_the_customer_puts_the_conversation_on_hold_and_shows_it(
    backbone: Backbone, x_live: XWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    meta = conversation_in_slack(backbone, x_live, queues, slack)
    assert meta["status"] == "open"
    desk = a_desk(backbone, slack, queues[1])
    desk.act(button_press("assign_me", meta["id"], action_ts="1.1"))
    offered = json.dumps(slack_calls(slack, "chat.update")[-1]["blocks"])
    assert '"action_id": "wait_on_customer"' in offered  # open: an agent may put it on hold
    desk.act(button_press("wait_on_customer", meta["id"], action_ts="1.2"))
    [now] = of_kind(backbone.table, "META")
    assert now["status"] == "pending"
    shown = json.dumps(slack_calls(slack, "chat.update")[-1]["blocks"])
    assert ":speech_balloon: *pending*" in shown
    assert '"action_id": "wait_on_customer"' not in shown and '"action_id": "resolve"' in shown
    desk.act(button_press("wait_on_customer", meta["id"], action_ts="1.3"))  # pressed again
    [again] = of_kind(backbone.table, "META")
    assert again["status"] == "pending" and again["updated_at"] == now["updated_at"]


def test_mark_spam_takes_the_conversation_out_of_the_queue(
    backbone: Backbone, x_live: XWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    meta = conversation_in_slack(backbone, x_live, queues, slack)
    a_desk(backbone, slack, queues[1]).act(button_press("mark_spam", meta["id"]))
    [now] = of_kind(backbone.table, "META")
    assert now["status"] == "spam" and now["marked_spam_by"] == AGENT and "queue_pk" not in now


def test_escalate_now_tells_the_managers_and_the_thread(
    backbone: Backbone,
    x_live: XWebhookDeps,
    queues: tuple[str, str],
    slack: StandIns,
    escalated: Escalated,
) -> None:
    meta = conversation_in_slack(backbone, x_live, queues, slack)
    a_desk(backbone, slack, queues[1], escalated.topic).act(
        button_press("escalate_now", meta["id"])
    )
    [message] = escalated.received()
    notice = json.loads(message["Body"])
    assert notice["kind"] == "requested" and notice["tier"] == 1
    assert notice["conversation_id"] == meta["id"]
    said = [p for p in slack_calls(slack, "chat.postMessage") if "asked the managers" in p["text"]]
    assert said and said[0]["thread_ts"] == meta["slack_thread"]["ts"]


def test_move_to_dm_answers_publicly_then_continues_by_direct_message(
    backbone: Backbone, x_live: XWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    meta = conversation_in_slack(backbone, x_live, queues, slack)
    desk = a_desk(backbone, slack, queues[1])
    desk.act(button_press("move_to_dm", meta["id"]))
    desk.act(message_event("Could you send your order e-mail?", meta["slack_thread"]["ts"]))
    run_outbox(backbone, slack, queues[1])
    [public] = tweets(slack)
    assert public == {
        "text": "We have sent you a private message.",
        "reply": {"in_reply_to_tweet_id": "1960000000000000100"},
    }
    [dm] = [c["params"] for c in slack.recorder.calls("x") if c["method"] == standins_x.DM_WITH]
    assert dm == {
        "participant_id": "1400000000000000042",
        "text": "Could you send your order e-mail?",
    }


def test_slack_link_and_mention_markup_never_reaches_the_customer(
    backbone: Backbone, x_live: XWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    ts = conversation_in_slack(backbone, x_live, queues, slack)["slack_thread"]["ts"]
    desk = a_desk(backbone, slack, queues[1])
    text = "<@U0OTHER> see <https://acme.example/track?id=1&amp;x=2|tracking> &lt;3"
    desk.act(message_event(text, ts))
    run_outbox(backbone, slack, queues[1])
    assert [t["text"] for t in tweets(slack)] == ["see https://acme.example/track?id=1&x=2 <3"]


def test_a_stale_signature_gets_401(
    backbone: Backbone, x_live: XWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    meta = conversation_in_slack(backbone, x_live, queues, slack)
    event = button_press("resolve", meta["id"])
    event["headers"]["x-slack-request-timestamp"] = "1700000000"
    assert a_desk(backbone, slack, queues[1]).act(event)["statusCode"] == 401
    [now] = of_kind(backbone.table, "META")
    assert now["status"] == "open"
    assert signed  # (the helper signs every other request here)


def test_escalate_pressed_once_and_retried_tells_the_managers_once(
    backbone: Backbone,
    x_live: XWebhookDeps,
    queues: tuple[str, str],
    slack: StandIns,
    escalated: Escalated,
) -> None:
    meta = conversation_in_slack(backbone, x_live, queues, slack)
    desk = a_desk(backbone, slack, queues[1], escalated.topic)
    desk.answer(button_press("escalate_now", meta["id"]))
    desk.run_lazy(times=3)  # Lambda retried the lazy invocation twice
    assert len(escalated.received()) == 1


def test_move_to_dm_stays_public_when_the_public_notice_cannot_go(
    backbone: Backbone, x_live: XWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    meta = conversation_in_slack(
        backbone, x_live, queues, slack, entities={"hashtags": [], "urls": [], "user_mentions": []}
    )
    a_desk(backbone, slack, queues[1]).act(button_press("move_to_dm", meta["id"]))
    [now] = of_kind(backbone.table, "META")
    assert "reply_route" not in now
    assert "mention or quote" in ephemerals(slack)[0] and len(ephemerals(slack)) == 1


def test_care_report_posts_the_last_days_headline_figures(
    backbone: Backbone, x_live: XWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    conversation_in_slack(backbone, x_live, queues, slack)
    next_morning = datetime(2026, 8, 25, 6, 0, tzinfo=UTC)  # 09:00 in Moscow
    desk = a_desk(backbone, slack, queues[1], clock=lambda: next_morning)
    body = urlencode(
        {
            "command": "/care",
            "text": "report day",
            "channel_id": "C0ACMESUPPORT",
            "user_id": AGENT,
            "team_id": TEAM,
            "trigger_id": "1.2.3",
        }
    ).encode()
    acked = desk.answer(signed(body, "application/x-www-form-urlencoded"))
    assert "Working out the report" in acked["body"]
    desk.run_lazy()
    [said] = ephemerals(slack)
    assert said.startswith("*Acme Store, Mon 24 Aug 2026*")
    assert "Conversations *1*" in said and "Response rate *0 %*" in said


def test_two_sends_of_the_same_text_at_once_queue_one_and_refuse_the_other(
    backbone: Backbone, x_live: XWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    meta = conversation_in_slack(backbone, x_live, queues, slack)
    deps = action_deps(backbone, slack, queues[1])
    # Two agents (or two clicks) at the same moment: both read the conversation before
    # either reply was queued, so both pass the guards that read it.
    seen = deps.store.conversation(meta["id"])
    assert seen is not None
    first = desk_actions.send_reply(seen, "It ships today.", "slack-event:EvA", AGENT, deps)
    second = desk_actions.send_reply(seen, "It ships today. ", "slack-event:EvB", AGENT, deps)
    assert (first, second) == ("queued", "refused:unchanged")
    assert queued(queues[1]) == 1 and len(of_kind(backbone.table, "REPLY#")) == 1
    [said] = ephemerals(slack)
    assert "word for word" in said
    run_outbox(backbone, slack, queues[1])
    assert [t["text"] for t in tweets(slack)] == ["It ships today."]


def test_a_reply_the_platform_refused_can_be_sent_again_word_for_word(
    backbone: Backbone, x_live: XWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    ts = conversation_in_slack(backbone, x_live, queues, slack)["slack_thread"]["ts"]
    desk = a_desk(backbone, slack, queues[1])
    slack.x.fail_next(standins_x.TWEETS, 403)
    desk.act(message_event("It ships today.", ts, event_id="Ev1"))
    run_outbox(backbone, slack, queues[1])
    desk.act(message_event("It ships today.", ts, event_id="Ev2"))
    run_outbox(backbone, slack, queues[1])
    assert ephemerals(slack) == []
    assert [r["status"] for r in of_kind(backbone.table, "REPLY#")] == ["failed", "sent"]


@pytest.mark.parametrize(
    ("service", "operation"),
    [("sqs", "SendMessage"), ("dynamodb", "TransactWriteItems")],
    ids=["the outbox send", "the reply record"],
)
def test_a_failed_lazy_step_fails_the_invocation_for_lambda_to_retry_and_the_agent_hears_it(
    backbone: Backbone,
    x_live: XWebhookDeps,
    queues: tuple[str, str],
    slack: StandIns,
    service: str,
    operation: str,
) -> None:
    ts = conversation_in_slack(backbone, x_live, queues, slack)["slack_thread"]["ts"]
    faults = Faults(service).fail(operation)
    desk = a_desk(backbone, slack, queues[1], **{service: faults.client})
    assert desk.answer(message_event("It ships today.", ts, event_id="Ev7"))["statusCode"] == 200
    [invocation] = desk.lazy.payloads
    with pytest.raises(StorageUnavailable):  # Lambda sees the failure: it retries, then the DLQ
        desk.answer(invocation)
    assert faults.failed == [operation]
    [said] = ephemerals(slack)
    assert "did not go through" in said and "tried again automatically" in said
    assert queued(queues[1]) == 0
    assert desk.answer(invocation)["statusCode"] == 200  # Lambda's retry
    run_outbox(backbone, slack, queues[1])
    assert [t["text"] for t in tweets(slack)] == ["It ships today."]


def test_an_editor_slack_refuses_to_open_is_told_to_the_agent(
    backbone: Backbone, x_live: XWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> None:
    meta = conversation_in_slack(backbone, x_live, queues, slack)
    desk = a_desk(backbone, slack, queues[1])
    slack.slack.fail_next("views.open", "expired_trigger_id")
    assert desk.act(button_press("edit_suggestion", meta["id"]))["statusCode"] == 200
    [told] = slack_calls(slack, "chat.postEphemeral")
    assert "did not open" in str(told["text"]) and told["user"] == AGENT
    assert slack.slack.views == {}  # and the lazy step, finding no editor, opened nothing
