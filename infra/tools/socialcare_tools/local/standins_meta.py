"""Meta Graph API stand-in at ``http://127.0.0.1:<port>/`` for graph.facebook.com and
graph.instagram.com (the sender redirects both): ``POST /<version>/me/messages`` (a direct
message, or a private reply by ``recipient.comment_id``), ``/<version>/<comment>/comments``
(Facebook) and ``/<version>/<comment>/replies`` (Instagram); ``GET /<version>/<customer id>``
answers a profile (Messenger's ``first_name``/``last_name``, Instagram's ``name``/``username``,
as ``fields`` asks; ``profiles`` overrides them by id).

Instagram @mentions: ``POST /_mentions`` (or ``add_mention``) puts a mentioning comment or
caption where the reader finds it, as Meta holds it; ``GET /<version>/<ig-user-id>?fields=
mentioned_comment.comment_id(<id>){...}`` (or ``mentioned_media.media_id``) answers it, and
``POST /<version>/<ig-user-id>/mentions`` answers one (``media_id``, ``comment_id``, ``message``).

It answers as Meta does: ``{"recipient_id", "message_id"}`` for messages, ``{"id"}`` for
comments, and errors as ``{"error": {"message", "type", "code", "error_subcode",
"fbtrace_id"}}`` with HTTP 400 (190: 401). Like Meta it takes one private reply per comment.
"""

import itertools
import re
from typing import Any

from werkzeug.wrappers import Request, Response

from socialcare_tools.local.standins_base import Json, Reply, StandIn, json_body

PATH = re.compile(
    r"^/v[0-9]+\.[0-9]+/(?P<node>[^/]+)/(?P<edge>messages|comments|replies|mentions)$"
)
MENTIONED = re.compile(
    r"^(?P<edge>mentioned_comment|mentioned_media)\.\w+\((?P<id>[0-9A-Za-z_]+)\)"
)
NODE = re.compile(r"^/v[0-9]+\.[0-9]+/(?P<node>[0-9]+)$")  # GET: a customer's profile
ERRORS = {
    (4, None): "(#4) Application request limit reached",
    (10, 2018278): "(#10) This message is sent outside of allowed window.",
    (100, None): "(#100) Invalid parameter",
    (190, None): "Invalid OAuth access token.",
    (551, None): "This person isn't available right now.",
    (10900, None): "Activity already replied to",
}


def meta_error(code: int, subcode: int | None = None, message: str | None = None) -> Reply:
    error: Json = {
        "message": message or ERRORS.get((code, subcode), "An unknown error occurred"),
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": "AStandInTrace",
    }
    if subcode is not None:
        error["error_subcode"] = subcode
    return Reply({"error": error}, status=401 if code == 190 else 400)


class MetaStandIn(StandIn):
    service = "meta"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._ids = itertools.count(1)
        self._private_replies: set[str] = set()  # comment ids answered privately
        self.profiles: dict[str, Json] = {}  # customer id -> profile fields, for tests
        self.mentions: dict[str, Json] = {}  # comment or media id -> what Meta answers

    def add_mention(self, item: Json) -> None:
        """A mentioning comment (with ``text``) or media (with ``caption``), by its id."""
        with self.lock:
            self.mentions[str(item["id"])] = item

    def _serve(self, request: Request) -> Response:
        if request.path == "/_mentions" and request.method == "POST":
            item = json_body(request)
            if not isinstance(item.get("id"), str):
                return Reply({"error": "need the comment's or media's id"}, 400).to_response()
            self.add_mention(item)
            return Reply({"ok": True}).to_response()
        return super()._serve(request)

    def fail_next(self, method: str, code: int, subcode: int | None = None, times: int = 1) -> None:
        """E.g. ``fail_next("messages", 10, 2018278)``: the window closed."""
        self.failures.add(method, meta_error(code, subcode), times)

    def parse(self, request: Request) -> tuple[str, Json]:
        node = NODE.match(request.path)
        if request.method == "GET" and node is not None:
            fields = request.args.get("fields", "")
            mentioned = MENTIONED.match(fields)
            if mentioned is not None:
                return mentioned["edge"], {"node": node["node"], "id": mentioned["id"]}
            return "profile", {"node": node["node"], "fields": fields}
        found = PATH.match(request.path)
        body = request.get_json(silent=True)
        params: Json = body if isinstance(body, dict) else request.values.to_dict()
        if found is None:
            return request.path, params
        return found["edge"], {"node": found["node"], **params}

    def dispatch(self, method: str, params: Json, request: Request) -> Reply:
        if not request.headers.get("Authorization", "").startswith("Bearer "):
            return meta_error(190)
        handler = {
            "messages": self._message,
            "profile": self._profile,
            "comments": self._comment,
            "replies": self._comment,
        }.get(method)
        if method in ("mentioned_comment", "mentioned_media", "mentions"):
            return self._mention(method, params)
        if handler is None:
            return meta_error(100, None, f"Unknown path {method}")
        return handler(params)

    def _comment(self, params: Json) -> Reply:
        if not str(params.get("message") or "").strip():
            return meta_error(100, None, "(#100) message is required")
        return Reply({"id": f"{params['node']}_{900000 + next(self._ids)}"})

    def _mention(self, method: str, params: Json) -> Reply:
        if method == "mentions":  # an answer to a mention
            if not params.get("media_id") or not str(params.get("message") or "").strip():
                return meta_error(100, None, "(#100) media_id and message are required")
            return Reply({"id": f"17846{900000000 + next(self._ids)}"})
        item = self.mentions.get(str(params["id"]))
        if item is None:
            return meta_error(100, 33, "(#100) Object does not exist or cannot be loaded")
        return Reply({method: item, "id": params["node"]})

    def _profile(self, params: Json) -> Reply:
        node, fields = str(params["node"]), set(str(params["fields"]).split(","))
        suffix = node[-4:]
        known: Json = {
            "first_name": "Local",
            "last_name": f"Customer{suffix}",
            "name": f"Local Customer{suffix}",
            "username": f"customer{suffix}",
        } | self.profiles.get(node, {})
        return Reply({"id": node} | {k: v for k, v in known.items() if k in fields})

    def _message(self, params: Json) -> Reply:
        recipient = params.get("recipient") or {}
        text = str((params.get("message") or {}).get("text") or "")
        if not text:
            return meta_error(100, None, "(#100) message.text is required")
        if "comment_id" in recipient:
            comment = str(recipient["comment_id"])
            with self.lock:
                if comment in self._private_replies:
                    return meta_error(10900)
                self._private_replies.add(comment)
            customer = f"61000{abs(hash(comment)) % 10**11:011d}"
        elif "id" in recipient:
            customer = str(recipient["id"])
            kind = params.get("messaging_type")
            if kind not in ("RESPONSE", "UPDATE", "MESSAGE_TAG"):
                return meta_error(100, None, "(#100) messaging_type is required")
            if kind == "MESSAGE_TAG" and params.get("tag") != "HUMAN_AGENT":
                return meta_error(100, None, "(#100) tag must be set with MESSAGE_TAG")
        else:
            return meta_error(100, None, "(#100) recipient is required")
        return Reply({"recipient_id": customer, "message_id": f"m_standin-{next(self._ids)}"})
