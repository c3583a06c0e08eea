"""Which failed calls may be retried blindly by a sender without an idempotency key (X, Meta,
Telegram): only those that never reached the platform."""

import pytest
import requests
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from socialcare.adapters.http_failures import never_sent


def refused_to_connect() -> requests.ConnectionError:
    """As requests raises it when nothing listens: the request was never written."""
    reason = NewConnectionError(None, "Connection refused")  # type: ignore[arg-type]
    return requests.ConnectionError(MaxRetryError(None, "/x", reason))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("failure", "retry"),
    [
        (requests.ConnectTimeout("connect timed out"), True),
        (refused_to_connect(), True),
        (requests.ReadTimeout("read timed out"), False),
        (requests.ConnectionError(ProtocolError("Connection aborted.")), False),
        (requests.exceptions.ChunkedEncodingError("broken body"), False),
        (requests.exceptions.SSLError("handshake"), False),  # may be mid-way: not proven unsent
    ],
)
def test_only_a_failure_to_connect_proves_nothing_was_sent(
    failure: requests.RequestException, retry: bool
) -> None:
    assert never_sent(failure) is retry
