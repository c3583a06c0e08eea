"""``socialcare x ...`` against the X stand-in, with the real X ingest function answering the
stand-in's CRC calls (its handler, served over HTTP) and the X secret in moto."""

import base64
import json
import threading
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from functions.ingest_x import app as ingest_x
from socialcare import cli
from socialcare.devtools import local_secrets as local
from socialcare.devtools.apigw import http_event
from socialcare.devtools.template_resources import Backbone
from socialcare.local.standins import StandIns
from socialcare.services.x_setup import DESK_EVENTS
from socialcare.services.x_webhook import XWebhookDeps
from tests.conftest import BRANDS_DIR, LambdaContext

SUBSCRIBE = "POST /2/activity/subscriptions"


class Webhook:
    """The X ingest function's handler behind a real HTTP port, as API Gateway would call it."""

    def __init__(self, deps: XWebhookDeps) -> None:
        self.deps = deps
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.port}/webhooks/x"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def app(self, environ: Any, start_response: Any) -> Any:
        request = Request(environ)
        event = http_event(
            request.method,
            request.path,
            request.get_data() or None,
            dict(request.headers.items()),
            request.query_string.decode("latin-1"),
        )
        answer = ingest_x.lambda_handler(event, LambdaContext(), deps=self.deps)  # type: ignore[arg-type]
        body = answer.get("body", "")
        raw = base64.b64decode(body) if answer.get("isBase64Encoded") else body.encode()
        response = Response(raw, status=answer["statusCode"], headers=answer.get("headers", {}))
        return response(environ, start_response)


@pytest.fixture
def webhook(x_live: XWebhookDeps) -> Iterator[Webhook]:
    hook = Webhook(x_live)
    hook.thread.start()
    yield hook
    hook.server.shutdown()


@pytest.fixture
def x() -> Iterator[StandIns]:
    with StandIns() as running:
        yield running


def run(
    capsys: pytest.CaptureFixture[str], x: StandIns, hook: Webhook, secret: str, *argv: str
) -> tuple[int, str]:
    code = cli.main(
        [
            "x",
            *argv,
            "--x-api-url",
            x.x_url,
            "--webhook-url",
            hook.url,
            "--secret-arn",
            secret,
            *(["--brands-dir", str(BRANDS_DIR)] if argv[0] != "webhook" else []),
        ]
    )
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def calls(x: StandIns, method: str) -> list[dict[str, Any]]:
    return [c for c in x.recorder.calls("x") if c["method"] == method]


def test_register_runs_a_real_crc_and_is_not_repeated(
    capsys: pytest.CaptureFixture[str], x: StandIns, webhook: Webhook, backbone: Backbone
) -> None:
    code, out = run(capsys, x, webhook, backbone.x_secret_arn, "webhook", "register")
    assert code == 0, out
    assert "registered:" in out
    assert x.x.webhooks.crc_checks == [(webhook.url, True)]

    code, out = run(capsys, x, webhook, backbone.x_secret_arn, "webhook", "register")
    assert code == 0 and "already registered" in out
    assert len(calls(x, "POST /2/webhooks")) == 1

    code, out = run(capsys, x, webhook, backbone.x_secret_arn, "webhook", "status")
    assert code == 0 and ": valid" in out


def test_register_refused_when_the_crc_answer_is_wrong(
    capsys: pytest.CaptureFixture[str], x: StandIns, webhook: Webhook, backbone: Backbone
) -> None:
    x.x.webhooks.consumer_secret = "another-apps-secret"  # X would sign with its own key
    code, out = run(capsys, x, webhook, backbone.x_secret_arn, "webhook", "register")
    assert code == 2
    assert "CrcValidationFailed" in out
    assert x.x.webhooks.webhooks == {}


def test_revalidate_turns_an_invalid_webhook_valid(
    capsys: pytest.CaptureFixture[str], x: StandIns, webhook: Webhook, backbone: Backbone
) -> None:
    assert run(capsys, x, webhook, backbone.x_secret_arn, "webhook", "register")[0] == 0
    (webhook_id,) = x.x.webhooks.webhooks
    x.x.webhooks.invalidate(webhook_id)

    code, out = run(capsys, x, webhook, backbone.x_secret_arn, "webhook", "status")
    assert code == 1 and "INVALID" in out

    code, out = run(capsys, x, webhook, backbone.x_secret_arn, "webhook", "revalidate")
    assert code == 0 and ": valid" in out
    assert len(x.x.webhooks.crc_checks) == 2
    assert len(calls(x, "PUT /2/webhooks/:webhook_id")) == 1


