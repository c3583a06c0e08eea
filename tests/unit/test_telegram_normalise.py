"""Telegram updates -> stored messages (platforms/telegram): what a private chat, a group and a
channel's discussion group become, what is never a customer message, and the secret token."""

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from socialcare.config import load_brands
from socialcare.errors import InvalidSignature
from socialcare.models import ChannelType, MessageKind
from socialcare.platforms.telegram.normalise import Bot, read_update
from socialcare.platforms.telegram.payloads import Update
from socialcare.platforms.telegram.secret import TelegramSecrets, bot_of
from tests.conftest import BRANDS_DIR

ACME = load_brands(BRANDS_DIR).brands["acme"]
BOT = Bot.of(ACME.accounts.telegram[0], ACME)  # the example brand's bot, as configured
RECEIVED = datetime(2026, 8, 24, 10, 15, 5, tzinfo=UTC)
SENT = 1787566502  # 2026-08-24T10:15:02Z
JANE = {"id": 7001234567, "is_bot": False, "first_name": "Jane", "username": "janeroe"}
GROUP = {"id": -1001500000001, "type": "supergroup", "title": "Acme fans", "username": "acmefans"}


def message(text: str, chat: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "message_id": 4412,
        "date": SENT,
        "chat": chat or {"id": JANE["id"], "type": "private", "username": "janeroe"},
        "from": JANE,
        "text": text,
    } | extra


def read(kind: str, body: dict[str, Any]) -> Any:
    raw = {"update_id": 851203999, kind: body}
    return read_update(Update.model_validate(raw), kind, BOT, RECEIVED)


def mention(text: str, at: int) -> dict[str, Any]:
    return {"type": "mention", "offset": at, "length": len("@AcmeSupportBot")}


def test_a_private_chat_with_the_bot_is_a_private_conversation_of_the_bot_and_the_chat() -> None:
    [stored] = read("message", message("Hi, my order #4411 never arrived")).messages
    assert (stored.kind, stored.channel_type) == (MessageKind.DIRECT, ChannelType.PRIVATE)
    assert stored.thread_key == f"telegram:{BOT.id}:{JANE['id']}"
    assert stored.ref == f"telegram#{BOT.id}#{JANE['id']}:4412"
    assert stored.customer.handle == "janeroe" and stored.customer.name == "Jane"
    assert stored.customer.profile_url == "https://t.me/janeroe"
    assert stored.sent_at == datetime(2026, 8, 24, 10, 15, 2, tzinfo=UTC)


def test_in_a_group_only_what_addresses_the_brand_is_a_customer_message() -> None:
    text = "😀 @AcmeSupportBot where is my parcel?"  # the emoji counts 2 in Telegram's offsets
    named = message(text, GROUP, entities=[mention(text, 3)])
    [stored] = read("message", named).messages
    assert (stored.kind, stored.channel_type) == (MessageKind.MENTION, ChannelType.PUBLIC)
    assert stored.thread_key == f"telegram:{BOT.id}:{GROUP['id']}:4412"
    assert stored.link == "https://t.me/acmefans/4412"
    by_keyword = read("message", message("does ACME ship to Minsk?", GROUP)).messages
    assert [m.kind for m in by_keyword] == [MessageKind.MENTION]
    cyrillic = read("message", message("акме доставляет в Минск?", GROUP)).messages
    assert len(cyrillic) == 1
    chatter = read("message", message("anyone watching the match tonight?", GROUP))
    assert chatter.messages == [] and "group chatter" in chatter.skipped[0]
    # A keyword inside another word, or another bot named, is not the brand.
    assert read("message", message("acmeish vibes", GROUP)).messages == []
    other = "@OtherBot hello"
    other_bot = {"type": "mention", "offset": 0, "length": len("@OtherBot")}
    assert read("message", message(other, GROUP, entities=[other_bot])).messages == []


