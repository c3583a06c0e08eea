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

from socialcare.clock import Clock, utc_now
from socialcare.config import BrandDirectory
from socialcare.errors import StorageUnavailable
from socialcare.models import Platform
from socialcare.models.message import iso
from socialcare.observability import MetricUnit, logger, metrics
from socialcare.platforms.meta.normalise import Found, read_entry
from socialcare.platforms.meta.payloads import Delivery, MetaSecrets
from socialcare.platforms.meta.signature import answer_handshake, verify
from socialcare.platforms.parsing import parse_json, validate
from socialcare.services.ingest import IngestDeps, ingest
from socialcare.settings import DEFAULT_MAX_BODY_BYTES

OBJECTS = {"page": Platform.MESSENGER, "instagram": Platform.INSTAGRAM}


@dataclass(frozen=True)
class MetaWebhookDeps:
    ingest: IngestDeps
    brands: BrandDirectory
    secrets: Callable[[], MetaSecrets]
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    clock: Clock = utc_now


@dataclass
class Received:
    stored: int = 0
    duplicates: int = 0
    deleted: int = 0
    edited: int = 0
    skipped: int = 0


def handshake(
    mode: str | None, token: str | None, challenge: str | None, deps: MetaWebhookDeps
) -> str:
    return answer_handshake(deps.secrets().verify_token.get_secret_value(), mode, token, challenge)


def receive(raw: bytes, signature: str | None, deps: MetaWebhookDeps) -> Received:
    verify(deps.secrets().signing_secrets(), raw, signature)
    delivery = validate(Delivery, parse_json(raw), "Meta delivery")
    received = Received()
    if delivery.object not in OBJECTS:
        logger.info("delivery not ingested", extra={"reason": f"object {delivery.object:.50}"})
        return received
    found = Found()
    now = deps.clock()
    for entry in delivery.entry:
        brand = deps.brands.owner_of(OBJECTS[delivery.object], entry.id)
        if brand is None:
            # A Page or account the app is subscribed to but no brand serves: acknowledged
            # (a retry would not change that), loudly, for the operator.
            logger.warning("Meta events for an account of no brand", extra={"account": entry.id})
            metrics.add_metric(name="MetaUnknownAccount", unit=MetricUnit.Count, value=1)
            continue
        read_entry(delivery.object, entry, brand, now, found)
    for reason in found.skipped:
        logger.info("event not ingested", extra={"reason": reason})
    received.skipped = len(found.skipped)
    failed = 0
    for message in found.messages:  # each on its own: one failing costs the others nothing
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
    for ref in found.deleted:
        try:
            marked = deps.ingest.store.mark_deleted(ref, iso(now))
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
        received.edited += kept is not None
    if failed:
        raise StorageUnavailable(
            f"{failed} of the delivery's events were not stored: send it again"
        )
    return received
