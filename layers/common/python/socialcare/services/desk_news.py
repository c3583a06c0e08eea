"""News about a stored message for its card's Slack thread (an edit, a deletion, a reply
given outside socialcare), queued to the desk once per piece of news."""

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from socialcare.models import DeskRequest, Platform
from socialcare.ports import ClassifyQueue, StoredRef


@dataclass(frozen=True)
class News:
    """News about a stored message, under its own deduplication id (the message's was spent
    when the message itself was posted)."""

    ref: str
    platform: Platform
    brand_id: str
    at: datetime
    notice: Literal["deleted", "edited", "outside_reply"]


def tell_desk(desk: ClassifyQueue | None, stored: StoredRef, news: News) -> None:
    """Nothing without a desk queue (a function wired without Slack)."""
    if desk is None:
        return
    desk.send(
        DeskRequest(
            conversation_id=stored.conversation_id,
            message_sk=stored.message_sk,
            message_ref=news.ref,
            platform=news.platform,
            brand_id=news.brand_id,
            sent_at=news.at,
            notice=news.notice,
        ),
        group=stored.conversation_id,
        dedup_id=news.ref,
    )
