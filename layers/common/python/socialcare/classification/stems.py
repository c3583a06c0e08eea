"""Words to stems, per language, so that one phrase matches its inflected forms.

Snowball stemmers where they exist (Russian, English; its Serbian stemmer for Croatian).
Ukrainian and Belarusian have none: there, and for every language as a safety net, two
words match when one stem begins with the other and the shorter has at least four letters
(доставка / доставку / доставкою share "доставк").
"""

import re
import threading
from functools import lru_cache
from typing import Any

import snowballstemmer

SNOWBALL = {"ru": "russian", "en": "english", "hr": "serbian"}
MIN_PREFIX = 4
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?", re.UNICODE)


_PER_THREAD = threading.local()


def _stemmer(language: str) -> Any:
    """A stemmer keeps the word it is working on in itself, so two threads sharing one get
    each other's letters (an IndexError, or a wrong stem). Lambda runs one invocation per
    process, but the local stack runs a function's invocations side by side in threads:
    one stemmer per thread and language."""
    cached: dict[str, Any] = _PER_THREAD.__dict__.setdefault("stemmers", {})
    if language not in cached:
        algorithm = SNOWBALL.get(language)
        cached[language] = snowballstemmer.stemmer(algorithm) if algorithm else None
    return cached[language]


def _normalise(word: str) -> str:
    return word.lower().replace("ё", "е").replace("’", "'")


def stems(text: str, language: str) -> list[str]:
    words = [_normalise(w) for w in _WORD.findall(text)]
    stemmer = _stemmer(language)
    return stemmer.stemWords(words) if stemmer else [_light_stem(w) for w in words]


@lru_cache(maxsize=8192)
def phrase_stems(phrase: str, language: str) -> tuple[str, ...]:
    """A configured phrase's stems: a brand's phrases are few and fixed, and each message is
    checked against all of them, so each is stemmed once per process."""
    return tuple(stems(phrase, language))


def _light_stem(word: str) -> str:
    """No stemmer: drop a final vowel or soft sign, enough for the prefix match to work."""
    return word[:-1] if len(word) > MIN_PREFIX + 1 and word[-1] in "аеєиіїоуюяьыэaeiouy" else word


def same_word(a: str, b: str) -> bool:
    shorter, longer = sorted((a, b), key=len)
    return shorter == longer or (len(shorter) >= MIN_PREFIX and longer.startswith(shorter))
