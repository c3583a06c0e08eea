"""Replies on X with tweepy 4.17.0: a reply tweet (``create_tweet`` in reply to the
customer's tweet) or a direct message (``create_direct_message``).

``wait_on_rate_limit`` stays False (tweepy would sleep inside the Lambda): a 429 becomes
``SendPostponed`` until X's reset time. 400/403/404 are the platform's final word on this
reply (``SendRefused`` with a sentence for the agent); 401 is our configuration; 5xx and
network failures are raised for the queue to retry."""

from collections.abc import Callable
from time import time

import requests  # type: ignore[import-untyped, unused-ignore]
import tweepy

from socialcare.adapters.http_failures import never_sent
from socialcare.adapters.redirect import X_ORIGIN, redirect, with_timeouts
from socialcare.errors import (
    ConfigurationError,
    SendInterrupted,
    SendPostponed,
    SendRefused,
    StorageUnavailable,
)
from socialcare.models.reply import Delivered, OutboundReply, ReplyRoute
from socialcare.platforms.publishing import PublishingSecrets

RATE_LIMIT_FALLBACK_SECONDS = 900  # X's windows are 15 minutes
REFUSALS = {
    400: "X refused the text as invalid",
    403: "X does not allow this reply",
    404: "the post or the customer no longer exists on X",
}


class XSender:
    def __init__(
        self,
        secrets: Callable[[], PublishingSecrets],
        handles: dict[str, str],
        base_url: str | None = None,
    ) -> None:
        self._secrets = secrets
        self._handles = handles  # account id -> @handle, for links to our replies
        self._base_url = base_url

    def _client(self, account_id: str) -> tweepy.Client:
        keys = self._secrets().x.get(account_id)
        if keys is None:
            raise ConfigurationError(f"no X posting keys for account {account_id}")
        client = tweepy.Client(
            consumer_key=keys.consumer_key.get_secret_value(),
            consumer_secret=keys.consumer_secret.get_secret_value(),
            access_token=keys.access_token.get_secret_value(),
            access_token_secret=keys.access_token_secret.get_secret_value(),
            wait_on_rate_limit=False,
        )
        with_timeouts(client.session)
        if self._base_url:
            redirect(client.session, X_ORIGIN, self._base_url)
        return client

    def send(self, reply: OutboundReply) -> Delivered:
        client = self._client(reply.account_id)
        try:
            if reply.route is ReplyRoute.PRIVATE:
                response = client.create_direct_message(
                    participant_id=reply.customer_id, text=reply.text, user_auth=True
                )
                data = response.data or {}
                conversation = str(data.get("dm_conversation_id", ""))
                return Delivered(
                    platform_message_id=str(data.get("dm_event_id", "")),
                    link=f"https://x.com/messages/{conversation}" if conversation else None,
                )
            response = client.create_tweet(
                text=reply.text, in_reply_to_tweet_id=reply.target_message_id, user_auth=True
            )
        except tweepy.TooManyRequests as exc:
            raise SendPostponed("X rate limit", _reset(exc)) from None
        except tweepy.Unauthorized:
            raise ConfigurationError(
                f"X refused the posting keys of account {reply.account_id}"
            ) from None
        except tweepy.HTTPException as exc:
            status = exc.response.status_code
            if status in REFUSALS:
                detail = "; ".join(str(m) for m in exc.api_messages) or "no detail given"
                raise SendRefused(f"x-{status}", f"{REFUSALS[status]}: {detail}") from None
            raise StorageUnavailable(f"X answered {status}") from None
        except requests.RequestException as exc:
            if never_sent(exc):
                raise StorageUnavailable(f"X unreachable: {type(exc).__name__}") from None
            # Written, unanswered: X has no idempotency key, so never again blindly.
            raise SendInterrupted("X did not answer: the post may exist") from None
        tweet_id = str((response.data or {}).get("id", ""))
        handle = self._handles.get(reply.account_id, "i/web")
        return Delivered(
            platform_message_id=tweet_id, link=f"https://x.com/{handle}/status/{tweet_id}"
        )


def _reset(exc: tweepy.TooManyRequests) -> float:
    """When the exhausted limit resets: the 15-minute window's reset, or a 24-hour cap's
    (``x-user-limit-24hour-reset``, ``x-app-limit-24hour-reset``) when that one is spent."""
    headers = exc.response.headers
    resets = [float(exc.reset_time)] if exc.reset_time else []
    for scope in ("user", "app"):
        if headers.get(f"x-{scope}-limit-24hour-remaining") == "0":
            reset = headers.get(f"x-{scope}-limit-24hour-reset")
            if reset and reset.isdigit():
                resets.append(float(reset))
    return max(resets) if resets else time() + RATE_LIMIT_FALLBACK_SECONDS
