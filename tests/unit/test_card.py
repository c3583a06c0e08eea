"""The conversation's card: whatever the customer writes or calls themselves stays inside its
quote or its field of the header, and cannot pass for a line of ours."""

import re
import unicodedata
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socialcare.models.conversation import Conversation
from socialcare.models.stored import StoredMessage
from socialcare.slack.card import card, follow_up
from tests.support.items import classified, clock_summary, conversation_item, message_item

EMOJI_CODE = re.compile(r":[a-z0-9_+'-]+:", re.IGNORECASE)
HEADER = re.compile(r"^\*(?P<name>[^*\n]*)\* \(@(?P<handle>[^\n]*)\) on x public$")
FACTS = "*P2* · order_status · :neutral_face: neutral · en · reply due 2026-08-24 11:15 UTC"
STATE = ":speech_balloon: *pending*"


def meta(name: Any = "Jane Roe", handle: Any = "janeroe") -> Conversation:
    return Conversation.model_validate(
        conversation_item(
            status="pending",
            customer={"id": "42", "name": name, "handle": handle},
            clock_first_response=clock_summary("2026-08-24T11:15:00Z"),
        )
    )


def message(
    text: str, suggestion: str = "Hi janeroe, we're on it.", **fields: Any
) -> StoredMessage:
    return StoredMessage.model_validate(
        message_item(text=text, classification=classified(suggestion=suggestion)) | fields
    )


def texts(blocks: list[dict[str, Any]]) -> list[str]:
    found = []
    for block in blocks:
        if "text" in block and block["text"]["type"] == "mrkdwn":
            found.append(block["text"]["text"])
        found += [e["text"] for e in block.get("elements", []) if e.get("type") == "mrkdwn"]
    return found


def invisible(text: str) -> list[str]:
    return [c for c in text if c != "\n" and unicodedata.category(c) in ("Cc", "Cf")]


def test_line_two_of_the_text_cannot_pass_for_the_cards_priority_line() -> None:
    _, blocks = card(meta(), message("hello\n*P1* · refund · :rage: negative\n> real?"))
    header, body = texts(blocks)[:2]
    assert header.split("\n")[1] == FACTS
    assert body.split("\n") == [">hello", ">∗P1∗ · refund · ꞉rage: negative", ">&gt; real?"]


def test_a_name_with_a_newline_stays_on_the_header_line() -> None:
    _, blocks = card(meta("Jane\n*P1* · refund", "jane\nroe"), message("hi"))
    header = texts(blocks)[0].split("\n")
    assert header == ["*Jane ∗P1∗ · refund* (@jane roe) on x public", FACTS]


def test_a_right_to_left_override_in_a_name_is_removed() -> None:
    fallback, blocks = card(meta("Jane\u202egnp.exe"), message("see invoice\u202egnp.exe"))
    assert texts(blocks)[0].startswith("*Janegnp.exe* (@janeroe)")
    assert ">see invoicegnp.exe" in texts(blocks)
    assert not invisible(fallback + "".join(texts(blocks)))


def test_zero_width_characters_cannot_hide_a_broadcast() -> None:
    text = "@\u200bchannel <\u200b!channel> <\ufeff!here|here> @\u2060everyone"
    fallback, blocks = card(meta("<!\u200bchannel>"), message(text))
    shown = fallback + "".join(texts(blocks))
    assert "<!" not in shown and "@channel" not in shown and "@everyone" not in shown
    assert not invisible(shown)


def test_emoji_codes_in_the_text_and_the_name_show_as_text() -> None:
    _, blocks = card(meta(":rotating_light: Jane"), message(":rotating_light: breached!"))
    header, body = texts(blocks)[:2]
    assert not EMOJI_CODE.search(header.split("\n")[0]) and not EMOJI_CODE.search(body)
    assert body == ">꞉rotating_light: breached!"


