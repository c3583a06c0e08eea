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
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from socialcare.adapters.conversation_reads import ConversationReads
from socialcare.adapters.desk_store import DynamoDeskStore
from socialcare.adapters.dynamo_table import ConversationTable
from socialcare.adapters.escalations import SnsEscalations
from socialcare.adapters.lambda_eraser import LambdaEraser
from socialcare.adapters.report_store import DynamoReportStore
from socialcare.adapters.retention_store import DynamoRetentionStore
from socialcare.adapters.secrets import secret_reader
from socialcare.adapters.slack import SlackPoster
from socialcare.adapters.sqs import SqsOutbox
from socialcare.config import load_brands
from socialcare.desk_app import DeskRequestHandler, build_app
from socialcare.observability import logger, metrics
from socialcare.services.care import DeskDeps
from socialcare.services.desk_actions import ActionDeps
from socialcare.settings import DeskSettings, load_settings
from socialcare.slack import lazy
from socialcare.slack.secrets import SlackSecrets


@dataclass(frozen=True)
class Wiring:
    """What the desk needs that no secret changes: built once per container."""

    settings: DeskSettings
    secrets: Callable[[], SlackSecrets]  # cached for SECRETS_MAX_AGE_SECONDS, then re-read
    deps: DeskDeps
    actions: ActionDeps


@cache
def build_deps() -> Wiring:
    settings = load_settings(DeskSettings)
    secrets = secret_reader(
        settings.SLACK_SECRET_ARN, SlackSecrets, settings.SECRETS_MAX_AGE_SECONDS
    )
    table = ConversationTable(settings.TABLE_NAME)  # one client for the desk's stores
    brands = load_brands(settings.BRANDS_DIR)
    actions = ActionDeps(
        store=DynamoDeskStore(table),
        outbox=SqsOutbox(settings.OUTBOX_QUEUE_URL),
        slack=SlackPoster(secrets, settings.SLACK_API_URL or None),
        brands=brands,
        escalations=(
            SnsEscalations(settings.ESCALATION_TOPIC_ARN) if settings.ESCALATION_TOPIC_ARN else None
        ),
        retention=DynamoRetentionStore(settings.TABLE_NAME),
    )
    return Wiring(
        settings, secrets, DeskDeps(store=ConversationReads(table), brands=brands), actions
    )


def _fingerprint(secrets: SlackSecrets) -> str:
    both = secrets.signing_secret.get_secret_value() + "\n" + secrets.bot_token.get_secret_value()
    return hashlib.sha256(both.encode()).hexdigest()


_built: dict[str, DeskRequestHandler] = {}  # the secrets' fingerprint -> the app built on them


def handler(wired: Wiring) -> DeskRequestHandler:
    """The Bolt app holds the signing secret and the bot token, so it is built again when
    the secret changes (read through the secrets cache: a rotation reaches a warm container
    within SECRETS_MAX_AGE_SECONDS, as the README says)."""
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
def lambda_handler(
    event: dict[str, Any], context: LambdaContext, deps: Wiring | None = None
) -> dict[str, Any]:
    return lazy.respond(handler(deps or build_deps()), event, context)
