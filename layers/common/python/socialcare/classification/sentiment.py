"""Sentiment: negative, neutral or positive, with a score an agent and a report can use.

The score is the model's probability of positive minus its probability of negative, from -1
(surely negative) to +1 (surely positive); the confidence is the probability of the label
given. A message with nothing to read (empty, only a link, a number or punctuation) is neutral
without asking the model.
"""

from socialcare.classification import features
from socialcare.classification.models import TextModel
from socialcare.models.classification import Sentiment, SentimentGuess


def judge(text: str, model: TextModel) -> SentimentGuess:
    if not features.readable(features.words(text)):
        return SentimentGuess(label=Sentiment.NEUTRAL, score=0.0, confidence=1.0)
    ranked = model.rank(text)
    label, confidence = ranked.best
    polarity = ranked.probability("positive") - ranked.probability("negative")
    return SentimentGuess(
        label=Sentiment(label), score=round(polarity, 3), confidence=round(confidence, 3)
    )
