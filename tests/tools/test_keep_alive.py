"""The embedded AWS's server keeps a connection open between requests that say how long
their bodies are, reads each body to exactly that length, and closes when it cannot tell."""

import http.client
import threading
from collections.abc import Iterable, Iterator
from typing import Any

import pytest
from werkzeug.serving import make_server

from socialcare_tools.local.keep_alive import KeepAliveRequestHandler


def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    if environ["PATH_INFO"] == "/boom":
        raise RuntimeError("the emulator failed")
    length = environ.get("CONTENT_LENGTH")  # a WSGI app reads no further than told
    body = environ["wsgi.input"].read(int(length) if length else -1)
    answer = b"got " + body
    headers = [("Content-Type", "text/plain"), ("Content-Length", str(len(answer)))]
    if environ["PATH_INFO"] == "/no-length":
        headers = headers[:1]
    start_response("200 OK", headers)
    return [] if environ["REQUEST_METHOD"] == "HEAD" else [answer]


@pytest.fixture
def port() -> Iterator[int]:
    server = make_server("127.0.0.1", 0, app, True, request_handler=KeepAliveRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        server.server_close()


def test_requests_share_one_connection_and_each_gets_its_own_body(port: int) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    answers, sockets = [], []
    for body in (b'{"first": 1}', b"", b"third"):
        connection.request("POST", "/", body=body)
        response = connection.getresponse()
        answers.append((response.status, response.read(), response.getheader("Connection")))
        sockets.append(connection.sock)
    assert sockets[0] is sockets[1] is sockets[2] is not None  # one connection, never reopened
    assert answers == [
        (200, b'got {"first": 1}', None),
        (200, b"got ", None),
        (200, b"got third", None),
    ]


def test_an_answer_without_a_length_gets_one(port: int) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("POST", "/no-length", body=b"abc")
    response = connection.getresponse()
    assert response.getheader("Content-Length") == "7"
    assert response.read() == b"got abc"


def test_a_chunked_request_is_answered_and_the_connection_closed(port: int) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("POST", "/", body=iter([b"ab", b"cd"]), encode_chunked=True)
    response = connection.getresponse()
    assert response.read() == b"got abcd"
    assert response.getheader("Connection") == "close"


def test_head_keeps_the_length_of_what_get_would_send(port: int) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("HEAD", "/")
    response = connection.getresponse()
    assert (response.status, response.getheader("Content-Length"), response.read()) == (
        200,
        "4",
        b"",
    )


def test_a_failing_request_gets_a_500_and_the_server_serves_the_next(port: int) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("POST", "/boom", body=b"x")
    response = connection.getresponse()
    assert (response.status, response.getheader("Connection")) == (500, "close")
    response.read()
    again = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    again.request("POST", "/", body=b"y")
    assert again.getresponse().read() == b"got y"


def test_a_body_above_the_kept_size_is_streamed_and_the_connection_closed(
    monkeypatch: pytest.MonkeyPatch, port: int
) -> None:
    monkeypatch.setattr(KeepAliveRequestHandler, "max_kept_body", 4)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("POST", "/", body=b"abcdef")
    response = connection.getresponse()
    assert (response.read(), response.getheader("Connection")) == (b"got abcdef", "close")
