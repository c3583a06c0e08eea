"""What a failed HTTP call says about a send that has no idempotency key (X, Meta, Telegram):
only a failure to connect proves the platform never had the request, so only that may be
retried blindly. A read timeout, a connection dropped mid-answer ("Connection aborted") or a
broken body came after the request was written: the platform may have posted it."""

import requests  # type: ignore[import-untyped, unused-ignore]
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError


def never_sent(exc: requests.RequestException) -> bool:
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if not isinstance(exc, requests.ConnectionError) or isinstance(exc, requests.ReadTimeout):
        return False
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NewConnectionError | ConnectTimeoutError)
