"""How our Slack clients retry: connection errors once (slack_sdk's default), and Slack's
rate limit (HTTP 429, ``ratelimited``) after the ``Retry-After`` it gives, when that wait is
short enough for the function at hand. A longer wait is not spent sleeping in a Lambda
function: the call fails with ``ratelimited``, and the queue or Lambda retries the work
later (chat.postMessage allows about one message a second per channel)."""

from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

LONGEST_WAIT_SECONDS = 5  # Slack's usual Retry-After for a message burst is 1-3 s


class BoundedRateLimitRetryHandler(RateLimitErrorRetryHandler):
    """slack_sdk's rate-limit handler (it sleeps ``Retry-After``, then retries), only when
    Slack asks for at most ``longest_wait`` seconds."""

    def __init__(self, max_retry_count: int = 2, longest_wait: int = LONGEST_WAIT_SECONDS):
        super().__init__(max_retry_count=max_retry_count)
        self.longest_wait = longest_wait

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        wait = next(
            (
                values[0]
                for name, values in response.headers.items()
                if name.lower() == "retry-after"
            ),
            "1",
        )
        return wait.isdigit() and int(wait) <= self.longest_wait


def retry_handlers(longest_wait: int = LONGEST_WAIT_SECONDS) -> list[RetryHandler]:
    return [ConnectionErrorRetryHandler(), BoundedRateLimitRetryHandler(longest_wait=longest_wait)]