def test_subscribe_twice_creates_each_subscription_once(
    capsys: pytest.CaptureFixture[str], x: StandIns, webhook: Webhook, backbone: Backbone
) -> None:
    secret = backbone.x_secret_arn
    run(capsys, x, webhook, secret, "webhook", "register")
    code, out = run(capsys, x, webhook, secret, "subscriptions", "--brand", "acme")
    assert code == 1
    assert out.count("MISSING") == len(DESK_EVENTS)

    code, out = run(capsys, x, webhook, secret, "subscribe", "--brand", "acme")
    assert code == 0, out
    assert out.count("created") == len(DESK_EVENTS)
    code, out = run(capsys, x, webhook, secret, "subscribe", "--brand", "acme")
    assert code == 0 and "created" not in out and out.count("exists") == len(DESK_EVENTS)

    assert len(calls(x, SUBSCRIBE)) == len(DESK_EVENTS)
    rows = list(x.x.webhooks.subscriptions.values())
    assert sorted(r["event_type"] for r in rows) == sorted(e.event_type for e in DESK_EVENTS)
    assert {r["filter"]["user_id"] for r in rows} == {local.X_ACCOUNT_ID}
    code, out = run(capsys, x, webhook, secret, "subscriptions", "--brand", "acme")
    assert code == 0 and "MISSING" not in out

    code, out = run(capsys, x, webhook, secret, "unsubscribe", "--brand", "acme")
    assert code == 0 and x.x.webhooks.subscriptions == {}


def _secret(name: str, value: dict[str, Any]) -> str:
    client = boto3.client("secretsmanager")
    arn: str = client.create_secret(Name=name, SecretString=json.dumps(value))["ARN"]
    return arn


def test_private_events_without_a_user_token_are_reported_missing(
    capsys: pytest.CaptureFixture[str], x: StandIns, webhook: Webhook, backbone: Backbone
) -> None:
    run(capsys, x, webhook, backbone.x_secret_arn, "webhook", "register")
    app_only = _secret(
        "x-app-only",
        {"consumer_secret": local.X_CONSUMER_SECRET, "bearer_token": local.X_BEARER_TOKEN},
    )
    code, out = run(capsys, x, webhook, app_only, "subscribe", "--brand", "acme")
    assert code == 1
    assert "created   AcmeSupport post.create" in out
    assert "MISSING   AcmeSupport dm.received: a private event needs" in out
    assert [c["params"]["event_type"] for c in calls(x, SUBSCRIBE)] == ["post.create"]


def test_the_wrong_token_kind_is_refused_by_x_and_explained(
    capsys: pytest.CaptureFixture[str], x: StandIns, webhook: Webhook, backbone: Backbone
) -> None:
    run(capsys, x, webhook, backbone.x_secret_arn, "webhook", "register")
    wrong = _secret(
        "x-wrong-kind",
        {
            "bearer_token": local.X_BEARER_TOKEN,
            # the app's token where the account's OAuth 2.0 user token belongs
            "accounts": {local.X_ACCOUNT_ID: {"oauth2_user_token": local.X_BEARER_TOKEN}},
        },
    )
    code, out = run(capsys, x, webhook, wrong, "subscribe", "--brand", "acme")
    assert code == 1
    refused = [c for c in calls(x, SUBSCRIBE) if c["status"] == 403]
    assert {c["params"]["event_type"] for c in refused} == {
        e.event_type for e in DESK_EVENTS if e.privacy == "private"
    }
    assert "dm.received: X refused POST /2/activity/subscriptions (403)" in out
    assert "the account's OAuth 2.0 user token lacks the permission" in out
    assert "private event" in out


def test_user_tokens_are_refused_for_webhooks(
    capsys: pytest.CaptureFixture[str], x: StandIns, webhook: Webhook, backbone: Backbone
) -> None:
    user_as_app = _secret("x-user-as-app", {"bearer_token": next(iter(local.X_USER_TOKENS))})
    code, out = run(capsys, x, webhook, user_as_app, "webhook", "register")
    assert code == 2
    assert "the app's bearer token lacks the permission" in out
    assert "Application-Only" in out
