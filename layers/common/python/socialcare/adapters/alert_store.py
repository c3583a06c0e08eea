"""The managers' alerts: a P1 conversation's immediate escalation (once per response clock
generation), the hourly negative-message tallies and the spike reports they lead to
(docs/storage.md)."""

from datetime import datetime, timedelta
from typing import Any

from socialcare.adapters.dynamo_codec import conversation_pk
from socialcare.adapters.dynamo_table import ConversationTable
from socialcare.clock import Clock, utc_now
from socialcare.models.message import iso
from socialcare.ports import Recorded

NEGATIVE_KEPT = timedelta(days=3)  # hourly negative tallies: enough history for a spike
SPIKE_KEPT = timedelta(days=15)  # spike reports: a weekly report and the week before read them


class DynamoAlertStore:
    def __init__(
        self, table: str | ConversationTable, client: Any = None, clock: Clock = utc_now
    ) -> None:
        self._table = ConversationTable.of(table, client, clock)

    def priority_alert(
        self, conversation_id: str, generation: int, reasons: tuple[str, ...], at: datetime
    ) -> Recorded:
        item = {
            "pk": conversation_pk(conversation_id),
            "sk": f"ALERT#priority#{generation}",
            "type": "alert",
            "reasons": list(reasons),
            "at": iso(at),
        }
        return self._table.record_once(item, notify=True)

    def priority_alert_sent(self, conversation_id: str, generation: int) -> None:
        self._table.mark_sent(conversation_pk(conversation_id), f"ALERT#priority#{generation}")

    def count_negative(self, brand_id: str, topic: str, hour: str, message_ref: str) -> int:
        return self._table.count_once(
            negative_pk(brand_id, topic, hour), message_ref, NEGATIVE_KEPT
        )

    def negative_history(self, brand_id: str, topic: str, hours: list[str]) -> list[int]:
        keys = [negative_pk(brand_id, topic, hour) for hour in hours]
        counts = self._table.tallies(keys)
        return [counts[key] for key in keys]

    def spike_alert(
        self, brand_id: str, topic: str, hour: str, count: int, at: datetime
    ) -> Recorded:
        item = {
            "pk": spike_pk(brand_id, topic, hour),
            "sk": "ALERT",
            "type": "alert",
            "count": count,
            "at": iso(at),
            "expires_at": int((at + SPIKE_KEPT).timestamp()),
        }
        return self._table.record_once(item, notify=True)

    def spike_alert_sent(self, brand_id: str, topic: str, hour: str) -> None:
        self._table.mark_sent(spike_pk(brand_id, topic, hour), "ALERT")


def negative_pk(brand_id: str, topic: str, hour: str) -> str:
    """The tally of negative messages on a topic in an hour (``YYYY-MM-DDTHH``, UTC)."""
    return f"NEG#{brand_id}#{topic}#{hour}"


def spike_pk(brand_id: str, topic: str, hour: str) -> str:
    """A spike report's key: the weekly report reads them by it."""
    return f"SPIKE#{brand_id}#{topic}#{hour}"
