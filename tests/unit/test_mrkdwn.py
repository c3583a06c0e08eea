"""Customer text in Slack mrkdwn shows as written and pings nobody."""

import pytest

from socialcare.slack.mrkdwn import escape, link


@pytest.mark.parametrize(
    ("text", "forbidden"),
    [
        ("hey <!channel> look", "<!channel>"),
        ("<!here|here>", "<!here"),
        ("pay at <https://evil.example|bank.com>", "<https://evil.example"),
        ("<@U012345> you", "<@U"),
    ],
)
def test_slack_control_sequences_are_disarmed(text: str, forbidden: str) -> None:
    shown = escape(text)
    assert forbidden not in shown and "&lt;" in shown


def test_plain_mentions_and_formatting_stay_literal() -> None:
    shown = escape("@here @channel *bold* _it_ ~no~ `code` a & b")
    assert "@here" not in shown and "@channel" not in shown
    assert "*bold*" not in shown and "`code`" not in shown
    assert shown.replace("\u2060", "") == "@here @channel *bold* _it_ ~no~ `code` a &amp; b"


def test_a_link_we_build_keeps_its_target_and_escapes_its_label() -> None:
    assert link("https://x.com/a/status/1", "<!channel>") == (
        "<https://x.com/a/status/1|&lt;!channel&gt;>"
    )
