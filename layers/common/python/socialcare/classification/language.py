"""The customer's language, from short, messy social-media text.

eld (pure Python, its n-gram model shipped inside the package, nothing downloaded) does the
detection; around it: links, @mentions, hashtags and e-mail addresses are removed first (they
are not the customer's language), Bosnian and Latin-script Serbian are answered in Croatian,
Russian typed in Latin letters is recognised by its common words, and anything else is
``other`` with a reason an agent can read.
"""

import re
from functools import cache
from typing import Any

from socialcare.errors import ConfigurationError
from socialcare.models.classification import LanguageGuess

SUPPORTED = ("ru", "en", "uk", "be", "hr")
OTHER = "other"
MAX_CHARS = 1000  # enough to decide; a 10,000-character rant costs no more than a tweet
_NOISE = re.compile(r"https?://\S+|www\.\S+|\S+@\S+\.\S+|[@#][\w.]+", re.UNICODE)
_LATIN_WORD = re.compile(r"[a-z]+")
# Frequent words of Russian typed in Latin letters (translit): enough to tell it from Slovene
# or Croatian, which share no such function words.
_TRANSLIT_WORDS = """
gde kogda pochemu zakaz zakaza dostavka dostavku privet spasibo pozhaluysta pozhalujsta
zdravstvuyte zdravstvujte ochen mozhno nelzya vernite dengi eto chto kak uzhe tovar
prishel prishla prishlo poluchil oplatil kupil otmenite skolko nichego pomogite
"""
_TRANSLIT_RU = frozenset(_TRANSLIT_WORDS.split())


@cache
def _detector() -> Any:
    """Loaded once per cold start; a missing or broken model fails the start, clearly."""
    try:
        from eld import LanguageDetector  # noqa: PLC0415 - the model loads here, on purpose

        detector = LanguageDetector()
        detector.detect("warm up")
    except Exception as exc:
        raise ConfigurationError(f"language model could not be loaded: {exc}") from exc
    return detector


def _east_slavic(
    cleaned: str, code: str, score: float, scores: dict[str, float]
) -> LanguageGuess | None:
    """Russian, Ukrainian and Belarusian share most letters and many words: the letters that
    only some of them use narrow the choice, then the detector's scores decide. Unmarked text
    that reads as another Cyrillic language (Bulgarian, Serbian) goes to the supported one
    when it scores almost as high: that is this desk's audience."""
    if allowed := _by_letters(cleaned):
        marked = max(allowed, key=lambda lang: scores.get(lang, 0.0))
        return LanguageGuess(
            code=marked, score=scores.get(marked, score), reason=_why(code, marked)
        )
    if code not in SUPPORTED:
        best = max(CYRILLIC_SUPPORTED, key=lambda lang: scores.get(lang, 0.0))
        # A language the detector did not score at all is no candidate (a zero score would
        # pass the margin of a zero-scored guess).
        best_score = scores.get(best)
        if best_score is not None and best_score >= PRIOR_MARGIN * score:
            reason = f"close to {code}; the desk's audience"
            return LanguageGuess(code=best, score=best_score, reason=reason)
    return None


def _why(detected: str, chosen: str) -> str | None:
    return None if detected == chosen else f"its letters are {chosen}, not {detected}"


def load() -> None:
    _detector()


def _clean(text: str) -> str:
    return " ".join(_NOISE.sub(" ", text[: MAX_CHARS * 2]).split())[:MAX_CHARS]


def _translit_russian(cleaned: str) -> bool:
    words = _LATIN_WORD.findall(cleaned.lower())
    hits = sum(word in _TRANSLIT_RU for word in words)
    return hits >= 2 or (hits == 1 and len(words) <= 3)


CYRILLIC_SUPPORTED = ("ru", "uk", "be")
PRIOR_MARGIN = 0.95  # a supported language this close to the top candidate wins


def _by_letters(cleaned: str) -> tuple[str, ...]:
    """Which East Slavic orthographies the letters allow: ў is Belarusian only; ї, є, ґ
    Ukrainian only; і is Ukrainian or Belarusian; ы, э, ё are Russian or Belarusian."""
    letters = set(cleaned.lower())
    has_i, has_yery = "і" in letters, bool(letters & set("ыэё"))
    if "ў" in letters or (has_i and has_yery):
        return ("be",)
    if letters & set("їєґ"):
        return ("uk",)
    if has_i:
        return ("uk", "be")
    return ("ru", "be") if has_yery else ()


def detect(text: str) -> LanguageGuess:
    cleaned = _clean(text)
    if sum(ch.isalpha() for ch in cleaned) < 2:
        return LanguageGuess(
            code=OTHER, score=0.0, reason="no words to read (emoji, links or numbers)"
        )
    result = _detector().detect(cleaned)
    scores: dict[str, float] = result.scores() or {}
    code, score = result.language, max(scores.values(), default=0.0)
    latin = all(not ch.isalpha() or ch.isascii() or "\u00c0" <= ch <= "\u024f" for ch in cleaned)
    cyrillic = not latin and any("\u0400" <= ch <= "\u04ff" for ch in cleaned)
    if cyrillic and (east_slavic := _east_slavic(cleaned, code, score, scores)):
        return east_slavic
    if code == "bs" or (code == "sr" and latin):
        return LanguageGuess(code="hr", score=score, reason=f"read as {code}; answered in Croatian")
    if code in SUPPORTED:
        return LanguageGuess(code=code, score=score)
    if latin and _translit_russian(cleaned):
        return LanguageGuess(code="ru", score=score, reason="Russian typed in Latin letters")
    return LanguageGuess(code=OTHER, score=score, reason=f"read as {code or 'unknown'}")
