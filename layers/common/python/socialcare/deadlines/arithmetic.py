"""Clock arithmetic: due times, warnings, pauses and the platform's reply window.

Every function takes aware datetimes and answers in UTC. A clock that counts calendar time
has no calendar (``None``); one that counts business time only moves while the brand is open.
A pause (the conversation waits on the customer) stops the clock the same way closed hours
do: the due time is pushed by the part of the pause that would have counted.
"""

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta

from socialcare.deadlines.calendar import BusinessCalendar
from socialcare.models.common import Platform

DEFAULT_WARN_AT = 0.75
Pause = tuple[datetime, datetime | None]  # from, until (None: still paused)
MESSAGING_WINDOW = timedelta(hours=24)
# A Telegram Business account's bot may answer a chat only within 24 hours of the customer's
# last message (the can_reply right's own terms).
TELEGRAM_BUSINESS_WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)
WINDOWED_PLATFORMS = frozenset({Platform.MESSENGER, Platform.INSTAGRAM})


def running(
    since: datetime, calendar: BusinessCalendar | None, pauses: Iterable[Pause] = ()
) -> Iterator[tuple[datetime, datetime]]:
    """The stretches, from ``since`` on, in which the clock runs: open hours (or all time)
    minus the pauses."""
    cuts = sorted((a.astimezone(UTC), b.astimezone(UTC) if b else None) for a, b in pauses)
    windows: Iterator[tuple[datetime, datetime]] = (
        calendar.open_windows(since.astimezone(UTC))
        if calendar is not None
        else iter([(since.astimezone(UTC), datetime.max.replace(tzinfo=UTC))])
    )
    for opens, end in windows:
        start = opens
        for cut_from, cut_until in cuts:
            if cut_until is not None and cut_until <= start:
                continue
            if cut_from >= end:
                break
            if cut_from > start:
                yield start, cut_from
            if cut_until is None:
                return
            start = max(start, cut_until)
            if start >= end:
                break
        if start < end:
            yield start, end


def due_time(
    start: datetime,
    target: timedelta,
    calendar: BusinessCalendar | None = None,
    pauses: Iterable[Pause] = (),
) -> datetime | None:
    """When ``target`` of running time has passed since ``start``; None while the clock is
    paused with time still left."""
    left = target
    for opens, closes in running(start, calendar, pauses):
        if left <= closes - opens:
            return opens + left
        left -= closes - opens
    return None


def elapsed(
    start: datetime,
    until: datetime,
    calendar: BusinessCalendar | None = None,
    pauses: Iterable[Pause] = (),
) -> timedelta:
    """Running time between two instants: what reports call business (or calendar) time."""
    total = timedelta()
    end = until.astimezone(UTC)
    for opens, closes in running(start, calendar, pauses):
        if opens >= end:
            break
        total += min(closes, end) - opens
    return total


def warning_time(
    start: datetime,
    target: timedelta,
    calendar: BusinessCalendar | None = None,
    pauses: Iterable[Pause] = (),
    share: float = DEFAULT_WARN_AT,
) -> datetime | None:
    return due_time(start, target * share, calendar, pauses)


def reply_window_closes(
    platform: Platform, last_customer_message: datetime, human_agent_tag: bool = False
) -> datetime | None:
    """Messenger and Instagram accept a reply for 24 h after the customer's last message
    (7 days with the human-agent tag); the other platforms have no such window."""
    if platform not in WINDOWED_PLATFORMS:
        return None
    window = HUMAN_AGENT_WINDOW if human_agent_tag else MESSAGING_WINDOW
    return last_customer_message.astimezone(UTC) + window


def effective_due(policy_due: datetime | None, window_closes: datetime | None) -> datetime | None:
    """The earlier of the policy's due time and the platform's reply window."""
    candidates = [t for t in (policy_due, window_closes) if t is not None]
    return min(candidates) if candidates else None
