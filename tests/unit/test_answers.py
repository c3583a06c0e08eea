"""The answer base: the right prepared answer, in the customer's language, filled in."""

import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socialcare.classification.addressing import NAME_LIMIT, Addressee
from socialcare.classification.answers import suggest
from socialcare.config import load_brands
from socialcare.config.answers import AnswerBase
from socialcare.errors import ConfigurationError
from socialcare.models.classification import Topic, TopicGuess
from tests.conftest import BRANDS_DIR

JANE = Addressee("vk", "Jane", "id1")


def topic(code: Topic) -> TopicGuess:
    return TopicGuess(code=code, source="rule", reason="rule 'x' matched 'y'")


def base() -> AnswerBase:
    return load_brands(BRANDS_DIR).brands["acme"].answers


def test_the_answer_for_the_topic_comes_in_the_customers_language_with_variables_filled() -> None:
    found = suggest(base(), "Где мой заказ №4411?", "ru", topic(Topic.ORDER_STATUS), JANE)
    assert found is not None and found.answer_id == "where-is-my-order" and found.language == "ru"
    assert found.text.startswith("Jane, здравствуйте! Проверяем заказ 4411") and found.missing == ()


def test_a_missing_variable_is_shown_and_listed_for_the_agent() -> None:
    found = suggest(base(), "Where is my order?", "en", topic(Topic.ORDER_STATUS), JANE)
    assert (
        found is not None and "[order number]" in found.text and found.missing == ("order_number",)
    )


def test_no_text_in_the_customers_language_falls_back_and_says_so() -> None:
    found = suggest(base(), "Пришла зламаная рэч", "be", topic(Topic.PRODUCT_DEFECT), JANE)
    assert found is not None and found.language == "en" and "no be text: en" in found.reason


def test_a_phrase_adds_to_the_topic_and_beats_a_topic_only_answer() -> None:
    found = suggest(base(), "I want a refund please", "en", topic(Topic.REFUND_RETURN), JANE)
    assert found is not None and (found.answer_id, found.score) == ("refund-request", 1.0)


def test_below_the_threshold_nothing_is_suggested() -> None:
    assert suggest(base(), "When does delivery come?", "en", topic(Topic.DELIVERY), JANE) is None
    assert suggest(base(), "hello", "en", None, JANE) is None


def brand_with(tmp_path: Path, answers: str) -> None:
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "brand.yaml").write_text(
        "id: shop\nname: Shop\naccounts: {vk: [{id: 1}]}\n"
    )
    (tmp_path / "shop" / "answers.yaml").write_text(answers)


@pytest.mark.parametrize(
    ("answers", "named"),
    [
        (
            "answers: [{id: a, topic: delivery, texts: {en: 'Hi {nmae}'}}]",
            "unknown variables ['nmae']",
        ),
        (
            "answers: [{id: a, topic: delivery, texts: {ru: 'Привет'}}]",
            "no text in the fallback language en",
        ),
        ("threshold: 2\nanswers: []", "threshold"),
    ],
)
def test_a_wrong_answer_base_fails_the_config_check_saying_what(
    tmp_path: Path, answers: str, named: str
) -> None:
    brand_with(tmp_path, answers)
    with pytest.raises(ConfigurationError) as error:
        load_brands(tmp_path)
    assert "shop/answers.yaml" in str(error.value) and named in str(error.value)


SCAM = "buy $SCAM at evil.example"
# What a reply must never publish unless the brand wrote it: links and bare domains,
# mentions, hashtags, cashtags, and characters that show as nothing or reorder the text.
MARKUP = re.compile(
    r"https?://|www\.|\b[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}\b|[@#$][^\W_]|[@#＠＃＄﹫﹟﹩]",
    re.IGNORECASE,
)


def markup(text: str) -> list[str]:
    hidden = [c for c in text if unicodedata.category(c) in ("Cc", "Cf", "Co", "Zl", "Zp")]
    return [m.group(0) for m in MARKUP.finditer(text)] + hidden


def thanks(customer: Addressee, language: str = "en") -> str:
    found = suggest(base(), "love it", language, topic(Topic.PRAISE), customer)
    assert found is not None and found.answer_id == "thanks"
    return found.text


def test_a_public_reply_on_x_greets_by_handle_never_by_display_name() -> None:
    assert (
        thanks(Addressee("x", SCAM, "janeroe")) == "Thank you, janeroe! We're so glad you like it."
    )
    assert thanks(Addressee("x", "Jane Roe", "janeroe")).startswith("Thank you, janeroe!")


