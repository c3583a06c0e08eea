"""Untrusted text in Slack mrkdwn: shown as written, pinging nobody, linking nowhere, and
never passing for a line of ours.

Slack decodes only three entities (``&amp;``, ``&lt;``, ``&gt;``) and has no escape for its
other marks, so ``escape`` works in four steps:

1. Characters that show as nothing are removed: control characters, Unicode format
   characters (bidi embeddings, overrides and isolates U+202A-202E, U+2066-2069, the
   zero-width space, joiners and marks U+200B-200F, the word joiner U+2060, U+FEFF, tags...)
   and the invisible fillers. A right-to-left override makes "exe.gnp" read "png.exe"; a
   zero-width space hides ``@channel`` from a reader (not from Slack's parser); both lie to
   the agent about what the customer wrote. Line and paragraph separators become line breaks.
2. ``&``, ``<`` and ``>`` are escaped as Slack documents: that disarms ``<!channel>``,
   ``<@U123>`` and disguised links ``<https://evil|bank.com>``.
3. Slack's own patterns are broken with a visible look-alike, never with an invisible
   character: step 1 removes those from the customer's text, and a card that may hold none
   is a card whose every character the agent can see. ``@here``/``@channel``/``@everyone``
   get a fullwidth at sign (＠); the colon opening an emoji code (``:rotating_light:``) is a
   modifier letter colon (꞉, U+A789): Slack matches emoji codes with ASCII colons only, so
   ``꞉rotating_light:`` shows as text; ``*``, ``~`` and a backtick become ∗, ∼ and ˋ, and an
   underscore that could open or close italics (not one inside a word, as in ``john_doe``,
   which Slack never formats) becomes ˍ.
4. Every line break starts a quote line (``\n>``): a caller quotes the first line or puts
   the text inline, and no later line of customer text can look like one of ours (a card's
   "Priority" line, a header). Names and other one-line fields go through ``one_line``, which
   flattens them to a single line first.
"""

import re
import unicodedata

NAME_LIMIT = 80  # a one-line field (a name, a handle): room for any real one

# Letters and marks that draw nothing (Hangul fillers, the combining grapheme joiner).
_INVISIBLE = frozenset("\u034f\u115f\u1160\u3164\uffa0")
# Control, format and lone surrogates. Not unassigned code points: a newer emoji than this
# Python's Unicode tables is one, and it shows.
_HIDDEN = frozenset({"Cc", "Cf", "Cs"})
_LINE_BREAKS = re.compile(r"\r\n?|[\x85\u2028\u2029]")
_MENTIONS = re.compile(r"@(?=(here|channel|everyone)\b)", re.IGNORECASE)
_EMOJI_OPENING = re.compile(r":(?=[a-z0-9_+'-]+:)", re.IGNORECASE)
_MARKS = re.compile(r"[*~`]|(?<![^\W_])_|_(?![^\W_])")  # an underscore next to no letter/digit
_LOOK_ALIKES = {"*": "\u2217", "~": "\u223c", "`": "\u02cb", "_": "\u02cd"}


def visible(text: str) -> str:
    """The text without what draws nothing; tabs as spaces, every line break as ``\\n``."""
    text = _LINE_BREAKS.sub("\n", text).replace("\t", " ")
    return "".join(
        c
        for c in text
        if c == "\n" or (unicodedata.category(c) not in _HIDDEN and c not in _INVISIBLE)
    )


def escape(text: str) -> str:
    """Untrusted text for mrkdwn, as the module says; each line after the first is quoted."""
    escaped = visible(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    escaped = _MENTIONS.sub("\uff20", escaped)
    escaped = _EMOJI_OPENING.sub("\ua789", escaped)
    escaped = _MARKS.sub(lambda mark: _LOOK_ALIKES[mark.group(0)], escaped)
    return escaped.replace("\n", "\n>")


def one_line(text: str, limit: int = NAME_LIMIT) -> str:
    """A name or handle: one line (any run of spaces, tabs and line breaks is one space) of
    at most ``limit`` characters as written (cut before escaping, which may lengthen it: an
    entity is never cut in half)."""
    flat = " ".join(visible(text).split())
    return escape(flat if len(flat) <= limit else flat[: limit - 1] + "…")


def quote(text: str, limit: int) -> str:
    """Untrusted text as a block quote, every line of it, in at most ``limit`` characters;
    empty when there is nothing to show."""
    body = escape(visible(text).strip("\n"))
    if len(body) >= limit:
        # Never inside an entity (``&am`` would show), nor after an empty quote line.
        body = re.sub(r"&[a-z]{0,3}$", "", body[: limit - 2]).rstrip("\n>") + "…"
    return f">{body}" if body else ""


def link(url: str, label: str) -> str:
    """A link we built (a platform's URL) with an escaped label."""
    return f"<{url.replace('>', '%3E').replace('|', '%7C')}|{escape(label)}>"


_SPECIAL = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")


def plain(text: str) -> str:
    """What an agent typed in Slack, as the customer should read it: Slack sends messages
    encoded (``&lt;``, ``<https://x.y|label>``, ``<@U123>``, ``<!here>``); links become
    their address (a label could disguise it), mentions of our workspace disappear."""

    def decode(match: re.Match[str]) -> str:
        target, label = match.group(1), match.group(2)
        if target.startswith(("@", "#", "!")):
            return ""  # a Slack user, channel or broadcast means nothing to the customer
        if target.startswith("mailto:"):
            return target.removeprefix("mailto:")
        return target if target else (label or "")

    decoded = _SPECIAL.sub(decode, text)
    decoded = decoded.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return re.sub(r"[ \t]{2,}", " ", decoded).strip()