def test_a_reply_to_the_bot_joins_the_message_it_answers() -> None:
    ours = message(
        "We are on it", GROUP, message_id=4413, **{"from": {"id": BOT.id, "is_bot": True}}
    )
    answer = message("still nothing", GROUP, message_id=4414, reply_to_message=ours)
    [stored] = read("message", answer).messages
    assert stored.kind is MessageKind.REPLY
    assert stored.in_reply_to == f"{GROUP['id']}:4413"  # ingest joins that conversation


def test_a_comment_under_the_channels_post_is_a_public_comment() -> None:
    post = message(
        "New collection!",
        GROUP,
        message_id=90,
        is_automatic_forward=True,
        sender_chat={"id": -1001500000002, "type": "channel", "title": "Acme"},
    )
    comment = message("the zip broke on mine", GROUP, message_id=91, reply_to_message=post)
    [stored] = read("message", comment).messages
    assert stored.kind is MessageKind.COMMENT and stored.in_reply_to == f"{GROUP['id']}:90"


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (message("We are on it", **{"from": {"id": BOT.id, "is_bot": True}}), "our own bot"),
        (message("spam", **{"from": {"id": 99, "is_bot": True}}), "another bot"),
        (message("", new_chat_members=[JANE]), "a service message"),
        (
            message("as the channel", GROUP, sender_chat={"id": -100, "type": "channel"}),
            "written as a chat",
        ),
        (message("news", {"id": -1001500000002, "type": "channel"}), "a message in a channel"),
        (message("hello", message_id=0), "without an id"),
    ],
)
def test_what_is_never_a_customer_message(body: dict[str, Any], why: str) -> None:
    found = read("message", body)
    assert found.messages == [] and why in found.skipped[0]


def test_media_becomes_its_caption_and_file_references() -> None:
    photo = message(
        "",
        caption="the box was crushed",
        photo=[{"file_id": "AgAD-small"}, {"file_id": "AgAD-large"}],
        document={"file_id": "BQAD-1", "file_name": "receipt.pdf"},
    )
    [stored] = read("message", photo).messages
    assert stored.text == (
        "the box was crushed\n[photo: AgAD-large]\n[document receipt.pdf: BQAD-1]"
    )


def test_an_edit_is_kept_beside_the_first_text_never_a_second_message() -> None:
    edited = message("order #4412, sorry", edit_date=SENT + 60)
    found = read("edited_message", edited)
    assert found.messages == []
    [edit] = found.edited
    assert edit.ref == f"telegram#{BOT.id}#{JANE['id']}:4412" and edit.text == "order #4412, sorry"
    assert edit.at == datetime(2026, 8, 24, 10, 16, 2, tzinfo=UTC)


def test_kinds_the_desk_does_not_read_are_passed_over_with_a_reason() -> None:
    assert "not a customer message" in read("callback_query", {"id": "1"}).skipped[0]


SECRETS = TelegramSecrets.model_validate(
    {
        "bots": {
            "7400000001": {"token": "7400000001:AAE-acme", "secret_token": "a" * 40},
            "7400000002": {"token": "7400000002:AAE-other", "secret_token": "b" * 40},
        }
    }
)


def test_the_secret_token_names_the_bot_and_nothing_else_passes() -> None:
    assert bot_of(SECRETS, "a" * 40) == "7400000001"
    assert bot_of(SECRETS, "b" * 40) == "7400000002"
    for given in (None, "", "a" * 39, "a" * 40 + " ", "c" * 40):
        with pytest.raises(InvalidSignature):
            bot_of(SECRETS, given)


@pytest.mark.parametrize(
    "bot",
    [
        {"token": "REPLACE_ME", "secret_token": "a" * 40},
        {"token": "1:x", "secret_token": "REPLACE_ME" * 4},
        {"token": "1:x", "secret_token": "short"},
    ],
)
def test_placeholders_and_short_secret_tokens_are_refused(bot: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        TelegramSecrets.model_validate({"bots": {"1": bot}})
