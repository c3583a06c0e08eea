"""The guards an agent's reply passes before it is queued, with the sentence the agent reads."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from socialcare.models.conversation import Conversation
from socialcare.models.reply import ReplyRoute
from socialcare.models.stored import StoredMessage
from socialcare.services.reply_guards import check, message_tag, x_weight
from socialcare.slack.mrkdwn import plain
from tests.support.items import conversation_item, message_item

NOW = datetime(2026, 8, 24, 12, 0, tzinfo=UTC)


def conversation(platform: str, **extra: Any) -> Conversation:
    fields = {"platform": platform, "last_inbound_at": "2026-08-24T11:00:00.000Z"} | extra
    return Conversation.model_validate(conversation_item(**fields))


def target(**fields: Any) -> StoredMessage:
    """The customer's message the reply answers."""
    return StoredMessage.model_validate(message_item(**fields))


def test_x_counts_links_as_23_and_cjk_as_2() -> None:
    assert x_weight("hello") == 5
    assert x_weight("see https://acme.example/a/very/long/path/indeed/yes") == 4 + 23
    assert x_weight("привет") == 6  # Cyrillic weighs 1
    assert x_weight("お待たせ") == 8
    assert x_weight("ok 👍") == 3 + 2
    assert x_weight("tracking:\nhttps://acme.example/a/very/long/path") == 10 + 23


def test_a_reply_of_exactly_280_goes_and_281_is_refused() -> None:
    mention = target(summoned=True, kind="mention")
    assert check("a" * 280, ReplyRoute.PUBLIC, conversation("x"), mention, NOW) is None
    refusal = check("a" * 281, ReplyRoute.PUBLIC, conversation("x"), mention, NOW)
    assert refusal is not None and refusal.reason == "too_long"
    # The same text is fine as a direct message (10,000 characters).
    assert check("a" * 281, ReplyRoute.PRIVATE, conversation("x"), mention, NOW) is None


def test_vk_messages_stop_at_9000_characters() -> None:
    refusal = check("я" * 9001, ReplyRoute.PRIVATE, conversation("vk"), target(kind="direct"), NOW)
    assert refusal is not None and "9,001 of 9,000" in refusal.text


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_an_empty_reply_is_refused(text: str) -> None:
    refusal = check(text, ReplyRoute.PRIVATE, conversation("vk"), target(kind="direct"), NOW)
    assert refusal is not None and refusal.reason == "empty"


def test_the_last_reply_word_for_word_is_refused() -> None:
    talked = conversation("vk", last_reply_text="Проверили заказ.")
    refusal = check(" Проверили заказ. ", ReplyRoute.PRIVATE, talked, target(kind="direct"), NOW)
    assert refusal is not None and refusal.reason == "unchanged"
    assert (
        check("Проверили ещё раз.", ReplyRoute.PRIVATE, talked, target(kind="direct"), NOW) is None
    )


def test_vk_photo_comments_and_board_posts_need_an_admin_account() -> None:
    for kind in ("photo_comment", "board_post"):
        comment = target(kind=kind, link="https://vk.com/photo-1_2")
        refusal = check("Ответ", ReplyRoute.PUBLIC, conversation("vk"), comment, NOW)
        assert refusal is not None and "https://vk.com/photo-1_2" in refusal.text
        assert check("Ответ", ReplyRoute.PRIVATE, conversation("vk"), comment, NOW) is None


def test_messenger_replies_close_24_hours_after_the_customers_last_message() -> None:
    talked = conversation("messenger", last_inbound_at="2026-08-23T11:59:00+00:00")
    refusal = check("Hello", ReplyRoute.PRIVATE, talked, target(kind="direct"), NOW)
    assert refusal is not None and refusal.reason == "window_closed"
    assert "closed at 2026-08-24 11:59 UTC" in refusal.text
    early = NOW - timedelta(minutes=2)
    assert check("Hello", ReplyRoute.PRIVATE, talked, target(kind="direct"), early) is None


