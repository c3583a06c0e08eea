"""Who may act at a brand's desk in Slack, decided once for every request (slash command,
button, modal, message event) before any listener runs.

A request is accepted only when all of these hold (brand.yaml ``slack``):

- it happens in one of the brand's channels (``channel`` or ``managers_channel``): a slash
  command where it was typed, a button where its message is, a message event where it was
  written, a modal in the channel of the conversation it names (``private_metadata``:
  ``conversation_id``, or ``channel_id``); nowhere else (no direct message, no other channel);
- it comes from the brand's workspace (``team``) and, when ``enterprise`` is set, from that
  Enterprise Grid organisation;
- its user is a member of that workspace: Slack says the user's own team in buttons and
  modals (``user.team_id``) and in message events (``event.user_team`` or ``event.team``);
  for slash commands, or when a Grid user's team differs, ``users.info`` tells (cached).
  External members of a shared channel are refused;
- when ``agents_group`` is set, its user is a member of that user group.

:func:`is_manager` answers the further question of manager-only commands.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from socialcare.config.brands import Brand, BrandDirectory
from socialcare.errors import SupportError
from socialcare.models.conversation import Conversation
from socialcare.observability import logger
from socialcare.slack.channels import brand_of


@dataclass(frozen=True)
class SlackUser:
    """What ``users.info`` says about a user."""

    id: str
    team_id: str | None
    enterprise_id: str | None = None
    teams: tuple[str, ...] = ()  # Enterprise Grid: the organisation's workspaces they are in
    deleted: bool = False


class SlackDirectory(Protocol):
    """Slack's users and user groups (socialcare.adapters.slack_directory). Both raise a
    SupportError when Slack cannot answer."""

    def user(self, user_id: str) -> SlackUser | None: ...  # None: no such user

    def group_members(self, group_id: str) -> frozenset[str]: ...


class Conversations(Protocol):
    def conversation(self, conversation_id: str) -> Conversation | None: ...


class Kind(StrEnum):
    COMMAND = "command"
    ACTION = "block_actions"
    VIEW = "view_submission"
    EVENT = "event"
    OTHER = "other"


class Refusal(StrEnum):
    CHANNEL = "channel"  # not one of a brand's channels
    WORKSPACE = "workspace"  # another workspace or organisation
    EXTERNAL = "external"  # a user of another organisation (a shared channel)
    NOT_AGENT = "not_agent"  # not in the brand's agents_group
    NO_USER = "no_user"  # no user acts (another bot, a system event)
    UNVERIFIED = "unverified"  # Slack could not tell us who the user is, just now


# What the refused user reads: why, and what to do, never which brands exist.
SAID = {
    Refusal.CHANNEL: "The care desk works only in a brand's support channels; nothing was done.",
    Refusal.WORKSPACE: "The care desk answers only its own Slack workspace; nothing was done.",
    Refusal.EXTERNAL: (
        "Only members of the desk's own workspace can act here (not guests from another"
        " organisation in a shared channel); nothing was done."
    ),
    Refusal.NOT_AGENT: (
        "Only the desk's agents can do this: ask a desk manager to add you to the agents'"
        " user group. Nothing was done."
    ),
    Refusal.NO_USER: "No user to act for; nothing was done.",
    Refusal.UNVERIFIED: (
        "Slack could not tell us just now who you are, so nothing was done: try again in a moment."
    ),
}


@dataclass(frozen=True)
class SlackRequest:
    """Where a request happens and who makes it, as Slack's payload says."""

    kind: Kind
    user: str | None
    user_team: str | None  # the user's own workspace, when the payload tells
    team: str | None  # the workspace the request comes from
    enterprise: str | None
    channel: str | None
    conversation_id: str | None = None  # a modal's conversation

    @classmethod
    def of(cls, body: dict[str, Any]) -> "SlackRequest":
        if "command" in body:
            return cls(
                Kind.COMMAND,
                user=_text(body.get("user_id")),
                user_team=None,  # slash commands do not say: users.info
                team=_text(body.get("team_id")),
                enterprise=_text(body.get("enterprise_id")),
                channel=_text(body.get("channel_id")),
            )
        if body.get("type") == "event_callback":
            event = body.get("event") or {}
            first = (body.get("authorizations") or [{}])[0]
            return cls(
                Kind.EVENT,
                user=_text(event.get("user")),
                user_team=_text(event.get("user_team") or event.get("team")),
                team=_text(body.get("team_id") or first.get("team_id")),
                enterprise=_text(body.get("enterprise_id") or first.get("enterprise_id")),
                channel=_text(event.get("channel")),
            )
        user = body.get("user") or {}
        team = body.get("team") or {}
        kind = {"block_actions": Kind.ACTION, "view_submission": Kind.VIEW}.get(
            str(body.get("type")), Kind.OTHER
        )
        container = body.get("container") or {}
        channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
        metadata = _metadata(body.get("view") or {})
        return cls(
            kind,
            user=_text(user.get("id")),
            user_team=_text(user.get("team_id")),
            team=_text(team.get("id") or user.get("team_id")),
            enterprise=_text((body.get("enterprise") or {}).get("id") or team.get("enterprise_id")),
            channel=_text(channel or metadata.get("channel_id")),
            conversation_id=_text(metadata.get("conversation_id")),
        )


