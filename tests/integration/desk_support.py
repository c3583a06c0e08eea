"""Helpers for the desk tests: conversations that reach Slack for real (ingest, classify,
the thread poster), signed Slack requests, the Slack desk app with Bolt's lazy re-invocations
captured, and the outbox's send function against the X and VK stand-ins."""

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

import boto3
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from slack_bolt.adapter.aws_lambda.lazy_listener_runner import LambdaLazyListenerRunner

from functions.classify_message import app as classify
from functions.ingest_meta import app as ingest_meta
from functions.ingest_vk import app as ingest_vk
from functions.send_reply import app as send
from functions.slack_thread import app as thread
from socialcare.adapters.classify_store import DynamoClassifyStore
from socialcare.adapters.conversation_reads import ConversationReads
from socialcare.adapters.desk_store import DynamoDeskStore
from socialcare.adapters.dynamo_table import ConversationTable
from socialcare.adapters.escalations import SnsEscalations
from socialcare.adapters.meta_profiles import MetaProfiles
from socialcare.adapters.meta_sender import MetaSender
from socialcare.adapters.reply_store import DynamoReplyStore
from socialcare.adapters.report_store import DynamoReportStore
from socialcare.adapters.retention_store import DynamoRetentionStore
from socialcare.adapters.slack import SlackPoster
from socialcare.adapters.sqs import SqsClassifyQueue, SqsOutbox
from socialcare.adapters.telegram_bot_api import TelegramBotApi
from socialcare.adapters.telegram_connections import DynamoTelegramConnections
from socialcare.adapters.telegram_sender import TelegramSender
from socialcare.adapters.thread_store import DynamoThreadStore
from socialcare.adapters.vk_sender import VkSender
from socialcare.adapters.x_sender import XSender
from socialcare.clock import Clock, utc_now
from socialcare.config import load_brands
from socialcare.config.brands import BrandDirectory
from socialcare.desk_app import DeskRequestHandler, build_app
from socialcare.models.common import Platform
from socialcare.platforms.publishing import PublishingSecrets
from socialcare.platforms.telegram.secret import TelegramSecrets
from socialcare.services.care import DeskDeps
from socialcare.services.classify import ClassifyDeps, Knowledge
from socialcare.services.desk_actions import ActionDeps
from socialcare.services.meta_webhook import MetaWebhookDeps
from socialcare.services.send_reply import SendDeps
from socialcare.services.slack_thread import ThreadDeps
from socialcare.services.vk_webhook import VkWebhookDeps
from socialcare.slack import lazy
from socialcare.slack.secrets import SlackSecrets
from socialcare_tools import local_secrets as local
from socialcare_tools import samples_telegram, slack_requests
from socialcare_tools.local.standins import StandIns
from socialcare_tools.sample_events import all_events
from socialcare_tools.slack_requests import AGENT, TEAM, signed
from socialcare_tools.template_resources import Backbone, create_queue
from tests.conftest import BRANDS_DIR, LambdaContext
from tests.support.inspect import drain
from tests.support.queues import record

SECRETS = SlackSecrets.model_validate(local.SLACK_SECRET_VALUE)
PUBLISHING = PublishingSecrets.model_validate(local.PUBLISHING_SECRET_VALUE)
TELEGRAM = TelegramSecrets.model_validate(local.TELEGRAM_SECRET_VALUE)
CHANNEL = "C0ACMESUPPORT"


def desk_and_outbox() -> tuple[str, str]:
    """The desk queue and the outbox, on the backbone's moto; a failed outbox message comes
    back at once here (visibility 0): only a postponement can keep it hidden."""
    outbox = create_queue("OutboxQueue")
    boto3.client("sqs").set_queue_attributes(QueueUrl=outbox, Attributes={"VisibilityTimeout": "0"})
    return create_queue("DeskQueue"), outbox


def to_the_desk(
    backbone: Backbone,
    desk_queue: str,
    slack: StandIns,
    classify_records: list[dict[str, Any]],
    on_read: Callable[[str], None] | None = None,
) -> list[dict[str, Any]]:
    """Classify what ingest queued (which hands it to the desk queue), then post threads;
    ``on_read`` is told the name of every DynamoDB call the thread poster makes."""
    brands = load_brands(BRANDS_DIR)
    classify.lambda_handler(
        {"Records": classify_records},
        LambdaContext(),
        deps=ClassifyDeps(
            store=DynamoClassifyStore(backbone.table),
            brands={b.id: Knowledge.of(b) for b in brands.brands.values()},
            desk=SqsClassifyQueue(desk_queue, what="the Slack desk"),
        ),
    )
    return to_the_thread(backbone, desk_queue, slack, on_read)