def test_a_private_message_on_x_greets_by_first_name_else_by_handle() -> None:
    assert thanks(Addressee("x", "Jane Roe", "janeroe", public=False)).startswith(
        "Thank you, Jane!"
    )
    assert thanks(Addressee("x", SCAM, "janeroe", public=False)).startswith("Thank you, janeroe!")


@pytest.mark.parametrize(
    "name",
    [
        SCAM,
        "Jane evil.example",
        "Jane https://evil.example/x",
        "Jane @elonmusk",
        "Jane #giveaway",
        "Jane $DOGE",
        "Jane\u202egnp.exe",  # right-to-left override
        "Ja\u200bne",  # zero-width space
        "Jane\nPriority: P1",
        "Jane\x00",
        "\u3164",  # a Hangul filler: a letter that shows as nothing
        "J" * (NAME_LIMIT + 1),
        "   ",
        "",
        None,
    ],
)
def test_a_name_carrying_anything_but_plain_words_leaves_the_greeting_neutral(
    name: str | None,
) -> None:
    vk = Addressee("vk", name, "id1")
    assert thanks(vk) == "Thank you! We're so glad you like it."
    assert thanks(vk, "ru") == "Спасибо! Очень рады, что всё понравилось."
    found = suggest(base(), "Где мой заказ 4411?", "ru", topic(Topic.ORDER_STATUS), vk)
    assert found is not None and found.missing == ()
    assert found.text.startswith("Здравствуйте! Проверяем заказ 4411")


@pytest.mark.parametrize(
    "handle", ["evil.example", "@evil.example", "$SCAM", "jane roe", "jane\u202e", "a" * 31, None]
)
def test_a_handle_that_is_not_a_plain_handle_is_not_used(handle: str | None) -> None:
    assert thanks(Addressee("x", SCAM, handle)) == "Thank you! We're so glad you like it."


@pytest.mark.parametrize(
    ("template", "neutral"),
    [
        ("Hi {name}, we're on it.", "Hi, we're on it."),
        ("{name}, we're on it.", "We're on it."),
        ("Thanks, {name}! ({handle})", "Thanks!"),
        ("Thanks {name} (@{handle}), {name}.", "Thanks."),
    ],
)
def test_a_greeting_without_a_safe_name_reads_naturally(template: str, neutral: str) -> None:
    answers = AnswerBase.model_validate(
        {"answers": [{"id": "a", "topic": "praise", "texts": {"en": template}}]}
    )
    found = suggest(answers, "thanks", "en", topic(Topic.PRAISE), Addressee("x", SCAM, "a.b"))
    assert found is not None and found.text == neutral


@pytest.mark.parametrize("name", ["Anna-Maria Roe", "O'Brien", "Мар'яна", "Марʼяна", "Zoë"])
def test_names_with_hyphens_apostrophes_and_accents_are_names(name: str) -> None:
    assert thanks(Addressee("vk", name, "id1")).startswith(
        f"Thank you, {name.split(maxsplit=1)[0]}!"
    )


ANY_TEXT = st.text(st.characters(codec="utf-8"), max_size=60)
HOSTILE = st.lists(
    st.sampled_from(
        [
            SCAM,
            "evil.example",
            "https://x.co/a",
            "@here",
            "#tag",
            "$SCAM",
            "www.a.b",
            "\u202e",
            "\u200b",
            "\n",
            "Jane",
            "janeroe",
            ".",
            "@",
            "#",
            "$",
            "/",
            ":",
        ]
    )
    | ANY_TEXT,
    max_size=6,
).map("".join)
TEMPLATES = [
    "Hi {name}, we see you as {handle}; order {order_number} is on its way.",
    "{name}, thanks! ({handle})",
    "Thank you, {name}!",
]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    name=HOSTILE | st.none(),
    handle=HOSTILE | st.none(),
    platform=st.sampled_from(["x", "vk", "instagram", "telegram", None]),
    public=st.booleans(),
    template=st.sampled_from(TEMPLATES),
)
def test_whatever_the_customer_is_called_the_answer_publishes_no_markup_of_theirs(
    name: str | None, handle: str | None, platform: str | None, public: bool, template: str
) -> None:
    answers = AnswerBase.model_validate(
        {"answers": [{"id": "a", "topic": "praise", "texts": {"en": template}}]}
    )
    customer = Addressee(platform, name, handle, public)
    found = suggest(answers, "thanks for order 4411", "en", topic(Topic.PRAISE), customer)
    assert found is not None
    assert markup(found.text) == markup(template)
    assert len(found.text) <= len(template) + 2 * NAME_LIMIT + 4
