"""What the sentiment and topic models read: one line of normalised tokens.

Training (socialcare.devtools.train_models) and prediction call the same function, so the
models never see text prepared differently from what they learnt on. Links, @mentions and
numbers carry no sentiment of their own: they become placeholder tokens; letters repeated for
emphasis ("sooooo", "ооочень") are shortened to two; "!" and "?" runs, emoticons and emoji
stand alone, because they carry much of a short message's tone; ё is е, as most people type.

Each word found in the sentiment lexicon (lexicon/<lang>.txt, written for socialcare) adds a
mark, ``__lexneg__`` or ``__lexpos__`` (``__notneg__``/``__notpos__`` after a negation such as
"не", "not", "nije"): the models learn what the marks weigh from the labelled messages and so
read words they never saw in training ("отвратительно" is known to be negative from the
lexicon even when no training message used it).
"""

import re
import unicodedata
from functools import cache
from pathlib import Path

MAX_CHARS = 2000  # the start of a rant says what it is about; a longer one costs no more
LEXICON = Path(__file__).resolve().parent / "lexicon"
NEGATION_REACH = 3  # "не очень хорошо", "not very good": the negation reaches a few words on
MIN_STEM = 3
PLACEHOLDERS = frozenset({"__url__", "__user__", "__num__"})
SENTENCE_ENDS = frozenset({".", "!", "?", ";"})

_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_MENTION = re.compile(r"(?<!\w)@\w+", re.UNICODE)
_NUMBER = re.compile(r"[#№]?\d[\d.,:/-]*", re.UNICODE)
_REPEATS = re.compile(r"(\w)\1{2,}", re.UNICODE)
_DOUBLES = re.compile(r"(\w)\1", re.UNICODE)  # "ужаас" (from "ужаааас") looked up as "ужас"
_SMILE = re.compile(r"(?<!\w)[:;=]-?[)\]dp]+|\){2,}", re.IGNORECASE)
_FROWN = re.compile(r"(?<!\w)[:;=]-?[(\[]+|\({2,}")
_MARKS = re.compile(r"([!?])[!?1]*")
_SYMBOLS = re.compile(r"([^\w\s'#])", re.UNICODE)
_HASHTAG = re.compile(r"#(\w+)", re.UNICODE)


def words(text: str) -> list[str]:
    line = text[:MAX_CHARS].lower().replace("ё", "е").replace("’", "'").replace("\ufe0f", "")
    line = _URL.sub(" __url__ ", line)
    line = _MENTION.sub(" __user__ ", line)
    line = _SMILE.sub(" __smile__ ", line)
    line = _FROWN.sub(" __frown__ ", line)
    line = _HASHTAG.sub(r" \1 ", line)
    line = _NUMBER.sub(" __num__ ", line)
    line = _REPEATS.sub(r"\1\1", line)
    line = _MARKS.sub(r" \1 ", line)
    line = _SYMBOLS.sub(r" \1 ", line)
    return line.split()


def readable(found: list[str]) -> bool:
    """Anything to read besides links, mentions, numbers and punctuation: a word, an
    emoticon, an emoji."""
    return any(
        token not in PLACEHOLDERS and any(unicodedata.category(c)[0] in "LS" for c in token)
        for token in found
    )


def tokens(text: str) -> str:
    """The models' input: lower case, one space between tokens, never a newline."""
    found = words(text)
    return " ".join(found + marks(found))


def marks(found: list[str]) -> list[str]:
    polarity, negators = lexicon()
    out: list[str] = []
    negated_until = -1
    for index, word in enumerate(found):
        if word in negators:
            negated_until = index + NEGATION_REACH
            continue
        if word in SENTENCE_ENDS:
            negated_until = -1  # "nobody answers. Worst service": the negation ends here
            continue
        sign = _polarity(word, polarity) or _polarity(_DOUBLES.sub(r"\1", word), polarity)
        if sign is not None:
            # An emoji says what it says: "nobody answers 😡" is not a negated anger.
            negated = index <= negated_until and word.isalpha()
            out.append(f"__{'not' if negated else 'lex'}{sign}__")
    return out


def _polarity(word: str, polarity: dict[str, str]) -> str | None:
    if word in polarity:
        return polarity[word]
    for end in range(len(word) - 1, MIN_STEM - 1, -1):
        if (sign := polarity.get(word[:end])) is not None:
            return sign
    return None


@cache
def lexicon(folder: Path = LEXICON) -> tuple[dict[str, str], frozenset[str]]:
    """Stems of every language in one table: a message is read before its language is sure,
    and a Russian word in a Ukrainian message still says what it says."""
    polarity: dict[str, str] = {}
    for path in sorted(folder.glob("??.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                stem, sign = line.split("\t")
                polarity[stem.strip().lower().replace("ё", "е")] = sign.strip()
    negators: set[str] = set()
    for line in (folder / "negators.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            negators.update(line.split("\t", 1)[1].split())
    return polarity, frozenset(negators)
