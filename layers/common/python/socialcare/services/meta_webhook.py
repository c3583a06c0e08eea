"""The Meta webhook endpoint (one for a Meta app's Page and Instagram subscriptions, which
one app secret signs): the subscription handshake, the signature, and every event of a
batched delivery stored on its own.

Meta sends each delivery again when it is not answered 200 (docs/platforms-meta.md), the
whole delivery: so every message of it is stored that can be, and only then, if one could
not be (storage or the queue failing), the answer is 5xx. The redelivery finds the others
stored and changes nothing for them.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from socialcare.clock import Clock, utc_now
from socialcare.config import BrandDirectory
from socialcare.errors import StorageUnavailable
from socialcare.models import MentionRequest, Platform
from socialcare.models.message import conversation_id_for, iso
from socialcare.observability import MetricUnit, logger, metrics
from socialcare.platforms.meta.normalise import Echo, Found, OwnComment, read_entry
from socialcare.platforms.meta.payloads import Delivery, MetaSecrets
from socialcare.platforms.meta.signature import answer_handshake, verify
from socialcare.platforms.outside import OutsideReply
from socialcare.platforms.parsing import parse_json, validate
from socialcare.ports import ClassifyQueue, OutsideReplies
from socialcare.services.desk_news import News, tell_desk
from socialcare.services.ingest import IngestDeps, ingest
from socialcare.settings import DEFAULT_MAX_BODY_BYTES

OBJECTS = {"page": Platform.MESSENGER, "instagram": Platform.INSTAGRAM}


class MentionQueue(Protocol):
    def send(self, request: MentionRequest, *, group: str, dedup_id: str) -> None: ...


@dataclass(frozen=True)
class MetaWebhookDeps:
    ingest: IngestDeps
    brands: BrandDirectory
    secrets: Callable[[], MetaSecrets]
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    clock: Clock = utc_now
    outside: OutsideReplies | None = None  # unset: echoes are only logged
    desk: ClassifyQueue | None = None  # the Slack desk's queue: told of replies given outside
    mentions: MentionQueue | None = None  # Instagram mentions, to read (unset: logged only)


@dataclass
class Received:
    stored: int = 0
    duplicates: int = 0
    deleted: int = 0
    mentions: int = 0  # queued to be read
    edited: int = 0
    answered_outside: int = 0
    skipped: int = 0


def handshake(
    mode: str | None, token: str | None, challenge: str | None, deps: MetaWebhookDeps
) -> str:
    return answer_handshake(deps.secrets().verify_token.get_secret_value(), mode, token, challenge)


def receive(raw: bytes, signature: str | None, deps: MetaWebhookDeps) -> Received:
    secrets = deps.secrets()
    verify(secrets.signing_secrets(), raw, signature)
    delivery = validate(Delivery, parse_json(raw), "Meta delivery")
    received = Received()
    if delivery.object not in OBJECTS:
        logger.info("delivery not ingested", extra={"reason": f"object {delivery.object:.50}"})
        return received
    found, brands = _read(delivery, deps)
    for reason in found.skipped:
        logger.info("event not ingested", extra={"reason": reason})
    received.skipped = len(found.skipped)
    # Each event on its own: one failing costs the others nothing.
    failed = _store_messages(found, received, deps)
    failed += _mark(found, received, brands, deps)
    failed += _queue_mentions(found, received, deps)
    for echo in found.echoes:
        try:
            received.answered_outside += _answered_outside(echo, brands, secrets, deps)
        except StorageUnavailable as exc:
            failed += 1
            logger.error("echo not kept", extra={"message_ref": echo.mid, "error": str(exc)})
    for own in found.own_comments:
        try:
            received.answered_outside += _commented_outside(own, brands, deps)
        except StorageUnavailable as exc:
            failed += 1
            logger.error("own comment not kept", extra={"message_ref": own.ref, "error": str(exc)})
    if failed:
        raise StorageUnavailable(
            f"{failed} of the delivery's events were not stored: send it again"
        )
    return received


def _read(delivery: Delivery, deps: MetaWebhookDeps) -> tuple[Found, dict[str, str]]:
    """What the delivery holds for the brands it names (and which brand each account is)."""
    found = Found()
    now = deps.clock()
    brands: dict[str, str] = {}  # account -> brand id
    for entry in delivery.entry:
        brand = deps.brands.owner_of(OBJECTS[delivery.object], entry.id)
        if brand is None:
            # A Page or account the app is subscribed to but no brand serves: acknowledged
            # (a retry would not change that), loudly, for the operator.
            logger.warning("Meta events for an account of no brand", extra={"account": entry.id})
            metrics.add_metric(name="MetaUnknownAccount", unit=MetricUnit.Count, value=1)
            continue
        brands[entry.id] = brand.id
        read_entry(delivery.object, entry, brand, now, found)
    return found, brands


def _store_messages(found: Found, received: Received, deps: MetaWebhookDeps) -> int:
    failed = 0
    for message in found.messages:
        try:
            report = ingest([message], deps.ingest)
        except StorageUnavailable as exc:
            failed += 1
            logger.error(
                "message not stored", extra={"message_ref": message.ref, "error": str(exc)}
            )
            continue
        received.stored += len(report.stored)
        received.duplicates += len(report.duplicates)
    return failed


def _queue_mentions(found: Found, received: Received, deps: MetaWebhookDeps) -> int:
    """Each mention's ids, queued for the reader (the change has no text): acknowledged to
    Meta only once queued, so a failure here has the delivery sent again."""
    failed = 0
    for mention in found.mentions:
        if deps.mentions is None:
            logger.warning("mention not read: no mention queue", extra={"message_ref": mention.ref})
            continue
        try:
            group = f"{mention.account_id}:{mention.media_id}"
            deps.mentions.send(mention, group=group, dedup_id=mention.ref)
        except StorageUnavailable as exc:
            failed += 1
            logger.error(
                "mention not queued", extra={"message_ref": mention.ref, "error": str(exc)}
            )
            continue
        received.mentions += 1
    return failed


def _mark(found: Found, received: Received, brands: dict[str, str], deps: MetaWebhookDeps) -> int:
    """Deletions and edits marked on the stored messages."""
    failed = 0
    now = iso(deps.clock())
    for ref in found.deleted:
        try:
            marked = deps.ingest.store.mark_deleted(ref, now)
        except StorageUnavailable as exc:
            failed += 1
            logger.error("deletion not marked", extra={"message_ref": ref, "error": str(exc)})
            continue
        received.deleted += marked is not None
    for change in found.edited:
        try:
            kept = deps.ingest.store.mark_edited(change.ref, change.text, iso(change.at))
        except StorageUnavailable as exc:
            failed += 1
            logger.error("edit not kept", extra={"message_ref": change.ref, "error": str(exc)})
            continue
        if kept is not None:
            received.edited += 1
            ref = f"{change.ref}#edited#{iso(change.at)}"
            news = News(ref, change.platform, brands[change.account], change.at, "edited")
            tell_desk(deps.desk, kept, news)
    return failed


def _answered_outside(
    echo: Echo, brands: dict[str, str], secrets: MetaSecrets, deps: MetaWebhookDeps
) -> bool:
    """An echo of what the brand's account sent: ours (sent from Slack, already kept) or a
    reply typed in another app, kept in the customer's conversation. Which is which needs
    the app's id; without it every echo is taken for ours."""
    # An echo without an app id is taken for ours too (Meta's Instagram echoes may carry
    # none): a reply typed elsewhere is only ever one whose echo names another app.
    if secrets.app_id is None or deps.outside is None or echo.app_id in (None, secrets.app_id):
        logger.info("event not ingested", extra={"reason": "an echo of our own message"})
        return False
    conversation_id = conversation_id_for(echo.thread_key)
    return _keep_outside(deps.outside, conversation_id, brands[echo.account], echo.as_reply(), deps)


