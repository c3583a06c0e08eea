"""What the classify step found in a message."""

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Topic(StrEnum):
    """The topics a support desk uses everywhere (issue 4); brands name finer intents in rules."""

    ORDER_STATUS = "order_status"
    DELIVERY = "delivery"
    PAYMENT = "payment"
    REFUND_RETURN = "refund_return"
    PRODUCT_DEFECT = "product_defect"
    AVAILABILITY = "availability"
    ACCOUNT_LOGIN = "account_login"
    STORE_EXPERIENCE = "store_experience"
    PRAISE = "praise"
    QUESTION = "question"
    OTHER = "other"


class Sentiment(StrEnum):
    NEGATIVE = "negative"
    NEUTRAL = "neutral"
    POSITIVE = "positive"


class SentimentGuess(BaseModel):
    model_config = ConfigDict(frozen=True)

    label: Sentiment
    score: float = Field(ge=-1.0, le=1.0, description="-1 surely negative .. +1 surely positive")
    confidence: float = Field(ge=0.0, le=1.0, description="the model's probability of the label")


class TopicGuess(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: Topic
    source: str = Field(description="rule (a brand rule matched) or model")
    reason: str = Field(description="which rule and which words, or the model's confidence")
    priority: str | None = Field(default=None, description="the rule's nudge: up or down")


class LanguageGuess(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str = Field(description="ru, en, uk, be, hr, or other")
    score: float = Field(ge=0.0, description="the detector's confidence; comparable within one run")
    reason: str | None = Field(default=None, description="why, when it is not a plain detection")


class Priority(BaseModel):
    model_config = ConfigDict(frozen=True)

    level: str = Field(pattern=r"^P[1-4]$")
    score: int
    reasons: tuple[str, ...] = ()
    # The customer's other conversations with the brand in the 7 days before this one: kept
    # so reports tell returning customers from new ones without another index read.
    earlier_conversations: int = Field(default=0, ge=0)


class SpamVerdict(BaseModel):
    model_config = ConfigDict(frozen=True)

    is_spam: bool
    reasons: tuple[str, ...] = ()


class Suggestion(BaseModel):
    """The prepared answer an agent can send as it is, or edit first."""

    model_config = ConfigDict(frozen=True)

    answer_id: str
    score: float = Field(ge=0.0, le=1.0)
    language: str
    text: str
    missing: tuple[str, ...] = ()  # variables the agent must fill in: [order number]
    reason: str


class Classification(BaseModel):
    """Everything the classify step read in one message; stored with the message."""

    model_config = ConfigDict(frozen=True)

    language: LanguageGuess
    sentiment: SentimentGuess | None = None
    topic: TopicGuess | None = None
    spam: SpamVerdict = SpamVerdict(is_spam=False)
    priority: Priority | None = None
    suggestion: Suggestion | None = None
