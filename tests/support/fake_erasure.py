"""The erasure store and Slack in memory, for the fast tier: conversations with their
contents counted by kind, the handle lookups, the erasure records; a Slack that remembers
which cards it replaced and which posts it deleted."""

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from socialcare.errors import ConfigurationError
from socialcare.models import Conversation
from socialcare.models.erasure import CustomerRef, ErasedContents, HandleLookup
from socialcare.ports import ThreadPost
from tests.support.fake_desk import FakeSlack
from tests.support.items import conversation_item


def a_conversation(cid: str, customer: CustomerRef, **fields: Any) -> Conversation:
    person = {"id": customer.customer_id, "name": "Jane Roe", "handle": "janeroe"}
    item = conversation_item(id=cid, platform=customer.platform, customer=person) | fields
    return Conversation.model_validate(item)


@dataclass
class Record:
    requested_by: str
    via: str
    status: str = "in progress"
    counts: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)


@dataclass
class FakeErasureStore:
    conversations: dict[str, Conversation] = field(default_factory=dict)
    contents: dict[str, Counter[str]] = field(default_factory=dict)  # kinds left, by id
    lookups: set[HandleLookup] = field(default_factory=set)
    records: dict[tuple[str, str], Record] = field(default_factory=dict)
    gone_before_claim: set[str] = field(default_factory=set)  # erased by a run beside
    log: list[str] = field(default_factory=list)  # what was erased, in order

    def add(self, conversation: Conversation, **kinds: int) -> None:
        self.conversations[conversation.id] = conversation
        self.contents[conversation.id] = Counter(kinds)
        person = conversation.customer
        if person.handle:
            ref = CustomerRef(conversation.platform, person.id)
            self.lookups.add(HandleLookup(person.handle, ref))

    def customers_by_handle(self, handle: str) -> list[CustomerRef]:
        return sorted({lookup.customer for lookup in self.lookups if lookup.handle == handle})

    def conversations_of(self, customer: CustomerRef) -> list[Conversation]:
        return sorted(
            (
                c
                for c in self.conversations.values()
                if (c.platform, c.customer.id) == (customer.platform, customer.customer_id)
            ),
            key=lambda c: c.id,
        )

    def handle_lookups(self, handle: str, customers: list[CustomerRef]) -> list[HandleLookup]:
        return [
            HandleLookup(handle, c) for c in customers if HandleLookup(handle, c) in self.lookups
        ]

    def claim(self, conversation_id: str, erasure_id: str) -> str | None:
        if conversation_id in self.gone_before_claim:
            self.conversations.pop(conversation_id, None)
            return None
        held = self.conversations[conversation_id]
        if held.erasure_id is None:
            held = held.model_copy(update={"erasure_id": erasure_id})
            self.conversations[conversation_id] = held
        return held.erasure_id

    def erase_contents(self, conversation: Conversation) -> ErasedContents:
        self.log.append(f"contents {conversation.id}")
        erased = self.contents.pop(conversation.id, Counter())
        mine = {
            lookup
            for lookup in self.lookups
            if lookup.customer == CustomerRef(conversation.platform, conversation.customer.id)
        }
        return ErasedContents(erased, frozenset(mine))

    def erase_conversations(self, conversation_ids: Iterable[str]) -> None:
        for conversation_id in conversation_ids:
            self.log.append(f"conversation {conversation_id}")
            self.conversations.pop(conversation_id, None)

    def erase_handle_lookups(self, lookups: Iterable[HandleLookup]) -> int:
        self.log.append("handle lookups")
        gone = self.lookups & set(lookups)
        self.lookups -= gone
        return len(gone)

    def open_record(
        self, brand_id: str, erasure_id: str, requested_by: str, via: str, at: datetime
    ) -> None:
        self.records.setdefault((brand_id, erasure_id), Record(requested_by, via))

    def add_counts(self, brand_id: str, erasure_id: str, counts: Mapping[str, int]) -> None:
        self.records[(brand_id, erasure_id)].counts.update(counts)

    def close_record(self, brand_id: str, erasure_id: str, at: datetime, notes: list[str]) -> None:
        record = self.records[(brand_id, erasure_id)]
        record.status, record.notes = "done", notes

    def counts(self, brand_id: str, erasure_id: str) -> dict[str, int]:
        return {k: v for k, v in self.records[(brand_id, erasure_id)].counts.items() if v}


@dataclass
class FakeSlackEraser(FakeSlack):
    """ports.SlackEraser: threads hold the bot's posts and people's; ``refusing`` channels
    answer as Slack does for an archived channel or a removed app."""

    threads: dict[str, list[ThreadPost]] = field(default_factory=dict)  # by "channel ts"
    replaced: list[tuple[str, str]] = field(default_factory=list)
    deleted: list[tuple[str, str]] = field(default_factory=list)
    refusing: set[str] = field(default_factory=set)

    def replace(self, channel: str, ts: str, text: str, blocks: list[dict[str, Any]]) -> bool:
        self._refuse(channel)
        self.replaced.append((channel, ts))
        return True

    def thread_posts(self, channel: str, ts: str) -> list[ThreadPost]:
        self._refuse(channel)
        return self.threads.get(f"{channel} {ts}", [])

    def delete(self, channel: str, ts: str) -> bool:
        self._refuse(channel)
        self.deleted.append((channel, ts))
        return True

    def _refuse(self, channel: str) -> None:
        if channel in self.refusing:
            raise ConfigurationError("channel_not_found")
