"""Slack Web API stand-in at ``http://127.0.0.1:<port>/api/``: ``WebClient(base_url=...)``.

It keeps the channel history it was sent, so ``conversations.replies`` and ``chat.update``
behave like Slack for threads the app opened, and answers errors the Slack way: HTTP 200
with ``{"ok": false, "error": ...}``, which ``slack_sdk`` turns into ``SlackApiError``.
"""

import contextlib
import json
import threading
import time
from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Request

from socialcare_tools.local.standins_base import Json, Reply, StandIn, json_body

# The stand-in plays the example brand's workspace (layers/config/brands/acme: slack.team),
# so the desk accepts its users; any user id users.info does not know otherwise is a member.
TEAM_ID, BOT_USER_ID, BOT_ID, APP_ID = "T0ACMEWORK", "UBOT", "BLOCAL", "ALOCAL"
PERMALINK_BASE = "https://socialcare-local.slack.com/archives"
# Form-encoded calls carry structured arguments as JSON strings; JSON calls carry objects.
_STRUCTURED = ("blocks", "attachments", "metadata", "view")


def error(code: str) -> Reply:
    return Reply({"ok": False, "error": code})


class TsClock:
    """Message timestamps: ``"<epoch>.<6 digits>"``, unique and increasing even within one
    microsecond, because Slack identifies a message by ``(channel, ts)``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = 0

    def next(self) -> str:
        with self._lock:
            self._last = max(self._last + 1, time.time_ns() // 1000)
            return f"{self._last // 1_000_000}.{self._last % 1_000_000:06d}"


class SlackStandIn(StandIn):
    service = "slack"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ts = TsClock()
        self.messages: dict[tuple[str, str], Json] = {}  # (channel, ts) -> message
        self.users: dict[str, Json] = {}  # optional users.info overrides, by user id
        self.groups: dict[str, list[str]] = {}  # user group id -> member ids
        self._views = 0
        self.views: dict[str, Json] = {}  # the modals open, by view id
        self._handlers: dict[str, Callable[[Json], Reply]] = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._post_message,
            "chat.update": self._update,
            "chat.delete": self._delete,
            "chat.postEphemeral": self._post_ephemeral,
            "chat.getPermalink": self._permalink,
            "conversations.replies": self._replies,
            "views.open": self._views_open,
            "views.update": self._views_update,
            "users.info": self._users_info,
            "usergroups.users.list": self._group_members,
        }

    def fail_next(self, method: str, error_code: str, times: int = 1, retry_after: int = 1) -> None:
        """E.g. ``fail_next("chat.postMessage", "ratelimited")``: 429 + Retry-After, as Slack."""
        limited = error_code == "ratelimited"
        reply = Reply(
            {"ok": False, "error": error_code},
            429 if limited else 200,
            {"Retry-After": str(retry_after)} if limited else {},
        )
        self.failures.add(method, reply, times)

    def add_message(
        self, channel: str, text: str, *, user: str, thread_ts: str | None = None
    ) -> Json:
        """A message someone else wrote (an agent in the thread), for ``conversations.replies``."""
        message = {"type": "message", "user": user, "text": text, "ts": self.ts.next()}
        if thread_ts:
            message["thread_ts"] = thread_ts
        with self.lock:
            self.messages[(channel, message["ts"])] = message
        return dict(message)

    def parse(self, request: Request) -> tuple[str, Json]:
        method = request.path.removeprefix("/api/").strip("/")
        params: Json = {**request.args.to_dict(), **request.form.to_dict(), **json_body(request)}
        params.pop("token", None)
        for name in _STRUCTURED:
            if isinstance(params.get(name), str):
                # Invalid JSON is left as sent: the recorded call shows what was wrong.
                with contextlib.suppress(ValueError):
                    params[name] = json.loads(params[name])
        return method, params

    def dispatch(self, method: str, params: Json, request: Request) -> Reply:
        auth = request.headers.get("Authorization", "")
        if not auth:
            return error("not_authed")
        if not auth.startswith("Bearer xoxb-"):
            return error("invalid_auth")
        handler = self._handlers.get(method)
        return handler(params) if handler else error("unknown_method")

    def _auth_test(self, params: Json) -> Reply:
        return Reply(
            {
                "ok": True,
                "url": "https://socialcare-local.slack.com/",
                "team": "socialcare local",
                "user": "socialcare",
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "bot_id": BOT_ID,
                "is_enterprise_install": False,
            }
        )

    def _post_message(self, params: Json) -> Reply:
        channel = params.get("channel")
        if not channel:
            return error("channel_not_found")
        if not (params.get("text") or params.get("blocks") or params.get("attachments")):
            return error("no_text")
        message: Json = {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "team": TEAM_ID,
            "text": params.get("text", ""),
            "ts": self.ts.next(),
        }
        for name in ("blocks", "attachments", "metadata", "thread_ts"):
            if params.get(name):
                message[name] = params[name]
        with self.lock:
            self.messages[(channel, message["ts"])] = message
        return Reply({"ok": True, "channel": channel, "ts": message["ts"], "message": message})

    def _update(self, params: Json) -> Reply:
        channel, ts = params.get("channel", ""), params.get("ts", "")
        with self.lock:
            message = self.messages.get((channel, ts))
            if message is None:
                return error("message_not_found")
            for name in ("text", "blocks", "attachments", "metadata"):
                if name in params:
                    message[name] = params[name]
            message["edited"] = {"user": BOT_USER_ID, "ts": self.ts.next()}
            echo = dict(message)
        return Reply(
            {"ok": True, "channel": channel, "ts": ts, "text": echo["text"], "message": echo}
        )

    def _delete(self, params: Json) -> Reply:
        """A bot token deletes the bot's own messages only, as in Slack."""
        channel, ts = params.get("channel", ""), params.get("ts", "")
        with self.lock:
            message = self.messages.get((channel, ts))
            if message is None:
                return error("message_not_found")
            if message.get("user") != BOT_USER_ID:
                return error("cant_delete_message")
            del self.messages[(channel, ts)]
        return Reply({"ok": True, "channel": channel, "ts": ts})

    def _post_ephemeral(self, params: Json) -> Reply:
        if not params.get("channel") or not params.get("user"):
            return error("invalid_arguments")
        return Reply({"ok": True, "message_ts": self.ts.next()})

    def _permalink(self, params: Json) -> Reply:
        channel, ts = params.get("channel", ""), params.get("message_ts", "")
        with self.lock:
            message = self.messages.get((channel, ts))
        if message is None:
            return error("message_not_found")
        link = f"{PERMALINK_BASE}/{channel}/p{ts.replace('.', '')}"
        if message.get("thread_ts", ts) != ts:
            link += f"?thread_ts={message['thread_ts']}&cid={channel}"
        return Reply({"ok": True, "channel": channel, "permalink": link})

    def _replies(self, params: Json) -> Reply:
        channel, ts = params.get("channel", ""), params.get("ts", "")
        with self.lock:
            root = self.messages.get((channel, ts))
            if root is None:
                return error("thread_not_found")
            root_ts = root.get("thread_ts", ts)  # a reply's ts reads its whole thread
            thread = sorted(
                (
                    dict(m)
                    for (c, t), m in self.messages.items()
                    if c == channel and root_ts in (t, m.get("thread_ts"))
                ),
                key=lambda m: tuple(int(part) for part in m["ts"].split(".")),
            )
        replies = [m for m in thread if m["ts"] != root_ts]
        if replies and thread[0]["ts"] == root_ts:
            thread[0].update(
                thread_ts=root_ts, reply_count=len(replies), latest_reply=replies[-1]["ts"]
            )
        return Reply({"ok": True, "messages": thread, "has_more": False})

    def _views_open(self, params: Json) -> Reply:
        if not params.get("trigger_id") or not isinstance(params.get("view"), dict):
            return error("invalid_arguments")
        with self.lock:
            self._views += 1
            view_id = f"V{self._views:08d}"
        view = {**params["view"], "id": view_id, "team_id": TEAM_ID, "hash": f"{view_id}.hash"}
        with self.lock:
            self.views[view_id] = view
        return Reply({"ok": True, "view": view})

    def _views_update(self, params: Json) -> Reply:
        """By ``view_id`` or by the ``external_id`` the view was opened with, as Slack does."""
        if not isinstance(params.get("view"), dict):
            return error("invalid_arguments")
        with self.lock:
            found = [
                v
                for v in self.views.values()
                if v["id"] == params.get("view_id")
                or (params.get("external_id") and v.get("external_id") == params["external_id"])
            ]
            if not found:
                return error("not_found")
            view = {**params["view"], "id": found[0]["id"], "team_id": TEAM_ID}
            view["hash"] = f"{view['id']}.hash2"
            self.views[view["id"]] = view
        return Reply({"ok": True, "view": view})

    def _users_info(self, params: Json) -> Reply:
        user_id = params.get("user", "")
        if not user_id:
            return error("user_not_found")
        name = f"agent-{user_id.lower()}"
        user = {
            "id": user_id,
            "team_id": TEAM_ID,
            "name": name,
            "real_name": f"Agent {user_id}",
            "is_bot": False,
            "profile": {"real_name": f"Agent {user_id}", "display_name": name},
        }
        with self.lock:
            found = self.users.get(user_id, user)
        return Reply({"ok": True, "user": found})

    def add_user(self, user_id: str, team_id: str, **fields: Any) -> None:
        """A user of another workspace (``team_id``), or with other facts (``deleted=True``,
        ``enterprise_user={...}``), for ``users.info``."""
        with self.lock:
            self.users[user_id] = {"id": user_id, "team_id": team_id, "is_bot": False} | fields

    def set_group(self, group_id: str, members: list[str]) -> None:
        with self.lock:
            self.groups[group_id] = list(members)

    def _group_members(self, params: Json) -> Reply:
        with self.lock:
            members = self.groups.get(params.get("usergroup", ""))
        if members is None:
            return error("no_such_subteam")
        return Reply({"ok": True, "users": list(members)})
