"""``/care forget @handle|platform:id``: a manager erases a customer (services/erasure.py).

Slack gets its answer at once (who may, and what will happen); the erasure runs after the
ack, in a lazy listener, which checks the permission again (the same signed request) and
tells the manager what went, ephemerally. Only managers may: ``may_erase(brand, user)``,
injected (the Slack function passes the shared check of slack/authz.py: listed in
``slack.managers`` or a member of ``slack.managers_group``)."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from socialcare.config.brands import Brand, BrandDirectory
from socialcare.errors import SupportError
from socialcare.observability import MetricUnit, logger, metrics
from socialcare.ports import SlackDesk
from socialcare.services.erasure import ErasureDeps, Target, forget, parse_target, summary
from socialcare.slack.desk import brand_of
from socialcare.slack.mrkdwn import escape

MayErase = Callable[[Brand, str], bool]
USAGE = "Use `/care forget @handle` or `/care forget x:12345` (the platform and the customer's id)."
REFUSED = "Only the brand's managers may erase a customer's data. Nothing was erased."
STOPPED = (
    "The erasure of {said} stopped half-way (a storage or Slack failure). What is done stays"
    " done: run the same /care forget again to finish it."
)
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
    erasure: ErasureDeps | None  # None: this desk cannot erase (the command says so)
    slack: SlackDesk  # the manager's answer, ephemeral


def matches(command: dict[str, Any]) -> bool:
    """Bolt's matcher: ``/care forget ...``."""
    return asks_to_forget(str(command.get("text", "")))


def acknowledge(deps: ForgetDeps) -> Callable[..., None]:
    """Bolt's ack listener: the answer within Slack's 3 seconds (no storage, no Slack call)."""

    def forget_command(ack: Callable[..., Any], command: dict[str, Any]) -> None:
        found = _request(command, deps)
        if isinstance(found, str):
            said = found
        elif deps.erasure is None:
            said = "Erasing is not set up for this desk. Nothing was erased."
        else:
            said = (
                f"Erasing every conversation of {escape(found[2])} with"
                f" {escape(found[0].name)}: I will tell you here what was erased."
            )
        ack(response_type="ephemeral", text=said)

    return forget_command


def erase_later(deps: ForgetDeps) -> Callable[..., None]:
    """Bolt's lazy listener: the erasure, then the manager is told what went. It runs
    whatever the ack said, so it checks again and does nothing for a refused request."""

    def forget_customer(command: dict[str, Any]) -> None:
        found = _request(command, deps)
        if isinstance(found, str) or deps.erasure is None:
            return
        brand, target, said = found
        user, channel = str(command.get("user_id", "")), str(command.get("channel_id", ""))
        try:
            answer = summary(forget(target, brand, user, "slack", deps.erasure), escape(said))
        except SupportError as exc:  # storage or Slack failed half-way: the rest is findable
            logger.error("erasure stopped", extra={"error": type(exc).__name__})
            metrics.add_metric(name="ErasureFailed", unit=MetricUnit.Count, value=1)
            answer = STOPPED.format(said=escape(said))
        deps.slack.ephemeral(channel, user, answer)

    return forget_customer
