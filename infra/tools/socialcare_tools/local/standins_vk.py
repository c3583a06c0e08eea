"""VK API stand-in at ``http://127.0.0.1:<port>/method/`` (see ``standins.vk_client``).

VK answers every call with HTTP 200 and either ``{"response": ...}`` or ``{"error": ...}``;
vk_api raises ``ApiError`` for the latter. The stand-in keeps VK's deduplication
(``random_id`` per peer, ``guid`` per post) because our outbound sends rely on it to be
idempotent across retries.
"""

import itertools
from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Request

from socialcare_tools.local.standins_base import Json, Reply, StandIn

ERROR_MESSAGES = {
    3: "Unknown method passed",
    5: "User authorization failed: no access_token passed.",
    6: "Too many requests per second",
    8: "Invalid request: v (version) is required",
    9: "Flood control",
    10: "Internal server error",
    29: "Rate limit reached",
    100: "One of the parameters specified was missing or invalid",
    900: "Can't send messages for users from blacklist",
    901: "Can't send messages for users without permission",
    902: "Can't send messages to this user due to their privacy settings",
}


def vk_error(code: int, method: str, params: Json, message: str | None = None) -> Reply:
    shown = [{"key": "method", "value": method}] + [
        {"key": k, "value": str(v)} for k, v in params.items()
    ]
    text = message or ERROR_MESSAGES.get(code, "Unknown error")
    return Reply({"error": {"error_code": code, "error_msg": text, "request_params": shown}})


class VkStandIn(StandIn):
    service = "vk"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._message_ids = itertools.count(1001)
        self._comment_ids = itertools.count(9001)
        self._sent: dict[tuple[str, str], int] = {}  # (peer_id, random_id) -> message id
        self._comments: dict[tuple[str, str, str], int] = {}  # (owner, post, guid) -> id
        self.users: dict[int, Json] = {}  # optional users.get overrides, by user id
        self._handlers: dict[str, Callable[[str, Json], Reply]] = {
            "messages.send": self._send,
            "wall.createComment": self._comment,
            "users.get": self._users_get,
        }

    def fail_next(self, method: str, code: int, message: str | None = None, times: int = 1) -> None:
        """E.g. ``fail_next("messages.send", 901)``. Note vk_api retries code 6 by itself
        (every 0.5 s, no limit), so each retry consumes one scripted failure."""
        self.failures.add(method, vk_error(code, method, {}, message), times)

    def parse(self, request: Request) -> tuple[str, Json]:
        params: Json = request.values.to_dict()  # vk_api posts a form; GET works too
        params.pop("access_token", None)
        return request.path.removeprefix("/method/").strip("/"), params

    def dispatch(self, method: str, params: Json, request: Request) -> Reply:
        if not request.values.get("access_token"):
            return vk_error(5, method, params)
        if not params.get("v"):
            return vk_error(8, method, params)
        handler = self._handlers.get(method)
        return handler(method, params) if handler else vk_error(3, method, params)

    def _send(self, method: str, params: Json) -> Reply:
        peer = str(params.get("peer_id") or params.get("user_id") or "")
        random_id = str(params.get("random_id", ""))
        if not peer or not random_id.lstrip("-").isdigit():
            return vk_error(100, method, params, "peer_id and random_id are required")
        if not params.get("message") and not params.get("attachment"):
            return vk_error(100, method, params, "message is empty")
        with self.lock:
            if random_id != "0" and (peer, random_id) in self._sent:
                return Reply({"response": self._sent[(peer, random_id)]}, duplicate=True)
            message_id = next(self._message_ids)
            if random_id != "0":  # 0 opts out of deduplication
                self._sent[(peer, random_id)] = message_id
        return Reply({"response": message_id})

    def _comment(self, method: str, params: Json) -> Reply:
        owner, post = str(params.get("owner_id", "")), str(params.get("post_id", ""))
        if not owner or not post:
            return vk_error(100, method, params, "owner_id and post_id are required")
        guid = str(params.get("guid", ""))
        with self.lock:
            if guid and (owner, post, guid) in self._comments:
                body = {"comment_id": self._comments[(owner, post, guid)], "parents_stack": []}
                return Reply({"response": body}, duplicate=True)
            comment_id = next(self._comment_ids)
            if guid:
                self._comments[(owner, post, guid)] = comment_id
        return Reply({"response": {"comment_id": comment_id, "parents_stack": []}})

    def _users_get(self, method: str, params: Json) -> Reply:
        ids = [i.strip() for i in str(params.get("user_ids", "")).split(",") if i.strip()]
        if not all(i.isdigit() for i in ids):
            return vk_error(113, method, params, "Invalid user id")
        fields = set(str(params.get("fields", "")).split(","))
        return Reply({"response": [self._user(int(i), fields) for i in ids]})

    def _user(self, user_id: int, fields: set[str]) -> Json:
        """Like VK, optional fields (``followers_count``) come only when asked for."""
        user: Json = {
            "id": user_id,
            "first_name": "Local",
            "last_name": f"User{user_id}",
            "can_access_closed": True,
            "is_closed": False,
        }
        if "followers_count" in fields:
            user["followers_count"] = 100 + user_id % 5000
        user.update(self.users.get(user_id, {}))
        return user
