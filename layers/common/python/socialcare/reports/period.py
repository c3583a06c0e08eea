"""A report's period: a local day or a Monday-to-Sunday week in the brand's time zone."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class PeriodKind(StrEnum):
    DAY = "day"
    WEEK = "week"


@dataclass(frozen=True)
class Period:
    kind: PeriodKind
    first_day: date  # local
    zone: ZoneInfo

    @property
    def days(self) -> int:
        return 1 if self.kind is PeriodKind.DAY else 7

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, time(0), self.zone).astimezone(UTC)

    @property
    def end(self) -> datetime:
        """Exclusive: the next period's start (a DST day is 23 or 25 hours long)."""
        following = self.first_day + timedelta(days=self.days)
        return datetime.combine(following, time(0), self.zone).astimezone(UTC)

    def previous(self) -> "Period":
        return Period(self.kind, self.first_day - timedelta(days=self.days), self.zone)

    def utc_days(self) -> list[str]:
        """The UTC dates (ByDay index keys) the period touches."""
        return utc_days(self.start, self.end - timedelta(microseconds=1))

    @property
    def label(self) -> str:
        if self.kind is PeriodKind.DAY:
            return f"{self.first_day:%a %d %b %Y}"
        last = self.first_day + timedelta(days=6)
        return f"week {self.first_day:%d %b} - {last:%d %b %Y}"

    @classmethod
    def containing(cls, kind: PeriodKind, day: date, zone: ZoneInfo) -> "Period":
        """The day itself, or the Monday-to-Sunday week it falls in."""
        first = day if kind is PeriodKind.DAY else day - timedelta(days=day.weekday())
        return cls(kind, first, zone)

    @classmethod
    def ending_before(cls, kind: PeriodKind, moment: datetime, zone: ZoneInfo) -> "Period":
        """The last whole day (or Monday-to-Sunday week) before ``moment``, locally."""
        return cls.containing(kind, moment.astimezone(zone).date(), zone).previous()

    def holds(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


def utc_days(first: datetime, last: datetime) -> list[str]:
    """The UTC dates (the day index keys) from ``first``'s to ``last``'s, both included."""
    day, end = first.astimezone(UTC).date(), last.astimezone(UTC).date()
    found = []
    while day <= end:
        found.append(day.isoformat())
        day += timedelta(days=1)
    return found
