"""Slack -> the desk: Events API, interactivity and /care behind POST /slack/events.

Before slack_bolt sees a request, its size (413), signature and timestamp (401) and shape
(400) are checked (socialcare.slack.verification); Bolt checks the signature again. One
global middleware then lets only the brand's people act, in the brand's channels
(socialcare.slack.authz): every listener, today's and tomorrow's, is behind it. With
process_before_response=True, Bolt finishes each ack before it answers Slack, as a
Lambda function must. Work that may take longer than Slack's 3 seconds (reading the
conversation, the guards, queueing the reply, redrawing the card) runs in lazy listeners:
Bolt re-invokes this function asynchronously (``lambda:InvokeFunction`` on itself) with the
same signed request. ``/care forget`` is handed to the erase function
(functions/erase_customer, the only function that may delete in bulk): this one may not
delete anything. Slack's retries and Lambda's async retries may repeat a request; every
effect is keyed by the Slack event, action or view id, so each happens once. A lazy step's
failure is raised to Lambda (``socialcare.slack.lazy``: Bolt alone would swallow it)."""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from slack_bolt import Ack, App, BoltResponse
from slack_bolt.adapter.aws_lambda import SlackRequestHandler
from slack_sdk import WebClient

from socialcare.adapters.desk_store import DynamoDeskStore
from socialcare.adapters.erasure_store import DynamoRetentionStore
from socialcare.adapters.escalations import SnsEscalations
from socialcare.adapters.lambda_eraser import LambdaEraser
from socialcare.adapters.report_store import DynamoReportStore
from socialcare.adapters.secrets import secret_reader
from socialcare.adapters.slack import SlackPoster
from socialcare.adapters.slack_directory import SlackDirectoryClient
from socialcare.adapters.sqs import SqsOutbox
from socialcare.config import load_brands
from socialcare.errors import RejectedRequest, SupportError
from socialcare.observability import MetricUnit, logger, metrics
from socialcare.ports import SlackDesk
from socialcare.services import care_forget as forget
from socialcare.services import desk_actions, desk_buttons
from socialcare.services.care import DeskDeps, care
from socialcare.services.care_report import kind_of, report_text
from socialcare.services.desk_actions import ActionDeps
from socialcare.services.desk_buttons import ButtonPress
from socialcare.services.erasure import Eraser
from socialcare.services.reports import ReportStore
from socialcare.settings import DeskSettings, load_settings
from socialcare.slack import lazy, verification
from socialcare.slack.authz import (
    Kind,
    Refusal,
    SlackDirectory,
    SlackRequest,
    Verdict,
    authorise,
    managers,
)
from socialcare.slack.channels import brand_of
from socialcare.slack.events import SlackMessageEvent
from socialcare.slack.secrets import SlackSecrets
from socialcare.webhooks import rejection

BUTTONS = tuple(desk_buttons.BUTTON_IDS)


