"""Spam and noise: marked and kept, never escalated, left out of response figures.

Conservative on purpose: a customer wrongly marked spam waits for nobody, so only clear
signs count, and each verdict says which. The topic model's spam probability counts alone only
when it is near certain, and otherwise only next to a link or a promotion word.
"""

import re
from dataclasses import dataclass

from socialcare.models.classification import SpamVerdict

LINK = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
MENTION = re.compile(r"@\w+")
MODEL_ALONE = 0.95
MODEL_WITH_SIGN = 0.6
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
    model: float = 0.0  # the topic model's probability that this is spam


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
    if signals.model >= MODEL_ALONE or (signals.model >= MODEL_WITH_SIGN and (links or promo)):
        reasons.append(f"reads like spam (model {signals.model:.2f})")
    return SpamVerdict(is_spam=bool(reasons), reasons=tuple(reasons))
