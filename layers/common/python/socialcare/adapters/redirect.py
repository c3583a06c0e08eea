"""Pointing a platform library at another host (a local stand-in) through the library's own
``requests.Session``: tweepy 4.17.0 hard-codes ``https://api.twitter.com`` and vk_api 11.10.1
``https://api.vk.ru/method/``, but both send through a session we can mount an adapter on."""

from typing import Any

from requests.adapters import HTTPAdapter  # type: ignore[import-untyped, unused-ignore]

X_ORIGIN = "https://api.twitter.com/"
VK_ORIGIN = "https://api.vk.ru/method/"


class _RedirectAdapter(HTTPAdapter):  # type: ignore[misc, unused-ignore]
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
