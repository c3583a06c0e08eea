"""Spam and noise: marked and kept, never escalated, left out of response figures.

Conservative on purpose: a customer wrongly marked spam waits for nobody, so only clear
signs count, and each verdict says which.
"""

import re
from dataclasses import dataclass

from socialcare.models.classification import SpamVerdict

LINK = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
MENTION = re.compile(r"@\w+")
PROMO = re.compile(
    r"\b(giveaway|free iphone|win a|click here|crypto|bitcoin|casino|earn \$|make money|"
    r"розыгрыш|выиграй|бесплатно получи|заработок|казино|ставки|крипт\w*|"
    r"розіграш|виграй|заробіток|nagradna igra|osvoji|zarada)",
    re.IGNORECASE | re.UNICODE,
)


@dataclass(frozen=True)
class SpamSignals:
    text: str
    same_text_as_last: bool = False  # the customer sent exactly this before


def judge(signals: SpamSignals) -> SpamVerdict:
    text = signals.text
    reasons: list[str] = []
    links, mentions = len(LINK.findall(text)), len(MENTION.findall(text))
    promo = PROMO.search(text)
    if links >= 3:
        reasons.append(f"{links} links")
    if promo and links:
        reasons.append(f"promotion ('{promo.group(0)}') with a link")
    if mentions >= 5:
        reasons.append(f"{mentions} accounts mentioned")
    if signals.same_text_as_last and (links or promo):
        reasons.append("the same promotional text again")
    return SpamVerdict(is_spam=bool(reasons), reasons=tuple(reasons))
