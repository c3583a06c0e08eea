"""A customer's edit of a message we may have stored, as every platform's normaliser hands
it on: the new text and when; the store keeps it beside the first text (``mark_edited``)."""

from dataclasses import dataclass
from datetime import datetime

from socialcare.models import Platform


@dataclass(frozen=True)
class Edit:
    platform: Platform
    account: str
    mid: str  # the message's (or comment's) platform id
    text: str
    at: datetime

    @property
    def ref(self) -> str:
        return f"{self.platform}#{self.account}#{self.mid}"
