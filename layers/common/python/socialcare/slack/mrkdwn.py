"""Untrusted text in Slack mrkdwn: shown as written, pinging nobody, linking nowhere.

``&``, ``<`` and ``>`` are escaped as Slack documents, which disarms ``<!channel>``,
``<@U123>`` and disguised links ``<https://evil|bank.com>``; a zero-width joiner after ``@``
keeps ``@here`` and ``@channel`` plain words in clients that still link names; and one after
each formatting mark keeps ``*bold*``, ``_italic_``, ``~strike~`` and code spans literal.
"""

import re

_JOINER = "\u2060"  # word joiner: invisible, breaks Slack's pattern matching
_MARKS = re.compile(r"([*_~`])")
_MENTIONS = re.compile(r"@(?=(here|channel|everyone)\b)", re.IGNORECASE)


def escape(text: str) -> str:
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    escaped = _MENTIONS.sub("@" + _JOINER, escaped)
    return _MARKS.sub(r"\1" + _JOINER, escaped)


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
