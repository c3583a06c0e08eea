"""Sentiment and topic from the trained models, under the brand's rules, on messy input.

The examples are plain cases any agent would label the same way; the models' measured
quality on real evaluation sets is bench/classify.py's job, not these tests'.
"""

import pytest

from socialcare.classification import models
from socialcare.classification.rules import RuleBook
from socialcare.config import load_brands
from socialcare.config.rules import BrandRules
from socialcare.services.classify import Knowledge, classify_text
from tests.conftest import BRANDS_DIR

ACME = Knowledge.of(load_brands(BRANDS_DIR).brands["acme"])
NO_RULES = Knowledge(RuleBook(BrandRules()), ACME.answers)


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("This is the worst service ever, still no refund after 3 weeks 😡", "negative"),
        ("Ужасный сервис, курьер нахамил и уехал, больше никогда не закажу", "negative"),
        ("Жахливий сервіс, замовлення знову загубили", "negative"),
        ("Thank you so much, the support team was amazing ❤️", "positive"),
        ("Огромное спасибо, всё пришло быстро, очень довольна!", "positive"),
        ("Hvala vam puno, super ste!", "positive"),
        ("What are your opening hours on Sunday?", "neutral"),
        ("Подскажите, есть ли доставка в Казань?", "neutral"),
    ],
)
def test_plain_feelings_are_read_in_every_language(text: str, label: str) -> None:
    found = classify_text(text)
    assert found.sentiment is not None and found.sentiment.label == label
    sign = {"negative": -1, "neutral": 0, "positive": 1}[label]
    assert sign == 0 or found.sentiment.score * sign > 0


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("I was charged twice for the same order, please fix my card payment", "payment"),
        ("Не могу войти в аккаунт, смс с кодом не приходит", "account_login"),
        ("do you have the blue jacket in size M in stock?", "availability"),
    ],
)
def test_the_model_gives_a_topic_when_no_rule_matches(text: str, topic: str) -> None:
    found = classify_text(text, NO_RULES)
    assert found.topic is not None
    assert (found.topic.code, found.topic.source) == (topic, "model")


def test_a_brand_rule_comes_before_the_model() -> None:
    found = classify_text("курьер опять опоздал, где моя посылка", ACME)
    assert found.topic is not None and found.topic.source == "rule"


def test_a_negative_message_gets_the_negative_points_in_its_priority() -> None:
    found = classify_text("Absolutely disgusted, the parcel arrived smashed and nobody answers")
    assert found.priority is not None and "negative sentiment (+2)" in found.priority.reasons


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "😀😀😀",
        "https://example.com/some/page",
        "где мой заказ " * 800,  # 11,200 characters
        "Hello, мой заказ 4411 still not delivered, hvala",
        "privet, gde moi zakaz? uzhe nedelyu zhdu",
        "\u202eRTL override\u202c مرحبا",
        "\x00\x01 control",
    ],
)
def test_odd_messages_get_a_sensible_reading_and_never_an_exception(text: str) -> None:
    found = classify_text(text, ACME)
    assert found.sentiment is not None and found.topic is not None and found.priority is not None
    if not text.strip() or text.startswith("https://"):
        assert found.sentiment.label == "neutral" and found.topic.code == "other"


def test_the_models_load_once_per_process() -> None:
    assert models.shipped() is models.shipped()
