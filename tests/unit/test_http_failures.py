"""Which failed calls may be retried blindly by a sender without an idempotency key (X, Meta,
Telegram): only those that never reached the platform."""

import pytest
import requests
import responses
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from socialcare.adapters.http_failures import never_sent
from socialcare.errors import SendInterrupted, StorageUnavailable
from socialcare.models.common import Platform
from socialcare.models.message import MessageKind
from socialcare.models.reply import ReplyRoute
from tests.unit.test_meta_sender import FACEBOOK, outbound, sender


def refused_to_connect() -> requests.ConnectionError:
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


@pytest.mark.parametrize(
    ("failure", "outcome"),
    [
        (refused_to_connect(), StorageUnavailable),
        (requests.ConnectionError(ProtocolError("Connection aborted.")), SendInterrupted),
    ],
)
@responses.activate
def test_a_meta_reply_cut_off_mid_answer_is_uncertain_not_retried(
    failure: Exception, outcome: type[Exception]
) -> None:
    responses.post(f"{FACEBOOK}/me/messages", body=failure)
    with pytest.raises(outcome):
        sender().send(outbound(Platform.MESSENGER, ReplyRoute.PRIVATE, MessageKind.DIRECT))
