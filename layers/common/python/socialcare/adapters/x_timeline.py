"""X reads for the gap fill, with the app's bearer token (read-only, no user's keys):
the mentions timeline through tweepy 4.17.0 (``Client.get_users_mentions``, ``return_type=dict``
so the page is validated by our own model), and the webhook replay endpoint, which tweepy
4.17.0 does not have, through ``requests``.

Errors: 429, 5xx and network failures are raised as ``StorageUnavailable`` (the invocation
fails and is retried); 400/401/402/403/404 mean our request or our configuration is wrong
(a wrong guess about X's API, a revoked token, spent credits) and are raised as
``ConfigurationError`` with X's own words, never swallowed.
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import requests  # type: ignore[import-untyped, unused-ignore]
import tweepy
from pydantic import AfterValidator, BaseModel, Field, SecretStr, ValidationError

from socialcare.adapters.redirect import X_ORIGIN, redirect, with_timeouts
from socialcare.errors import ConfigurationError, StorageUnavailable
from socialcare.platforms.parsing import not_a_placeholder
from socialcare.platforms.x_v2_posts import EXPANSIONS, TWEET_FIELDS, USER_FIELDS, MentionsPage

REPLAY_ORIGIN = "https://api.x.com"
REPLAY_FORMAT = "%Y%m%d%H%M"  # X: yyyymmddhhmm, UTC


class XAppToken(BaseModel):
    """The X app secret (the webhook's): ``{"consumer_secret": ..., "bearer_token": ...}``;
    the gap fill reads only the app's bearer token."""

    bearer_token: Annotated[SecretStr, AfterValidator(not_a_placeholder)] = Field(min_length=1)


def _refused(status: int, what: str, detail: str) -> Exception:
    if status == 429 or status >= 500:
        return StorageUnavailable(f"X answered {status} to {what}: retry later")
    return ConfigurationError(f"X refused {what} ({status}): {detail or 'no detail given'}")


class TweepyMentions:
    def __init__(self, token: Callable[[], XAppToken], base_url: str | None = None) -> None:
        self._token = token
        self._base_url = base_url

    def _client(self) -> tweepy.Client:
        client = tweepy.Client(
            bearer_token=self._token().bearer_token.get_secret_value(),
            return_type=dict,
            wait_on_rate_limit=False,  # tweepy would sleep inside the Lambda
        )
        with_timeouts(client.session)
        if self._base_url:
            redirect(client.session, X_ORIGIN, self._base_url)
        return client

    def page(
        self,
        account_id: str,
        *,
        start: datetime,
        end: datetime,
        until_id: str | None,
        max_results: int,
        pagination_token: str | None,
    ) -> MentionsPage:
        try:
            raw: Any = self._client().get_users_mentions(
                account_id,
                start_time=start,
                end_time=end,
                until_id=until_id,
                max_results=max_results,
                pagination_token=pagination_token,
                expansions=list(EXPANSIONS),
                tweet_fields=list(TWEET_FIELDS),
                user_fields=list(USER_FIELDS),
            )
        except tweepy.HTTPException as exc:
            detail = "; ".join(str(m) for m in exc.api_messages)
            raise _refused(exc.response.status_code, "the mentions timeline", detail) from None
        except requests.RequestException as exc:
            raise StorageUnavailable(f"X unreachable: {type(exc).__name__}") from None
        try:
            return MentionsPage.model_validate(raw)
        except ValidationError as exc:
            fields = ", ".join(".".join(map(str, e["loc"])) for e in exc.errors())
            raise ConfigurationError(
                f"X's mentions page does not have the documented shape: {fields}"
            ) from None


class XWebhookReplay:
    def __init__(
        self,
        token: Callable[[], XAppToken],
        webhook_id: str | None,
        base_url: str | None = None,
    ) -> None:
        self._token = token
        self._webhook_id = webhook_id
        self._origin = (base_url or REPLAY_ORIGIN).rstrip("/")

    def replay(self, start: datetime, end: datetime) -> str:
        """Asks X to re-deliver the webhook's events from ``start`` to ``end``; the job id."""
        if not self._webhook_id:
            raise ConfigurationError(
                "x.replay is on but X_WEBHOOK_ID is not set (the id from GET /2/webhooks)"
            )
        body = {
            "webhook_id": self._webhook_id,
            "from_date": start.astimezone(UTC).strftime(REPLAY_FORMAT),
            "to_date": _minute_after(end).strftime(REPLAY_FORMAT),
        }
        session = with_timeouts(requests.Session())
        bearer = self._token().bearer_token.get_secret_value()
        try:
            response = session.post(
                f"{self._origin}/2/webhooks/replay",
                json=body,
                headers={"Authorization": f"Bearer {bearer}"},
            )
        except requests.RequestException as exc:
            raise StorageUnavailable(f"X unreachable: {type(exc).__name__}") from None
        answer = _json(response)
        if not response.ok:
            detail = str(answer.get("detail") or answer.get("title") or answer.get("errors", ""))
            raise _refused(response.status_code, "the webhook replay", detail)
        job = answer.get("job_id") or (answer.get("data") or {}).get("job_id")
        if not job:
            raise ConfigurationError(
                f"X's replay answer has no job_id (keys: {sorted(answer)}): its shape changed?"
            )
        return str(job)


def _minute_after(moment: datetime) -> datetime:
    """X takes minutes: the end is rounded up, so the window's last seconds are in it."""
    moment = moment.astimezone(UTC)
    floor = moment.replace(second=0, microsecond=0)
    return floor if floor == moment else floor + timedelta(minutes=1)


def _json(response: Any) -> dict[str, Any]:
    try:
        found = response.json()
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}
