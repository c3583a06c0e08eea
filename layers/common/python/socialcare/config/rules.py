"""Brand rules: the phrases a support lead already thinks in ("доставка" -> delivery, priority
up), per language, in ``<brand>/rules.yaml``. Matched on word stems, so Russian inflection
works (доставка, доставку, доставкой). Rules come before the model: the first rule that
matches, in file order, decides the topic.
"""

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from socialcare.config.files import read_model
from socialcare.models.classification import Topic

RULES_FILE = "rules.yaml"
RuleLanguage = Literal["ru", "en", "uk", "be", "hr", "any"]


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    topic: Topic
    priority: Literal["up", "down"] | None = None
    phrases: dict[RuleLanguage, tuple[str, ...]] = Field(min_length=1)

    @field_validator("phrases")
    @classmethod
    def _not_blank(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        for lang, phrases in value.items():
            if not phrases or any(not p.strip() for p in phrases):
                raise ValueError(f"{lang}: phrases must be non-empty text")
        return value


class BrandRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    rules: tuple[Rule, ...] = ()


def load_rules(brand_dir: Path) -> BrandRules:
    return read_model(brand_dir / RULES_FILE, BrandRules, "rules")
