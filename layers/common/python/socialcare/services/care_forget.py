"""``/care forget @handle|platform:id``: a manager erases a customer (services/erasure.py).

Slack gets its answer at once (who may, and what will happen); after the ack a lazy
listener checks the permission again (the same signed request) and hands the erasure to an
``Eraser``: in production the erase function (functions/erase_customer, invoked
asynchronously), which alone may delete the conversations table's items in bulk; it tells
the manager what went, ephemerally. Only managers may: ``may_erase(brand, user)``,
injected (the Slack function passes the shared check of slack/authz.py: listed in
``slack.managers`` or a member of ``slack.managers_group``)."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from socialcare.config.brands import Brand, BrandDirectory
from socialcare.observability import logger
from socialcare.services.erasure import AnswerTo, Eraser, ErasureRequest, Target, parse_target
from socialcare.slack.channels import brand_of
from socialcare.slack.mrkdwn import escape

MayErase = Callable[[Brand, str], bool]
USAGE = "Use `/care forget @handle` or `/care forget x:12345` (the platform and the customer's id)."
REFUSED = "Only the brand's managers may erase a customer's data. Nothing was erased."
NO_BRAND = "This channel belongs to no brand: use /care in a brand's support channel."


def asks_to_forget(text: str) -> bool:
    words = text.split()
    return bool(words) and words[0] == "forget"


def _request(command: dict[str, Any], deps: "ForgetDeps") -> tuple[Brand, Target, str] | str:
    """What to erase for whom, or why not."""
    brand = brand_of(str(command.get("channel_id", "")), deps.brands)
    if brand is None:
        return NO_BRAND
    user = str(command.get("user_id", ""))
    if not user or not deps.may_erase(brand, user):
        return REFUSED
    words = str(command.get("text", "")).split()
    target = parse_target(words[1]) if len(words) == 2 else None
    if target is None:
        return USAGE
    return brand, target, words[1]


@dataclass(frozen=True)
class ForgetDeps:
    brands: BrandDirectory
    may_erase: MayErase
    eraser: Eraser | None  # None: this desk cannot erase (the command says so)


def matches(command: dict[str, Any]) -> bool:
    """Bolt's matcher: ``/care forget ...``."""
    return asks_to_forget(str(command.get("text", "")))


def acknowledge(deps: ForgetDeps) -> Callable[..., None]:
    """Bolt's ack listener: the answer within Slack's 3 seconds (no storage, no Slack call)."""

    def forget_command(ack: Callable[..., Any], command: dict[str, Any]) -> None:
        found = _request(command, deps)
        if isinstance(found, str):
            said = found
        elif deps.eraser is None:
            said = "Erasing is not set up for this desk. Nothing was erased."
        else:
            said = (
                f"Erasing every conversation of {escape(found[2])} with"
                f" {escape(found[0].name)}: I will tell you here what was erased."
            )
        ack(response_type="ephemeral", text=said)

    return forget_command


def erase_later(deps: ForgetDeps) -> Callable[..., None]:
    """Bolt's lazy listener: the erasure is handed over (the erase function tells the
    manager what went). It runs whatever the ack said, so it checks again and does nothing
    for a refused request. A hand-over that fails is raised (wrap it in ``lazy.step``)."""

    def forget_customer(command: dict[str, Any]) -> None:
        found = _request(command, deps)
        if isinstance(found, str) or deps.eraser is None:
            return
        brand, _, said = found
        user, channel = str(command.get("user_id", "")), str(command.get("channel_id", ""))
        deps.eraser.erase(
            ErasureRequest(
                brand=brand.id,
                target=said,
                requested_by=user,
                via="slack",
                answer_to=AnswerTo(channel=channel, user=user),
            )
        )
        logger.info("erasure handed over", extra={"brand": brand.id, "by": user})

    return forget_customer
