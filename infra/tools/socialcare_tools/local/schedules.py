"""Schedules: moto stores EventBridge rules and Scheduler schedules but never fires them.

Each schedule in the template fires on a timer of the local stack's compressed clock:
``rate(...)`` every interval divided by the time factor, ``cron(...)`` (EventBridge's
six-field form, in the schedule's time zone) at its next occurrence on a simulated clock
that runs ``time_factor`` times faster than the wall clock. Every schedule can also be
fired on demand (``fire``), as the demo and the tests do.
"""

import re
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from croniter import croniter

from socialcare_tools.local.runtime import Invocation, LocalRuntime

# A compressed rate fires at most once a second: the reply sweeper's 5 minutes at 3600x
# would be 12 runs a second, each taking the one-at-a-time runtime from the rest.
MIN_INTERVAL_SECONDS = 1.0
UNITS = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400, "days": 86400}


def rate_seconds(expression: str) -> float | None:
    match = re.fullmatch(r"rate\((\d+)\s+(\w+)\)", expression.strip())
    return (
        int(match.group(1)) * UNITS[match.group(2)] if match and match.group(2) in UNITS else None
    )


AWS_DAYS = {str(n): str(n - 1) for n in range(1, 8)}  # EventBridge: 1 = SUN; cron: 0 = SUN


def cron_fields(expression: str) -> str | None:
    """EventBridge ``cron(min hour dom month dow year)`` as five standard cron fields."""
    match = re.fullmatch(r"cron\((.+)\)", expression.strip())
    if not match:
        return None
    fields = match.group(1).split()
    if len(fields) != 6:
        raise ValueError(f"{expression}: EventBridge cron has six fields")
    minute, hour, dom, month, dow, _year = (f.replace("?", "*") for f in fields)
    dow = re.sub(r"\b[1-7]\b", lambda m: AWS_DAYS[m.group(0)], dow)
    return " ".join((minute, hour, dom, month, dow))


def next_cron(fields: str, after: datetime) -> datetime:
    moment: datetime = croniter(fields, after).get_next(datetime)
    return moment


def scheduled_event(expression: str) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": "eu-west-1",
        "resources": [f"local-schedule:{expression}"],
        "detail": {},
    }


class Schedules:
    def __init__(self, runtime: LocalRuntime, time_factor: float) -> None:
        self.runtime = runtime
        self.time_factor = time_factor
        self._stop = threading.Event()
        self.threads: list[threading.Thread] = []
        self.entries = [
            (fn, expr) for fn, spec in runtime.functions.items() for expr in spec.schedules
        ]

    def fire(self, function: str) -> list[Invocation]:
        spec = self.runtime.functions[function]
        return [self.runtime.invoke(function, scheduled_event(expr)) for expr in spec.schedules]

    def start(self) -> "Schedules":
        for function, expression in self.entries:
            seconds = rate_seconds(expression)
            fields = cron_fields(expression)
            target: Callable[..., None]
            args: tuple[str, str, float | str]
            if seconds is not None:
                interval = max(MIN_INTERVAL_SECONDS, seconds / self.time_factor)
                target, args = self._every, (function, expression, interval)
            elif fields is not None:
                target, args = self._on_cron, (function, expression, fields)
            else:
                continue
            thread = threading.Thread(
                target=target, args=args, name=f"schedule-{function}", daemon=True
            )
            thread.start()
            self.threads.append(thread)
        return self

    def _on_cron(self, function: str, expression: str, fields: str) -> None:
        """The simulated clock starts at the wall clock and runs time_factor times faster."""
        zone = ZoneInfo(self.runtime.functions[function].schedule_zones.get(expression, "UTC"))
        started, simulated_start = datetime.now(UTC), datetime.now(zone)
        upcoming = next_cron(fields, simulated_start)
        while True:
            elapsed = (datetime.now(UTC) - started) * self.time_factor
            wait = (upcoming - (simulated_start + elapsed)) / self.time_factor
            if self._stop.wait(max(0.0, wait.total_seconds())):
                return
            self.runtime.invoke(function, scheduled_event(expression))
            upcoming = next_cron(fields, upcoming + timedelta(seconds=1))

    def _every(self, function: str, expression: str, interval: float) -> None:
        while not self._stop.wait(interval):
            self.runtime.invoke(function, scheduled_event(expression))

    def stop(self) -> None:
        self._stop.set()
        for thread in self.threads:
            thread.join(timeout=5)
