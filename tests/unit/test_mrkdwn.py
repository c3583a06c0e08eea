"""Customer text in Slack mrkdwn shows as written and pings nobody."""

import re
import unicodedata

import pytest

from socialcare.slack.mrkdwn import NAME_LIMIT, escape, link, one_line, quote

EMOJI_CODE = re.compile(r":[a-z0-9_+'-]+:", re.IGNORECASE)


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
    shown = escape("@here @channel *bold* _it_ ~no~ `code` a & b snake_case_name")
    assert "@here" not in shown and "@channel" not in shown
    assert not set("*~`") & set(shown) and "_it_" not in shown
    assert shown == "＠here ＠channel ∗bold∗ ˍitˍ ∼no∼ ˋcodeˋ a &amp; b snake_case_name"


def test_every_line_of_customer_text_is_quoted_so_none_passes_for_a_card_line() -> None:
    shown = quote("where is my order?\n*P1* · refund · :rage: negative\r\nok\u2028bye", 500)
    assert shown.split("\n") == [
        ">where is my order?",
        ">∗P1∗ · refund · ꞉rage: negative",
        ">ok",
        ">bye",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "invoice\u202egnp.exe",  # right-to-left override: reads "invoiceexe.png"
        "\u2066isolate\u2069 \u202aembed\u202c \u200eLRM\u200f",
        "@\u200bchannel look",  # zero-width space hides the mention from the reader
        "<\u200b!channel>",
        "\ufeffBOM \u2060joined \u200djoiner \u00adsoft \U000e0041tag",
        "filler\u3164 \u115f\u034f",
        "bell\x07 nul\x00 esc\x1b[31m",
    ],
)
def test_invisible_and_reordering_characters_never_reach_slack(text: str) -> None:
    shown = escape(text)
    assert not [c for c in shown if unicodedata.category(c) in ("Cc", "Cf")]
    assert not set(shown) & set("\u3164\u115f\u034f")
    assert "@channel" not in shown and "<!" not in shown


def test_a_zero_width_character_cannot_rebuild_what_escaping_disarms() -> None:
    assert escape("@\u200bhere") == "＠here"
    assert escape(":rotating\u200b_light:") == "꞉rotating_light:"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (":rotating_light: URGENT", "꞉rotating_light: URGENT"),
        ("a:b:c:", "a꞉b꞉c:"),  # overlapping codes: each one is broken
        (":wave::skin-tone-2:", "꞉wave:꞉skin-tone-2:"),
        ("at 12:30 or 10:15", "at 12:30 or 10:15"),
    ],
)
def test_emoji_codes_in_customer_text_show_as_text(text: str, shown: str) -> None:
    assert escape(text) == shown
    assert not EMOJI_CODE.search(escape(text))


def test_a_name_is_one_line_of_limited_length() -> None:
    assert one_line("Jane\nPriority: *P1*\t\r\nroe") == "Jane Priority: ∗P1∗ roe"
    assert len(one_line("J" * 500)) == NAME_LIMIT and one_line("J" * 500).endswith("…")
    assert one_line("Jane\u202e Roe \u200b") == "Jane Roe"


def test_a_long_quote_is_cut_within_its_limit_never_inside_an_entity() -> None:
    shown = quote("&" * 100, 20)
    assert len(shown) <= 20 and shown == ">&amp;&amp;&amp;…"
    assert quote("\u200b\n", 20) == "" and quote("", 20) == ""


def test_a_link_we_build_keeps_its_target_and_escapes_its_label() -> None:
    assert link("https://x.com/a/status/1", "<!channel>") == (
        "<https://x.com/a/status/1|&lt;!channel&gt;>"
    )
