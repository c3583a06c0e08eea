"""The answer base: the right prepared answer, in the customer's language, filled in."""

from pathlib import Path

import pytest

from socialcare.classification.answers import suggest
from socialcare.config import load_brands
from socialcare.config.answers import AnswerBase
from socialcare.errors import ConfigurationError
from socialcare.models.classification import Topic, TopicGuess
from tests.conftest import BRANDS_DIR

JANE = {"name": "Jane", "handle": "janeroe"}


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
