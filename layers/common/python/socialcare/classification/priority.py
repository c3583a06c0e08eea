"""Priority: a documented score mapped to P1..P4, with the reasons an agent sees.

| reason | points |
| --- | --- |
| reach: 100,000+ / 10,000+ / 1,000+ followers | +3 / +2 / +1 |
| verified account | +1 |
| public (everyone sees how we answer) | +1 |
| negative sentiment (the model's label) | +2 |
| urgency words ("срочно", "urgent", "hitno", ...) | +2 |
| topic: refund or return, product defect, payment / praise | +1 / -2 |
| a brand rule's nudge: up / down | +2 / -2 |
| the customer writes again while waiting: 2nd / 3rd+ message | +1 / +2 |
| repeat contact: 1 / 2+ other conversations of the customer in 7 days | +1 / +2 |
| waiting since 1 h / 4 h | +1 / +2 |

Score 6+ is P1, 4-5 P2, 2-3 P3, below 2 P4. Spam is always P4.
"""

import re
from dataclasses import dataclass
from datetime import datetime

from socialcare.models.classification import Priority, Topic, TopicGuess

URGENT = re.compile(
    r"\b(срочно|немедленно|urgent|urgently|asap|immediately|emergency|терміново|негайно"
    r"|тэрмінова|неадкладна|hitno|odmah)\b",
    re.IGNORECASE | re.UNICODE,
)
SERIOUS_TOPICS = {Topic.REFUND_RETURN, Topic.PRODUCT_DEFECT, Topic.PAYMENT}
LEVELS = ((6, "P1"), (4, "P2"), (2, "P3"))
REPEAT_WINDOW_DAYS = 7


@dataclass(frozen=True)
class Signals:
    followers: int | None
    verified: bool | None
    public: bool
    text: str
    topic: TopicGuess | None
    messages_in_conversation: int
    waiting_since: datetime | None
    now: datetime
    negative: bool = False
    spam: bool = False
    earlier_conversations: int = 0  # the customer's other conversations in REPEAT_WINDOW


Reasons = list[tuple[str, int]]


def _who(signals: Signals) -> Reasons:
    reasons: Reasons = []
    followers = signals.followers or 0
    points = next(
        (p for threshold, p in ((100_000, 3), (10_000, 2), (1_000, 1)) if followers >= threshold), 0
    )
    if points:
        reasons.append((f"reach: {followers:,} followers", points))
    if signals.verified:
        reasons.append(("verified account", 1))
    if signals.public:
        reasons.append(("public: everyone sees the answer", 1))
    return reasons


def _what(signals: Signals) -> Reasons:
    reasons: Reasons = []
    if signals.negative:
        reasons.append(("negative sentiment", 2))
    if match := URGENT.search(signals.text):
        reasons.append((f"urgent: '{match.group(0)}'", 2))
    topic = signals.topic
    if topic is not None and topic.code in SERIOUS_TOPICS:
        reasons.append((f"topic: {topic.code}", 1))
    elif topic is not None and topic.code is Topic.PRAISE:
        reasons.append(("topic: praise", -2))
    if topic is not None and topic.priority:
        rule = topic.reason.split(" matched")[0]
        reasons.append((f"{rule} says {topic.priority}", 2 if topic.priority == "up" else -2))
    return reasons


def _waiting(signals: Signals) -> Reasons:
    reasons: Reasons = []
    if signals.messages_in_conversation >= 3:
        reasons.append((f"message {signals.messages_in_conversation} while waiting", 2))
    elif signals.messages_in_conversation == 2:
        reasons.append(("writes again while waiting", 1))
    if signals.earlier_conversations:
        count = signals.earlier_conversations
        reasons.append(
            (
                f"repeat contact: {count} other conversation{'s' if count > 1 else ''} in"
                f" {REPEAT_WINDOW_DAYS} days",
                2 if count >= 2 else 1,
            )
        )
    if signals.waiting_since is not None:
        hours = (signals.now - signals.waiting_since).total_seconds() / 3600
        if hours >= 4:
            reasons.append((f"waiting {hours:.0f} h", 2))
        elif hours >= 1:
            reasons.append((f"waiting {hours:.1f} h", 1))
    return reasons


def score(signals: Signals) -> Priority:
    if signals.spam:
        return Priority(
            level="P4",
            score=0,
            reasons=("spam: never escalated",),
            earlier_conversations=signals.earlier_conversations,
        )
    reasons = _who(signals) + _what(signals) + _waiting(signals)
    total = sum(points for _, points in reasons)
    level = next((name for floor, name in LEVELS if total >= floor), "P4")
    return Priority(
        level=level,
        score=total,
        reasons=tuple(f"{text} ({points:+d})" for text, points in reasons),
        earlier_conversations=signals.earlier_conversations,
    )
