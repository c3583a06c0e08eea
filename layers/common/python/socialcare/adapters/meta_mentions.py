"""Reading an Instagram @mention: Meta's ``mentions`` change names only the comment or media,
so the text, author and time are read with the account's token (Instagram API with Facebook
Login): ``GET /{ig-user-id}?fields=mentioned_comment.comment_id(<id>){...}`` for a comment,
``mentioned_media.media_id(<id>){...}`` for a caption. The comment's own node cannot be read:
it is someone else's (docs/platforms-meta.md).

A mention Meta says no longer exists (error 100, subcode 33: deleted, or the media made
private) answers None: there is nothing to store. Anything else that is not the mention is
never taken for its absence: rate limits, Meta's temporary errors, timeouts, an answer that
is not Meta's and an error we do not know raise ``StorageUnavailable``; a token Meta refuses
raises ``ConfigurationError``. Either way the queue tries again later, then keeps the mention
in its dead-letter queue (alarmed) for a redrive once the cause is fixed.
"""

from collections.abc import Callable
from typing import Any

import requests  # type: ignore[import-untyped, unused-ignore]
from pydantic import ValidationError

from socialcare.adapters.meta_graph import (
    RATE_LIMITS,
    TEMPORARY,
    bearer,
    graph_json,
    graph_session,
    graph_url,
)
from socialcare.errors import ConfigurationError, StorageUnavailable
from socialcare.models import MentionRequest
from socialcare.observability import logger
from socialcare.platforms.meta.payloads import MentionedComment, MentionedMedia
from socialcare.platforms.publishing import PublishingSecrets

COMMENT_FIELDS = "id,text,timestamp,username,media{id,permalink}"
MEDIA_FIELDS = "id,caption,timestamp,username,permalink"
BUSY = RATE_LIMITS | TEMPORARY  # read again later
GONE = (100, 33)  # "the object does not exist, cannot be loaded or lacks permissions"
REFUSED_TOKEN = {
    190: "Meta refused the Instagram account's access token (expired, revoked or wrong)",
    200: "the access token lacks instagram_manage_comments (App Review), needed for mentions",
    10: "the app lacks a permission mentions need (instagram_manage_comments)",
}


class MetaMentions:
    def __init__(
        self, secrets: Callable[[], PublishingSecrets], base_url: str | None = None
    ) -> None:
        self._secrets = secrets
        self._session = graph_session(base_url)

    def read(self, request: MentionRequest) -> MentionedComment | MentionedMedia | None:
        keys = self._secrets().meta.get(request.account_id)
        if keys is None:
            raise ConfigurationError(f"no Meta access token for account {request.account_id}")
        edge, model, fields = (
            ("mentioned_comment", MentionedComment, f"comment_id({request.comment_id})")
            if request.comment_id
            else ("mentioned_media", MentionedMedia, f"media_id({request.media_id})")
        )
        wanted = COMMENT_FIELDS if request.comment_id else MEDIA_FIELDS
        try:
            response = self._session.get(
                graph_url(keys, request.account_id),
                params={"fields": f"{edge}.{fields}{{{wanted}}}"},
                headers=bearer(keys),
            )
        except requests.RequestException as exc:
            raise StorageUnavailable(f"Meta unreachable: {type(exc).__name__}") from None
        found = graph_json(response)
        if response.status_code >= 400 or "error" in found:
            _raise_unless_gone(response.status_code, found.get("error"))
            return None
        item = found.get(edge)
        if item is None:
            if "id" in found:  # Meta's answer about the account, without the mention: gone
                return None
            raise StorageUnavailable(f"an answer without the {edge} nor the account: not Meta's")
        try:
            return model.model_validate(item)
        except ValidationError as exc:
            # Kept in the queue (then its dead-letter queue) rather than stored wrongly.
            raise StorageUnavailable(
                f"Meta's {edge} has an unknown shape: {exc.error_count()} errors"
            ) from None


def _raise_unless_gone(status: int, error: Any) -> None:
    """Meta's refusal: the mention gone (returns), a configuration to fix, or a read to try
    again later (raises)."""
    known = error if isinstance(error, dict) else {}
    code, subcode = known.get("code"), known.get("error_subcode")
    if (code, subcode) == GONE:
        logger.warning("mention no longer exists", extra={"code": code, "subcode": subcode})
        return
    if code in REFUSED_TOKEN and not (code == 10 and subcode):
        raise ConfigurationError(REFUSED_TOKEN[code])
    if code in BUSY or status >= 500:
        raise StorageUnavailable(f"Meta error {code} (HTTP {status}): read again later")
    # An error we do not know (a field Meta refuses, a policy): not taken for a deletion.
    raise StorageUnavailable(f"Meta refused the read (error {code}/{subcode}, HTTP {status})")
