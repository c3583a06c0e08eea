"""A brand's business calendar: a time zone, weekly opening hours (several intervals a day, for
split shifts and breaks) and holidays. Validated when loaded, with errors a support lead can
act on.

Hours are wall-clock times in the brand's zone; ``open_windows`` turns them into real (UTC)
instants day by day, so a DST change shortens or lengthens that day's open time exactly as
the clocks on the wall do. A local time that does not exist (skipped by a spring-forward
change) opens or closes at the moment the clock jumps; a time that exists twice (autumn)
opens at its first occurrence and closes at its last.
"""

import itertools
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

SEARCH_DAYS = 3660  # a calendar open less than once in ten years is treated as never open
_INTERVAL = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")


class Weekday(StrEnum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"


WEEKDAYS = tuple(Weekday)


def _interval(value: object) -> tuple[time, time]:
    """ "09:00-13:00" -> (09:00, 13:00); "24:00" closes at midnight."""
    if isinstance(value, tuple):
        return value
    found = _INTERVAL.match(str(value).strip())
    if not found:
        raise ValueError(f"{value!r} is not an interval like 09:00-18:00")
    h1, m1, h2, m2 = (int(g) for g in found.groups())
    if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2):
        raise ValueError(f"{value!r} is not a time of day")
    start = time(h1, m1)
    end = time.max if h2 == 24 else time(h2, m2)
    if end <= start:
        raise ValueError(f"{value!r} ends before it starts (split an overnight shift in two days)")
    return start, end


Interval = Annotated[tuple[time, time], BeforeValidator(_interval)]


class BusinessCalendar(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    timezone: str = Field(description="an IANA zone such as Europe/Moscow")
    hours: dict[Weekday, tuple[Interval, ...]] = Field(description="open intervals per weekday")
    holidays: frozenset[date] = frozenset()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name)") from exc
        return value

    @field_validator("hours")
    @classmethod
    def _no_overlaps(
        cls, hours: dict[Weekday, tuple[tuple[time, time], ...]]
    ) -> dict[Weekday, tuple[tuple[time, time], ...]]:
        for day, intervals in hours.items():
            ordered = sorted(intervals)
            for (_, end), (start, _) in itertools.pairwise(ordered):
                if start < end:
                    raise ValueError(f"{day}: intervals overlap at {start:%H:%M}")
        return {day: tuple(sorted(intervals)) for day, intervals in hours.items()}

    @model_validator(mode="after")
    def _open_sometimes(self) -> "BusinessCalendar":
        if not any(self.hours.values()):
            raise ValueError("the calendar is never open: give at least one day some hours")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def open_windows(self, since: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Open windows in UTC, in order, the first one clipped to start at ``since``."""
        zone = self.zone
        day = since.astimezone(zone).date() - timedelta(days=1)  # a window may span midnight UTC
        for _ in range(SEARCH_DAYS):
            if day not in self.holidays:
                for start, end in self.hours.get(WEEKDAYS[day.weekday()], ()):
                    opens = instant(datetime.combine(day, start), zone, first=True)
                    closes = (
                        instant(datetime.combine(day + timedelta(days=1), time()), zone, True)
                        if end == time.max
                        else instant(datetime.combine(day, end), zone, first=False)
                    )
                    if closes > since and closes > opens:
                        yield max(opens, since), closes
            day += timedelta(days=1)
        raise ValueError(f"no open hours in the {SEARCH_DAYS} days after {since.isoformat()}")


def instant(wall: datetime, zone: ZoneInfo, first: bool) -> datetime:
    """The real instant of a wall-clock time in ``zone``. A time that exists twice: its first
    or last occurrence; a time that never exists: the moment the clock jumps over it."""
    early = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    late = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    if early == late:
        return early
    if early.astimezone(zone).replace(tzinfo=None) == wall:  # exists twice (autumn)
        return min(early, late) if first else max(early, late)
    # Skipped (spring): the jump lies between the two readings; find it to the second.
    low, high = min(early, late), max(early, late)
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(zone).replace(tzinfo=None) < wall:
            low = middle
        else:
            high = middle
    return high.replace(microsecond=0)
