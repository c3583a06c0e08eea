"""Schedules: moto stores EventBridge rules and Scheduler schedules but never fires them.

``rate(...)`` expressions fire on a timer, divided by the time factor; every schedule can
also be fired on demand (``fire``), which is what the demo and the tests do for cron
expressions (the report schedules arrive with their issue).
"""

import re
import threading
import uuid
from datetime import UTC, datetime
from typing import Any

from socialcare.local.runtime import Invocation, LocalRuntime

UNITS = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400, "days": 86400}


def rate_seconds(expression: str) -> float | None:
    match = re.fullmatch(r"rate\((\d+)\s+(\w+)\)", expression.strip())
    return (
        int(match.group(1)) * UNITS[match.group(2)] if match and match.group(2) in UNITS else None
    )


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
            if seconds is None:
                continue
            thread = threading.Thread(
                target=self._every,
                args=(function, expression, seconds / self.time_factor),
                name=f"schedule-{function}",
                daemon=True,
            )
            thread.start()
            self.threads.append(thread)
        return self

    def _every(self, function: str, expression: str, interval: float) -> None:
        while not self._stop.wait(interval):
            self.runtime.invoke(function, scheduled_event(expression))

    def stop(self) -> None:
        self._stop.set()
        for thread in self.threads:
            thread.join(timeout=5)
