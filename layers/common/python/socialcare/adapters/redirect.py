"""The HTTP transport of the platform libraries, through their own ``requests.Session``:
pointing them at another host (a local stand-in: tweepy 4.17.0 hard-codes
``https://api.twitter.com`` and vk_api 11.10.1 ``https://api.vk.ru/method/``), and a timeout
on every request (neither library sets one, so a hung call would hold the function until
Lambda kills it, in the middle of a send)."""

from typing import Any

from requests.adapters import HTTPAdapter  # type: ignore[import-untyped, unused-ignore]

X_ORIGIN = "https://api.twitter.com/"
VK_ORIGIN = "https://api.vk.ru/method/"
TIMEOUT_SECONDS = (3.05, 10)  # connect, read: well inside the send function's 30 s


class _TimeoutAdapter(HTTPAdapter):  # type: ignore[misc, unused-ignore]
    def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        kwargs["timeout"] = kwargs.get("timeout") or TIMEOUT_SECONDS
        return super().send(request, *args, **kwargs)


def with_timeouts(session: Any) -> Any:
    """Every request of ``session`` gets ``TIMEOUT_SECONDS`` unless it sets its own."""
    session.mount("https://", _TimeoutAdapter())
    session.mount("http://", _TimeoutAdapter())
    return session


class _RedirectAdapter(_TimeoutAdapter):
    """Sends requests meant for ``origin`` to ``target`` instead: requests' own extension
    point (``Session.mount``), so the client library runs unchanged."""

    def __init__(self, origin: str, target: str) -> None:
        super().__init__()
        self.origin, self.target = origin, target

    def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        moved = request.copy()
        moved.url = self.target + request.url[len(self.origin) :]
        # Proxies were chosen for the public host; loopback must never go through them.
        kwargs["proxies"] = {}
        return super().send(moved, *args, **kwargs)


def redirect(session: Any, origin: str, target: str) -> None:
    """Mount the redirect on ``session`` (mount prefixes match case-insensitively)."""
    session.mount(origin, _RedirectAdapter(origin, target.rstrip("/") + "/"))
