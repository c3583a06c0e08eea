"""Bolt's lazy listeners on Lambda, made to fail loudly.

slack_bolt 1.30 runs a lazy listener in the self-invoked Lambda through
``LazyListenerRunner.run`` -> ``build_runnable_function``, which catches every exception
and only logs it; the handler then answers 200 and Lambda counts the asynchronous
invocation a success: no retry, nothing in the desk's dead-letter queue, no alarm, and an
agent's reply or button press is simply gone. ``step`` wraps each lazy function: a failure
is logged with the Slack ids, counted (``DeskStepFailed``), the agent hears in the thread
that it is retried, and the exception is kept; ``respond`` (the Lambda handler's call into
Bolt) raises it again once Bolt has returned, so Lambda retries the invocation (every step
is idempotent on its Slack id), then keeps it in the dead-letter queue, which is alarmed.
"""

import functools
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, Protocol

from socialcare.errors import SupportError
from socialcare.observability import MetricUnit, logger, metrics

RETRYING = (
    ":warning: That did not go through (a temporary failure on our side). It is tried again"
    " automatically within a few minutes; this thread will show what happens."
)

_failure: ContextVar[Exception | None] = ContextVar("lazy_step_failure", default=None)


class Ephemeral(Protocol):
    def ephemeral(
        self, channel: str, user: str, text: str, thread_ts: str | None = None
    ) -> None: ...


class BoltHandler(Protocol):
    def handle(self, event: dict[str, Any], context: Any) -> dict[str, Any]: ...


LazyFunction = Callable[..., None]


def step(slack: Ephemeral) -> Callable[[LazyFunction], LazyFunction]:
    """Decorate a lazy function (Bolt still injects its own arguments: ``functools.wraps``
    keeps its name, which Bolt dispatches on, and its signature, which Bolt reads)."""

    def decorate(function: LazyFunction) -> LazyFunction:
        @functools.wraps(function)
        def run(**kwargs: Any) -> None:
            try:
                function(**kwargs)
            except Exception as exc:
                where = _where(kwargs)
                logger.exception(
                    "a desk step failed; Lambda retries it",
                    extra={"step": function.__name__, "error": type(exc).__name__, **where},
                )
                metrics.add_metric(name="DeskStepFailed", unit=MetricUnit.Count, value=1)
                _tell(slack, where)
                _failure.set(exc)
                raise

        return run

    return decorate


def respond(handler: BoltHandler, event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Bolt's answer to ``event``; a lazy step's failure is raised, for Lambda to retry."""
    token = _failure.set(None)
    try:
        response = handler.handle(event, context)
        failure = _failure.get()
    finally:
        _failure.reset(token)
    if failure is not None:
        raise failure
    return response


def _where(kwargs: dict[str, Any]) -> dict[str, str]:
    """The Slack channel, thread and user of the request, for the log and the notice."""
    body = kwargs.get("body") or {}
    command = kwargs.get("command") or {}
    event = body.get("event") or {}
    container = body.get("container") or {}
    channel = event.get("channel") or container.get("channel_id") or command.get("channel_id")
    thread = event.get("thread_ts") or container.get("message_ts")
    user = event.get("user") or (body.get("user") or {}).get("id") or command.get("user_id")
    found = {
        "slack_channel": channel,
        "slack_thread_ts": thread,
        "slack_user": user,
        "slack_id": body.get("event_id") or (body.get("view") or {}).get("id"),
    }
    return {k: str(v) for k, v in found.items() if v}


def _tell(slack: Ephemeral, where: dict[str, str]) -> None:
    channel, user = where.get("slack_channel"), where.get("slack_user")
    if not (channel and user):
        return  # a modal's submission names no channel: the log and the alarm carry it
    try:
        slack.ephemeral(channel, user, RETRYING, where.get("slack_thread_ts"))
    except SupportError as exc:
        logger.warning("the agent was not told of the failure", extra={"error": str(exc)})
