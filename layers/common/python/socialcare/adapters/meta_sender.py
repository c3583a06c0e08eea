"""Replies on Facebook and Instagram through the Graph API, with ``requests`` (no maintained
Graph SDK fits: docs/platforms-meta.md), as the Page or the Instagram account:

- a direct message (Messenger, Instagram): ``POST /me/messages`` to the customer's scoped
  id, ``messaging_type`` RESPONSE, or MESSAGE_TAG with ``tag`` HUMAN_AGENT after 24 hours;
- a private reply (the "move to DM" of a comment): ``POST /me/messages`` with
  ``recipient.comment_id``, one per comment;
- a public reply: ``POST /{comment-id}/comments`` on Facebook, ``/{comment-id}/replies`` on
  Instagram;
- an answer to an Instagram @mention (someone else's media): ``POST /{ig-user-id}/mentions``
  with the media and, for a mention in a comment, the comment.

The Graph API has no idempotency key: the outbox's reply record (sending, then accepted)
keeps a retry from posting twice. Errors map like X's and VK's: rate limits postpone the
reply, Meta's refusals go to the agent, a revoked token is a configuration error, the rest
retries through the queue.
"""

import json
from collections.abc import Callable
from time import time
from typing import Any

import requests  # type: ignore[import-untyped, unused-ignore]

from socialcare.adapters.http_failures import never_sent
from socialcare.adapters.meta_graph import (
    GRAPH_VERSION,
    RATE_LIMITS,
    TEMPORARY,
    bearer,
    graph_json,
    graph_session,
    graph_url,
)
from socialcare.errors import (
    ConfigurationError,
    SendInterrupted,
    SendPostponed,
    SendRefused,
    StorageUnavailable,
)
from socialcare.models.common import Platform
from socialcare.models.message import MessageKind
from socialcare.models.reply import Delivered, OutboundReply, ReplyRoute, is_private_reply
from socialcare.platforms.meta.normalise import inbox_link
from socialcare.platforms.publishing import MetaPostingKeys, PublishingSecrets

__all__ = ["GRAPH_VERSION", "MetaSender"]
# On a rate limit (RATE_LIMITS) the reply waits for the usage header's estimate, else a minute.
DEFAULT_POSTPONE_SECONDS = 60
WINDOW = "Meta's time to answer this message has passed (24 hours, or 7 with HUMAN_AGENT)"
REFUSALS: dict[tuple[int, int | None], str] = {
    (10, 2018278): WINDOW,
    (10, 2018108): WINDOW,
    (10, 2018065): WINDOW,
    (10, 2534022): WINDOW,  # Instagram's (UNVERIFIED)
    (551, None): "the customer cannot be reached (they blocked the account or left Meta)",
    (100, 2018001): "Meta found no customer with this id for this Page or account",
    (100, 33): "the comment or message no longer exists, or the account may not see it",
    (10900, None): "Meta allows one private reply per comment, and it was sent (UNVERIFIED code)",
    (10903, None): "Meta does not allow replying to this comment privately (UNVERIFIED code)",
    (368, None): "Meta blocked the post for now as possibly abusive; try again later",
}
CONFIGURATION = {
    190: "Meta refused the access token (expired, revoked or wrong): renew it",
    200: "the access token lacks a permission this reply needs (App Review)",
    230: "the access token lacks pages_messaging (renew it with that permission)",
}
# Code 10 without a subcode: the app lacks the permission itself (configuration); with one we
# do not know, Meta refused this reply (a policy of this conversation): the agent hears it.
APP_PERMISSION = 10
APP_PERMISSION_MISSING = "the app lacks a permission this reply needs (App Review)"


class MetaSender:
    def __init__(
        self, secrets: Callable[[], PublishingSecrets], base_url: str | None = None
    ) -> None:
        self._secrets = secrets
        self._session = graph_session(base_url)

    def _keys(self, account: str) -> MetaPostingKeys:
        keys = self._secrets().meta.get(account)
        if keys is None:
            raise ConfigurationError(f"no Meta access token for account {account}")
        return keys

    def send(self, reply: OutboundReply) -> Delivered:
        keys = self._keys(reply.account_id)
        path, body = _request(reply)
        try:
            response = self._session.post(graph_url(keys, path), json=body, headers=bearer(keys))
        except requests.RequestException as exc:
            if never_sent(exc):
                raise StorageUnavailable(f"Meta unreachable: {type(exc).__name__}") from None
            # Written, unanswered: the Graph API has no idempotency key, so never again blindly.
            raise SendInterrupted("Meta did not answer: the reply may exist") from None
        found = graph_json(response)
        if response.status_code >= 400 or "error" in found:
            raise _translated(response, found) from None
        return _delivered(reply, found)


