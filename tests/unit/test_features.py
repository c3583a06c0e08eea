"""What the sentiment and topic models read: the same normalised tokens in training and use."""

from hypothesis import given
from hypothesis import strategies as st

from socialcare.classification import features


def test_links_mentions_and_numbers_become_placeholders() -> None:
    line = features.tokens("@AcmeSupport order #48213 https://t.co/x9 still not here")
    assert line.split()[:3] == ["__user__", "order", "__num__"]
    assert "__url__" in line and "t.co" not in line


def test_emphasis_emoticons_and_marks_stand_alone() -> None:
    assert features.words("Sooooo slow!!!") == ["soo", "slow", "!"]
    assert features.words("спасибо))) :(") == ["спасибо", "__smile__", "__frown__"]
    assert features.words("ужас😡") == ["ужас", "😡"]


def test_lexicon_words_add_marks_and_a_negation_turns_them() -> None:
    assert features.marks(features.words("отвратительный сервис")) == ["__lexneg__"]
    assert features.marks(features.words("not good at all")) == ["__notpos__"]
    assert features.marks(features.words("дякую, все чудово")) == ["__lexpos__", "__lexpos__"]


def test_an_inflected_form_matches_its_stem() -> None:
    assert features.marks(features.words("разочарована")) == ["__lexneg__"]
    assert features.marks(features.words("disappointing")) == ["__lexneg__"]


@given(st.text(max_size=300))
def test_any_text_gives_one_line_the_model_can_read(text: str) -> None:
    line = features.tokens(text)
    assert "\n" not in line and line == " ".join(line.split())


def test_a_negation_ends_with_its_sentence_and_stretched_words_are_known() -> None:
    assert features.marks(features.words("nobody answers. Worst service")) == ["__lexneg__"]
    assert features.marks(features.words("ужаааас")) == ["__lexneg__"]


def test_a_negation_never_turns_an_emoji() -> None:
    assert features.marks(features.words("nobody answers 😡")) == ["__lexneg__"]
