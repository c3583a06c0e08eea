"""The Slack desk's Bolt app: the one access check, /care, the buttons, the reply modal and
agents' thread messages, each listener handing its work to a service (socialcare.services).

It sits beside the wiring, above ``slack`` (presentation, Slack's payload models) and
``services``: the Slack package cannot hold it without importing the services that import
it. functions/slack_desk builds it once per Slack secret. Requests reach it only after the
admission check (socialcare.slack.verification: size, signature, shape)."""

import hashlib
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltResponse
from slack_bolt.adapter.aws_lambda import SlackRequestHandler
from slack_sdk import WebClient

from socialcare.adapters.slack_directory import SlackDirectoryClient
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
from socialcare.slack.verification import SlackPayload, SlackView
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
        conversation_id, text = _modal_fields(SlackView.model_validate(view))
        problem = desk_actions.check_modal(conversation_id, text, actions)
        if problem:
            ack(response_action="errors", errors={desk_actions.MODAL_BLOCK: problem})
            return
        ack()

    @step
    def modal_reply(body: dict[str, Any], view: dict[str, Any]) -> None:
        submitted = SlackView.model_validate(view)
        conversation_id, text = _modal_fields(submitted)
        agent = str((body.get("user") or {}).get("id", ""))
        digest = hashlib.sha256(str(submitted.hash).encode()).hexdigest()[:16]
        key = f"{submitted.id}:{digest}"
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
            channel = SlackRequest.of(body).channel or ""
            try:
                actions.slack.ephemeral(channel, press.agent, EDITOR_NOT_OPENED)
            except SupportError as exc:
                logger.warning("the agent was not told", extra={"error": str(exc)})
        ack()

    return open_editor_now


def _press_of(body: dict[str, Any]) -> ButtonPress:
    """A button press, read with the admission check's model (which refused a block action
    without actions, so the first is the press)."""
    pressed = SlackPayload.model_validate(body)
    action = (pressed.actions or [])[0]
    user = (pressed.user.id if pressed.user else None) or ""
    message_ts = pressed.container.message_ts if pressed.container else None
    return ButtonPress(
        action_id=action.action_id,
        conversation_id=action.value or "",
        agent=user,
        # The same press repeated (Slack's retry, Lambda's) has the same key.
        key=f"{message_ts}:{action.action_ts}:{user}",
        trigger_id=pressed.trigger_id,
    )


def _modal_fields(submitted: SlackView) -> tuple[str, str]:
    text = submitted.typed(desk_actions.MODAL_BLOCK, desk_actions.MODAL_INPUT)
    return submitted.metadata("conversation_id"), text


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