def _private(reply: OutboundReply) -> bool:
    return is_private_reply(reply.platform, reply.route, reply.target_kind)


def _request(reply: OutboundReply) -> tuple[str, dict[str, Any]]:
    if _private(reply):
        return "me/messages", {
            "recipient": {"comment_id": reply.target_message_id},
            "message": {"text": reply.text},
        }
    if reply.route is ReplyRoute.PRIVATE:
        body: dict[str, Any] = {
            "recipient": {"id": reply.customer_id},
            "messaging_type": "MESSAGE_TAG" if reply.message_tag else "RESPONSE",
            "message": {"text": reply.text},
        }
        if reply.message_tag:
            body["tag"] = reply.message_tag
        return "me/messages", body
    if reply.platform is Platform.INSTAGRAM and reply.target_kind is MessageKind.MENTION:
        under = reply.target_posted_under
        where = (
            {"media_id": under, "comment_id": reply.target_message_id}
            if under
            else {"media_id": reply.target_message_id}
        )
        return f"{reply.account_id}/mentions", {**where, "message": reply.text}
    edge = "replies" if reply.platform is Platform.INSTAGRAM else "comments"
    return f"{reply.target_message_id}/{edge}", {"message": reply.text}


def _delivered(reply: OutboundReply, found: dict[str, Any]) -> Delivered:
    if found.get("message_id"):  # a direct message or a private reply
        # A private reply's customer has a new id in the inbox: only Meta's answer says it.
        known = found.get("recipient_id") or (None if _private(reply) else reply.customer_id)
        customer = str(known) if known else None
        return Delivered(
            platform_message_id=str(found["message_id"]),
            link=inbox_link(reply.platform, reply.account_id, customer) if customer else None,
            recipient_id=customer,
        )
    comment = str(found.get("id") or "")
    if not comment:
        # A 2xx without the new item's id: Meta may well have it. Uncertain, not retried.
        raise SendInterrupted("Meta accepted the reply without saying its id")
    link = f"https://www.facebook.com/{comment}" if reply.platform is Platform.FACEBOOK else None
    return Delivered(platform_message_id=comment, link=link)


def _translated(response: Any, found: dict[str, Any]) -> Exception:
    error = found.get("error")
    if not isinstance(error, dict):
        error = {}
    code, subcode = error.get("code"), error.get("error_subcode")
    if not isinstance(code, int):
        return StorageUnavailable(f"Meta answered HTTP {response.status_code}")
    if code in RATE_LIMITS:
        return SendPostponed(f"Meta error {code}", time() + _wait_seconds(response))
    named = f"meta-{code}" + (f"-{subcode}" if subcode else "")
    explanation = REFUSALS.get((code, subcode)) or REFUSALS.get((code, None))
    if explanation is not None:
        return SendRefused(named, explanation)
    configuration = CONFIGURATION.get(code) or (
        APP_PERMISSION_MISSING if code == APP_PERMISSION and not subcode else None
    )
    if configuration is not None:
        return ConfigurationError(configuration)
    if code in TEMPORARY or response.status_code >= 500:
        return StorageUnavailable(f"Meta error {code}")  # retried through the queue
    # Any other refusal of a request Meta understood: it will not change by sending again.
    return SendRefused(named, f"Meta refused the reply (error {named.removeprefix('meta-')})")


def _wait_seconds(response: Any) -> float:
    """``X-Business-Use-Case-Usage``: per business, ``estimated_time_to_regain_access`` in
    minutes; the longest wins."""
    try:
        usage = json.loads(response.headers.get("x-business-use-case-usage") or "{}")
        minutes = [
            int(entry.get("estimated_time_to_regain_access") or 0)
            for entries in usage.values()
            for entry in entries
        ]
    except (ValueError, TypeError, AttributeError):
        minutes = []
    longest = max(minutes, default=0)
    return longest * 60 if longest > 0 else DEFAULT_POSTPONE_SECONDS
