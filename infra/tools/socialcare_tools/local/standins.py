"""Local HTTP stand-ins for Slack, X, VK, Meta and Telegram, reached through the real client
libraries.

``StandIns`` serves one WSGI app per API on 127.0.0.1 and records what the app sent
(``Recorder``; ``GET /_calls`` on each port for another process, e.g. the CLI).

How each real client is pointed here, through its own configuration (nothing patched):

* Slack: ``WebClient(token="xoxb-...", base_url=standins.slack_url)``.
* X: tweepy 4.17.0 hard-codes ``host = "https://api.twitter.com"`` inside
  ``BaseClient.request``, but sends through its public ``Client.session``
  (a ``requests.Session``). ``x_client`` mounts a transport adapter on that session for
  ``https://api.twitter.com/`` that rewrites the URL to the stand-in before sending.
* VK: vk_api 11.10.1 hard-codes ``https://api.vk.ru/method/`` in ``VkApi.method`` but
  takes ``session=`` in its constructor; ``vk_client`` passes a session with the same
  kind of adapter mounted for ``https://api.vk.ru/method/``.
"""

import errno
import socket
import threading
from types import TracebackType
from typing import Any

import requests  # type: ignore[import-untyped, unused-ignore]
import tweepy
import vk_api
from werkzeug.serving import BaseWSGIServer, ThreadedWSGIServer, WSGIRequestHandler, make_server

from socialcare.adapters.redirect import VK_ORIGIN, X_ORIGIN, redirect
from socialcare_tools.local.standins_base import Recorder, StandIn
from socialcare_tools.local.standins_meta import MetaStandIn
from socialcare_tools.local.standins_slack import SlackStandIn
from socialcare_tools.local.standins_telegram import TelegramStandIn
from socialcare_tools.local.standins_vk import VkStandIn
from socialcare_tools.local.standins_x import XStandIn

__all__ = ["PortInUse", "Recorder", "StandIns", "vk_client", "x_client"]

HOST = "127.0.0.1"
VK_API_VERSION = "5.199"


class PortInUse(Exception):
    def __init__(self, port: int, service: str) -> None:
        super().__init__(
            f"cannot start the {service}: port {port} on {HOST} is already in use; "
            "stop what holds it or choose another port (0 picks a free one)"
        )
        self.port, self.service = port, service


class _Handler(WSGIRequestHandler):
    """Quiet (the CLI shows calls, not access logs) and with a socket timeout, so a client
    that connects and never sends cannot make ``stop()`` wait forever on its thread."""

    timeout = 5.0

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def x_client(base_url: str, **auth: Any) -> tweepy.Client:
    """A real ``tweepy.Client`` (``auth`` = its usual keyword arguments) whose API calls go
    to ``base_url``, e.g. ``http://127.0.0.1:8102``."""
    client = tweepy.Client(**auth)
    redirect(client.session, X_ORIGIN, base_url)
    return client


def vk_client(base_url: str, token: str) -> vk_api.VkApiGroup:
    """A real ``VkApiGroup`` on API 5.199 whose calls go to ``base_url``
    (``http://127.0.0.1:<port>/method/``). Group class: 20 rps pacing, as production."""
    session = requests.Session()
    redirect(session, VK_ORIGIN, base_url)
    return vk_api.VkApiGroup(token=token, api_version=VK_API_VERSION, session=session)


def _listen(port: int, service: str) -> socket.socket:
    """Bind ourselves: werkzeug's own bind failure prints and calls ``sys.exit(1)``."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # restarts skip TIME_WAIT
    try:
        sock.bind((HOST, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise PortInUse(port, service) from None
        raise
    return sock


class StandIns:
    """The stand-ins, sharing one ``Recorder``. Use as a context manager or call
    ``start()``/``stop()``; ports default to 0 (free ports, read back from ``ports``)."""

    def __init__(
        self,
        *,
        slack_port: int = 0,
        x_port: int = 0,
        vk_port: int = 0,
        meta_port: int = 0,
        telegram_port: int = 0,
        recorder: Recorder | None = None,
    ) -> None:
        self.recorder = recorder or Recorder()
        self.slack = SlackStandIn(self.recorder)
        self.x = XStandIn(self.recorder)
        self.vk = VkStandIn(self.recorder)
        self.meta = MetaStandIn(self.recorder)
        self.telegram = TelegramStandIn(self.recorder)
        self.ports = {
            "slack": slack_port,
            "x": x_port,
            "vk": vk_port,
            "meta": meta_port,
            "telegram": telegram_port,
        }
        self._running: list[tuple[BaseWSGIServer, threading.Thread]] = []

    @property
    def slack_url(self) -> str:
        return f"http://{HOST}:{self.ports['slack']}/api/"

    @property
    def x_url(self) -> str:
        return f"http://{HOST}:{self.ports['x']}"

    @property
    def vk_url(self) -> str:
        return f"http://{HOST}:{self.ports['vk']}/method/"

    @property
    def meta_url(self) -> str:
        return f"http://{HOST}:{self.ports['meta']}/"

    @property
    def telegram_url(self) -> str:
        return f"http://{HOST}:{self.ports['telegram']}"

    def start(self) -> "StandIns":
        if self._running:
            return self  # already serving: a second bind would clash with ourselves
        apps: dict[str, StandIn] = {
            "slack": self.slack,
            "x": self.x,
            "vk": self.vk,
            "meta": self.meta,
            "telegram": self.telegram,
        }
        try:
            for service, app in apps.items():
                self._serve(service, app)
        except BaseException:
            self.stop()  # all or nothing: no half-started stack holding ports
            raise
        return self

    def _serve(self, service: str, app: StandIn) -> None:
        sock = _listen(self.ports[service], f"{service} stand-in")
        try:
            server = make_server(
                HOST, 0, app, threaded=True, request_handler=_Handler, fd=sock.fileno()
            )
        finally:
            sock.close()  # werkzeug serves a duplicate of the descriptor
        assert isinstance(server, ThreadedWSGIServer)
        # Track request threads so server_close() joins them: nothing outlives stop().
        server.daemon_threads = False
        self.ports[service] = server.port
        thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.02},  # shutdown() waits up to one poll
            name=f"standin-{service}",
            daemon=True,
        )
        thread.start()
        self._running.append((server, thread))

    def stop(self) -> None:
        while self._running:
            server, thread = self._running.pop()
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)

    def __enter__(self) -> "StandIns":
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
