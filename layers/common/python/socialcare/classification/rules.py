"""Matching brand rules against a message, on stems, in the message's language."""

from socialcare.classification.stems import same_word, stems
from socialcare.config.rules import BrandRules, Rule
from socialcare.models.classification import TopicGuess

ANY = "any"  # phrases for every language (brand names, product codes): stemmed neutrally

Phrase = tuple[Rule, str, tuple[str, ...]]  # rule, the phrase as written, its stems


class RuleBook:
    """A brand's rules, stemmed once per cold start."""

    def __init__(self, rules: BrandRules) -> None:
        self._phrases: list[tuple[int, str, Phrase]] = []
        for order, rule in enumerate(rules.rules):
            for language, phrases in rule.phrases.items():
                for text in phrases:
                    self._phrases.append(
                        (order, language, (rule, text, tuple(stems(text, language))))
                    )

    def match(self, text: str, language: str) -> TopicGuess | None:
        """The first rule (in file order) with a phrase in the message, or None."""
        words = {language: stems(text, language), ANY: stems(text, ANY)}
        hits = [
            (order, phrase)
            for order, phrase_language, phrase in self._phrases
            if phrase_language in words and _contains(words[phrase_language], phrase[2])
        ]
        if not hits:
            return None
        rule, written, _ = min(hits, key=lambda hit: hit[0])[1]
        return TopicGuess(
            code=rule.topic,
            source="rule",
            reason=f"rule '{rule.name}' matched '{written}'",
            priority=rule.priority,
        )


def _contains(words: list[str], phrase: tuple[str, ...]) -> bool:
    if not phrase:
        return False
    return any(
        all(same_word(words[start + i], phrase[i]) for i in range(len(phrase)))
        for start in range(len(words) - len(phrase) + 1)
    )
