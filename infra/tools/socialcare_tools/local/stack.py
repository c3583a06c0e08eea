"""The whole pipeline on one machine: embedded AWS (in a process of its own), the template
deployed into it, the functions in this process behind a local gateway, each queue consumer
(a function an SQS queue triggers, with its pollers) in a process of its own
(socialcare_tools.local.consumer_process), schedules, Step Functions with compressed time,
and stand-ins for the outside world.

Time compression: ``time_factor`` (default 60, ``SOCIALCARE_TIME_FACTOR``) divides every
wait the platform would make: Step Functions ``Wait`` states, SQS visibility timeouts
before a retry, ``rate(...)`` schedules. At 60, an hour of deadline takes a minute.
"""

import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path
from typing import Any

import boto3
from aws_lambda_powertools.utilities import parameters
from aws_lambda_powertools.utilities.parameters.base import (  # type: ignore[attr-defined]
    DEFAULT_PROVIDERS,
)

from socialcare.config import load_brands
from socialcare.settings import load_settings
from socialcare_tools import local_secrets as local
from socialcare_tools.local.consumer_process import ConsumerProcess, consumers
from socialcare_tools.local.deploy import Deployment, deploy
from socialcare_tools.local.embedded_aws import EmbeddedAws
from socialcare_tools.local.gateway import LocalGateway
from socialcare_tools.local.invocations import InvocationEndpoint
from socialcare_tools.local.logs import FunctionLogs
from socialcare_tools.local.runtime import LocalRuntime
from socialcare_tools.local.schedules import Schedules
from socialcare_tools.local.standins import StandIns

DEFAULT_TIME_FACTOR = 60.0
_ONE_PER_PROCESS = threading.Lock()
STATE_FILE = Path(".socialcare/local.json")


def _fresh_process_caches() -> None:
    """What a Lambda process caches for its life, made fresh for this stack: Powertools'
    Secrets Manager client (one made against another moto would read secrets somewhere
    else) and the functions' settings (another stack's table names and queue URLs)."""
    parameters.clear_caches()  # type: ignore[no-untyped-call]
    DEFAULT_PROVIDERS.clear()
    load_settings.cache_clear()


@dataclass
class Ports:
    """Documented defaults, all on 127.0.0.1; 0 picks a free port."""

    aws: int = 5599
    gateway: int = 8780
    slack: int = 8781
    x: int = 8782
    vk: int = 8783
    meta: int = 8784
    telegram: int = 8785

    @classmethod
    def any_free(cls) -> "Ports":
        return cls(aws=0, gateway=0, slack=0, x=0, vk=0, meta=0, telegram=0)


def verify_report_senders(brands_dir: Path) -> None:
    """The embedded SES sends only from verified addresses, as SES does: the brands' report
    senders are verified here, as an operator verifies the domain (ReportSenderIdentity)."""
    if not brands_dir.is_dir():
        return  # a stack without brand configuration (the test fixtures' small stacks)
    ses = boto3.client("ses")
    for brand in load_brands(brands_dir).brands.values():
        if brand.reports is not None:
            _, address = parseaddr(brand.reports.sender)
            ses.verify_email_identity(EmailAddress=address)


