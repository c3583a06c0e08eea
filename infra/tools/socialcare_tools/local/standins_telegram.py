"""Telegram Bot API stand-in at ``http://127.0.0.1:<port>/bot<token>/<method>``.

Like Telegram, every answer is ``{"ok": true, "result": ...}`` or ``{"ok": false,
"error_code", "description", "parameters"?}`` with the HTTP status equal to the code; an
unknown token is 401. It serves what the desk and the command line call: ``sendMessage``
(the business connection checked against the ones given with ``connect``), the webhook
methods and ``getBusinessConnection``. A customer who blocked the bot (``block``, or
``POST /_block {"chat_id"}`` from another process) gets Telegram's 403; ``limit_next``
scripts a 429 with ``retry_after``; ``POST /_connect`` (or ``connect``) makes a Telegram
Business connection known, as Telegram holds it.

The token is recorded only as the bot's id (the part before the colon), never whole.
"""

import itertools
import time
from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Request, Response

from socialcare_tools.local.standins_base import Json, Reply, StandIn, json_body

ALLOWED = "[A-Za-z0-9_-]"


def telegram_error(code: int, description: str, **parameters: Any) -> Reply:
    body: Json = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return Reply(body, code)


def ok(result: Any) -> Reply:
    return Reply({"ok": True, "result": result})


class TelegramStandIn(StandIn):
    service = "telegram"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tokens: set[str] = set()  # the bots' tokens it accepts (empty: any)
        self.blocked: set[int] = set()  # chats whose customer blocked the bot
        self.connections: dict[str, Json] = {}  # business connections, by id
        self.webhook: Json = {"url": "", "pending_update_count": 0}
        self._message_ids = itertools.count(5001)
        self._handlers: dict[str, Callable[[Json], Reply]] = {
            "sendMessage": self._send,
            "getMe": self._get_me,
            "setWebhook": self._set_webhook,
            "getWebhookInfo": lambda _: ok(dict(self.webhook)),
            "deleteWebhook": self._delete_webhook,
            "getBusinessConnection": self._business_connection,
        }

    def accept(self, token: str) -> None:
        self.tokens.add(token)

    def block(self, chat_id: int) -> None:
        with self.lock:
            self.blocked.add(chat_id)

    def connect(self, connection: Json) -> None:
        """A business connection as Telegram would describe it (id, user, rights...)."""
        with self.lock:
            self.connections[str(connection["id"])] = connection

    def limit_next(self, retry_after: int, times: int = 1) -> None:
        error = telegram_error(
            429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after
        )
        self.failures.add("sendMessage", error, times)

    def _serve(self, request: Request) -> Response:
        if request.path == "/_connect" and request.method == "POST":
            connection = json_body(request)
            if not isinstance(connection.get("id"), str):
                return Reply({"error": "need the connection's id"}, 400).to_response()
            self.connect(connection)
            return Reply({"ok": True}).to_response()
        if request.path == "/_block" and request.method == "POST":
            chat = json_body(request).get("chat_id")
            if not isinstance(chat, int):
                return Reply({"error": "need chat_id (an integer)"}, 400).to_response()
            self.block(chat)
            return Reply({"ok": True}).to_response()
        return super()._serve(request)

    def parse(self, request: Request) -> tuple[str, Json]:
        bot_and_token, _, method = request.path.strip("/").partition("/")
        params: Json = json_body(request) or request.values.to_dict()
        params["_bot"] = bot_and_token.removeprefix("bot").partition(":")[0]
        if "secret_token" in params:  # recorded as given or not, never the value
            params["secret_token"] = "(given)" if params["secret_token"] else ""
        return method, params

    def dispatch(self, method: str, params: Json, request: Request) -> Reply:
        token = request.path.strip("/").partition("/")[0].removeprefix("bot")
        if ":" not in token or (self.tokens and token not in self.tokens):
            return telegram_error(401, "Unauthorized")
        handler = self._handlers.get(method)
        return handler(params) if handler else telegram_error(404, "Not Found")

    def _send(self, params: Json) -> Reply:
        chat, text = params.get("chat_id"), params.get("text")
        if not isinstance(chat, int) or not isinstance(text, str) or not text:
            return telegram_error(400, "Bad Request: message text is empty")
        if len(text.encode("utf-16-le")) > 4096 * 2:
            return telegram_error(400, "Bad Request: message is too long")
        connection_id = params.get("business_connection_id")
        if connection_id is not None:
            refused = self._business_refusal(str(connection_id))
            if refused is not None:
                return refused
        with self.lock:
            if chat in self.blocked:
                return telegram_error(403, "Forbidden: bot was blocked by the user")
            message_id = next(self._message_ids)
        kind = "private" if chat > 0 else "supergroup"
        message: Json = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat, "type": kind},
            "from": {"id": int(params["_bot"] or 0), "is_bot": True, "first_name": "Bot"},
            "text": text,
        }
        if connection_id is not None:
            message["business_connection_id"] = connection_id
        return ok(message)

    def _business_refusal(self, connection_id: str) -> Reply | None:
        connection = self.connections.get(connection_id)
        if connection is None or not connection.get("is_enabled"):
            return telegram_error(400, "Bad Request: business connection not found")
        if not (connection.get("rights") or {}).get("can_reply"):
            return telegram_error(403, "Forbidden: BOT_ACCESS_FORBIDDEN")
        return None

    def _get_me(self, params: Json) -> Reply:
        bot = int(params["_bot"] or 0)
        return ok(
            {"id": bot, "is_bot": True, "first_name": "Support", "username": "AcmeSupportBot"}
        )

    def _set_webhook(self, params: Json) -> Reply:
        url, secret = params.get("url"), params.get("secret_token")
        # Telegram takes HTTPS only; the local gateway (http://127.0.0.1) is let through.
        local = isinstance(url, str) and url.startswith("http://127.0.0.1:")
        if not isinstance(url, str) or not (url.startswith("https://") or local):
            return telegram_error(
                400, "Bad Request: bad webhook: HTTPS url must be provided for webhook"
            )
        if secret is not None and (not isinstance(secret, str) or not 1 <= len(secret) <= 256):
            return telegram_error(400, "Bad Request: secret token is invalid")
        with self.lock:
            self.webhook = {
                "url": url,
                "has_custom_certificate": False,
                "pending_update_count": 0,
                "max_connections": params.get("max_connections", 40),
                "allowed_updates": params.get("allowed_updates", []),
            }
        return ok(True)

    def _delete_webhook(self, params: Json) -> Reply:
        with self.lock:
            self.webhook = {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
        return ok(True)

    def _business_connection(self, params: Json) -> Reply:
        connection = self.connections.get(str(params.get("business_connection_id")))
        if connection is None:
            return telegram_error(400, "Bad Request: business connection not found")
        return ok(connection)
