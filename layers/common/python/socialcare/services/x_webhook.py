"""The X webhook: answer the CRC challenge; verify, parse and ingest deliveries.

Two formats arrive at the same address until the Account Activity API (AAA) ends on
1 January 2027: AAA's ``{"for_user_id", "<kind>_events": [...]}`` and the X Activity API's
(XAA) ``{"data": {"event_type", "filter", "payload", ...}}`` (platforms/x/xaa.py). Both are
signed the same way, checked before anything is parsed, and normalise to the same messages,
so a post delivered by both is stored once.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ValidationError

from socialcare.clock import Clock, utc_now
from socialcare.config import Brand, BrandDirectory
from socialcare.errors import MalformedPayload
from socialcare.models import DeskRequest, Platform
from socialcare.models.message import iso
from socialcare.observability import MetricUnit, logger, metrics
from socialcare.platforms.parsing import describe, parse_json, validate
from socialcare.platforms.x import signature, xaa
from socialcare.platforms.x.normalise import (
    Normalised,
    Skipped,
    normalise,
    normalise_chat,
    normalise_posts,
    normalise_xaa_dms,
)
from socialcare.platforms.x.payloads import XSecrets, XWebhook
from socialcare.platforms.x.xaa import XaaEvent, XaaIncludes, XaaPost
from socialcare.ports import ClassifyQueue
from socialcare.services.ingest import IngestDeps, IngestReport, ingest
from socialcare.settings import DEFAULT_MAX_BODY_BYTES


@dataclass(frozen=True)
class XWebhookDeps:
    ingest: IngestDeps
    brands: BrandDirectory
    secrets: Callable[[], XSecrets]
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    clock: Clock = utc_now  # the receipt time, for a message whose platform date is implausible
    desk: ClassifyQueue | None = None  # the Slack desk's queue: told when a message is deleted


def answer_crc(crc_token: str | None, deps: XWebhookDeps) -> dict[str, str]:
    if not crc_token:
        raise MalformedPayload("the crc_token query parameter is required")
    secret = deps.secrets().consumer_secret.get_secret_value()
    return {"response_token": signature.crc_response_token(secret, crc_token)}


def receive(raw: bytes, signed: str | None, deps: XWebhookDeps) -> IngestReport:
    signature.verify(deps.secrets().consumer_secret.get_secret_value(), raw, signed)
    body = parse_json(raw)
    if xaa.is_xaa(body):
        return _receive_xaa(body, deps)
    return _receive_aaa(body, deps)


def _brand_of(account: str, deps: XWebhookDeps) -> Brand | None:
    brand = deps.brands.owner_of(Platform.X, account)
    if brand is None:
        # Signed by our app, so it is real: a subscription nobody put in the brand
        # configuration. Acknowledge (X would retry in vain) and make it loud.
        logger.error("X account is not in any brand", extra={"account_id": account})
        metrics.add_metric(name="UnroutedDelivery", unit=MetricUnit.Count, value=1)
    return brand


def _revoked(account: str, api: str) -> None:
    """From now on nothing arrives for this account: an ops alarm watches the metric."""
    logger.error(
        "X subscription changed (revoked): nothing more arrives for this account until it"
        " is authorised and subscribed again",
        extra={"account_id": account, "api": api},
    )
    metrics.add_metric(name="XSubscriptionRevoked", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="SubscriptionChanged", unit=MetricUnit.Count, value=1)


def _receive_aaa(body: Any, deps: XWebhookDeps) -> IngestReport:
    payload = validate(XWebhook, body, "X webhook payload")
    brand = _brand_of(payload.for_user_id, deps)
    if brand is None:
        return IngestReport()
    if payload.user_event is not None:
        _revoked(payload.for_user_id, "account activity")
    events = payload.events()
    if events.problems and not (events.tweets or events.dms or events.deletes):
        raise MalformedPayload(
            "X webhook events do not match the documented shape", events.problems
        )
    if events.problems:
        _some_skipped(events.problems)
    found = normalise(payload, events, brand, received_at=deps.clock())
    return store_normalised(found, brand, payload.for_user_id, deps)


def _some_skipped(problems: list[dict[str, str]]) -> None:
    # Some events are fine: store them, say loudly what was skipped (X never resends it).
    logger.error("invalid X events skipped", extra={"problems": problems})
    metrics.add_metric(name="InvalidEventSkipped", unit=MetricUnit.Count, value=1)


def store_normalised(
    found: Normalised, brand: Brand, account: str, deps: XWebhookDeps
) -> IngestReport:
    """Store what one delivery (or one gap-fill page) held: messages, our replies' links,
    deletions. Everything is idempotent, so a redelivery or an overlap changes nothing."""
    for skipped in found.skipped:
        logger.info(
            "event not ingested",
            extra={"reason": skipped.reason, "message_ref": skipped.message_ref},
        )
    for own, parent in found.own_replies:
        deps.ingest.store.link(f"x#{account}#{own}", f"x#{account}#{parent}")
    for post_id in found.deleted:
        _mark_deleted(f"x#{account}#{post_id}", brand, deps)
    return ingest(found.messages, deps.ingest)


def store_posts(
    posts: list[XaaPost], includes: XaaIncludes, account: str, deps: XWebhookDeps
) -> IngestReport:
    """v2 posts read from X (the mentions timeline, a replay): the same path a webhook
    delivery takes. Posts of an account in no brand are refused loudly, as deliveries are."""
    brand = _brand_of(account, deps)
    if brand is None:
        return IngestReport()
    return store_normalised(
        normalise_posts(posts, includes, account, brand, deps.clock()), brand, account, deps
    )


def _mark_deleted(ref: str, brand: Brand, deps: XWebhookDeps) -> None:
    now = deps.clock()
    stored = deps.ingest.store.mark_deleted(ref, iso(now))
    if stored is None:
        # Not a message we keep (our own post, a post before we subscribed): nothing to do.
        logger.info("deleted post is not stored here", extra={"message_ref": ref})
        return
    logger.info("message deleted by its author: marked", extra={"message_ref": ref})
    logger.append_keys(conversation_id=stored.conversation_id)
    metrics.add_metric(name="MessageDeletedByAuthor", unit=MetricUnit.Count, value=1)
    if deps.desk is not None:
        # The desk redraws its copy (slack_thread). Its own key: the message's reference
        # was spent when the message itself was posted.
        notice = f"{ref}#deleted"
        deps.desk.send(
            DeskRequest(
                conversation_id=stored.conversation_id,
                message_sk=stored.message_sk,
                message_ref=notice,
                platform=Platform.X,
                brand_id=brand.id,
                sent_at=now,
                notice="deleted",
            ),
            group=stored.conversation_id,
            dedup_id=notice,
        )


def _receive_xaa(body: Any, deps: XWebhookDeps) -> IngestReport:
    delivery = validate(xaa.XaaDelivery, body, "X Activity API payload")
    report = IngestReport()
    problems: list[dict[str, str]] = []
    readable = 0
    single = not isinstance(delivery.data, list)
    for index, event in enumerate(delivery.events):
        try:
            found = _xaa_event(event, deps)
        except _Unreadable as exc:
            where = "data" if single else f"data.{index}"
            problems += [
                {"field": f"{where}.{p['field']}", "problem": p["problem"]} for p in exc.problems
            ]
            continue
        readable += 1
        if found is not None:
            brand, account, normalised = found
            done = store_normalised(normalised, brand, account, deps)
            report.stored += done.stored
            report.duplicates += done.duplicates
    if problems and not readable:
        raise MalformedPayload("X Activity API events do not match the documented shape", problems)
    if problems:
        _some_skipped(problems)
    return report


class _Unreadable(Exception):
    def __init__(self, problems: list[dict[str, str]]) -> None:
        super().__init__("unreadable event")
        self.problems = problems


def _read(model: type[BaseModel], data: Any, where: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _Unreadable(
            [
                {
                    "field": where if p["field"] == "(body)" else f"{where}.{p['field']}",
                    "problem": p["problem"],
                }
                for p in describe(exc)
            ]
        ) from None


def _xaa_event(event: XaaEvent, deps: XWebhookDeps) -> tuple[Brand, str, Normalised] | None:
    """One XAA event → (brand, account, what to store), or None when nothing is to store."""
    kind = event.event_type
    if not xaa.known(kind):
        # Not in X's documented list when this was written: a new event, or a renamed one
        # we would otherwise lose without a word. Acknowledged (X would resend it in vain).
        logger.error(
            "X Activity event type we cannot read",
            extra={"event_type": kind, "event_uuid": event.event_uuid},
        )
        metrics.add_metric(name="XUnreadableEvent", unit=MetricUnit.Count, value=1)
        return None
    account = event.account
    if account is None:
        raise _Unreadable(
            [{"field": "filter.user_id", "problem": "the subscribed account is missing"}]
        )
    brand = _brand_of(account, deps)
    if brand is None:
        return None
    if kind == xaa.OAUTH_REVOKE:
        _read(xaa.XaaRevoke, event.payload, "payload")
        _revoked(account, "x activity")
        return None
    if kind in xaa.NOT_FOR_THE_DESK or kind.startswith("profile.update."):
        logger.info("event not ingested", extra={"reason": f"{kind}: not handled"})
        return None
    return brand, account, _xaa_content(event, account, brand, deps.clock())


def _xaa_content(event: XaaEvent, account: str, brand: Brand, received_at: datetime) -> Normalised:
    kind = event.event_type
    includes = _read(XaaIncludes, event.includes, "includes")
    if kind in xaa.POST_EVENTS:
        post = _read(XaaPost, event.payload, "payload")
        return normalise_posts([post], includes, account, brand, received_at)
    if kind in xaa.DM_EVENTS:
        dms = _read(xaa.XaaDirectMessages, event.payload, "payload")
        return normalise_xaa_dms(dms.direct_message_events, dms.users, account, brand, received_at)
    if kind == xaa.CHAT_RECEIVED:
        chat = _read(xaa.XaaChat, event.payload, "payload")
        metrics.add_metric(name="EncryptedChatReceived", unit=MetricUnit.Count, value=1)
        return normalise_chat(chat, includes, account, brand, received_at)
    deleted = _read(xaa.XaaDeletedPost, event.payload, "payload")  # post.delete
    if deleted.author_id == account:  # what X documents post.delete for: our own post
        return Normalised(
            skipped=[Skipped("post deleted: our own post", f"x#{account}#{deleted.id}")]
        )
    return Normalised(deleted=[deleted.id])
