"""The report store in memory: conversations as the report reads them, their messages and
clock events filed by the UTC day they happened on (as the ByActivityDay index files them),
and the requests the report made, to check it reads by days, not by conversations."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC
from email.message import EmailMessage

from socialcare.ports import Recorded
from socialcare.reports.facts import ClockFact, MessageFact, Seen, Started
from socialcare.reports.period import Period
from tests.support.once import record_once


@dataclass
class InMemoryReports:
    started: dict[str, list[Started]] = field(default_factory=dict)  # by "brand day"
    seen: dict[str, list[Seen]] = field(default_factory=dict)  # by conversation id
    unfiled: set[str] = field(default_factory=set)  # stored before items carried days
    spiked: set[str] = field(default_factory=set)  # "topic hour"
    asked: list[tuple[str, str]] = field(default_factory=list)

    def add(self, brand_id: str, started: Started, *seen: Seen, filed: bool = True) -> None:
        day = started.created_at.astimezone(UTC).date().isoformat()
        self.started.setdefault(f"{brand_id} {day}", []).append(started)
        self.seen[started.id] = list(seen)
        if not filed:
            self.unfiled.add(started.id)

    def started_on_day(self, brand_id: str, day: str) -> list[Started]:
        self.asked.append(("day", day))
        return list(self.started.get(f"{brand_id} {day}", []))

    def activity_on_day(
        self, brand_id: str, day: str, wanted: set[str]
    ) -> Iterator[tuple[str, Seen]]:
        self.asked.append(("activity", day))
        for conversation_id in sorted(wanted - self.unfiled):
            for one in self.seen.get(conversation_id, []):
                if one.fact is not None and _day(one.fact) == day:
                    yield conversation_id, one

    def activity_of(self, conversation_id: str) -> list[Seen]:
        self.asked.append(("partition", conversation_id))
        return list(self.seen.get(conversation_id, []))

    def spikes(self, brand_id: str, topics: list[str], hours: list[str]) -> list[str]:
        self.asked.append(("spikes", ",".join(topics)))
        return [f"{t} {h}:00 UTC" for t in topics for h in hours if f"{t} {h}" in self.spiked]


@dataclass
class InMemoryReportLedger(InMemoryReports):
    """services.report_mail.ReportLedger: each report recorded once before it goes."""

    ledger: dict[str, bool] = field(default_factory=dict)  # "brand label" -> sent

    def record_report(self, brand_id: str, period: Period) -> Recorded:
        return record_once(self.ledger, f"{brand_id} {period.label}")

    def report_sent(self, brand_id: str, period: Period) -> None:
        self.ledger[f"{brand_id} {period.label}"] = True


@dataclass
class FakeMailer:
    """services.report_mail.Mailer: the messages SES took; ``failing``: SES refuses."""

    sent: list[EmailMessage] = field(default_factory=list)
    failing: Exception | None = None

    def send(self, message: EmailMessage) -> str:
        if self.failing is not None:
            raise self.failing
        self.sent.append(message)
        return f"ses-{len(self.sent)}"


def _day(fact: MessageFact | ClockFact) -> str:
    return fact.at.astimezone(UTC).date().isoformat()
