"""What the Graph API clients share: the hosts (Facebook Login tokens on graph.facebook.com,
Instagram Login tokens on graph.instagram.com), the version, one ``requests`` session with
timeouts, pointed at a local stand-in when one is given, and the bearer header (a token is
never put in a URL, which proxies and logs keep)."""

from typing import Any

import requests  # type: ignore[import-untyped, unused-ignore]

from socialcare.adapters.redirect import redirect, with_timeouts
from socialcare.platforms.publishing import MetaPostingKeys

GRAPH_VERSION = "v25.0"
# Meta's error codes every Graph client reads alike: its rate limits (application, user,
# Page, call count; the 8000x per business use case: 80001 Pages, 80002 Instagram, 80006
# Messenger), and its "try again later".
RATE_LIMITS = frozenset({4, 17, 32, 613, *range(80000, 80015)})
TEMPORARY = frozenset({1, 2, 1200})
ORIGINS = {"facebook": "https://graph.facebook.com/", "instagram": "https://graph.instagram.com/"}


def graph_session(base_url: str | None) -> Any:
    session = with_timeouts(requests.Session())
    if base_url:
        for origin in ORIGINS.values():
            redirect(session, origin, base_url)
    return session


def graph_url(keys: MetaPostingKeys, path: str) -> str:
    return f"{ORIGINS[keys.login]}{GRAPH_VERSION}/{path}"


def bearer(keys: MetaPostingKeys) -> dict[str, str]:
    return {"Authorization": f"Bearer {keys.token.get_secret_value()}"}


def graph_json(response: Any) -> dict[str, Any]:
    """The answer's JSON object, or ``{}`` when it is not one (a proxy's HTML page)."""
    try:
        found = response.json()
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}
