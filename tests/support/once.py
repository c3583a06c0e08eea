"""Once-only records as the fakes keep them: a key is written once with whether its notice
went (``ConversationTable.record_once`` in the real stores)."""

from collections.abc import Hashable
from typing import TypeVar

from socialcare.ports import Recorded

K = TypeVar("K", bound=Hashable)


def record_once(ledger: dict[K, bool], key: K, sent: bool = False) -> Recorded:
    """NEW the first time (``sent``: nothing to notify); then DONE once its notice went,
    PENDING while it is owed."""
    if key not in ledger:
        ledger[key] = sent
        return Recorded.NEW
    return Recorded.DONE if ledger[key] else Recorded.PENDING
