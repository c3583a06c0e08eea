"""The VK Callback API endpoint: confirmation, secret check, ingest, and exactly ``ok``."""

import hmac
from collections.abc import Callable
from dataclasses import dataclass

from socialcare.clock import Clock, utc_now
from socialcare.config import Brand, BrandDirectory
from socialcare.errors import ForbiddenSender, MalformedPayload
from socialcare.models import Platform
from socialcare.observability import MetricUnit, logger, metrics
from socialcare.platforms.parsing import parse_json, validate
from socialcare.platforms.vk.normalise import normalise
from socialcare.platforms.vk.payloads import HANDLED, VkCommunitySecret, VkEnvelope, VkSecrets
from socialcare.services.ingest import IngestDeps, ingest
from socialcare.settings import DEFAULT_MAX_BODY_BYTES

OK = "ok"
REFUSED = "unknown community or wrong secret"


@dataclass(frozen=True)
class VkWebhookDeps:
    ingest: IngestDeps
    brands: BrandDirectory
    secrets: Callable[[], VkSecrets]
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    clock: Clock = utc_now  # the receipt time, for a message whose platform date is implausible


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def _refuse(reason: str) -> ForbiddenSender:
    # One answer for every refusal, so a prober cannot learn which community ids are
    # served here; the log keeps the real reason for the operator.
    logger.warning("VK callback refused", extra={"reason": reason})
    metrics.add_metric(name="VkCallbackRefused", unit=MetricUnit.Count, value=1)
    return ForbiddenSender(REFUSED)


def authenticate(envelope: VkEnvelope, deps: VkWebhookDeps) -> tuple[Brand, VkCommunitySecret]:
    """Fail closed: the community must be one of ours and the body must carry its secret.

    The confirmation request too: once a secret key is set in the community's Callback API
    settings, VK sends it in every request, the confirmation included (VK's own PHP SDK,
    VKCOM/vk-php-sdk README §6.2, passes it to ``confirmation($group_id, $secret)``). Our
    secret is required, so without this check anybody could read a confirmation string.
    """
    group = str(envelope.group_id)
    community = deps.secrets().communities.get(group)
    brand = deps.brands.owner_of(Platform.VK, group)
    if community is None or brand is None:
        raise _refuse(f"community {group} is not served here")
    if not _same(envelope.secret or "", community.secret.get_secret_value()):
        raise _refuse(f"wrong secret for community {group}")
    return brand, community


def receive(raw: bytes, deps: VkWebhookDeps) -> str:
    """The body VK must get back: the confirmation string, or ``ok``."""
    envelope = validate(VkEnvelope, parse_json(raw), "VK callback")
    brand, community = authenticate(envelope, deps)
    logger.append_keys(vk_event_id=envelope.event_id, vk_event_type=envelope.type)
    if envelope.type == "confirmation":
        return community.confirmation.get_secret_value()
    model = HANDLED.get(envelope.type)
    if model is None:
        logger.info("event not ingested", extra={"reason": f"type {envelope.type} is not handled"})
        return OK
    if envelope.api_version_too_old:
        raise MalformedPayload(
            f"callback API version {envelope.v} is too old: set 5.199 in the community's "
            "Callback API settings"
        )
    obj = validate(model, envelope.object, f"VK {envelope.type} object")
    message = normalise(envelope, obj, brand, received_at=deps.clock())
    if message is None:
        logger.info("event not ingested", extra={"reason": "written by a community (ours)"})
        return OK
    ingest([message], deps.ingest)
    return OK
