"""``socialcare telegram webhook ...`` against the Telegram stand-in, with the Telegram secret
in moto: what Telegram is asked, and what the operator reads."""

import pytest

from socialcare.services.telegram_setup import DESK_UPDATES
from socialcare_tools import cli
from socialcare_tools import local_secrets as local
from socialcare_tools.local.standins import StandIns
from socialcare_tools.template_resources import Backbone
from tests.conftest import BRANDS_DIR

pytestmark = pytest.mark.integration
URL = "https://abc123.execute-api.eu-west-1.amazonaws.com/webhooks/telegram"


def run(
    capsys: pytest.CaptureFixture[str], standins: StandIns, secret: str, action: str
) -> tuple[int, str]:
    code = cli.main(
        [
            "telegram",
            "webhook",
            action,
            "--brand",
            "acme",
            "--brands-dir",
            str(BRANDS_DIR),
            "--telegram-api-url",
            standins.telegram_url,
            "--webhook-url",
            URL,
            "--secret-arn",
            secret,
        ]
    )
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def asked(standins: StandIns, method: str) -> list[dict[str, object]]:
    return [c["params"] for c in standins.recorder.calls("telegram") if c["method"] == method]


def test_set_registers_the_secret_token_and_every_update_the_desk_reads(
    capsys: pytest.CaptureFixture[str], slack: StandIns, backbone: Backbone
) -> None:
    code, out = run(capsys, slack, backbone.telegram_secret_arn, "set")
    assert code == 0, out
    [set_] = asked(slack, "setWebhook")
    assert set_["url"] == URL and set_["secret_token"] == "(given)"
    assert set_["allowed_updates"] == list(DESK_UPDATES)
    assert "@AcmeSupportBot (7400000001)" in out and "pending   0 update(s)" in out
    assert local.TELEGRAM_BOT_TOKEN not in out and local.TELEGRAM_SECRET_TOKEN not in out
    code, out = run(capsys, slack, backbone.telegram_secret_arn, "info")
    assert code == 0 and "PROBLEM" not in out


def test_info_tells_the_operator_why_nothing_arrives(
    capsys: pytest.CaptureFixture[str], slack: StandIns, backbone: Backbone
) -> None:
    slack.telegram.webhook = {
        "url": "https://old.example/hook",
        "pending_update_count": 37,
        "last_error_date": 1796688000,  # 2026-12-08 00:00 UTC
        "last_error_message": "Wrong response from the webhook: 401 Unauthorized",
        "allowed_updates": ["message"],
    }
    code, out = run(capsys, slack, backbone.telegram_secret_arn, "info")
    assert code == 1
    assert "pending   37 update(s)" in out
    assert "last error 2026-12-08 00:00 UTC: Wrong response from the webhook: 401" in out
    assert "PROBLEM   the webhook points elsewhere: https://old.example/hook" in out
    assert "business_message" in out.split("updates not asked for:")[1]


def test_delete_keeps_the_pending_updates_and_info_then_says_there_is_no_webhook(
    capsys: pytest.CaptureFixture[str], slack: StandIns, backbone: Backbone
) -> None:
    run(capsys, slack, backbone.telegram_secret_arn, "set")
    code, out = run(capsys, slack, backbone.telegram_secret_arn, "delete")
    assert code == 0 and "webhook deleted" in out
    [deleted] = asked(slack, "deleteWebhook")
    assert "drop_pending_updates" not in deleted
    code, out = run(capsys, slack, backbone.telegram_secret_arn, "info")
    assert code == 1 and "no webhook" in out


def test_a_refused_token_is_a_clear_error_not_a_traceback(
    capsys: pytest.CaptureFixture[str], slack: StandIns, backbone: Backbone
) -> None:
    slack.telegram.accept("7400000001:another-token")  # the stored token is no longer valid
    code, out = run(capsys, slack, backbone.telegram_secret_arn, "info")
    assert code != 0 and "Telegram 401: Unauthorized" in out
    assert local.TELEGRAM_BOT_TOKEN not in out
