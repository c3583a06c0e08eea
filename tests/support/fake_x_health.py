"""X's webhook health in memory (services.x_health): the app's webhooks as X lists them, and
the latest customer message and "filled until" mark of each support account."""

from dataclasses import dataclass, field
from datetime import datetime

from socialcare.platforms.x.admin import Webhook
from socialcare.services.x_delivery_outage import Closing


@dataclass
class FakeWebhookAdmin:
    hooks: list[Webhook] = field(default_factory=list)
    attempts: bool = True  # what X answers to a revalidation
    revalidated: list[str] = field(default_factory=list)

    def webhooks(self) -> list[Webhook]:
        return list(self.hooks)

    def revalidate(self, webhook_id: str) -> bool:
        self.revalidated.append(webhook_id)
        return self.attempts


@dataclass
class FakeLastEvents:
    latest: dict[str, datetime] = field(default_factory=dict)  # by account id
    filled: dict[str, datetime] = field(default_factory=dict)
    days_read: list[list[str]] = field(default_factory=list)

    def latest_inbound(self, brand_id: str, account_id: str, days: list[str]) -> datetime | None:
        self.days_read.append(days)
        found = self.latest.get(account_id)
        return found if found is not None and found.date().isoformat() in days else None

    def filled_until(self, account_id: str) -> datetime | None:
        return self.filled.get(account_id)

    def mark_filled(self, account_id: str, until: datetime) -> None:
        self.filled[account_id] = until


@dataclass
class FakeOutageMarks:
    """services.x_delivery_outage.OutageMarks: each alarm's open outage start, and the
    outages closed."""

    open: dict[str, datetime] = field(default_factory=dict)
    closed: dict[str, datetime] = field(default_factory=dict)

    def open_outage(self, alarm: str, start: datetime) -> None:
        self.closed.pop(alarm, None)
        self.open.setdefault(alarm, start)

    def close_outage(self, alarm: str, at: datetime) -> tuple[Closing, datetime | None]:
        if alarm in self.open:
            self.closed[alarm] = at
            return "closed", self.open.pop(alarm)
        if alarm in self.closed:
            return "already closed", None
        self.closed[alarm] = at
        return "unknown", None
