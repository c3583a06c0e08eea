"""In-memory stand-ins for the ports, with the same semantics as the real adapters."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from socialcare.config import load_brands
from socialcare.errors import StorageUnavailable
from socialcare.models import ClassifyRequest, InboundMessage
from socialcare.platforms.meta.payloads import MetaSecrets
from socialcare.platforms.vk.payloads import VkSecrets
from socialcare.platforms.x.payloads import XSecrets
from socialcare.ports import Queued, SaveOutcome, StoredRef
from socialcare.services.ingest import IngestDeps
from socialcare.services.meta_webhook import MetaWebhookDeps
from socialcare.services.vk_webhook import VkWebhookDeps
from socialcare.services.x_webhook import XWebhookDeps
from socialcare_tools import local_secrets as local
from tests.conftest import BRANDS_DIR


@dataclass
class FakeStore:
    refs: dict[str, StoredRef] = field(default_factory=dict)
    messages: dict[str, list[InboundMessage]] = field(default_factory=dict)  # by conversation
    keys: dict[str, str] = field(default_factory=dict)  # conversation id -> key
    deleted: dict[str, str] = field(default_factory=dict)  # message ref -> deleted_at
    edited: dict[str, tuple[str, str]] = field(default_factory=dict)  # ref -> (text, at)
    links: set[str] = field(default_factory=set)  # refs of our own replies (link())
    fail_with: Exception | None = None
    failing_refs: set[str] = field(default_factory=set)  # these fail with StorageUnavailable

    def find_ref(self, message_ref: str) -> StoredRef | None:
        return self.refs.get(message_ref)

    def link(self, message_ref: str, parent_ref: str) -> bool:
        parent = self.refs.get(parent_ref)
        if parent is not None and message_ref not in self.refs:
            self.refs[message_ref] = parent
            self.links.add(message_ref)
        return parent is not None

    def save_inbound(self, message: InboundMessage, conversation_id: str, key: str) -> SaveOutcome:
        if self.fail_with is not None:
            raise self.fail_with
        if message.ref in self.failing_refs:
            raise StorageUnavailable(f"storing {message.ref} failed")
        if message.ref in self.refs:
            return SaveOutcome(self.refs[message.ref], created=False)
        ref = StoredRef(
            conversation_id, f"MSG#{message.sent_at.isoformat()}#{message.platform_message_id}"
        )
        self.refs[message.ref] = ref
        self.messages.setdefault(conversation_id, []).append(message)
        self.keys.setdefault(conversation_id, key)
        return SaveOutcome(ref, created=True)

    def mark_deleted(self, message_ref: str, at: str) -> StoredRef | None:
        stored = None if message_ref in self.links else self.refs.get(message_ref)
        if stored is not None:
            self.deleted.setdefault(message_ref, at)
        return stored

    def mark_edited(self, message_ref: str, text: str, at: str) -> StoredRef | None:
        stored = None if message_ref in self.links else self.refs.get(message_ref)
        if stored is None or at < self.edited.get(message_ref, ("", ""))[1]:
            return None  # a later edit is kept already
        self.edited[message_ref] = (text, at)
        return stored

    @property
    def all_messages(self) -> list[InboundMessage]:
        return [m for ms in self.messages.values() for m in ms]


@dataclass
class FakeQueue:
    """Records sends; ``delivered`` deduplicates as the classify queue does: per message group
    (DeduplicationScope messageGroup), so a re-send under another group would count twice."""

    sent: list[tuple[ClassifyRequest, str, str]] = field(default_factory=list)
    failures_left: int = 0
    refusing: set[str] = field(default_factory=set)  # groups whose batch entries are refused
    batches: int = 0

    def send(self, request: ClassifyRequest, *, group: str, dedup_id: str) -> None:
        if self.failures_left:
            self.failures_left -= 1
            raise StorageUnavailable("queue is down")
        self.sent.append((request, group, dedup_id))

    def send_batch(self, entries: Sequence[Queued]) -> set[int]:
        """Refuses the entries whose group is in ``refusing`` (as SQS refuses one entry and
        takes the rest); a queue that is down refuses the whole call."""
        if self.failures_left:
            self.failures_left -= 1
            raise StorageUnavailable("queue is down")
        self.batches += 1
        refused = {i for i, entry in enumerate(entries) if entry.group in self.refusing}
        for i, entry in enumerate(entries):
            if i not in refused:
                self.sent.append((entry.request, entry.group, entry.dedup_id))
        return refused

    @property
    def delivered(self) -> list[ClassifyRequest]:
        seen: set[tuple[str, str]] = set()
        out = []
        for request, group, dedup in self.sent:
            if (group, dedup) not in seen:
                seen.add((group, dedup))
                out.append(request)
        return out


def fake_ingest() -> IngestDeps:
    return IngestDeps(store=FakeStore(), queue=FakeQueue())


def x_deps(**overrides: Any) -> XWebhookDeps:
    values: dict[str, Any] = {
        "ingest": fake_ingest(),
        "brands": load_brands(BRANDS_DIR),
        "secrets": lambda: XSecrets.model_validate(local.X_SECRET_VALUE),
    }
    return XWebhookDeps(**(values | overrides))


def vk_deps(**overrides: Any) -> VkWebhookDeps:
    values: dict[str, Any] = {
        "ingest": fake_ingest(),
        "brands": load_brands(BRANDS_DIR),
        "secrets": lambda: VkSecrets.model_validate(local.VK_SECRET_VALUE),
    }
    return VkWebhookDeps(**(values | overrides))


def meta_deps(**overrides: Any) -> MetaWebhookDeps:
    values: dict[str, Any] = {
        "ingest": fake_ingest(),
        "brands": load_brands(BRANDS_DIR),
        "secrets": lambda: MetaSecrets.model_validate(local.META_SECRET_VALUE),
        "mentions": FakeQueue(),  # Instagram mentions, queued for the reader
    }
    return MetaWebhookDeps(**(values | overrides))


def store_of(deps: XWebhookDeps | VkWebhookDeps | MetaWebhookDeps) -> FakeStore:
    """The fake store behind a webhook's deps (``x_deps()`` / ``vk_deps()``)."""
    assert isinstance(deps.ingest.store, FakeStore)
    return deps.ingest.store


def queue_of(deps: XWebhookDeps | VkWebhookDeps | MetaWebhookDeps) -> FakeQueue:
    """The fake classify queue behind a webhook's deps."""
    assert isinstance(deps.ingest.queue, FakeQueue)
    return deps.ingest.queue
