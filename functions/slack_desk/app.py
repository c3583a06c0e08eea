"""Slack -> the desk: Events API, interactivity and /care behind POST /slack/events.

slack_bolt verifies every request's signature and timestamp (a forged or stale one gets 401)
and, with process_before_response=True, finishes each ack before it answers Slack, as a
Lambda function must. Work that may take longer than Slack's 3 seconds (reading the
conversation, the guards, queueing the reply, redrawing the card) runs in lazy listeners:
Bolt re-invokes this function asynchronously (``lambda:InvokeFunction`` on itself) with the
same signed request. Slack's retries and Lambda's async retries may repeat a request; every
effect is keyed by the Slack event, action or view id, so each happens once."""

import hashlib
import json
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from slack_bolt import Ack, App
from slack_bolt.adapter.aws_lambda import SlackRequestHandler
from slack_sdk import WebClient

from socialcare.adapters.desk_store import DynamoDeskStore
from socialcare.adapters.erasure_store import DynamoErasureStore, DynamoRetentionStore
from socialcare.adapters.escalations import SnsEscalations
from socialcare.adapters.report_store import DynamoReportStore
from socialcare.adapters.secrets import secret_reader
from socialcare.adapters.slack import SlackPoster
from socialcare.adapters.sqs import SqsOutbox
from socialcare.config import load_brands
from socialcare.observability import logger, metrics
from socialcare.services import desk_actions, desk_buttons
from socialcare.services.desk_actions import ActionDeps
from socialcare.services.desk_buttons import ButtonPress
from socialcare.services.erasure import ErasureDeps
from socialcare.services.reports import ReportStore
from socialcare.settings import DeskSettings, load_settings
from socialcare.slack import forget
from socialcare.slack.desk import DeskDeps, brand_of, care
from socialcare.slack.events import SlackMessageEvent
from socialcare.slack.report import kind_of, report_text
from socialcare.slack.secrets import SlackSecrets

BUTTONS = tuple(desk_buttons.BUTTON_IDS)


def build_app(
    secrets: SlackSecrets,
    deps: DeskDeps,
    actions: ActionDeps,
    api_url: str | None = None,
    reports: ReportStore | None = None,
    *,
    erasure: ErasureDeps | None = None,
    may_erase: forget.MayErase = forget.listed_manager,
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

    def ack_now(ack: Ack) -> None:
        ack()

    def care_command(ack: Ack, command: dict[str, Any]) -> None:
        answer = care(str(command.get("text", "")), str(command.get("channel_id", "")), deps)
        ack(response_type="ephemeral", text=answer)

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

    # /care forget (managers only): erased after the ack, the manager told what went.
    erasing = forget.ForgetDeps(deps.brands, may_erase, erasure, actions.slack)
    app.command("/care", matchers=[forget.matches])(
        ack=forget.acknowledge(erasing), lazy=[forget.erase_later(erasing)]
    )
    # Only /care report works after the ack (a self-invocation); the rest answer at once.
    app.command("/care", matchers=[asks_for_a_report])(ack=care_command, lazy=[care_report])
    app.command("/care")(care_command)

    def agent_message(body: dict[str, Any]) -> None:
        event = SlackMessageEvent.model_validate(body.get("event") or {})
        outcome = desk_actions.take_thread_message(event, str(body.get("event_id")), actions)
        logger.info("thread message", extra={"outcome": outcome})

    app.event("message")(ack=ack_now, lazy=[agent_message])

    def button(body: dict[str, Any]) -> None:
        action = (body.get("actions") or [{}])[0]
        container = body.get("container") or {}
        user = str((body.get("user") or {}).get("id", ""))
        key = f"{container.get('message_ts')}:{action.get('action_ts')}:{user}"
        press = ButtonPress(
            action_id=str(action.get("action_id")),
            conversation_id=str(action.get("value", "")),
            agent=user,
            key=key,
            trigger_id=body.get("trigger_id"),
        )
        logger.info("button", extra={"outcome": desk_buttons.press(press, actions)})

    for action_id in BUTTONS:
        app.action(action_id)(ack=ack_now, lazy=[button])

    def reply_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        conversation_id, text = _modal_fields(view)
        problem = desk_actions.check_modal(conversation_id, text, actions)
        if problem:
            ack(response_action="errors", errors={desk_actions.MODAL_BLOCK: problem})
            return
        ack()

    def modal_reply(body: dict[str, Any], view: dict[str, Any]) -> None:
        conversation_id, text = _modal_fields(view)
        agent = str((body.get("user") or {}).get("id", ""))
        key = f"{view.get('id')}:{hashlib.sha256(str(view.get('hash')).encode()).hexdigest()[:16]}"
        outcome = desk_actions.send_modal(conversation_id, text, key, agent, actions)
        logger.info("modal reply", extra={"outcome": outcome})

    app.view(desk_actions.MODAL)(ack=reply_submitted, lazy=[modal_reply])
    return app


def _modal_fields(view: dict[str, Any]) -> tuple[str, str]:
    metadata = json.loads(view.get("private_metadata") or "{}")
    values = (view.get("state") or {}).get("values") or {}
    text = (values.get(desk_actions.MODAL_BLOCK) or {}).get(desk_actions.MODAL_INPUT) or {}
    return str(metadata.get("conversation_id", "")), str(text.get("value") or "")


@cache
def handler() -> SlackRequestHandler:
    settings = load_settings(DeskSettings)
    secrets = secret_reader(
        settings.SLACK_SECRET_ARN, SlackSecrets, settings.SECRETS_MAX_AGE_SECONDS
    )
    store = DynamoDeskStore(settings.TABLE_NAME)
    brands = load_brands(settings.BRANDS_DIR)
    slack = SlackPoster(secrets, settings.SLACK_API_URL or None)
    actions = ActionDeps(
        store=store,
        outbox=SqsOutbox(settings.OUTBOX_QUEUE_URL),
        slack=slack,
        brands=brands,
        escalations=(
            SnsEscalations(settings.ESCALATION_TOPIC_ARN) if settings.ESCALATION_TOPIC_ARN else None
        ),
        retention=DynamoRetentionStore(settings.TABLE_NAME),
    )
    app = build_app(
        secrets(),
        DeskDeps(store=store, brands=brands),
        actions,
        settings.SLACK_API_URL or None,
        reports=DynamoReportStore(settings.TABLE_NAME),
        erasure=ErasureDeps(store=DynamoErasureStore(settings.TABLE_NAME), slack=slack),
    )
    return SlackRequestHandler(app)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics  # the desk's metrics (refusals, notes, erasures) reach CloudWatch
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response: dict[str, Any] = handler().handle(event, context)  # type: ignore[no-untyped-call]
    return response
