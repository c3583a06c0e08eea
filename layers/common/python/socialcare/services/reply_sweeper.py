"""The reply sweeper: every few minutes, the agents' replies that stopped on their way.

A reply record is written before its outbox message; if that send fails for good (the
desk's lazy retries exhausted), or a send attempt died with nothing left to redeliver it,
the record would stay ``queued`` (or ``sending``, ``accepted``) forever and the agent would
never hear. Each step of a reply pushes its ``pending_sk`` on (desk_store.STUCK_AFTER); the
sweeper reads the records whose time has passed from the sparse PendingReplies index and
puts each into the outbox again. That is safe: the outbox deduplicates on the reply id, and
the send function's ``queued -> sending -> accepted -> sent`` states never send twice (a
reply cut off mid-call on X is reported uncertain, not repeated). The thread hears that the
reply was held up; after MAX_SWEEPS recoveries the reply is given up and the thread says so.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from socialcare.clock import Clock, utc_now
from socialcare.errors import SupportError
from socialcare.models.reply import ON_ITS_WAY, OutboundReply, ReplyRecord, ReplyStatus, Shown
from socialcare.observability import MetricUnit, logger, metrics
from socialcare.ports import SlackPost
from socialcare.services.desk_actions import Outbox
from socialcare.slack.mrkdwn import escape

BATCH = 25  # records per run: a run every 5 minutes keeps up with far more than agents write
RECHECK = timedelta(minutes=30)  # after a recovery: the outbox's own retries take this long
MAX_SWEEPS = 3


class SweepStore(Protocol):
    def stuck_replies(self, now: datetime, limit: int) -> list[tuple[str, str]]: ...
    def reply(self, conversation_id: str, reply_id: str) -> ReplyRecord | None: ...
    def swept(self, reply: OutboundReply, next_check: datetime) -> int | None: ...
    def mark_failed(self, reply: OutboundReply, code: str, explanation: str) -> None: ...
    def hold(self, reply: OutboundReply, at: datetime) -> None: ...
    def mark_shown(self, reply: OutboundReply, what: Shown = "shown") -> None: ...


@dataclass(frozen=True)
class SweepDeps:
    store: SweepStore
    outbox: Outbox
    slack: SlackPost
    clock: Clock = utc_now


@dataclass
class Swept:
    requeued: int = 0
    given_up: int = 0
    finished: int = 0  # moved on between the index read and ours
    failed: int = 0


def sweep(deps: SweepDeps) -> Swept:
    """One pass; a record that could not be handled fails the run (after the others), so
    Lambda retries it and its dead-letter queue alarms."""
    now, swept = deps.clock(), Swept()
    for conversation_id, reply_id in deps.store.stuck_replies(now, BATCH):
        logger.append_keys(conversation_id=conversation_id, reply_id=reply_id)
        try:
            outcome = _recover(conversation_id, reply_id, now, deps)
        except SupportError as exc:
            logger.error("a stuck reply could not be recovered now", extra={"error": str(exc)})
            outcome = "failed"
        setattr(swept, outcome, getattr(swept, outcome) + 1)
    logger.remove_keys(["conversation_id", "reply_id"])
    metrics.add_metric(name="RepliesRecovered", unit=MetricUnit.Count, value=swept.requeued)
    metrics.add_metric(name="RepliesUnrecovered", unit=MetricUnit.Count, value=swept.given_up)
    if swept.failed:
        raise SupportError(f"{swept.failed} stuck replies could not be recovered now")
    return swept


def _recover(conversation_id: str, reply_id: str, now: datetime, deps: SweepDeps) -> str:
    record = deps.store.reply(conversation_id, reply_id)
    if record is None:
        return "finished"
    reply = record.reply
    if record.status not in ON_ITS_WAY:
        if record.pending:  # ended without leaving the index: never due again
            deps.store.hold(reply, now)
        return "finished"  # (else the index, eventually consistent, had not caught up)
    if record.sweeps >= MAX_SWEEPS:
        _give_up(reply, record.status, now, deps)
        return "given_up"
    deps.outbox.send(reply)  # first: if this fails, the record stays due for the retry
    sweeps = deps.store.swept(reply, now + RECHECK)
    if sweeps is None:
        return "finished"
    logger.warning(
        "a stuck reply was queued again",
        extra={"status": record.status, "queued_at": reply.queued_at.isoformat(), "sweeps": sweeps},
    )
    if sweeps == 1:
        _say(
            reply,
            f":hourglass_flowing_sand: This reply of <@{reply.agent}> was held up on its way"
            f" (since {reply.queued_at:%H:%M} UTC: a step failed). It is queued again; this"
            f" thread will show when it is sent.\n>{escape(reply.text)}",
            deps,
        )
    return "requeued"


def _give_up(reply: OutboundReply, status: ReplyStatus, now: datetime, deps: SweepDeps) -> None:
    name = reply.platform.label
    logger.error("a stuck reply was given up", extra={"status": status, "sweeps": MAX_SWEEPS})
    if status is ReplyStatus.ACCEPTED:  # the platform has it; only recording it keeps failing
        deps.store.hold(reply, now)
        text = (
            f":warning: This reply reached {name}, but recording it keeps failing: the"
            f" conversation may still look unanswered. The operators are alerted.\n"
            f">{escape(reply.text)}"
        )
    else:
        cut_off = status is ReplyStatus.SENDING  # the last attempt died during the platform call
        code = "uncertain" if cut_off else "unrecovered"
        deps.store.mark_failed(reply, code, "it was stuck on its way to the platform")
        text = (
            f":x: This reply of <@{reply.agent}> could not be sent (stuck since"
            f" {reply.queued_at:%H:%M} UTC). "
            + (
                f"It may have reached {name}: check, and send it again if it is missing:"
                if cut_off
                else "The customer did not get it; send it again if it is still needed:"
            )
            + f"\n>{escape(reply.text)}"
        )
    if _say(reply, text, deps):  # a late outbox message then finds it told, and says nothing
        deps.store.mark_shown(reply)


def _say(reply: OutboundReply, text: str, deps: SweepDeps) -> bool:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
    try:
        deps.slack.post(reply.slack_channel, text, blocks, reply.slack_thread_ts)
    except SupportError as exc:  # the recovery stands; the log says the thread missed it
        logger.warning("the thread was not told", extra={"error": str(exc)})
        return False
    return True
