"""The customer's language, read from short, messy messages."""

from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from socialcare.classification import language
from socialcare.errors import ConfigurationError

EVAL = Path(__file__).resolve().parents[1] / "data" / "language_eval.tsv"
ALLOWED = {*language.SUPPORTED, language.OTHER}


def eval_rows() -> list[tuple[str, str]]:
    rows = [line.rstrip("\n").split("\t") for line in EVAL.read_text(encoding="utf-8").splitlines()]
    return [(lang, text) for lang, text in (r for r in rows if r[0] and not r[0].startswith("#"))]


def test_at_least_97_percent_right_on_short_support_messages_in_five_languages() -> None:
    rows = [(lang, text) for lang, text in eval_rows() if len(text.split()) >= 3]
    right = sum(language.detect(text).code == lang for lang, text in rows)
    assert len(rows) >= 100 and right / len(rows) >= 0.97, f"{right}/{len(rows)}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@AcmeSupport где мой заказ? https://t.co/x1 #acme", "ru"),
        ("gde moj zakaz? uzhe nedelyu zhdu", "ru"),  # Russian typed in Latin letters
        ("Калі будзе дастаўка ў Мінск?", "be"),
        ("Чому з мене двічі зняли гроші?", "uk"),
        ("Zdravo, gdje je moja narudžba?", "hr"),
        ("Guten Tag, wo ist meine Bestellung?", "other"),
    ],
)
def test_the_language_an_agent_would_answer_in(text: str, expected: str) -> None:
    assert language.detect(text).code == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "😍😍🔥",
        "https://t.co/abc",
        "4411",
        "x" * 10_000,
        "Привет, my order is late 🙏",
        "@a @b #c",
    ],
)
def test_odd_messages_get_a_sensible_answer_and_never_an_exception(text: str) -> None:
    guess = language.detect(text)
    assert guess.code in ALLOWED and guess.score >= 0


def test_no_words_says_why() -> None:
    assert (
        language.detect("😍 https://t.co/abc").reason
        == "no words to read (emoji, links or numbers)"
    )


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
@example("AЈ")  # Serbian-only Cyrillic the detector scores for nothing we support
def test_any_text_is_read_without_error(text: str) -> None:
    assert language.detect(text).code in ALLOWED


def test_a_model_that_cannot_load_fails_the_cold_start_clearly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import eld

    def broken() -> None:
        raise OSError("ngrams file is corrupt")

    language._detector.cache_clear()
    monkeypatch.setattr(eld, "LanguageDetector", broken)
    try:
        with pytest.raises(
            ConfigurationError, match="language model could not be loaded: ngrams file is corrupt"
        ):
            language.load()
    finally:
        monkeypatch.undo()
        language._detector.cache_clear()