def build_app(
    secrets: SlackSecrets,
    deps: DeskDeps,
    actions: ActionDeps,
    api_url: str | None = None,
    *,
    reports: ReportStore | None = None,
    directory: SlackDirectory | None = None,
    eraser: Eraser | None = None,
    may_erase: forget.MayErase | None = None,
) -> App:
    client = WebClient(
        token=secrets.bot_token.get_secret_value(), base_url=api_url or WebClient.BASE_URL
    )
    app = App(
        client=client,
        signing_secret=secrets.signing_secret.get_secret_value(),
        process_before_response=True,
        token_verification_enabled=False,  # no auth.test call on every cold start
    )
    people = directory or SlackDirectoryClient(lambda: secrets, api_url)
    app.use(desk_access(deps, people, actions.slack))  # before every listener

    step = lazy.step(actions.slack)  # a lazy function's failure reaches Lambda

    def ack_now(ack: Ack) -> None:
        ack()

    def care_command(ack: Ack, command: dict[str, Any]) -> None:
        answer = care(str(command.get("text", "")), str(command.get("channel_id", "")), deps)
        ack(response_type="ephemeral", text=answer)

    @step
    def care_report(command: dict[str, Any]) -> None:
        """``/care report``: the figures can take longer than Slack's 3 s, so they come after."""
        kind = kind_of(str(command.get("text", "")).split())
        channel = str(command.get("channel_id", ""))
        brand = brand_of(channel, deps.brands)
        if kind is None or brand is None or reports is None:
            return
        now = actions.clock()
        text = report_text(brand, kind, reports, now)
        actions.slack.ephemeral(channel, str(command.get("user_id", "")), text)

    def asks_for_a_report(command: dict[str, Any]) -> bool:
        return kind_of(str(command.get("text", "")).split()) is not None

    # /care forget (managers only): handed to the erase function after the ack; it tells
    # the manager what went. This function itself may not delete in bulk.
    erasing = forget.ForgetDeps(deps.brands, may_erase or managers(people), eraser)
    app.command("/care", matchers=[forget.matches])(
        ack=forget.acknowledge(erasing), lazy=[step(forget.erase_later(erasing))]
    )
    # Only /care report works after the ack (a self-invocation); the rest answer at once.
    app.command("/care", matchers=[asks_for_a_report])(ack=care_command, lazy=[care_report])
    app.command("/care")(care_command)

    @step
    def agent_message(body: dict[str, Any]) -> None:
        event = SlackMessageEvent.model_validate(body.get("event") or {})
        outcome = desk_actions.take_thread_message(event, str(body.get("event_id")), actions)
        logger.info("thread message", extra={"outcome": outcome})

    app.event("message")(ack=ack_now, lazy=[agent_message])

    @step
    def button(body: dict[str, Any]) -> None:
        press = _press_of(body)
        logger.info("button", extra={"outcome": desk_buttons.press(press, actions)})

    for action_id in BUTTONS:
        opening = action_id == "edit_suggestion"
        app.action(action_id)(ack=editor_opener(actions) if opening else ack_now, lazy=[button])

    def reply_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        conversation_id, text = _modal_fields(view)
        problem = desk_actions.check_modal(conversation_id, text, actions)
        if problem:
            ack(response_action="errors", errors={desk_actions.MODAL_BLOCK: problem})
            return
        ack()

    @step
    def modal_reply(body: dict[str, Any], view: dict[str, Any]) -> None:
        conversation_id, text = _modal_fields(view)
        agent = str((body.get("user") or {}).get("id", ""))
        key = f"{view.get('id')}:{hashlib.sha256(str(view.get('hash')).encode()).hexdigest()[:16]}"
        outcome = desk_actions.send_modal(conversation_id, text, key, agent, actions)
        logger.info("modal reply", extra={"outcome": outcome})

    app.view(desk_actions.MODAL)(ack=reply_submitted, lazy=[modal_reply])
    return app


EDITOR_NOT_OPENED = "The reply editor did not open (Slack refused it). Press the button again."


def editor_opener(actions: ActionDeps) -> Callable[[Ack, dict[str, Any]], None]:
    """The Edit button's ack. Slack's trigger lives 3 seconds, so the editor opens here
    and the lazy step fills it in; if Slack refuses, the agent is told to press again."""

    def open_editor_now(ack: Ack, body: dict[str, Any]) -> None:
        press = _press_of(body)
        if not desk_buttons.open_editor(press, actions):
            channel = str((body.get("channel") or {}).get("id", ""))
            try:
                actions.slack.ephemeral(channel, press.agent, EDITOR_NOT_OPENED)
            except SupportError as exc:
                logger.warning("the agent was not told", extra={"error": str(exc)})
        ack()

    return open_editor_now


def _press_of(body: dict[str, Any]) -> ButtonPress:
    action = (body.get("actions") or [{}])[0]
    container = body.get("container") or {}
    user = str((body.get("user") or {}).get("id", ""))
    return ButtonPress(
        action_id=str(action.get("action_id")),
        conversation_id=str(action.get("value", "")),
        agent=user,
        key=f"{container.get('message_ts')}:{action.get('action_ts')}:{user}",
        trigger_id=body.get("trigger_id"),
    )


def _modal_fields(view: dict[str, Any]) -> tuple[str, str]:
    metadata = json.loads(view.get("private_metadata") or "{}")
    values = (view.get("state") or {}).get("values") or {}
    text = (values.get(desk_actions.MODAL_BLOCK) or {}).get(desk_actions.MODAL_INPUT) or {}
    return str(metadata.get("conversation_id", "")), str(text.get("value") or "")


def desk_access(
    deps: DeskDeps, directory: SlackDirectory, slack: SlackDesk
) -> Callable[..., BoltResponse | None]:
    """The one access check (a Bolt global middleware): a refused request reaches no listener."""

    def only_the_desks_people(
        body: dict[str, Any], next_: Callable[[], None]
    ) -> BoltResponse | None:
        request = SlackRequest.of(body)
        verdict = authorise(request, deps.brands, directory, deps.store)
        if verdict.allowed:
            next_()
            return None
        return refused(request, verdict, slack)

    return only_the_desks_people


