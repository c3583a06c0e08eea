"""Who may act at the desk: only the brand's workspace, in the brand's channels, its own
members (not external members of a shared channel) and, when the brand names an agents'
user group, its members. Through the real Bolt app with signed requests; moto for AWS, the
Slack stand-in answers users.info and usergroups.users.list."""

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest

from socialcare.config import load_brands
from socialcare.config.brands import BrandDirectory
from socialcare.services.x_webhook import XWebhookDeps
from socialcare.slack.authz import SAID, Refusal
from socialcare_tools.local.standins import StandIns
from socialcare_tools.slack_requests import button_press
from socialcare_tools.template_resources import Backbone, create_queue
from tests.conftest import BRANDS_DIR
from tests.integration.desk_support import (
    AGENT,
    TEAM,
    a_desk,
    message_event,
    run_outbox,
    signed,
    slack_calls,
    view_submission,
)
from tests.support.desk_cases import (
    command,
    conversation_in_slack,
    ephemerals,
    nothing_queued,
    tweets,
)
from tests.support.inspect import of_kind

pytestmark = pytest.mark.integration
OTHER_ORG = "T0OTHERORG"
STRANGER = "U0STRANGER"
AGENTS = "S0ACMEAGENTS"


@pytest.fixture
def queues(backbone: Backbone) -> Iterator[tuple[str, str]]:
    yield create_queue("DeskQueue"), create_queue("OutboxQueue")


@pytest.fixture
def conversation(
    backbone: Backbone, x_live: XWebhookDeps, queues: tuple[str, str], slack: StandIns
) -> dict[str, Any]:
    return conversation_in_slack(backbone, x_live, queues, slack)


def with_agents_group() -> BrandDirectory:
    """The example brand, its desk limited to the members of a user group."""
    brands = load_brands(BRANDS_DIR)
    acme = brands.brands["acme"]
    assert acme.slack is not None
    slack = acme.slack.model_copy(update={"agents_group": AGENTS})
    return BrandDirectory([acme.model_copy(update={"slack": slack})])


def answered(response: dict[str, Any]) -> str:
    assert response["statusCode"] == 200, response
    return str(json.loads(response["body"])["text"])


@pytest.mark.parametrize(
    ("channel", "team", "refusal"),
    [
        ("C0RANDOM001", TEAM, Refusal.CHANNEL),  # a channel of no brand
        ("D0DIRECT001", TEAM, Refusal.CHANNEL),  # a direct message with the app
        ("C0ACMESUPPORT", OTHER_ORG, Refusal.WORKSPACE),  # the app installed elsewhere too
    ],
    ids=["random-channel", "direct-message", "other-workspace"],
)
@pytest.mark.parametrize("words", ["queue", "show"])
def test_care_queue_and_show_are_refused_outside_the_brands_channels_and_workspace(
    backbone: Backbone,
    queues: tuple[str, str],
    slack: StandIns,
    conversation: dict[str, Any],
    channel: str,
    team: str,
    refusal: Refusal,
    words: str,
) -> None:
    desk = a_desk(backbone, slack, queues[1])
    text = f"show {conversation['id']}" if words == "show" else "queue"
    said = answered(desk.answer(command(text, channel, team=team)))
    assert said == SAID[refusal]
    assert "Acme" not in said and "@janeroe" not in said and "waiting" not in said
    assert desk.lazy.payloads == []


def test_care_from_an_external_member_of_a_shared_channel_is_refused(
    backbone: Backbone, queues: tuple[str, str], slack: StandIns, conversation: dict[str, Any]
) -> None:
    slack.slack.add_user(STRANGER, team_id=OTHER_ORG)  # users.info: their own organisation
    desk = a_desk(backbone, slack, queues[1])
    said = answered(desk.answer(command("queue", user=STRANGER)))
    assert said == SAID[Refusal.EXTERNAL]
    assert answered(desk.answer(command("queue"))).startswith("*Acme Store: 1 waiting")


def test_a_thread_message_from_another_organisation_is_ignored(
    backbone: Backbone,
    queues: tuple[str, str],
    slack: StandIns,
    conversation: dict[str, Any],
    captured_logs: io.StringIO,
) -> None:
    desk = a_desk(backbone, slack, queues[1])
    ts = conversation["slack_thread"]["ts"]
    outsider = message_event("Refund approved!", ts, user=STRANGER, user_team=OTHER_ORG)
    assert desk.act(outsider)["statusCode"] == 200
    other_install = message_event("Refund approved!", ts, event_id="Ev2", team=OTHER_ORG)
    assert desk.act(other_install)["statusCode"] == 200
    run_outbox(backbone, slack, queues[1])
    assert nothing_queued(backbone, queues) and tweets(slack) == [] and ephemerals(slack) == []
    assert of_kind(backbone.table, "NOTE#") == []
    refusals = [json.loads(line) for line in captured_logs.getvalue().splitlines()]
    reasons = [r["reason"] for r in refusals if r.get("message") == "Slack request refused"]
    assert reasons == ["external", "workspace"]


