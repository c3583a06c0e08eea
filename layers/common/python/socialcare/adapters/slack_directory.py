"""Who a Slack user is and who is in a user group (``users.info``,
``usergroups.users.list``), for the desk's access check. Answers are cached: a user's
workspace for ten minutes (it does not change), a group's members for one minute (a manager
who removes an agent sees it take effect within the minute)."""

import time
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from socialcare.adapters.slack_retries import retry_handlers
from socialcare.errors import ConfigurationError, StorageUnavailable
from socialcare.slack.authz import SlackUser
from socialcare.slack.secrets import SlackSecrets

USER_SECONDS, GROUP_SECONDS = 600.0, 60.0
_NO_SUCH_USER = frozenset({"user_not_found", "user_not_visible"})
_MISCONFIGURED = frozenset({"no_such_subteam", "missing_scope", "invalid_auth", "not_allowed"})


class SlackDirectoryClient:
    def __init__(
        self,
        secrets: Callable[[], SlackSecrets],
        base_url: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._secrets = secrets
        self._base_url = base_url or WebClient.BASE_URL
        self._clock = clock
        self._users: dict[str, tuple[float, SlackUser | None]] = {}
        self._groups: dict[str, tuple[float, frozenset[str]]] = {}

    def user(self, user_id: str) -> SlackUser | None:
        cached = self._users.get(user_id)
        if cached and cached[0] > self._clock():
            return cached[1]
        found = self._call("users_info", _NO_SUCH_USER, user=user_id)
        user = _user(found["user"]) if found else None
        self._users[user_id] = (self._clock() + USER_SECONDS, user)
        return user

    def group_members(self, group_id: str) -> frozenset[str]:
        cached = self._groups.get(group_id)
        if cached and cached[0] > self._clock():
            return cached[1]
        found = self._call("usergroups_users_list", frozenset(), usergroup=group_id)
        members = frozenset(str(u) for u in (found or {}).get("users") or ())
        self._groups[group_id] = (self._clock() + GROUP_SECONDS, members)
        return members

    def _call(self, method: str, absent: frozenset[str], **arguments: str) -> Any:
        """Slack's answer; None when it says ``absent``."""
        client = WebClient(
            token=self._secrets().bot_token.get_secret_value(),
            base_url=self._base_url,
            retry_handlers=retry_handlers(longest_wait=1),  # inside Slack's 3 s ack
        )
        try:
            return getattr(client, method)(**arguments)
        except SlackApiError as exc:
            error = str(exc.response.get("error", "unknown"))
            if error in absent:
                return None
            if error in _MISCONFIGURED:
                raise ConfigurationError(f"Slack refused {method}: {error}") from None
            raise StorageUnavailable(f"Slack {method} failed: {error}") from None
        except SlackClientError as exc:
            raise StorageUnavailable(f"Slack unreachable: {type(exc).__name__}") from None


def _user(found: dict[str, Any]) -> SlackUser:
    grid = found.get("enterprise_user") or {}
    return SlackUser(
        id=str(found.get("id", "")),
        team_id=found.get("team_id"),
        enterprise_id=grid.get("enterprise_id"),
        teams=tuple(str(t) for t in grid.get("teams") or ()),
        deleted=bool(found.get("deleted")),
    )
