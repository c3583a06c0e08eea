"""The desk as Lambda runs it (its own wiring, the secret read from Secrets Manager through
the secrets cache): a rotated Slack secret reaches a warm container, no cold start needed."""

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from functions.slack_desk import app as desk_app
from socialcare_tools import local_secrets as local
from socialcare_tools.slack_requests import signed
from socialcare_tools.template_resources import Backbone, create_local_secret
from tests.conftest import BRANDS_DIR, LambdaContext

pytestmark = pytest.mark.integration

CHALLENGE = json.dumps({"token": "unused", "challenge": "c-123", "type": "url_verification"})


@pytest.fixture
def desk_secret(backbone: Backbone, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    arn = create_local_secret("socialcare/test/slack-desk", local.SLACK_SECRET_VALUE)
    for name, value in {
        "TABLE_NAME": backbone.table,
        "BRANDS_DIR": str(BRANDS_DIR),
        "SLACK_SECRET_ARN": arn,
        "OUTBOX_QUEUE_URL": backbone.classify_queue,  # not used by this request
        "SECRETS_MAX_AGE_SECONDS": "0",  # what 300 s does, without the wait
    }.items():
        monkeypatch.setenv(name, value)
    desk_app.build_deps.cache_clear()
    yield arn
    desk_app.build_deps.cache_clear()
    desk_app._built.clear()


def ask(secret: str) -> dict[str, Any]:
    event = signed(CHALLENGE.encode(), "application/json", secret)
    return desk_app.lambda_handler(event, LambdaContext())  # type: ignore[no-any-return]


def test_a_rotated_signing_secret_is_used_by_the_warm_desk(desk_secret: str) -> None:
    assert ask(local.SLACK_SIGNING_SECRET)["statusCode"] == 200
    rotated = {**local.SLACK_SECRET_VALUE, "signing_secret": "rotated-signing-secret"}
    boto3.client("secretsmanager").put_secret_value(
        SecretId=desk_secret, SecretString=json.dumps(rotated)
    )

    assert ask("rotated-signing-secret")["statusCode"] == 200  # Slack signs with the new one
    assert ask(local.SLACK_SIGNING_SECRET)["statusCode"] == 401  # and the old one is refused
