"""X API v2 stand-in at ``http://127.0.0.1:<port>`` (tweepy's host is hard-coded: see
``standins.x_client`` for how a real ``tweepy.Client`` is pointed here).

Errors use X's v2 problem shape (``title``/``detail``/``status``): tweepy raises the
matching ``tweepy.errors`` class and puts ``detail`` in ``api_messages``.
"""

import itertools
import time
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request

from socialcare_tools.local.standins_base import Json, Reply, StandIn, json_body
from socialcare_tools.local.standins_x_timeline import MENTIONS, REPLAY, XTimeline
from socialcare_tools.local.standins_x_webhooks import XWebhookAdmin
from socialcare_tools.local_secrets import X_ACCOUNT_ID

TWEETS = "POST /2/tweets"
DM_WITH = "POST /2/dm_conversations/with/:participant_id/messages"
DM_IN = "POST /2/dm_conversations/:dm_conversation_id/messages"
ME = "GET /2/users/me"
REPLY_RESTRICTED = "You can only reply to or quote posts where you are mentioned or are the author."
_TITLES = {400: "Invalid Request", 401: "Unauthorized", 403: "Forbidden", 429: "Too Many Requests"}
_ROUTES = Map(
    [
        Rule("/2/tweets", methods=["POST"], endpoint=TWEETS),
        Rule(
            "/2/dm_conversations/with/<participant_id>/messages", methods=["POST"], endpoint=DM_WITH
        ),
        Rule("/2/dm_conversations/<dm_conversation_id>/messages", methods=["POST"], endpoint=DM_IN),
        Rule("/2/users/me", methods=["GET"], endpoint=ME),
        Rule("/2/users/<id>/mentions", methods=["GET"], endpoint=MENTIONS),
        Rule("/2/webhooks/replay", methods=["POST"], endpoint=REPLAY),
    ]
)


def problem(status: int, detail: str, headers: dict[str, str] | None = None) -> Reply:
    title = _TITLES.get(status, "Error")
    body = {"title": title, "detail": detail, "type": "about:blank", "status": status}
    return Reply(body, status, headers or {})


class XStandIn(StandIn):
    service = "x"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Snowflake-sized ids, so code that stores them as strings (as it must) is exercised.
        self._ids = itertools.count(1_990_000_000_000_000_001)
        self.webhooks = XWebhookAdmin(self._next_id, self.lock)  # /2/webhooks, XAA
        self.timeline = XTimeline()  # gap-fill reads: the mentions timeline and replays

    def fail_next(
        self,
        endpoint: str,
        status: int,
        *,
        detail: str | None = None,
        reset_at: int | None = None,
        times: int = 1,
    ) -> None:
        """Script the next ``times`` calls of ``endpoint`` (e.g. ``standins_x.TWEETS``).

        429 carries the ``x-rate-limit-*`` headers (reset defaults to 15 minutes ahead),
        which tweepy turns into ``TooManyRequests.reset_time``; 403 defaults to the
        self-serve reply restriction, the 403 our replies will meet most.
        """
        headers: dict[str, str] = {}
        if status == 429:
            reset = reset_at if reset_at is not None else int(time.time()) + 900
            headers = {
                "x-rate-limit-limit": "100",
                "x-rate-limit-remaining": "0",
                "x-rate-limit-reset": str(reset),
            }
        default = REPLY_RESTRICTED if status == 403 else _TITLES.get(status, "Error")
        self.failures.add(endpoint, problem(status, detail or default, headers), times)

    def parse(self, request: Request) -> tuple[str, Json]:
        if self.webhooks.handles(request):
            return self.webhooks.endpoint(request), json_body(request)
        try:
            endpoint, path_params = _ROUTES.bind("stand-in").match(request.path, request.method)
        except HTTPException:
            return f"{request.method} {request.path}", json_body(request)
        return str(endpoint), {**request.args.to_dict(), **path_params, **json_body(request)}

    def dispatch(self, method: str, params: Json, request: Request) -> Reply:
        if self.webhooks.handles(request):
            return self.webhooks.answer(request)
        # OAuth 1.0a ("OAuth ...") or app-only ("Bearer ..."): the stand-in checks presence only.
        if not request.headers.get("Authorization"):
            return problem(401, "Unauthorized")
        answer = self._publishing(method, params) or self.timeline.answer(method, params)
        if answer is not None:
            return answer
        body = {"errors": [{"message": "Sorry, that page does not exist", "code": 34}]}
        return Reply(body, 404)

    def _publishing(self, method: str, params: Json) -> Reply | None:
        """Posts, DMs and who we are: what the send function calls."""
        if method == TWEETS:
            return self._tweet(params)
        if method in (DM_WITH, DM_IN):
            return self._dm(params)
        if method == ME:
            return Reply({"data": {"id": X_ACCOUNT_ID, "name": "Acme", "username": "AcmeSupport"}})
        return None

    def _next_id(self) -> str:
        with self.lock:
            return str(next(self._ids))

    def _tweet(self, params: Json) -> Reply:
        text = params.get("text")
        if not isinstance(text, str) or not text:
            return problem(400, "One or more parameters to your request was invalid.")
        tweet_id = self._next_id()
        data = {"id": tweet_id, "text": text, "edit_history_tweet_ids": [tweet_id]}
        return Reply({"data": data}, 201)

    def _dm(self, params: Json) -> Reply:
        if not params.get("text") and not params.get("attachments"):
            return problem(400, "One or more parameters to your request was invalid.")
        conversation = params.get("dm_conversation_id")
        if conversation is None:
            pair = (str(params["participant_id"]), X_ACCOUNT_ID)
            low, high = sorted(pair, key=lambda i: (len(i), i))  # numeric order, no int()
            conversation = f"{low}-{high}"
        data = {"dm_conversation_id": conversation, "dm_event_id": self._next_id()}
        return Reply({"data": data}, 201)
