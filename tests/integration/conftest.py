"""moto-backed fixtures: the backbone's resources, built from template.yaml."""

import io
import json
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from moto import mock_aws

from socialcare.services.meta_webhook import MetaWebhookDeps
from socialcare.services.telegram_webhook import TelegramWebhookDeps
from socialcare.services.vk_webhook import VkWebhookDeps
from socialcare.services.x_webhook import XWebhookDeps
from socialcare.settings import (
    MetaIngestSettings,
    TelegramIngestSettings,
    VkIngestSettings,
    XIngestSettings,
)
from socialcare.wiring import meta_webhook_deps, vk_webhook_deps, x_webhook_deps
from socialcare.wiring_telegram import telegram_webhook_deps
from socialcare_tools.local.stack import LocalStack, Ports
from socialcare_tools.local.standins import StandIns
from socialcare_tools.template_resources import Backbone, create_backbone
from tests.conftest import BRANDS_DIR, ROOT
from tests.support.x_webhook_server import Webhook


@pytest.fixture
def backbone() -> Iterator[Backbone]:
    parameters.clear_caches()
    with mock_aws():
        yield create_backbone()
    parameters.clear_caches()


def _environment(backbone: Backbone) -> dict[str, str]:
    """What the template gives an ingest function, pointing at the moto resources."""
    return {
        "TABLE_NAME": backbone.table,
        "CLASSIFY_QUEUE_URL": backbone.classify_queue,
        "BRANDS_DIR": str(BRANDS_DIR),
        "X_SECRET_ARN": backbone.x_secret_arn,
        "VK_SECRET_ARN": backbone.vk_secret_arn,
        "META_SECRET_ARN": backbone.meta_secret_arn,
        "TELEGRAM_SECRET_ARN": backbone.telegram_secret_arn,
    }


def live_telegram(backbone: Backbone, **overrides: str) -> TelegramWebhookDeps:
    settings = TelegramIngestSettings.model_validate(_environment(backbone) | overrides)
    return telegram_webhook_deps(settings)


def live_x(backbone: Backbone, **overrides: str) -> XWebhookDeps:
    return x_webhook_deps(XIngestSettings.model_validate(_environment(backbone) | overrides))


def live_vk(backbone: Backbone, **overrides: str) -> VkWebhookDeps:
    return vk_webhook_deps(VkIngestSettings.model_validate(_environment(backbone) | overrides))


def live_meta(backbone: Backbone, **overrides: str) -> MetaWebhookDeps:
    return meta_webhook_deps(MetaIngestSettings.model_validate(_environment(backbone) | overrides))


@pytest.fixture
def meta_live(backbone: Backbone) -> MetaWebhookDeps:
    return live_meta(backbone)


@pytest.fixture
def x_live(backbone: Backbone) -> XWebhookDeps:
    return live_x(backbone)


@pytest.fixture
def vk_live(backbone: Backbone) -> VkWebhookDeps:
    return live_vk(backbone)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """The whole local pipeline (what `socialcare local` runs), once per test module.

    Time factor 3600: an hour of deadline takes a second, and the classify queue's 180 s
    visibility timeout becomes 0, so a failed message comes back at once.
    """
    work = tmp_path_factory.mktemp("stack")
    with LocalStack(ROOT, Ports.any_free(), time_factor=3600, work_dir=work) as running:
        yield running


@dataclass(frozen=True)
class CliRun:
    code: int
    out: str
    err: str


class StackCli:
    """Runs `socialcare` commands against a running stack, from a folder that looks like the
    repository, and keeps only the command's own output.

    The stack's functions run in this process and print EMF lines and logs to ``sys.stdout``,
    which the stack routes to one log file per function. pytest's capture swaps ``sys.stdout``
    for each test and so takes that router out of the way: a scheduled function's metric line
    then lands in the middle of the CLI's ``--json`` output. So the command runs with the router
    in place, its terminal pointed at a buffer of its own.
    """

    def __init__(self, stack: LocalStack, folder: Path) -> None:
        (folder / "template.yaml").write_text(
            "# the CLI only checks it is in a socialcare folder\n"
        )
        stack.write_state(folder / ".socialcare" / "local.json")
        self.stack, self.folder = stack, folder

    def __call__(self, *argv: str) -> CliRun:
        from socialcare_tools.cli import main

        assert self.stack.logs is not None
        router, out, err = self.stack.logs.stream, io.StringIO(), io.StringIO()
        terminal, router.terminal = router.terminal, out
        try:
            with redirect_stdout(router), redirect_stderr(err):
                code = main(list(argv))
        finally:
            router.terminal = terminal
        return CliRun(code, out.getvalue(), err.getvalue())


def stack_cli(stack: LocalStack, folder: Path, monkeypatch: pytest.MonkeyPatch) -> StackCli:
    monkeypatch.chdir(folder)
    return StackCli(stack, folder)


NOTHING_TO_RUN = {"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}


@dataclass
class Escalated:
    """What reached the managers: an SQS queue subscribed to the escalation topic."""

    topic: str
    queue: str

    def received(self) -> list[dict[str, Any]]:
        sqs = boto3.client("sqs")
        found = []
        while batch := sqs.receive_message(
            QueueUrl=self.queue, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
        ).get("Messages", []):
            for message in batch:
                found.append(message)
                sqs.delete_message(QueueUrl=self.queue, ReceiptHandle=message["ReceiptHandle"])
        return found


@pytest.fixture
def escalated(backbone: Backbone) -> Iterator[Escalated]:
    sns, sqs = boto3.client("sns"), boto3.client("sqs")
    topic = sns.create_topic(Name="escalations")["TopicArn"]
    queue = sqs.create_queue(QueueName="managers")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]
    sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=arn["QueueArn"],
        Attributes={
            "RawMessageDelivery": "true",
            # as the managers' e-mail subscription in template.yaml: no warnings
            "FilterPolicy": json.dumps({"kind": ["overdue", "priority", "spike", "requested"]}),
        },
    )
    yield Escalated(topic, queue)


@pytest.fixture
def machine(backbone: Backbone) -> str:
    """A state machine that only records its executions: these tests step the clocks
    themselves, as its Wait states would, to control time."""
    return boto3.client("stepfunctions").create_state_machine(
        name="clock",
        definition=json.dumps(NOTHING_TO_RUN),
        roleArn="arn:aws:iam::123456789012:role/clock",
    )["stateMachineArn"]


@pytest.fixture
def slack() -> Iterator[StandIns]:
    """The Slack stand-in alone (slack_sdk talks urllib, which `responses` cannot stop)."""
    ports = Ports.any_free()
    with StandIns(
        slack_port=ports.slack, x_port=ports.x, vk_port=ports.vk, meta_port=ports.meta
    ) as running:
        yield running


@pytest.fixture
def x_webhook(x_live: XWebhookDeps) -> Iterator[Webhook]:
    """The X ingest function on an HTTP port: X's (the stand-in's) CRC calls reach it."""
    hook = Webhook(x_live)
    hook.thread.start()
    yield hook
    hook.server.shutdown()
    hook.server.server_close()


@pytest.fixture
def x_standin() -> Iterator[StandIns]:
    with StandIns() as running:
        yield running
