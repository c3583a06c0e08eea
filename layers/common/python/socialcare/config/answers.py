"""The answer base: prepared answers per topic (and finer intent), per language, with
variables, in ``<brand>/answers.yaml``. Up to 70 % of requests are standard; the teams that
answer fast keep an answer ready for each."""

import string
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from socialcare.config.files import read_model
from socialcare.models.classification import Topic

ANSWERS_FILE = "answers.yaml"
Language = Literal["ru", "en", "uk", "be", "hr"]
VARIABLES = frozenset({"name", "handle", "order_number"})


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,59}$")
    topic: Topic
    intent: str | None = None  # a finer request within the topic, for people
    phrases: dict[Language | Literal["any"], tuple[str, ...]] = {}  # raise the score when found
    texts: dict[Language, str] = Field(min_length=1)

    @field_validator("texts")
    @classmethod
    def _known_variables(cls, texts: dict[str, str]) -> dict[str, str]:
        for lang, text in texts.items():
            used = {field for _, field, _, _ in string.Formatter().parse(text) if field}
            if unknown := used - VARIABLES:
                raise ValueError(
                    f"{lang}: unknown variables {sorted(unknown)}; known: {sorted(VARIABLES)}"
                )
        return texts


class AnswerBase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    fallback_language: Language = "en"
    threshold: float = Field(default=0.5, ge=0.0, le=1.0)
    answers: tuple[Answer, ...] = ()

    @model_validator(mode="after")
    def _fallback_everywhere(self) -> "AnswerBase":
        for answer in self.answers:
            if self.fallback_language not in answer.texts:
                fallback = self.fallback_language
                raise ValueError(
                    f"answer {answer.id!r} has no text in the fallback language {fallback}"
                )
        return self


def load_answers(brand_dir: Path) -> AnswerBase:
    return read_model(brand_dir / ANSWERS_FILE, AnswerBase, "answer base")
