"""A reply the brand gave outside socialcare (typed in the platform's own app), as every
platform's normaliser hands it on: kept in the customer's conversation, which turns answered."""

from dataclasses import dataclass
from datetime import datetime

from socialcare.models import Platform


@dataclass(frozen=True)
class OutsideReply:
    """A reply the brand gave outside socialcare, as it is kept: where, what, when."""

    platform: Platform
    account: str
    mid: str
    text: str
    at: datetime
    route: str  # "private" (a direct message) or "public" (a comment)

    @property
    def ref(self) -> str:
        return f"{self.platform}#{self.account}#{self.mid}"