def test_a_follow_up_quotes_every_line() -> None:
    text, _ = follow_up(message("still waiting\n*Assigned to* <@U1>\n:rotating_light:"))
    assert text.split("\n") == [
        "*The customer writes:*",
        ">still waiting",
        ">∗Assigned to∗ &lt;@U1&gt;",
        ">꞉rotating_light:",
    ]


HOSTILE = st.lists(
    st.sampled_from(
        [
            "\n",
            "\r\n",
            "\u2028",
            "*P1*",
            FACTS,
            STATE,
            "> ",
            "<!channel>",
            "<!here|here>",
            "<https://evil.example|bank.com>",
            "<@U123>",
            "@channel",
            ":rotating_light:",
            "\u202e",
            "\u2066",
            "\u200b",
            "\u2060",
            "\ufeff",
            "\u3164",
            "&",
            "&lt;",
            "`",
            "```",
            "_",
            "~",
            ":",
            "<",
            "!",
        ]
    )
    | st.text(max_size=20),
    max_size=12,
).map("".join)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(text=HOSTILE, name=HOSTILE, handle=HOSTILE, suggestion=HOSTILE)
def test_whatever_the_customer_writes_the_cards_own_lines_stand_alone(
    text: str, name: str, handle: str, suggestion: str
) -> None:
    fallback, blocks = card(meta(name, handle), message(text, suggestion or "x"))
    shown = texts(blocks)
    everything = fallback + "\n".join(shown)
    assert "<" not in everything  # no broadcast, mention or link: the card here makes none
    assert not invisible(everything)
    header_section, body = shown[0], shown[1]
    header, facts = header_section.split("\n")
    found = HEADER.match(header)
    assert found, header
    assert not EMOJI_CODE.search(found["name"]) and not EMOJI_CODE.search(found["handle"])
    assert facts == FACTS
    assert body == "_(no text)_" or all(line.startswith(">") for line in body.split("\n"))
    assert not EMOJI_CODE.search(body)
    suggested_first, *suggested_rest = shown[2].split("\n")
    assert suggested_first.startswith("*Suggested answer* (0.60): ")
    assert all(line.startswith(">") for line in suggested_rest)
    lines = "\n".join(shown).split("\n")
    for ours in (FACTS, STATE):
        assert lines.count(ours) == 1
    assert sum(1 for line in lines if HEADER.match(line)) == 1
    assert "\n" not in fallback


def test_an_encrypted_chat_says_where_to_read_it_and_a_deletion_is_marked() -> None:
    chat = message("", kind="encrypted_chat", link="https://x.com/i/chat/1:2")
    fallback, blocks = card(meta(), chat)
    body = blocks[1]["text"]["text"]
    assert body == (
        ":lock: This customer wrote an encrypted chat on X: <https://x.com/i/chat/1:2|open it in X>"
    )
    assert "encrypted chat" in fallback
    deleted = message("my order <!channel>", deleted_at="2026-08-24T12:00:00.000Z")
    _, blocks = card(meta(), deleted)
    lines = blocks[1]["text"]["text"].split("\n")
    assert lines[-1] == ":wastebasket: _deleted by the customer on 2026-08-24 12:00 UTC_"
    assert "&lt;!channel&gt;" in lines[0]  # still quoted and escaped
    text, _ = follow_up(deleted)
    assert "deleted by the customer" in text


def test_an_edit_is_shown_under_the_first_text_escaped_like_it() -> None:
    edited = message(
        "order 4411",
        edited_text="order 4412 <!channel> <https://evil.example|https://acme.example>",
        edited_at="2026-08-24T12:05:00.000Z",
    )
    _, blocks = card(meta(), edited)
    body = blocks[1]["text"]["text"]
    assert body.startswith(
        ">order 4411\n:pencil2: _edited by the customer on 2026-08-24 12:05 UTC:_"
    )
    assert "<!channel>" not in body and "<https://evil.example|" not in body
    assert "&lt;!channel&gt;" in body
