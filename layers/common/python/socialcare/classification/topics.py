"""The topic model: what a message is about, when no brand rule said it first.

Brand rules take precedence (a support lead's phrase is an instruction); the model answers
for the rest. Its best label is kept when it is sure enough; when it is not, the topic is
``other`` and the reason says what it hesitated on, so a report's "top problems" are not
filled with guesses. The model also knows what spam looks like: that probability goes to the
spam judge as one signal among others, never the topic.
"""

from dataclasses import dataclass

from socialcare.classification import features
from socialcare.classification.models import TextModel
from socialcare.models.classification import Topic, TopicGuess

SPAM = "spam"
MIN_CONFIDENCE = 0.4


@dataclass(frozen=True)
class ModelTopic:
    topic: TopicGuess
    spam_probability: float


def guess(text: str, model: TextModel) -> ModelTopic:
    if not features.readable(features.words(text)):
        return ModelTopic(TopicGuess(code=Topic.OTHER, source="model", reason="no words"), 0.0)
    ranked = model.rank(text)
    spam = ranked.probability(SPAM)
    label, probability = next((name, p) for name, p in ranked.labels if name != SPAM)
    if probability < MIN_CONFIDENCE:
        reason = f"model unsure: {label} at {probability:.2f}"
        return ModelTopic(TopicGuess(code=Topic.OTHER, source="model", reason=reason), spam)
    reason = f"model {probability:.2f}"
    return ModelTopic(TopicGuess(code=Topic(label), source="model", reason=reason), spam)
