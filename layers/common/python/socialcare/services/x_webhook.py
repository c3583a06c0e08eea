"""The X webhook: answer the CRC challenge; verify, parse and ingest deliveries."""

from collections.abc import Callable
from dataclasses import dataclass

from socialcare.clock import Clock, utc_now
from socialcare.config import BrandDirectory
from socialcare.errors import MalformedPayload
from socialcare.models import Platform
from socialcare.observability import MetricUnit, logger, metrics
from socialcare.platforms.parsing import parse_json, validate
from socialcare.platforms.x import signature
from socialcare.platforms.x.normalise import normalise
from socialcare.platforms.x.payloads import XSecrets, XWebhook
from socialcare.services.ingest import IngestDeps, IngestReport, ingest
from socialcare.settings import DEFAULT_MAX_BODY_BYTES


@dataclass(frozen=True)
class XWebhookDeps:
    ingest: IngestDeps
    brands: BrandDirectory
    secrets: Callable[[], XSecrets]
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    clock: Clock = utc_now  # the receipt time, for a message whose platform date is implausible


def answer_crc(crc_token: str | None, deps: XWebhookDeps) -> dict[str, str]:
    if not crc_token:
        raise MalformedPayload("the crc_token query parameter is required")
    secret = deps.secrets().consumer_secret.get_secret_value()
    return {"response_token": signature.crc_response_token(secret, crc_token)}


def receive(raw: bytes, signed: str | None, deps: XWebhookDeps) -> IngestReport:
    signature.verify(deps.secrets().consumer_secret.get_secret_value(), raw, signed)
    payload = validate(XWebhook, parse_json(raw), "X webhook payload")
    brand = deps.brands.owner_of(Platform.X, payload.for_user_id)
    if brand is None:
        # Signed by our app, so it is real: a subscription nobody put in the brand
        # configuration. Acknowledge (X would retry in vain) and make it loud.
        logger.error("X account is not in any brand", extra={"account_id": payload.for_user_id})
        metrics.add_metric(name="UnroutedDelivery", unit=MetricUnit.Count, value=1)
        return IngestReport()
    if payload.user_event is not None:
        # A revoked subscription: from now on nothing arrives for this account. Loud.
        logger.error("X subscription changed", extra={"account_id": payload.for_user_id})
        metrics.add_metric(name="SubscriptionChanged", unit=MetricUnit.Count, value=1)
    events = payload.events()
    if events.problems and not (events.tweets or events.dms):
        raise MalformedPayload(
            "X webhook events do not match the documented shape", events.problems
        )
    if events.problems:
        # Some events are fine: store them, say loudly what was skipped (X never resends it).
        logger.error("invalid X events skipped", extra={"problems": events.problems})
        metrics.add_metric(name="InvalidEventSkipped", unit=MetricUnit.Count, value=1)
    found = normalise(payload, events, brand, received_at=deps.clock())
    for skipped in found.skipped:
        logger.info(
            "event not ingested",
            extra={"reason": skipped.reason, "message_ref": skipped.message_ref},
        )
    for own, parent in found.own_replies:
        account = payload.for_user_id
        deps.ingest.store.link(f"x#{account}#{own}", f"x#{account}#{parent}")
    return ingest(found.messages, deps.ingest)
