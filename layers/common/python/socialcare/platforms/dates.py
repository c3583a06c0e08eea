"""When a customer wrote: the platform's date of a message, unless it cannot be true.

Reply clocks start at the customer's message time. A date from before the platform existed
(a zero, 1970) would make every clock of the conversation breach at once; a date far ahead
(a skewed or forged clock) would start them in the future, so they would not run. Such a
message is stored at the time we received it, with the platform's own value kept beside it
(``platform_sent_at``); ingest logs a warning and counts ``ImplausibleDate``.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from socialcare.models import Platform

# Public launch dates: nothing on the platform was written before them.
LAUNCHED = {
    Platform.X: datetime(2006, 3, 21, tzinfo=UTC),
    Platform.VK: datetime(2006, 10, 10, tzinfo=UTC),
    Platform.FACEBOOK: datetime(2004, 2, 4, tzinfo=UTC),
    Platform.MESSENGER: datetime(2011, 8, 9, tzinfo=UTC),
    Platform.INSTAGRAM: datetime(2010, 10, 6, tzinfo=UTC),
    Platform.TELEGRAM: datetime(2013, 8, 14, tzinfo=UTC),
}
# Platforms and Lambda keep NTP time: minutes ahead is already a broken clock.
FUTURE_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class Dated:
    sent_at: datetime
    platform_sent_at: str | None = None  # the platform's value, when it was not used


def dated(platform: Platform, claimed: datetime | None, raw: str, received_at: datetime) -> Dated:
    """``claimed`` is the platform's date (None when it is not a representable time)."""
    try:
        if claimed is not None and LAUNCHED[platform] <= claimed <= received_at + FUTURE_SKEW:
            return Dated(claimed.astimezone(UTC))
    except OverflowError:  # an offset that pushes the date past year 9999
        pass
    return Dated(received_at, platform_sent_at=raw)


def from_epoch(seconds: float) -> datetime | None:
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None
