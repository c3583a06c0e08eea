"""Spam and noise: marked and kept, never escalated, left out of response figures.

Conservative on purpose: a customer wrongly marked spam waits for nobody, so only clear
signs count, and each verdict says which. The topic model's spam probability counts alone only
when it is near certain, and otherwise only next to a link or a promotion word. The same text
arriving again and again (a copy-paste campaign, a bot) counts only with a link, a promotion
word or several mentions: many real customers write "where is my order?" the same day.
"""

import hashlib
import re
from dataclasses import dataclass

from socialcare.classification import features
from socialcare.models.classification import SpamVerdict

LINK = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
MENTION = re.compile(r"@\w+")
CAMPAIGN_COPIES = 3  # the same promotional text in this many messages of a brand in a day
MIN_CAMPAIGN_WORDS = 4
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
    copies: int = 0  # messages to the brand today with this text (see campaign_key)
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
    if signals.copies >= CAMPAIGN_COPIES and (links or promo or mentions >= 2):
        reasons.append(f"the same text in {signals.copies} messages today")
    if signals.model >= MODEL_ALONE or (signals.model >= MODEL_WITH_SIGN and (links or promo)):
        reasons.append(f"reads like spam (model {signals.model:.2f})")
    return SpamVerdict(is_spam=bool(reasons), reasons=tuple(reasons))


def campaign_key(text: str) -> str | None:
    """A digest of the text's words, links, mentions and numbers left out (campaigns vary
    them), for texts that could be a campaign at all: promotional, several words."""
    if not (LINK.search(text) or PROMO.search(text) or len(MENTION.findall(text)) >= 2):
        return None
    words = [w for w in features.words(text) if w not in features.PLACEHOLDERS]
    if len(words) < MIN_CAMPAIGN_WORDS:
        return None
    return hashlib.sha256(" ".join(words).encode()).hexdigest()[:32]