def to_the_thread(
    backbone: Backbone,
    desk_queue: str,
    slack: StandIns,
    on_read: Callable[[str], None] | None = None,
) -> list[dict[str, Any]]:
    """The thread poster over what the desk queue holds now."""
    brands = load_brands(BRANDS_DIR)
    records = [
        record(json.dumps(q["body"]), q["group"], f"d{i}") for i, q in enumerate(drain(desk_queue))
    ]
    if records:
        client = boto3.client("dynamodb")
        if on_read is not None:
            client.meta.events.register(
                "before-call.dynamodb.*", lambda model, **_: on_read(model.name)
            )
        table = ConversationTable(backbone.table, client)
        deps = ThreadDeps(
            store=DynamoThreadStore(table),
            poster=SlackPoster(lambda: SECRETS, slack.slack_url),
            brands=brands,
            cards=ConversationReads(table),
            profiles=MetaProfiles(lambda: PUBLISHING, slack.meta_url),
        )
        thread.lambda_handler({"Records": records}, LambdaContext(), deps=deps)
    return records  # what the desk queue delivered, for redelivering


def meta_records(
    backbone: Backbone, meta_live: MetaWebhookDeps, *deliveries: dict[str, Any]
) -> list[dict[str, Any]]:
    """Meta deliveries (API Gateway events), ingested for real; what reached the queue."""
    for event in deliveries:
        assert (
            ingest_meta.lambda_handler(event, LambdaContext(), deps=meta_live)["statusCode"] == 200
        )
    return [
        record(json.dumps(q["body"]), q["group"], f"m{i}")
        for i, q in enumerate(drain(backbone.classify_queue))
    ]


def vk_records(
    backbone: Backbone, vk_live: VkWebhookDeps, *sample_names: str
) -> list[dict[str, Any]]:
    """The sample VK deliveries (events/), ingested for real; what reached the queue."""
    events = all_events()
    for name in sample_names:
        ingest_vk.lambda_handler(events[name], LambdaContext(), deps=vk_live)
    return [
        record(json.dumps(q["body"]), q["group"], f"v{i}")
        for i, q in enumerate(drain(backbone.classify_queue))
    ]


def message_event(
    text: str, thread_ts: str | None, *, channel: str = CHANNEL, **options: Any
) -> dict[str, Any]:
    return slack_requests.message_event(text, thread_ts, channel, **options)


def view_submission(
    conversation_id: str,
    text: str,
    view_id: str = "V0PKB1ZFV",
    *,
    user: str = AGENT,
    team: str = TEAM,
) -> dict[str, Any]:
    payload = {
        "type": "view_submission",
        "team": {"id": team},
        "user": {"id": user, "team_id": team},
        "api_app_id": "A0APP",
        "trigger_id": "1334.5224.abc",
        "view": {
            "id": view_id,
            "type": "modal",
            "callback_id": "reply_modal",
            "private_metadata": json.dumps({"conversation_id": conversation_id}),
            "state": {
                "values": {
                    "reply_block": {"reply_input": {"type": "plain_text_input", "value": text}}
                }
            },
            "hash": "156772938.1827394",
        },
    }
    body = urlencode({"payload": json.dumps(payload)}).encode()
    return signed(body, "application/x-www-form-urlencoded")


@dataclass
class LazyInvocations:
    """The Lambda client Bolt's lazy-listener runner calls: keeps each asynchronous
    self-invocation so the test runs it after Slack has its answer, as Lambda would
    (moto cannot run a Lambda function without Docker)."""

    payloads: list[dict[str, Any]] = field(default_factory=list)

    def invoke(self, FunctionName: str, InvocationType: str, Payload: str) -> dict[str, Any]:  # noqa: N803
        assert InvocationType == "Event"
        self.payloads.append(json.loads(Payload))
        return {"StatusCode": 202}


@dataclass
class Desk:
    handler: DeskRequestHandler
    lazy: LazyInvocations
    outbox: str

    def answer(self, event: dict[str, Any]) -> dict[str, Any]:
        """What the Lambda handler does: Bolt's answer, a lazy step's failure raised."""
        return lazy.respond(self.handler, event, LambdaContext())  # type: ignore[arg-type]

    def run_lazy(self, times: int = 1) -> None:
        """Lambda runs each asynchronous invocation (``times`` > 1: its retries too)."""
        pending, self.lazy.payloads = self.lazy.payloads, []
        for payload in pending:
            for _ in range(times):
                assert self.answer(payload)["statusCode"] == 200

    def act(self, event: dict[str, Any]) -> dict[str, Any]:
        response = self.answer(event)
        self.run_lazy()
        return response