@dataclass(frozen=True)
class Verdict:
    brand: Brand | None
    refusal: Refusal | None = None

    @property
    def allowed(self) -> bool:
        return self.refusal is None

    @property
    def said(self) -> str:
        return SAID[self.refusal] if self.refusal else ""


def authorise(
    request: SlackRequest,
    brands: BrandDirectory,
    directory: SlackDirectory,
    conversations: Conversations,
) -> Verdict:
    """May this request act at a brand's desk, and at which brand's."""
    brand = _brand_of(request, brands, conversations)
    if brand is None or brand.slack is None:
        return Verdict(None, Refusal.CHANNEL)
    if request.user is None:
        return Verdict(brand, Refusal.NO_USER)
    refusal = _workspace(request, brand)
    if refusal is None:
        try:
            refusal = _member(request, brand, directory) or _agent(request.user, brand, directory)
        except SupportError as exc:
            logger.error("Slack did not say who the user is", extra={"error": str(exc)})
            refusal = Refusal.UNVERIFIED
    return Verdict(brand, refusal)


def is_manager(user_id: str, brand: Brand, directory: SlackDirectory) -> bool:
    """May this user use the brand's manager-only commands: listed in ``managers``, or a
    member of ``managers_group``. Raises a SupportError when Slack cannot list the group."""
    slack = brand.slack
    if slack is None or not user_id:
        return False
    if user_id in slack.managers:
        return True
    return slack.managers_group is not None and user_id in directory.group_members(
        slack.managers_group
    )


NOT_A_MANAGER = "Only the brand's desk managers can do this; nothing was done."


def manager_only(user_id: str, brand: Brand, directory: SlackDirectory) -> str | None:
    """For a manager-only command: None when ``user_id`` may use it, else what to tell them
    (also when Slack cannot list the managers' group just now)."""
    try:
        return None if is_manager(user_id, brand, directory) else NOT_A_MANAGER
    except SupportError as exc:
        logger.error("Slack did not list the managers", extra={"error": str(exc)})
        return SAID[Refusal.UNVERIFIED]


def managers(directory: SlackDirectory) -> Callable[[Brand, str], bool]:
    """The manager check as a predicate (brand, user): listed in ``managers`` or a member of
    ``managers_group``; False, logged, when Slack cannot list the group just now."""
    return lambda brand, user: manager_only(user, brand, directory) is None


def _brand_of(
    request: SlackRequest, brands: BrandDirectory, conversations: Conversations
) -> Brand | None:
    if request.channel is None and request.conversation_id:
        conversation = conversations.conversation(request.conversation_id)
        thread = conversation.slack_thread if conversation else None
        brand = brand_of(thread.channel, brands) if thread else None
        return brand if brand and conversation and brand.id == conversation.brand_id else None
    return brand_of(request.channel, brands) if request.channel else None


def _workspace(request: SlackRequest, brand: Brand) -> Refusal | None:
    assert brand.slack is not None
    wanted = brand.slack.enterprise
    if wanted is not None and request.enterprise != wanted:
        return Refusal.WORKSPACE
    if request.team == brand.slack.team:
        return None
    # An organisation-wide install may leave the team out: the user's membership decides.
    return None if wanted is not None and request.team is None else Refusal.WORKSPACE


def _member(request: SlackRequest, brand: Brand, directory: SlackDirectory) -> Refusal | None:
    assert brand.slack is not None and request.user is not None
    slack = brand.slack
    if request.user_team == slack.team:
        return None
    if request.user_team is not None and slack.enterprise is None:
        return Refusal.EXTERNAL  # the payload says another workspace, and there is no Grid
    user = directory.user(request.user)
    if user is None or user.deleted:
        return Refusal.EXTERNAL
    if user.team_id == slack.team:
        return None
    grid = slack.enterprise is not None and user.enterprise_id == slack.enterprise
    return None if grid and slack.team in user.teams else Refusal.EXTERNAL


def _agent(user_id: str, brand: Brand, directory: SlackDirectory) -> Refusal | None:
    assert brand.slack is not None
    group = brand.slack.agents_group
    if group is None or user_id in directory.group_members(group):
        return None
    return Refusal.NOT_AGENT


def _metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        found = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