def test_the_human_agent_permission_opens_7_days_and_tags_the_late_message() -> None:
    talked = conversation("instagram", last_inbound_at="2026-08-20T12:00:00+00:00")
    dm = target(kind="direct")
    assert check("Hi", ReplyRoute.PRIVATE, talked, dm, NOW, human_agent=True) is None
    assert message_tag(ReplyRoute.PRIVATE, talked, dm, NOW, human_agent=True) == "HUMAN_AGENT"
    fresh = conversation("instagram", last_inbound_at="2026-08-24T11:00:00+00:00")
    assert message_tag(ReplyRoute.PRIVATE, fresh, dm, NOW, human_agent=True) is None
    late = NOW + timedelta(days=4, minutes=1)
    refusal = check("Hi", ReplyRoute.PRIVATE, talked, dm, late, human_agent=True)
    assert refusal is not None and refusal.reason == "window_closed" and "7 days" in refusal.text


def test_comment_replies_have_no_window_and_a_private_reply_has_7_days_from_the_comment() -> None:
    # Instagram: its direct messages have the 24-hour window, its comments none.
    old = conversation(
        "instagram", channel_type="public", last_inbound_at="2026-08-01T12:00:00+00:00"
    )
    comment = target(kind="comment", sent_at="2026-08-20T12:00:00.000Z")
    assert check("Hi", ReplyRoute.PUBLIC, old, comment, NOW) is None
    assert check("Hi", ReplyRoute.PRIVATE, old, comment, NOW) is None  # 4 days after it
    refusal = check("Hi", ReplyRoute.PRIVATE, old, comment, NOW + timedelta(days=4))
    assert refusal is not None and refusal.reason == "window_closed"
    assert "private reply" in refusal.text and "publicly" in refusal.text
    assert message_tag(ReplyRoute.PRIVATE, old, comment, NOW, human_agent=True) is None


def test_meta_comment_lengths() -> None:
    public = conversation("instagram", channel_type="public")
    comment = target(kind="comment")
    refusal = check("a" * 2201, ReplyRoute.PUBLIC, public, comment, NOW)
    assert refusal is not None and refusal.reason == "too_long"
    assert check("a" * 2200, ReplyRoute.PUBLIC, public, comment, NOW) is None


def test_slack_markup_becomes_plain_text_for_the_customer() -> None:
    assert plain("&lt;b&gt; &amp; co") == "<b> & co"
    assert plain("<https://acme.example|click here>") == "https://acme.example"
    assert plain("<https://evil.example|https://bank.example>") == "https://evil.example"
    assert plain("<@U123> please <!here> see <#C123|general>") == "please see"
    assert plain("write to <mailto:help@acme.example|help@acme.example>") == (
        "write to help@acme.example"
    )


def test_an_unreachable_customer_is_refused_at_once_with_the_platforms_reason() -> None:
    chat = target(kind="direct", platform="telegram", link=None)
    blocked = conversation("telegram", unreachable="the customer has blocked the brand's bot")
    refusal = check("Hello", ReplyRoute.PRIVATE, blocked, chat, NOW)
    assert refusal is not None and refusal.reason == "unreachable"
    assert "blocked the brand's bot" in refusal.text and "until they write again" in refusal.text
    assert check("Hello", ReplyRoute.PRIVATE, conversation("telegram"), chat, NOW) is None
    # The customer wrote after the mark: they unblocked the bot, the way is open again.
    since = {"unreachable_since": "2026-08-24T10:00:00.000Z"}  # before their 11:00 message
    written = conversation("telegram", unreachable="blocked", **since)
    assert check("Hello", ReplyRoute.PRIVATE, written, chat, NOW) is None


@pytest.mark.parametrize(("hours", "refused"), [(23.9, False), (24.1, True)])
def test_a_telegram_business_chat_is_answered_only_within_24_hours(
    hours: float, refused: bool
) -> None:
    chat = target(kind="direct", platform="telegram", link=None)
    business = conversation(
        "telegram",
        key="telegram:7400000001:business:7009876543:Bc1",
        last_inbound_at=NOW - timedelta(hours=hours),
    )
    refusal = check("Hello", ReplyRoute.PRIVATE, business, chat, NOW)
    assert (refusal is not None and refusal.reason == "window_closed") is refused
    # The bot's own private chats have no such window.
    plain = conversation("telegram", last_inbound_at=NOW - timedelta(hours=hours))
    assert check("Hello", ReplyRoute.PRIVATE, plain, chat, NOW) is None
