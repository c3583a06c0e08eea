"""``socialcare x ...`` against the X stand-in, with the real X ingest function answering the
stand-in's CRC calls (its handler, served over HTTP) and the X secret in moto."""

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from socialcare.services.x_setup import DESK_EVENTS
from socialcare_tools import cli
from socialcare_tools import local_secrets as local
from socialcare_tools.local.stack import STATE_FILE, LocalStack
from socialcare_tools.local.standins import StandIns
from socialcare_tools.template_resources import Backbone
from tests.conftest import BRANDS_DIR
from tests.support.x_webhook_server import Webhook

SUBSCRIBE = "POST /2/activity/subscriptions"


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
    capsys: pytest.CaptureFixture[str], x_standin: StandIns, x_webhook: Webhook, backbone: Backbone
) -> None:
    code, out = run(capsys, x_standin, x_webhook, backbone.x_secret_arn, "webhook", "register")
    assert code == 0, out
    assert "registered:" in out
    assert x_standin.x.webhooks.crc_checks == [(x_webhook.url, True)]

    code, out = run(capsys, x_standin, x_webhook, backbone.x_secret_arn, "webhook", "register")
    assert code == 0 and "already registered" in out
    assert len(calls(x_standin, "POST /2/webhooks")) == 1

    code, out = run(capsys, x_standin, x_webhook, backbone.x_secret_arn, "webhook", "status")
    assert code == 0 and ": valid" in out


def test_register_refused_when_the_crc_answer_is_wrong(
    capsys: pytest.CaptureFixture[str], x_standin: StandIns, x_webhook: Webhook, backbone: Backbone
) -> None:
    x_standin.x.webhooks.consumer_secret = "another-apps-secret"  # X would sign with its own key
    code, out = run(capsys, x_standin, x_webhook, backbone.x_secret_arn, "webhook", "register")
    assert code == 2
    assert "CrcValidationFailed" in out
    assert x_standin.x.webhooks.webhooks == {}


def test_revalidate_turns_an_invalid_webhook_valid(
    capsys: pytest.CaptureFixture[str], x_standin: StandIns, x_webhook: Webhook, backbone: Backbone
) -> None:
    assert run(capsys, x_standin, x_webhook, backbone.x_secret_arn, "webhook", "register")[0] == 0
    (webhook_id,) = x_standin.x.webhooks.webhooks
    x_standin.x.webhooks.invalidate(webhook_id)

    code, out = run(capsys, x_standin, x_webhook, backbone.x_secret_arn, "webhook", "status")
    assert code == 1 and "INVALID" in out

    code, out = run(capsys, x_standin, x_webhook, backbone.x_secret_arn, "webhook", "revalidate")
    assert code == 0 and ": valid" in out
    assert len(x_standin.x.webhooks.crc_checks) == 2
    assert len(calls(x_standin, "PUT /2/webhooks/:webhook_id")) == 1


def test_subscribe_twice_creates_each_subscription_once(
    capsys: pytest.CaptureFixture[str], x_standin: StandIns, x_webhook: Webhook, backbone: Backbone
) -> None:
    secret = backbone.x_secret_arn
    run(capsys, x_standin, x_webhook, secret, "webhook", "register")
    code, out = run(capsys, x_standin, x_webhook, secret, "subscriptions", "--brand", "acme")
    assert code == 1
    assert out.count("MISSING") == len(DESK_EVENTS)

    code, out = run(capsys, x_standin, x_webhook, secret, "subscribe", "--brand", "acme")
    assert code == 0, out
    assert out.count("created") == len(DESK_EVENTS)
    code, out = run(capsys, x_standin, x_webhook, secret, "subscribe", "--brand", "acme")
    assert code == 0 and "created" not in out and out.count("exists") == len(DESK_EVENTS)

    assert len(calls(x_standin, SUBSCRIBE)) == len(DESK_EVENTS)
    rows = list(x_standin.x.webhooks.subscriptions.values())
    assert sorted(r["event_type"] for r in rows) == sorted(e.event_type for e in DESK_EVENTS)
    assert {r["filter"]["user_id"] for r in rows} == {local.X_ACCOUNT_ID}
    code, out = run(capsys, x_standin, x_webhook, secret, "subscriptions", "--brand", "acme")
    assert code == 0 and "MISSING" not in out

    code, out = run(capsys, x_standin, x_webhook, secret, "unsubscribe", "--brand", "acme")
    assert code == 0 and x_standin.x.webhooks.subscriptions == {}


def _secret(name: str, value: dict[str, Any]) -> str:
    client = boto3.client("secretsmanager")
    arn: str = client.create_secret(Name=name, SecretString=json.dumps(value))["ARN"]
    return arn


def test_private_events_without_a_user_token_are_reported_missing(
    capsys: pytest.CaptureFixture[str], x_standin: StandIns, x_webhook: Webhook, backbone: Backbone
) -> None:
    run(capsys, x_standin, x_webhook, backbone.x_secret_arn, "webhook", "register")
    app_only = _secret(
        "x-app-only",
        {"consumer_secret": local.X_CONSUMER_SECRET, "bearer_token": local.X_BEARER_TOKEN},
    )
    code, out = run(capsys, x_standin, x_webhook, app_only, "subscribe", "--brand", "acme")
    assert code == 1
    assert "created   AcmeSupport post.create" in out
    assert "MISSING   AcmeSupport dm.received: a private event needs" in out
    assert [c["params"]["event_type"] for c in calls(x_standin, SUBSCRIBE)] == ["post.create"]


