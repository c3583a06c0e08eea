"""What every local command shares: the error a user can fix, the running local stack's
state (``.socialcare/local.json``, which also points boto3 at its AWS), and where a
platform's setup command acts (the local stack or a deployed one)."""

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from socialcare.adapters.stack_outputs import stack_outputs
from socialcare_tools.local.embedded_aws import FAKE_CREDENTIALS
from socialcare_tools.local.stack import STATE_FILE


class CommandError(Exception):
    """Something the user can fix; printed without a traceback."""


def local_state() -> dict[str, Any]:
    path = Path.cwd() / STATE_FILE
    if not path.exists():
        raise CommandError("no local stack is running here: start one with `socialcare local`")
    state: dict[str, Any] = dict(json.loads(path.read_text()))
    os.environ.update(FAKE_CREDENTIALS)
    os.environ["AWS_ENDPOINT_URL"] = state["aws_endpoint"]
    os.environ["AWS_DEFAULT_REGION"] = state["region"]
    return state


@dataclass(frozen=True)
class Target:
    """Where a platform's setup command acts: the platform's API (None: the platform itself),
    the webhook URL to register, the platform's secret."""

    api_url: str | None
    webhook_url: str
    secret_arn: str | None


def platform_target(
    platform: str,
    *,
    stack: str | None,
    api_url: str | None,
    webhook_url: str | None,
    secret_arn: str | None,
    outputs: tuple[str, str],
) -> Target:
    """With ``stack``, its outputs (``outputs``: the webhook URL's and the secret ARN's names);
    with the API and webhook given, those; else the running local stack, its stand-in for
    ``platform`` and its gateway's route."""
    url_output, secret_output = outputs
    if stack:
        found = stack_outputs(stack)
        return Target(
            api_url,
            webhook_url or found.get(url_output, ""),
            secret_arn or found.get(secret_output),
        )
    if api_url and webhook_url:  # everything given: no stack needed
        return Target(api_url, webhook_url, secret_arn)
    state = local_state()
    return Target(
        api_url or state["standins"][platform],
        webhook_url or state["webhooks"][platform],
        secret_arn or state["outputs"].get(secret_output),
    )
