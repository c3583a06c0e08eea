"""Our own outage: the X webhook answered 503 (storage or configuration unavailable), so X
was asked to deliver again, but X does not document retries for its Activity API. What it
sent meanwhile may be lost; a gap fill fetches it once the outage is over.

The alarm ``XDeliveryUnavailableAlarm`` (``DeliveryUnavailable`` of ingest-x, any minute
with one) notifies the health function through SNS when it goes to ALARM and when it goes
back to OK:

* ALARM: the outage's start is kept (the alarm's change time, less its one-minute period
  and a minute of margin: the first 503 came within the period before).
* OK: the window from that start to the change time goes to the gap fill, for every X
  support account (a 503 does not say whose delivery it was). An OK without a kept start
  (its ALARM notification was lost) falls back to the 15 minutes before it.

Notifications may come twice or out of order (SNS retries): a second ALARM keeps the first
start, a second OK finds the outage closed and hands nothing over.
"""

from datetime import datetime, timedelta
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator

from socialcare.observability import logger
from socialcare.services.x_health import XOutage

Closing = Literal["closed", "already closed", "unknown"]
ALARM_PERIOD = timedelta(minutes=1)
MARGIN = timedelta(minutes=1)
WITHOUT_START = timedelta(minutes=15)


class AlarmChange(BaseModel):
    """The fields we use of CloudWatch's alarm notification (the SNS message, JSON)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    alarm: str = Field(alias="AlarmName", min_length=1, max_length=255)
    state: Literal["ALARM", "OK", "INSUFFICIENT_DATA"] = Field(alias="NewStateValue")
    changed_at: datetime = Field(alias="StateChangeTime")

    @field_validator("changed_at", mode="before")
    @classmethod
    def _cloudwatch_time(cls, value: object) -> object:
        # CloudWatch writes "2026-12-06T03:20:00.000+0000"; pydantic wants "+00:00".
        if (
            isinstance(value, str)
            and len(value) > 5
            and value[-5] in "+-"
            and ":" not in value[-5:]
        ):
            return f"{value[:-2]}:{value[-2:]}"
        return value

    @field_validator("changed_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("StateChangeTime needs a time zone")
        return value


class OutageMarks(Protocol):
    def open_outage(self, alarm: str, start: datetime) -> None:
        """Keep ``start`` unless an open outage of ``alarm`` is kept already."""

    def close_outage(self, alarm: str, at: datetime) -> tuple[Closing, datetime | None]:
        """Close the alarm's outage: how it was ("closed": it was open, with its start;
        "already closed": an earlier OK closed it; "unknown": its ALARM never came)."""


def on_alarm(change: AlarmChange, marks: OutageMarks) -> XOutage | None:
    """What one notification means: an outage to fill (on OK), or nothing yet."""
    if change.state == "ALARM":
        began = change.changed_at - ALARM_PERIOD - MARGIN
        marks.open_outage(change.alarm, began)
        logger.error(
            "x deliveries answered 503: outage begun",
            extra={"alarm": change.alarm, "since": began.isoformat()},
        )
        return None
    if change.state != "OK":
        logger.info("alarm state not acted on", extra={"alarm": change.alarm})
        return None
    how, start = marks.close_outage(change.alarm, change.changed_at)
    if how == "already closed":
        logger.info("x outage already handed over", extra={"alarm": change.alarm})
        return None
    if start is None:
        start = change.changed_at - WITHOUT_START
        logger.warning("x outage ended with no start kept", extra={"alarm": change.alarm})
    logger.info(
        "x outage over: handing it to the gap fill",
        extra={"alarm": change.alarm, "from": start.isoformat()},
    )
    return XOutage(None, start, change.changed_at, f"our 503 answers ({change.alarm})")