def test_a_stranger_cannot_assign_himself(
    backbone: Backbone, queues: tuple[str, str], slack: StandIns, conversation: dict[str, Any]
) -> None:
    desk = a_desk(backbone, slack, queues[1])
    pressed = button_press("assign_me", conversation["id"], user=STRANGER, user_team=OTHER_ORG)
    assert desk.act(pressed)["statusCode"] == 200
    [meta] = of_kind(backbone.table, "META")
    assert "assignee" not in meta
    assert slack_calls(slack, "chat.update") == []  # the card is unchanged
    [told] = slack_calls(slack, "chat.postEphemeral")
    assert told["user"] == STRANGER and told["text"] == SAID[Refusal.EXTERNAL]


def test_a_modal_submitted_by_a_stranger_sends_nothing(
    backbone: Backbone, queues: tuple[str, str], slack: StandIns, conversation: dict[str, Any]
) -> None:
    desk = a_desk(backbone, slack, queues[1])
    response = desk.act(view_submission(conversation["id"], "Refund approved!", team=OTHER_ORG))
    body = json.loads(response["body"])
    assert body["response_action"] == "update"
    assert body["view"]["blocks"][0]["text"]["text"] == SAID[Refusal.WORKSPACE]
    assert nothing_queued(backbone, queues)


def test_with_an_agents_group_only_its_members_act(
    backbone: Backbone, queues: tuple[str, str], slack: StandIns, conversation: dict[str, Any]
) -> None:
    slack.slack.set_group(AGENTS, ["U0SOMEONE", "U0MEMBER1"])
    desk = a_desk(backbone, slack, queues[1], brands=with_agents_group())
    ts = conversation["slack_thread"]["ts"]
    # AGENT is a member of the workspace, not of the group.
    assert answered(desk.answer(command("queue"))) == SAID[Refusal.NOT_AGENT]
    desk.act(button_press("assign_me", conversation["id"]))
    desk.act(message_event("It ships today.", ts, event_id="Ev1"))
    assert nothing_queued(backbone, queues)
    assert "assignee" not in of_kind(backbone.table, "META")[0]
    assert ephemerals(slack) == [SAID[Refusal.NOT_AGENT]]  # the button's refusal
    # A member of the group may.
    assert answered(desk.answer(command("queue", user="U0MEMBER1"))).startswith("*Acme Store")
    desk.act(button_press("assign_me", conversation["id"], user="U0MEMBER1", action_ts="2.1"))
    assert of_kind(backbone.table, "META")[0]["assignee"] == "U0MEMBER1"
    desk.act(message_event("It ships today.", ts, event_id="Ev2", user="U0MEMBER1"))
    run_outbox(backbone, slack, queues[1])
    assert [t["text"] for t in tweets(slack)] == ["It ships today."]


def test_when_slack_cannot_say_who_the_user_is_nothing_is_done(
    backbone: Backbone, queues: tuple[str, str], slack: StandIns, conversation: dict[str, Any]
) -> None:
    slack.slack.fail_next("users.info", "internal_error")
    desk = a_desk(backbone, slack, queues[1])
    assert answered(desk.answer(command("queue"))) == SAID[Refusal.UNVERIFIED]
    slack.slack.fail_next("usergroups.users.list", "internal_error")
    grouped = a_desk(backbone, slack, queues[1], brands=with_agents_group())
    event = message_event("It ships today.", conversation["slack_thread"]["ts"])
    assert grouped.act(event)["statusCode"] == 503  # Slack delivers the event again
    assert nothing_queued(backbone, queues)


def test_a_member_of_the_workspace_still_acts_in_the_managers_channel(
    backbone: Backbone, queues: tuple[str, str], slack: StandIns
) -> None:
    desk = a_desk(backbone, slack, queues[1])
    assert (
        answered(desk.answer(command("queue", "C0ACMEMANAGERS"))) == "Nothing waits on Acme Store."
    )
    assert AGENT  # the signed requests' default user, a member of the workspace


def test_who_a_user_is_is_asked_once_and_remembered(
    backbone: Backbone, queues: tuple[str, str], slack: StandIns
) -> None:
    desk = a_desk(backbone, slack, queues[1])
    for _ in range(3):
        assert answered(desk.answer(command("queue"))).startswith("Nothing waits on Acme Store")
    assert [c["user"] for c in slack_calls(slack, "users.info")] == [AGENT]


def test_slacks_url_verification_is_still_answered(
    backbone: Backbone, queues: tuple[str, str], slack: StandIns
) -> None:
    challenge = {"token": "x", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}
    body = json.dumps(challenge | {"type": "url_verification"}).encode()
    response = a_desk(backbone, slack, queues[1]).answer(signed(body, "application/json"))
    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {"challenge": challenge["challenge"]}
