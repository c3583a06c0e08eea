"""Items as the conversations table holds them (a conversation's META, a stored message), for
the fakes of the fast tier, which keep items and hand out the models the real stores return.
Each builder gives a complete item; a test names only what it is about."""

from typing import Any

from socialcare.models.classification import (
    Classification,
    LanguageGuess,
    Priority,
    Sentiment,
    SentimentGuess,
    SpamVerdict,
    Suggestion,
    Topic,
    TopicGuess,
)

AT = "2026-08-24T10:15:02.000Z"
JANE = {"id": "1400000000000000042", "name": "Jane Roe", "handle": "janeroe"}


def conversation_item(**fields: Any) -> dict[str, Any]:
    """A conversation of Jane's on X, new, as ingest wrote it."""
    return {
        "id": "c-1",
        "key": "x#1#1400000000000000042",
        "status": "new",
        "platform": "x",
        "account_id": "1500000000000000001",
        "brand_id": "acme",
        "channel_type": "public",
        "customer": JANE,
        "created_at": AT,
        "last_inbound_at": AT,
        "waiting_since": AT,
        "message_count": 1,
    } | fields


def message_item(**fields: Any) -> dict[str, Any]:
    """Jane's mention, stored and not classified yet."""
    return {
        "sk": f"MSG#{AT}#1960000000000000100",
        "direction": "inbound",
        "platform": "x",
        "kind": "mention",
        "text": "@AcmeSupport where is my order?",
        "author": JANE,
        "sent_at": AT,
        "platform_message_id": "1960000000000000100",
        "message_ref": "x#1500000000000000001#1960000000000000100",
        "summoned": True,
    } | fields


def clock_summary(due_at: str = "2026-08-24T11:15:00.000Z", generation: int = 1) -> dict[str, Any]:
    return {"generation": generation, "started_at": AT, "due_at": due_at, "policy": "default"}


def classified(
    *,
    level: str = "P2",
    reasons: tuple[str, ...] = (),
    suggestion: str | None = "Hi janeroe, we're on it.",
    spam: bool = False,
) -> dict[str, Any]:
    """What the classifier stores on a message (``classification``)."""
    found = Classification(
        language=LanguageGuess(code="en", score=1.0),
        sentiment=SentimentGuess(label=Sentiment.NEUTRAL, score=0.0, confidence=0.9),
        topic=TopicGuess(code=Topic.ORDER_STATUS, source="model", reason="a test's"),
        spam=SpamVerdict(is_spam=spam),
        priority=Priority(level=level, score=50, reasons=reasons),
        suggestion=Suggestion(
            answer_id="where-is-my-order", score=0.6, language="en", text=suggestion, reason="t"
        )
        if suggestion is not None
        else None,
    )
    return found.model_dump(mode="json", exclude_none=True)