def test_the_wrong_token_kind_is_refused_by_x_and_explained(
    capsys: pytest.CaptureFixture[str], x_standin: StandIns, x_webhook: Webhook, backbone: Backbone
) -> None:
    run(capsys, x_standin, x_webhook, backbone.x_secret_arn, "webhook", "register")
    wrong = _secret(
        "x-wrong-kind",
        {
            "bearer_token": local.X_BEARER_TOKEN,
            # the app's token where the account's OAuth 2.0 user token belongs
            "accounts": {local.X_ACCOUNT_ID: {"oauth2_user_token": local.X_BEARER_TOKEN}},
        },
    )
    code, out = run(capsys, x_standin, x_webhook, wrong, "subscribe", "--brand", "acme")
    assert code == 1
    refused = [c for c in calls(x_standin, SUBSCRIBE) if c["status"] == 403]
    assert {c["params"]["event_type"] for c in refused} == {
        e.event_type for e in DESK_EVENTS if e.privacy == "private"
    }
    assert "dm.received: X refused POST /2/activity/subscriptions (403)" in out
    assert "the account's OAuth 2.0 user token lacks the permission" in out
    assert "private event" in out


def test_user_tokens_are_refused_for_webhooks(
    capsys: pytest.CaptureFixture[str], x_standin: StandIns, x_webhook: Webhook, backbone: Backbone
) -> None:
    user_as_app = _secret("x-user-as-app", {"bearer_token": next(iter(local.X_USER_TOKENS))})
    code, out = run(capsys, x_standin, x_webhook, user_as_app, "webhook", "register")
    assert code == 2
    assert "the app's bearer token lacks the permission" in out
    assert "Application-Only" in out


def test_against_the_local_stack_by_default(
    capsys: pytest.CaptureFixture[str],
    stack: LocalStack,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What a developer runs after `socialcare local`: no flags but the brand. Then the
    health check, fired as its schedule would, has X revalidate a webhook marked invalid."""
    # The stack runs in this process, so the environment is its own (its functions run here
    # too): the command finds the stack by .socialcare/local.json, which is what is tested.
    (tmp_path / "template.yaml").touch()
    stack.write_state(tmp_path / STATE_FILE)
    monkeypatch.chdir(tmp_path)
    brands = ["--brands-dir", str(BRANDS_DIR)]

    assert cli.main(["x", "webhook", "register"]) == 0
    assert cli.main(["x", "subscribe", "--brand", "acme", *brands]) == 0
    assert cli.main(["x", "subscriptions", "--brand", "acme", *brands]) == 0
    out = capsys.readouterr().out
    assert "registered: " in out and f"{stack.gateway.url}/webhooks/x" in out  # type: ignore[union-attr]
    assert out.count("created") == len(DESK_EVENTS) and "MISSING" not in out

    standin = stack.standins.x  # type: ignore[union-attr]
    (webhook_id,) = standin.webhooks.webhooks
    standin.webhooks.invalidate(webhook_id)
    [run] = stack.schedules.fire("XWebhookHealthFunction")  # type: ignore[union-attr]
    assert run.ok, run.error
    assert run.result["invalid"] == [webhook_id]
    assert run.result["revalidated"] == [webhook_id]
    standin.webhooks.settle()
    assert standin.webhooks.webhooks[webhook_id]["valid"] is True
    assert cli.main(["x", "webhook", "status"]) == 0


def test_prompted_tokens_are_used_and_never_printed(
    capsys: pytest.CaptureFixture[str],
    x_standin: StandIns,
    x_webhook: Webhook,
    backbone: Backbone,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The first setup: no secret yet, the tokens typed at a hidden prompt (the terminal
    is the boundary here: getpass stands for the person typing)."""
    run(capsys, x_standin, x_webhook, backbone.x_secret_arn, "webhook", "register")
    user_token = next(iter(local.X_USER_TOKENS))
    typed = iter([local.X_BEARER_TOKEN, user_token])
    prompts: list[str] = []

    def type_it(prompt: str = "") -> str:
        prompts.append(prompt)
        return next(typed)

    monkeypatch.setattr("getpass.getpass", type_it)
    code = cli.main(
        [
            "x",
            "subscribe",
            "--brand",
            "acme",
            "--brands-dir",
            str(BRANDS_DIR),
            "--prompt-tokens",
            "--x-api-url",
            x_standin.x_url,
            "--webhook-url",
            x_webhook.url,
        ]
    )
    out = capsys.readouterr()
    assert code == 0, out
    assert out.out.count("created") == len(DESK_EVENTS)
    assert prompts == [
        "X app bearer token (hidden): ",
        "OAuth 2.0 user token of @AcmeSupport (hidden, empty: skip): ",
    ]
    for secret in (local.X_BEARER_TOKEN, user_token):
        assert secret not in out.out + out.err
