"""The access rule on Slack's payloads (platforms.md 5.3, 5.4): where a request happens, who
makes it, and whether the brand accepts them; the manager check for manager-only commands.
The directory is an in-memory SlackDirectory (the port), so each answer Slack could give is
one line."""

import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from socialcare.adapters.conversation_reads import conversation_of
from socialcare.config import load_brands
from socialcare.config.brands import Brand, BrandDirectory
from socialcare.errors import StorageUnavailable
from socialcare.models.conversation import Conversation
from socialcare.slack.authz import (
    NOT_A_MANAGER,
    SAID,
    Kind,
    Refusal,
    SlackRequest,
    SlackUser,
    authorise,
    is_manager,
    manager_only,
)
from tests.conftest import BRANDS_DIR
from tests.support.items import conversation_item

TEAM, CHANNEL, OTHER = "T0ACMEWORK", "C0ACMESUPPORT", "T0OTHERORG"


@dataclass
class Directory:
    users: dict[str, SlackUser] = field(default_factory=dict)
    groups: dict[str, frozenset[str]] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)
    down: bool = False

    def user(self, user_id: str) -> SlackUser | None:
        self.asked.append(user_id)
        if self.down:
            raise StorageUnavailable("Slack users.info failed: ratelimited")
        return self.users.get(user_id)

    def group_members(self, group_id: str) -> frozenset[str]:
        self.asked.append(group_id)
        if self.down:
            raise StorageUnavailable("Slack usergroups.users.list failed: ratelimited")
        return self.groups.get(group_id, frozenset())


@dataclass
class Conversations:
    items: dict[str, dict[str, Any]] = field(default_factory=dict)

    def conversation(self, conversation_id: str) -> Conversation | None:
        return conversation_of(self.items.get(conversation_id))


def acme(**slack: Any) -> Brand:
    brand = load_brands(BRANDS_DIR).brands["acme"]
    assert brand.slack is not None
    return brand.model_copy(update={"slack": brand.slack.model_copy(update=slack)})


def decide(
    body: dict[str, Any],
    brand: Brand | None = None,
    directory: Directory | None = None,
    conversations: Conversations | None = None,
) -> Refusal | None:
    verdict = authorise(
        SlackRequest.of(body),
        BrandDirectory([brand or acme()]),
        directory or Directory(),
        conversations or Conversations(),
    )
    return verdict.refusal


def command(user: str = "U0AGENT01", team: str = TEAM, channel: str = CHANNEL) -> dict[str, Any]:
    return {"command": "/care", "text": "queue", "user_id": user, "team_id": team} | {
        "channel_id": channel
    }


def event(user: str = "U0AGENT01", **extra: Any) -> dict[str, Any]:
    inner = {"type": "message", "user": user, "channel": CHANNEL, "ts": "1.2", "team": TEAM}
    return {"type": "event_callback", "team_id": TEAM, "event": inner | extra}


def action(user_team: str = TEAM, team: str = TEAM, **extra: Any) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "user": {"id": "U0AGENT01", "team_id": user_team},
        "team": {"id": team},
        "container": {"type": "message", "channel_id": CHANNEL},
        "actions": [{"action_id": "assign_me", "value": "c1"}],
    } | extra


def test_what_each_kind_of_payload_says() -> None:
    assert SlackRequest.of(command()) == SlackRequest(
        Kind.COMMAND, "U0AGENT01", None, TEAM, None, CHANNEL
    )
    shared = event(user_team=OTHER, team=OTHER)
    assert SlackRequest.of(shared).user_team == OTHER
    assert SlackRequest.of(action(user_team=OTHER)).user_team == OTHER
    view = {
        "type": "view_submission",
        "team": {"id": TEAM, "enterprise_id": "E0ACMEORG1"},
        "user": {"id": "U0AGENT01", "team_id": TEAM},
        "view": {"private_metadata": json.dumps({"conversation_id": "c1"})},
    }
    placed = SlackRequest.of(view)
    assert (placed.kind, placed.channel, placed.conversation_id) == (Kind.VIEW, None, "c1")
    assert placed.enterprise == "E0ACMEORG1"


def test_members_of_the_workspace_act_in_the_brands_channels() -> None:
    directory = Directory(users={"U0AGENT01": SlackUser("U0AGENT01", TEAM)})
    assert decide(command(), directory=directory) is None
    assert decide(command(channel="C0ACMEMANAGERS"), directory=directory) is None
    assert decide(event()) is None and decide(action()) is None


