"""Brand rules: the phrases support leads think in, matched on stems, before any model."""

import textwrap
from pathlib import Path

import pytest

from socialcare.classification.rules import RuleBook
from socialcare.config import load_brands
from socialcare.config.rules import BrandRules
from socialcare.errors import ConfigurationError
from tests.conftest import BRANDS_DIR


def book(*rules: dict[str, object]) -> RuleBook:
    return RuleBook(BrandRules.model_validate({"rules": list(rules)}))


DELIVERY = {
    "name": "delivery",
    "topic": "delivery",
    "phrases": {"ru": ["доставка", "курьер"], "uk": ["посилка"]},
}
REFUND = {
    "name": "refund",
    "topic": "refund_return",
    "priority": "up",
    "phrases": {"ru": ["верните деньги"]},
}


@pytest.mark.parametrize(
    "text", ["Когда доставка?", "Жду доставку неделю", "Недоволен доставкой", "Где курьера носит?"]
)
def test_one_russian_phrase_matches_its_inflected_forms(text: str) -> None:
    found = book(DELIVERY).match(text, "ru")
    assert found is not None and found.code == "delivery"


def test_ukrainian_words_match_without_a_stemmer() -> None:
    found = book(DELIVERY).match("Я не задоволена посилкою", "uk")
    assert found is not None and found.reason == "rule 'delivery' matched 'посилка'"


def test_a_phrase_needs_its_words_in_order() -> None:
    rules = book(REFUND)
    assert rules.match("Верните деньги, пожалуйста", "ru") is not None
    assert rules.match("Деньги верните", "ru") is None


def test_the_first_rule_in_the_file_decides() -> None:
    text = "Доставка сорвалась, верните деньги"
    assert book(REFUND, DELIVERY).match(text, "ru").code == "refund_return"  # type: ignore[union-attr]
    assert book(DELIVERY, REFUND).match(text, "ru").code == "delivery"  # type: ignore[union-attr]


def test_phrases_apply_in_their_own_language_and_any_in_all() -> None:
    brand = {"name": "brand", "topic": "question", "phrases": {"any": ["AcmePay"]}}
    rules = book(DELIVERY, brand)
    assert rules.match("courier is late", "en") is None  # a Russian phrase, an English message
    assert rules.match("Как работает AcmePay?", "ru").code == "question"  # type: ignore[union-attr]


def test_the_rule_nudge_travels_with_the_topic() -> None:
    assert book(REFUND).match("верните деньги", "ru").priority == "up"  # type: ignore[union-attr]


def test_the_example_brand_rules_cover_five_languages() -> None:
    rules = RuleBook(load_brands(BRANDS_DIR).brands["acme"].rules)
    cases = {
        "ru": "Где мой заказ? Жду неделю",
        "en": "Where is my order? Still waiting",
        "uk": "Де моє замовлення? Чекаю вже тиждень",
        "be": "Дзе маё замоўленне? Чакаю ўжо тыдзень",
        "hr": "Gdje je moja narudžba? Čekam već tjedan",
    }
    assert {lang: rules.match(text, lang).code for lang, text in cases.items()} == dict.fromkeys(
        cases, "order_status"
    )  # type: ignore[union-attr]


def write(root: Path, rules: str) -> None:
    (root / "shop").mkdir()
    (root / "shop" / "brand.yaml").write_text("id: shop\nname: Shop\naccounts: {vk: [{id: 1}]}\n")
    (root / "shop" / "rules.yaml").write_text(textwrap.dedent(rules))


@pytest.mark.parametrize(
    ("rules", "named"),
    [
        ("rules: [{name: r, topic: shipping, phrases: {en: [x]}}]", "rules.0.topic"),
        ("rules: [{name: r, topic: delivery, phrases: {de: [x]}}]", "rules.0.phrases.de"),
        ("rules: [{name: r, topic: delivery, phrases: {en: ['  ']}}]", "rules.0.phrases"),
    ],
)
def test_a_wrong_rule_fails_the_config_check_naming_file_and_field(
    tmp_path: Path, rules: str, named: str
) -> None:
    write(tmp_path, rules)
    with pytest.raises(ConfigurationError) as error:
        load_brands(tmp_path)
    assert "shop/rules.yaml" in str(error.value) and named in str(error.value)