def action_deps(
    backbone: Backbone,
    slack: StandIns,
    outbox: str,
    topic: str | None = None,
    clock: Clock = utc_now,
    *,
    dynamodb: Any = None,
    sqs: Any = None,
    brands: BrandDirectory | None = None,
) -> ActionDeps:
    """What the desk's actions use, for real against moto and the Slack stand-in (``dynamodb``
    and ``sqs``: clients that fail as a test says)."""
    return ActionDeps(
        store=DynamoDeskStore(backbone.table, client=dynamodb),
        outbox=SqsOutbox(outbox, client=sqs),
        slack=SlackPoster(lambda: SECRETS, slack.slack_url),
        brands=brands or load_brands(BRANDS_DIR),
        escalations=SnsEscalations(topic) if topic else None,
        clock=clock,
        retention=DynamoRetentionStore(backbone.table),
    )


def a_desk(
    backbone: Backbone,
    slack: StandIns,
    outbox: str,
    topic: str | None = None,
    clock: Clock = utc_now,
    *,
    dynamodb: Any = None,
    sqs: Any = None,
    brands: BrandDirectory | None = None,
    **wiring: Any,
) -> Desk:
    """The Slack desk as its handler wires it (``wiring``: more of build_app's arguments)."""
    actions = action_deps(
        backbone, slack, outbox, topic, clock, dynamodb=dynamodb, sqs=sqs, brands=brands
    )
    app = build_app(
        SECRETS,
        DeskDeps(store=ConversationReads(backbone.table, dynamodb), brands=actions.brands),
        actions,
        slack.slack_url,
        reports=DynamoReportStore(backbone.table),
        **wiring,
    )
    handler = DeskRequestHandler(app, SECRETS.signing_secret.get_secret_value())
    lazy = LazyInvocations()
    app.listener_runner.lazy_listener_runner = LambdaLazyListenerRunner(
        handler.bolt.logger, lambda_client=lazy
    )
    return Desk(handler, lazy, outbox)


def send_deps(backbone: Backbone, slack: StandIns) -> SendDeps:
    return SendDeps(
        store=DynamoReplyStore(backbone.table),
        senders={
            Platform.X: XSender(
                lambda: PUBLISHING, {local.X_ACCOUNT_ID: "AcmeSupport"}, slack.x_url
            ),
            Platform.VK: VkSender(lambda: PUBLISHING, slack.vk_url),
            **dict.fromkeys(
                (Platform.MESSENGER, Platform.FACEBOOK, Platform.INSTAGRAM),
                MetaSender(lambda: PUBLISHING, slack.meta_url),
            ),
            Platform.TELEGRAM: TelegramSender(
                TelegramBotApi(lambda: TELEGRAM, slack.telegram_url),
                DynamoTelegramConnections(backbone.table),
                {local.TELEGRAM_BOT_ID: (str(samples_telegram.ACME_ACCOUNT["id"]),)},
            ),
        },
        slack=SlackPoster(lambda: SECRETS, slack.slack_url),
    )


def run_outbox(backbone: Backbone, slack: StandIns, outbox: str) -> dict[str, Any]:
    """The send function over what the outbox holds now (received for real, so a postponed
    message's visibility change reaches SQS); deletes what succeeded, as Lambda does."""
    sqs = boto3.client("sqs")
    messages = sqs.receive_message(
        QueueUrl=outbox, MaxNumberOfMessages=10, AttributeNames=["All"]
    ).get("Messages", [])
    records = [
        record(m["Body"], m["Attributes"]["MessageGroupId"], m["MessageId"])
        | {"receiptHandle": m["ReceiptHandle"]}
        for m in messages
    ]
    if not records:
        return {"batchItemFailures": [], "records": 0}
    try:
        result: dict[str, Any] = send.lambda_handler(
            {"Records": records},
            LambdaContext(),
            deps=replace(send_deps(backbone, slack), outbox=SqsOutbox(outbox), max_receives=10),
        )
    except BatchProcessingError:  # every record failed: Lambda fails the whole invocation
        result = {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in records]}
    failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
    for m in messages:
        if m["MessageId"] not in failed:
            sqs.delete_message(QueueUrl=outbox, ReceiptHandle=m["ReceiptHandle"])
    return result | {"records": len(records)}


def slack_calls(slack: StandIns, method: str) -> list[dict[str, Any]]:
    return [
        c["params"]
        for c in slack.recorder.calls("slack")
        if c["method"] == method and c["status"] == 200
    ]