def _commented_outside(own: OwnComment, brands: dict[str, str], deps: MetaWebhookDeps) -> bool:
    """The account answered a comment: our reply from Slack (the outbox left its reference),
    or one typed in Meta's own tools, kept in the comment's conversation as an answer."""
    store = deps.ingest.store
    if deps.outside is None or store.find_ref(own.ref) is not None:
        logger.info("event not ingested", extra={"reason": "the account's own comment"})
        return False
    parent = store.find_ref(own.parent_ref)
    if parent is None:  # an answer in a thread we do not keep
        logger.info("event not ingested", extra={"reason": "the account's own comment"})
        return False
    brand = brands[own.account]
    return _keep_outside(deps.outside, parent.conversation_id, brand, own.as_reply(), deps)


def _keep_outside(
    outside: OutsideReplies,
    conversation_id: str,
    brand: str,
    reply: OutsideReply,
    deps: MetaWebhookDeps,
) -> bool:
    """A reply given outside socialcare, kept in its conversation; the thread shows it and
    the card turns answered."""
    stored = outside.record(conversation_id, brand, reply)
    if stored is None:
        return False
    logger.info("reply given outside socialcare kept", extra={"conversation_id": conversation_id})
    metrics.add_metric(name="AnsweredOutside", unit=MetricUnit.Count, value=1)
    news = News(f"{reply.ref}#outside", reply.platform, brand, reply.at, "outside_reply")
    tell_desk(deps.desk, stored, news)
    return True
