"""What forgetting a customer works with: who the customer is on a platform, the lookups
that find them by handle, and what erasing a conversation's contents removed."""

from collections import Counter
from dataclasses import dataclass, field


@dataclass(frozen=True, order=True, slots=True)
class CustomerRef:
    platform: str
    customer_id: str


@dataclass(frozen=True, order=True, slots=True)
class HandleLookup:
    """What finds a customer by handle (``/care forget @handle``)."""

    handle: str
    customer: CustomerRef


@dataclass(frozen=True)
class ErasedContents:
    """What went of one conversation, its META aside (the erasure deletes that last)."""

    counts: Counter[str] = field(default_factory=Counter)  # items by kind (docs/privacy.md)
    # The customer's handle lookups found on the way: deleted at the very end, and only when
    # no other brand still has a conversation with them.
    lookups: frozenset[HandleLookup] = frozenset()
