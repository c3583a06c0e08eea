"""A brand's day of conversations with known figures, for the report tests."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from socialcare.deadlines.calendar import BusinessCalendar
from socialcare.reports.facts import ClockFact, ConversationFacts, MessageFact
from socialcare.reports.period import Period, PeriodKind

MSK = ZoneInfo("Europe/Moscow")


CALENDAR = BusinessCalendar.model_validate(
    {
        "timezone": "Europe/Moscow",
        "hours": {d: ["09:00-18:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
    }
)


DAY = Period(PeriodKind.DAY, date(2026, 8, 24), MSK)


def at(hour: int, minute: int = 0, day: int = 24) -> datetime:
    return datetime(2026, 8, day, hour, minute, tzinfo=MSK)


def clock(kind: str, event: str, when: datetime, tier: int = 0, generation: int = 0) -> ClockFact:
    return ClockFact(kind, generation, event, tier, when)


def conversation(cid: str, start: datetime, **kw: object) -> ConversationFacts:
    defaults: dict[str, object] = {
        "platform": "x",
        "channel_type": "public",
        "status": "open",
        "returning": False,
        "customer": f"@{cid}",
        "link": f"https://x.com/{cid}/status/1",
    }
    return ConversationFacts(id=cid, created_at=start.astimezone(UTC), **(defaults | kw))  # type: ignore[arg-type]


C1 = conversation(
    "c1",
    at(10),
    status="answered",
    topic="delivery",
    sentiment="negative",
    first_response_at=at(10, 30),
    first_responder="U1",
    messages=(
        MessageFact(True, at(10), suggested=True),
        MessageFact(False, at(10, 30), agent="U1", from_suggestion=True),
    ),
    clocks=(clock("first_response", "started", at(10)), clock("first_response", "met", at(10, 30))),
)


C2 = conversation(
    "c2",
    at(23, 30),
    platform="vk",
    channel_type="private",
    status="answered",
    sentiment="positive",
    first_response_at=at(0, 30, day=25),
    first_responder="U1",
    messages=(MessageFact(True, at(23, 30)), MessageFact(False, at(0, 30, day=25), agent="U1")),
)


C3 = conversation(
    "c3",
    at(8),
    status="resolved",
    returning=True,
    topic="order_status",
    sentiment="neutral",
    first_response_at=at(9, 15),
    first_responder="U2",
    resolved_at=at(12),
    messages=(
        MessageFact(True, at(8)),
        MessageFact(False, at(9, 15), agent="U2"),
        MessageFact(True, at(11)),
        MessageFact(False, at(11, 20), agent="U2"),
    ),
    clocks=(
        clock("first_response", "started", at(8)),
        clock("first_response", "met", at(9, 15)),
        clock("next_response", "started", at(11), generation=1),
        clock("next_response", "met", at(11, 20), generation=1),
    ),
)


C4 = conversation("c4", at(12), status="spam", topic="spam")


C5 = conversation(
    "c5",
    at(14),
    platform="vk",
    topic="delivery",
    sentiment="negative",
    messages=(MessageFact(True, at(14)),),
    clocks=(
        clock("first_response", "started", at(14)),
        clock("first_response", "warned", at(14, 45)),
        clock("first_response", "breached", at(15)),
        clock("first_response", "escalated", at(15), tier=1),
    ),
)


PREVIOUS = [
    conversation(f"p{i}", at(10, day=23), topic="delivery", first_response_at=at(11, day=23))
    for i in range(3)
]
