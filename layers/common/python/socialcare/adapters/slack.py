"""Posting to Slack with slack_sdk. Rate limits and Slack's own failures are retried by the
caller's delivery (the Lambda retries, then the dead-letter queue); a post Slack refuses for
good (no such channel, the app not in it) is a configuration error, said plainly."""

from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from socialcare.adapters.slack_retries import retry_handlers
from socialcare.errors import ConfigurationError, StorageUnavailable
from socialcare.ports import ThreadPost
from socialcare.slack.secrets import SlackSecrets

PERMANENT = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "invalid_auth",
        "account_inactive",
        "cant_delete_message",
        "missing_scope",
    }
)


class SlackPoster:
    def __init__(self, secrets: Callable[[], SlackSecrets], base_url: str | None = None) -> None:
        self._secrets = secrets
        self._base_url = base_url or WebClient.BASE_URL

    def post(
        self,
        channel: str,
        text: str,
        blocks: list[dict[str, Any]],
        thread_ts: str | None = None,
    ) -> str:
        """Posts (into a thread when ``thread_ts`` is given) and returns the message's ts."""
        response = self._call(
            "chat_postMessage",
            channel=channel,
            text=text,
            blocks=blocks,
            thread_ts=thread_ts,
            unfurl_links=False,
            unfurl_media=False,
        )
        return str(response.get("ts", ""))

    def update(self, channel: str, ts: str, text: str, blocks: list[dict[str, Any]]) -> None:
        """Rewrites a message we posted (a conversation's card)."""
        self._call("chat_update", channel=channel, ts=ts, text=text, blocks=blocks)

    def ephemeral(self, channel: str, user: str, text: str, thread_ts: str | None = None) -> None:
        """A message only ``user`` sees (guards, refusals)."""
        self._call("chat_postEphemeral", channel=channel, user=user, text=text, thread_ts=thread_ts)

    def open_modal(self, trigger_id: str, view: dict[str, Any]) -> None:
        self._call("views_open", trigger_id=trigger_id, view=view)

    def update_modal(self, external_id: str, view: dict[str, Any]) -> bool:
        """Replaces an open modal, found by the ``external_id`` it was opened with; False
        when it is gone (the agent closed it)."""
        return self._unless_gone("not_found", "views_update", external_id=external_id, view=view)

    def replace(self, channel: str, ts: str, text: str, blocks: list[dict[str, Any]]) -> bool:
        """Rewrites a message we posted; False when it is gone (someone deleted it)."""
        try:
            self.update(channel, ts, text, blocks)
        except StorageUnavailable as exc:
            if "message_not_found" in str(exc):
                return False
            raise
        return True

    def thread_posts(self, channel: str, ts: str) -> list[ThreadPost]:
        """The replies of a thread (conversations.replies, every page; the root left out),
        each marked ``ours`` when this app's bot posted it; none when the thread is gone."""
        me = self._call("auth_test")
        mine = {me.get("user_id"), me.get("bot_id")} - {None}
        posts: list[ThreadPost] = []
        cursor: str | None = None
        while True:
            try:
                page = self._call("conversations_replies", channel=channel, ts=ts, cursor=cursor)
            except StorageUnavailable as exc:
                if "thread_not_found" in str(exc):
                    return posts
                raise
            for message in page.get("messages") or []:
                if message.get("ts") != ts:
                    ours = bool(mine & {message.get("user"), message.get("bot_id")})
                    posts.append(ThreadPost(str(message["ts"]), ours))
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return posts

    def delete(self, channel: str, ts: str) -> bool:
        """Deletes a message the bot posted; False when it is gone already. A bot token
        cannot delete people's messages (Slack answers ``cant_delete_message``)."""
        return self._unless_gone("message_not_found", "chat_delete", channel=channel, ts=ts)

    def _unless_gone(self, gone: str, method: str, **arguments: Any) -> bool:
        """The call; False when Slack answers ``gone`` (what it acts on no longer exists)."""
        try:
            self._call(method, **arguments)
        except StorageUnavailable as exc:
            if gone in str(exc):
                return False
            raise
        return True

    def _call(self, method: str, **arguments: Any) -> Any:
        token = self._secrets().bot_token.get_secret_value()
        client = WebClient(token=token, base_url=self._base_url, retry_handlers=retry_handlers())
        try:
            return getattr(client, method)(**arguments)
        except SlackApiError as exc:
            error = str(exc.response.get("error", "unknown"))
            where = f" in {arguments['channel']}" if arguments.get("channel") else ""
            if error in PERMANENT:
                raise ConfigurationError(f"Slack refused {method}{where}: {error}") from None
            raise StorageUnavailable(f"Slack {method} failed: {error}") from None
        except SlackClientError as exc:
            raise StorageUnavailable(f"Slack unreachable: {type(exc).__name__}") from None

    def permalink(self, channel: str, ts: str) -> str | None:
        """A link to a message (a conversation's thread); None when Slack cannot give one."""
        token = self._secrets().bot_token.get_secret_value()
        client = WebClient(token=token, base_url=self._base_url, retry_handlers=retry_handlers())
        try:
            return str(client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"])
        except (SlackApiError, SlackClientError, KeyError):
            return None
