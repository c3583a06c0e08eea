"""The Slack payloads the desk acts on, validated at the edge (fields from Slack's event
schema and captured payloads; see platforms.md §5)."""

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