@dataclass
class LocalStack:
    root: Path
    ports: Ports = field(default_factory=Ports)
    time_factor: float = float(os.environ.get("SOCIALCARE_TIME_FACTOR", DEFAULT_TIME_FACTOR))
    work_dir: Path | None = None  # logs and the state file; default <root>/.socialcare
    aws: EmbeddedAws | None = None
    invocations: InvocationEndpoint | None = None
    deployment: Deployment | None = None
    runtime: LocalRuntime | None = None
    gateway: LocalGateway | None = None
    consumers: list[ConsumerProcess] = field(default_factory=list)  # one per queue consumer
    schedules: Schedules | None = None
    logs: FunctionLogs | None = None
    standins: StandIns | None = None
    _holds_process: bool = False

    def start(self, pollers: bool = True) -> "LocalStack":
        # moto's backends, its patches and the environment belong to the whole process.
        if not _ONE_PER_PROCESS.acquire(blocking=False):
            raise RuntimeError("a local stack is already running in this process; stop it first")
        try:
            self.standins = StandIns(
                slack_port=self.ports.slack,
                x_port=self.ports.x,
                vk_port=self.ports.vk,
                meta_port=self.ports.meta,
                telegram_port=self.ports.telegram,
            )
            self.standins.start()
            self.invocations = InvocationEndpoint().start()
            self.aws = EmbeddedAws(
                self.ports.aws,
                self.time_factor,
                self.invocations.url,
                log_path=self.workspace / "logs" / "embedded-aws.log",
            ).start()
            _fresh_process_caches()
            self.deployment = deploy(self.root / "template.yaml")
            verify_report_senders(self.root / "layers" / "config" / "brands")
            for spec in self.deployment.functions.values():  # the outside world: stand-ins
                for variable, url in (
                    ("SLACK_API_URL", self.standins.slack_url),
                    ("X_API_URL", self.standins.x_url),
                    ("VK_API_URL", self.standins.vk_url),
                    ("META_API_URL", self.standins.meta_url),
                    ("TELEGRAM_API_URL", self.standins.telegram_url),
                ):
                    if variable in spec.environment:
                        spec.environment[variable] = url
            if pollers:  # they load their functions while this process loads the others
                self.consumers = [
                    ConsumerProcess({name: spec}, self.workspace / "logs", self.time_factor).spawn()
                    for name, spec in consumers(self.deployment.functions).items()
                ]
            self.logs = FunctionLogs(self.workspace / "logs")
            self.logs.install()
            self.runtime = LocalRuntime(self.deployment.functions, self.logs)
            self.invocations.runtime = self.runtime
            for spec in self.deployment.functions.values():
                self.runtime.handler(spec)  # import every function now: a broken one fails start
            self.gateway = LocalGateway(self.runtime, self.ports.gateway).start()
            self.standins.x.timeline.webhook_url = f"{self.gateway.url}/webhooks/x"  # replays
            for consumer in self.consumers:
                consumer.wait_until_ready()
            self.schedules = Schedules(self.runtime, self.time_factor).start()
        except BaseException:
            self._holds_process = True
            self.stop()
            raise
        self._holds_process = True
        return self

    def stop(self) -> None:
        """Every step runs even if one fails (or Ctrl-C arrives mid-way): no thread, port,
        patch, rerouted stdout or process lock is left behind. The first error is raised last."""
        aws_running = self.aws is not None and self.aws.process is not None
        # In this order; the embedded AWS ends (finishing a task in flight) while Lambda
        # still routes here.
        steps: list[Callable[[], None] | None] = [
            *(consumer.ask_to_stop for consumer in self.consumers),  # all at once
            *(consumer.stop for consumer in self.consumers),
            self.schedules.stop if self.schedules else None,
            self.gateway.stop if self.gateway else None,
            self._stop_executions if aws_running else None,
            self.aws.stop if self.aws else None,
            self.invocations.stop if self.invocations else None,
            self.runtime.close if self.runtime else None,
            self.logs.uninstall if self.logs else None,
            self.standins.stop if self.standins else None,
        ]
        errors: list[BaseException] = []
        for step in filter(None, steps):
            try:
                step()
            except BaseException as exc:
                errors.append(exc)
        self.consumers = []
        if self._holds_process:
            _ONE_PER_PROCESS.release()
            self._holds_process = False
        if errors:
            raise errors[0]

    def _stop_executions(self) -> None:
        """Executions run in the embedded AWS: stop those still waiting so none outlives us."""
        client = boto3.client("stepfunctions")
        for machine in client.list_state_machines()["stateMachines"]:
            running = client.list_executions(
                stateMachineArn=machine["stateMachineArn"], statusFilter="RUNNING"
            )
            for execution in running["executions"]:
                client.stop_execution(executionArn=execution["executionArn"])

    # What scripts and the CLI need to find the running stack.
    def describe(self) -> dict[str, Any]:
        assert self.aws and self.gateway and self.deployment
        return {
            "gateway": self.gateway.url,
            "aws_endpoint": self.aws.endpoint,
            "region": "eu-west-1",
            "time_factor": self.time_factor,
            "stack": self.deployment.stack,
            "resources": self.deployment.physical,
            "outputs": self.deployment.outputs,
            "standins": {
                "slack": self.standins.slack_url if self.standins else None,
                "x": self.standins.x_url if self.standins else None,
                "vk": self.standins.vk_url if self.standins else None,
                "meta": self.standins.meta_url if self.standins else None,
                "telegram": self.standins.telegram_url if self.standins else None,
            },
            "webhooks": {
                "x": f"{self.gateway.url}/webhooks/x",
                "vk": f"{self.gateway.url}/webhooks/vk",
                "meta": f"{self.gateway.url}/webhooks/meta",
                "telegram": f"{self.gateway.url}/webhooks/telegram",
            },
            "secrets": {
                "x_consumer_secret": local.X_CONSUMER_SECRET,
                "x_account_id": local.X_ACCOUNT_ID,
                "vk_group_id": local.VK_GROUP_ID,
                "vk_secret": local.VK_SECRET,
                "vk_confirmation": local.VK_CONFIRMATION,
                "meta_app_secret": local.META_APP_SECRET,
                "meta_verify_token": local.META_VERIFY_TOKEN,
                "meta_page_id": local.META_PAGE_ID,
                "meta_instagram_id": local.META_INSTAGRAM_ID,
                "telegram_bot_id": local.TELEGRAM_BOT_ID,
                "telegram_secret_token": local.TELEGRAM_SECRET_TOKEN,
            },
        }

    @property
    def workspace(self) -> Path:
        return self.work_dir or self.root / STATE_FILE.parent

    def write_state(self, path: Path | None = None) -> Path:
        target = path or self.workspace / STATE_FILE.name
        target.parent.mkdir(parents=True, exist_ok=True)
        # Atomically: scripts poll for this file and must never read it half-written.
        partial = target.with_suffix(".partial")
        partial.write_text(json.dumps(self.describe(), indent=2))
        partial.replace(target)
        return target

    def __enter__(self) -> "LocalStack":
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
