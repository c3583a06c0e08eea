"""What the classify step found in a message."""

from pydantic import BaseModel, ConfigDict, Field


class LanguageGuess(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str = Field(description="ru, en, uk, be, hr, or other")
    score: float = Field(ge=0.0, description="the detector's confidence; comparable within one run")
    reason: str | None = Field(default=None, description="why, when it is not a plain detection")


class Classification(BaseModel):
    """Grows with issue 4: sentiment, topic, priority, spam and the suggested answer join it."""

    model_config = ConfigDict(frozen=True)

    language: LanguageGuess
