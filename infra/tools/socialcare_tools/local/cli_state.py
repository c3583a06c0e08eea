"""What every local command shares: the error a user can fix, and the running local stack's
state (``.socialcare/local.json``), which also points boto3 at its AWS."""

import json
import os
from pathlib import Path
from typing import Any

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
