"""How a prepared answer addresses the customer, from fields the customer controls.

A display name is free text the customer chose ("buy $SCAM at evil.example"); whatever we
fill in from it goes out from the brand's account. So an answer takes from the customer only
what is safe to say in public, and says nothing rather than something unsafe:

- ``{name}`` in a public reply on X (and Instagram) is the handle: it is what the platform
  shows next to the post, it is already public and unique (a display name is self-claimed:
  "Elon Musk" is anyone), and its alphabet (letters, digits, ``_``) cannot carry a link, a
  mention or a tag. We write it bare, without ``@``, so the reply mentions nobody. In a
  private message there (only the customer reads it) and everywhere on VK and the rest, it is
  the first name, as a community's reply says it; on X the handle when the name is unusable.
  VK's own handle (``id123``) is no way to greet anyone.
- A name is used only when every word of it is a plain word (letters, with an inner hyphen
  or apostrophe). One word with a dot, ``@``, ``#``, ``$``, ``/``, a digit or a symbol makes
  the whole name untrustworthy (it was chosen to say something else), and it is not used.
- Control, format (bidi overrides, zero-width) and other invisible characters never count as
  part of a word: a name holding one is not used either.
- Lengths are capped: a first name at ``NAME_LIMIT`` characters, a handle at ``HANDLE_LIMIT``.

When nothing safe is left, the variable is ``None`` and the answer leaves the greeting
neutral (``answers.suggest`` drops the variable with the comma or space that joined it).
"""

import re
import unicodedata
from dataclasses import dataclass

from socialcare.models.common import Platform

NAME_LIMIT = 30
HANDLE_LIMIT = 30
HANDLE_SHOWN = frozenset({Platform.X, Platform.INSTAGRAM})  # the platform shows @handle
_HANDLE = re.compile(rf"[A-Za-z0-9_]{{1,{HANDLE_LIMIT}}}")  # no dot: a dot makes a domain
_JOINERS = frozenset("-'’ʼ")  # ʼ (U+02BC) is the Ukrainian and Belarusian apostrophe
# Letters that show as nothing (Hangul fillers): a "name" made of them hides what follows.
_INVISIBLE_LETTERS = frozenset("\u115f\u1160\u3164\uffa0")
_LETTERS = frozenset({"Lu", "Ll", "Lt", "Lo"})  # not Lm: modifier letters imitate punctuation


@dataclass(frozen=True)
class Addressee:
    """Who a reply is for, as the platform told us (all of it customer-controlled)."""

    platform: str | None = None  # None: not known (the command-line classifier)
    name: str | None = None
    handle: str | None = None
    public: bool = True  # the reply is seen by everyone (a post, a comment), not a DM

    def fields(self) -> dict[str, str | None]:
        """The answer variables that come from the customer, each safe to publish or None."""
        handle = safe_handle(self.handle)
        first = first_name(self.name)
        if self.platform not in HANDLE_SHOWN:
            name = first
        elif self.public:
            name = handle
        else:
            name = first or handle
        return {"name": name, "handle": handle}


def safe_handle(handle: str | None) -> str | None:
    """The handle without ``@``, when it is a plain handle; else None."""
    bare = (handle or "").strip().removeprefix("@")
    return bare if _HANDLE.fullmatch(bare) else None


def first_name(name: str | None) -> str | None:
    """The first word of a name made only of plain words; else None."""
    words = (name or "").split()
    if not words or not all(_plain_word(w) for w in words):
        return None
    first = words[0]
    return first if len(first) <= NAME_LIMIT else None


def _plain_word(word: str) -> bool:
    """Letters (with their combining marks), joined inside by a hyphen or an apostrophe."""
    if not _is_letter(word[0]) or not _is_letter(word[-1]):
        return False
    previous = ""
    for char in word:
        if char in _JOINERS:
            if previous in _JOINERS:
                return False
        elif not (_is_letter(char) or unicodedata.category(char).startswith("M")):
            return False
        previous = char
    return True


def _is_letter(char: str) -> bool:
    return unicodedata.category(char) in _LETTERS and char not in _INVISIBLE_LETTERS