def refused(request: SlackRequest, verdict: Verdict, slack: SlackDesk) -> BoltResponse:
    """Tell the user why nothing was done: in the slash command's answer, in the modal, or
    ephemerally for a button; a message event is only logged (and counted)."""
    facts = {"reason": str(verdict.refusal), "kind": str(request.kind), "user": request.user}
    facts |= {"team": request.team, "channel": request.channel}
    if verdict.refusal is Refusal.NO_USER:
        logger.info("Slack request without a user ignored", extra=facts)
    else:
        logger.warning("Slack request refused", extra=facts)
        metrics.add_metric(name="SlackRequestRefused", unit=MetricUnit.Count, value=1)
    if request.kind is Kind.COMMAND:
        return BoltResponse(status=200, body={"response_type": "ephemeral", "text": verdict.said})
    if request.kind is Kind.VIEW:
        return BoltResponse(
            status=200, body={"response_action": "update", "view": _notice(verdict.said)}
        )
    if request.kind is Kind.EVENT and verdict.refusal is Refusal.UNVERIFIED:
        return BoltResponse(status=503, body={"error": "unavailable"})  # Slack retries it
    if request.kind is Kind.ACTION and request.channel and request.user:
        try:
            slack.ephemeral(request.channel, request.user, verdict.said)
        except SupportError as exc:
            logger.warning("the refusal was not shown", extra={"error": str(exc)})
    return BoltResponse(status=200, body="")


def _notice(text: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Not allowed"},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": [{"type": "section", "text": {"type": "plain_text", "text": text}}],
    }


class DeskRequestHandler:
    """POST /slack/events: the request is checked (size, signature, shape) before Bolt sees
    it; a well-formed request no listener handles is acknowledged and logged."""

    def __init__(self, app: App, signing_secret: str) -> None:
        self.bolt = SlackRequestHandler(app)
        self._secret = signing_secret

    def handle(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        try:
            verification.admit(event, self._secret)
        except RejectedRequest as error:
            return rejection(error)
        event = {**event, "isBase64Encoded": bool(event.get("isBase64Encoded"))}
        response: dict[str, Any] = self.bolt.handle(event, context)  # type: ignore[no-untyped-call]
        if response.get("statusCode") == 404:
            logger.info("Slack request no listener handles, acknowledged")
            return {"statusCode": 200, "body": "", "headers": {}}
        return response


@dataclass(frozen=True)
class Wiring:
    """What the desk needs that no secret changes: built once per container."""

    settings: DeskSettings
    secrets: Callable[[], SlackSecrets]  # cached for SECRETS_MAX_AGE_SECONDS, then re-read
    deps: DeskDeps
    actions: ActionDeps


@cache
def wiring() -> Wiring:
    settings = load_settings(DeskSettings)
    secrets = secret_reader(
        settings.SLACK_SECRET_ARN, SlackSecrets, settings.SECRETS_MAX_AGE_SECONDS
    )
    store = DynamoDeskStore(settings.TABLE_NAME)
    brands = load_brands(settings.BRANDS_DIR)
    actions = ActionDeps(
        store=store,
        outbox=SqsOutbox(settings.OUTBOX_QUEUE_URL),
        slack=SlackPoster(secrets, settings.SLACK_API_URL or None),
        brands=brands,
        escalations=(
            SnsEscalations(settings.ESCALATION_TOPIC_ARN) if settings.ESCALATION_TOPIC_ARN else None
        ),
        retention=DynamoRetentionStore(settings.TABLE_NAME),
    )
    return Wiring(settings, secrets, DeskDeps(store=store, brands=brands), actions)


def _fingerprint(secrets: SlackSecrets) -> str:
    both = secrets.signing_secret.get_secret_value() + "\n" + secrets.bot_token.get_secret_value()
    return hashlib.sha256(both.encode()).hexdigest()


_built: dict[str, DeskRequestHandler] = {}  # the secrets' fingerprint -> the app built on them


def handler() -> DeskRequestHandler:
    """The Bolt app holds the signing secret and the bot token, so it is built again when
    the secret changes (read through the secrets cache: a rotation reaches a warm container
    within SECRETS_MAX_AGE_SECONDS, as the README says)."""
    wired = wiring()
    current = wired.secrets()
    key = _fingerprint(current)
    if key not in _built:
        settings = wired.settings
        app = build_app(
            current,
            wired.deps,
            wired.actions,
            settings.SLACK_API_URL or None,
            reports=DynamoReportStore(settings.TABLE_NAME),
            eraser=(
                LambdaEraser(settings.ERASE_FUNCTION_NAME) if settings.ERASE_FUNCTION_NAME else None
            ),
        )
        _built.clear()  # the old secret's app is of no use any more
        _built[key] = DeskRequestHandler(app, current.signing_secret.get_secret_value())
    return _built[key]


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics  # the desk's metrics (refusals, notes, erasures) reach CloudWatch
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return lazy.respond(handler(), event, context)