def test_the_payload_says_when_a_user_is_external_and_users_info_when_it_cannot() -> None:
    directory = Directory(users={"U0GUEST01": SlackUser("U0GUEST01", OTHER)})
    assert decide(event(user_team=OTHER)) is Refusal.EXTERNAL
    assert decide(action(user_team=OTHER)) is Refusal.EXTERNAL
    assert decide(command(user="U0GUEST01"), directory=directory) is Refusal.EXTERNAL
    assert directory.asked == ["U0GUEST01"]  # only the slash command needed to ask
    assert decide(command(user="U0NOBODY1"), directory=directory) is Refusal.EXTERNAL


def test_another_workspace_and_a_channel_of_no_brand_are_refused() -> None:
    assert decide(command(team=OTHER)) is Refusal.WORKSPACE
    assert decide(action(team=OTHER, user_team=OTHER)) is Refusal.WORKSPACE
    assert decide(command(channel="C0RANDOM001")) is Refusal.CHANNEL
    assert decide(command(channel="D0DIRECT001")) is Refusal.CHANNEL
    assert decide(event(channel="C0RANDOM001")) is Refusal.CHANNEL
    assert decide(event(user=None)) is Refusal.NO_USER  # another bot's post, an edit


def test_with_one_brand_a_foreign_channel_is_not_that_brand() -> None:
    assert decide(command(channel="C0RANDOM001")) is Refusal.CHANNEL


def test_a_modal_belongs_to_its_conversations_channel() -> None:
    view = {
        "type": "view_submission",
        "team": {"id": TEAM},
        "user": {"id": "U0AGENT01", "team_id": TEAM},
        "view": {"private_metadata": json.dumps({"conversation_id": "c1"})},
    }
    ours = conversation_item(slack_thread={"channel": CHANNEL, "ts": "1.1"})
    assert decide(view, conversations=Conversations({"c1": ours})) is None
    elsewhere = ours | {"slack_thread": {"channel": "C0RANDOM001", "ts": "1.1"}}
    assert decide(view, conversations=Conversations({"c1": elsewhere})) is Refusal.CHANNEL
    assert decide(view) is Refusal.CHANNEL  # no such conversation


def test_enterprise_grid_organisation_and_its_members() -> None:
    grid = acme(enterprise="E0ACMEORG1")
    assert decide(command(), grid) is Refusal.WORKSPACE  # the organisation is not said
    org = command() | {"enterprise_id": "E0ACMEORG1"}
    member = SlackUser("U0AGENT01", "T0ACMESALES", "E0ACMEORG1", teams=("T0ACMESALES", TEAM))
    assert decide(org, grid, Directory(users={"U0AGENT01": member})) is None
    elsewhere = SlackUser("U0AGENT01", "T0ACMESALES", "E0ACMEORG1", teams=("T0ACMESALES",))
    assert decide(org, grid, Directory(users={"U0AGENT01": elsewhere})) is Refusal.EXTERNAL


@pytest.mark.parametrize(
    ("members", "refusal"),
    [(frozenset({"U0AGENT01"}), None), (frozenset({"U0SOMEONE"}), Refusal.NOT_AGENT)],
    ids=["member", "not-a-member"],
)
def test_an_agents_group_admits_its_members_only(
    members: frozenset[str], refusal: Refusal | None
) -> None:
    directory = Directory(groups={"S0AGENTS01": members})
    assert decide(event(), acme(agents_group="S0AGENTS01"), directory) is refusal


def test_when_slack_cannot_answer_the_request_is_unverified() -> None:
    down = Directory(down=True)
    assert decide(command(), directory=down) is Refusal.UNVERIFIED
    assert decide(event(), acme(agents_group="S0AGENTS01"), down) is Refusal.UNVERIFIED


def test_managers_are_listed_or_in_the_managers_group() -> None:
    directory = Directory(groups={"S0MANAGERS": frozenset({"U0BOSS0001"})})
    brand = acme(managers=("U0ACMELEAD",), managers_group="S0MANAGERS")
    assert is_manager("U0ACMELEAD", brand, directory)
    assert directory.asked == []  # listed: no question to Slack
    assert is_manager("U0BOSS0001", brand, directory)
    assert not is_manager("U0AGENT01", brand, directory)
    assert not is_manager("U0AGENT01", acme(), directory)  # acme: U0ACMELEAD only
    assert not is_manager("", brand, directory)
    with pytest.raises(StorageUnavailable):
        is_manager("U0AGENT01", brand, Directory(down=True))


def test_manager_only_says_what_to_tell_everyone_else() -> None:
    brand = acme(managers=("U0ACMELEAD",), managers_group="S0MANAGERS")
    directory = Directory(groups={"S0MANAGERS": frozenset({"U0BOSS0001"})})
    assert manager_only("U0ACMELEAD", brand, directory) is None
    assert manager_only("U0BOSS0001", brand, directory) is None
    assert manager_only("U0AGENT01", brand, directory) == NOT_A_MANAGER
    assert manager_only("U0AGENT01", brand, Directory(down=True)) == SAID[Refusal.UNVERIFIED]
