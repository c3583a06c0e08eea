"""The Slack payloads the desk acts on, validated at the edge (fields from Slack's event
schema and captured payloads; see platforms.md §5)."""

import json

from pydantic import BaseModel, ConfigDict

AGENT_SUBTYPES = frozenset({None, "thread_broadcast", "file_share"})


class SlackMessageEvent(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    type: str
    channel: str
    ts: str
    user: str | None = None
    text: str = ""
    thread_ts: str | None = None
    subtype: str | None = None
    bot_id: str | None = None

    def ignored_because(self) -> str | None:
        """Why this is not an agent writing in a thread, or None when it is."""
        if self.bot_id is not None or self.subtype == "bot_message":
            return "a bot"
        if self.subtype not in AGENT_SUBTYPES:
            return f"a {self.subtype} event (edits and deletions never send anything)"
        if self.thread_ts is None or self.thread_ts == self.ts or self.user is None:
            return "not a reply in a thread"
        return None


class _Ref(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str = ""


class _Container(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    message_ts: str | None = None


class BlockAction(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    action_id: str
    value: str = ""
    action_ts: str | None = None


class BlockActions(BaseModel):
    """A button press (``block_actions``): the request's admission check already refused one
    without actions, so the first is the press."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    actions: list[BlockAction]
    user: _Ref = _Ref()
    channel: _Ref = _Ref()
    container: _Container = _Container()
    trigger_id: str | None = None

    @property
    def action(self) -> BlockAction:
        return self.actions[0]

    @property
    def press_key(self) -> str:
        """The same press repeated (Slack's retry, Lambda's) has the same key."""
        return f"{self.container.message_ts}:{self.action.action_ts}:{self.user.id}"


class _Input(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    value: str | None = None


class _State(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    values: dict[str, dict[str, _Input]] = {}


class ViewSubmission(BaseModel):
    """A modal's submission (``view``): what it carried and what the agent typed."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str = ""
    hash: str | None = None
    private_metadata: str = ""
    state: _State = _State()

    def typed(self, block: str, element: str) -> str:
        return (self.state.values.get(block, {}).get(element) or _Input()).value or ""

    def metadata(self, key: str) -> str:
        """One value of the JSON the app put in the modal (private to Slack and us)."""
        try:
            found = json.loads(self.private_metadata or "{}")
        except ValueError:
            return ""
        return str(found.get(key, "")) if isinstance(found, dict) else ""
