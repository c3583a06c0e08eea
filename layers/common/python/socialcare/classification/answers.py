"""The best prepared answer for a message, in the customer's language, variables filled.

Score: 0.6 when the answer is for the message's topic, plus 0.4 when one of the answer's
own phrases is in the message (matched on stems, as brand rules are). The best answer at or
above the brand's threshold is suggested; below it, nothing (a wrong suggestion costs an
agent more than none).

What the customer controls (name, handle) is filled in only as ``addressing`` makes it safe;
when nothing safe is left, the greeting goes neutral: the variable leaves with the comma or
space that joined it ("Hi {name}, we're" -> "Hi, we're"; "{name}, sorry" -> "Sorry").
"""

import re
from string import Formatter

from socialcare.classification.addressing import Addressee
from socialcare.classification.stems import phrase_stems, same_word, stems
from socialcare.config.answers import AnswerBase
from socialcare.models.classification import Suggestion, TopicGuess

TOPIC_WEIGHT, PHRASE_WEIGHT = 0.6, 0.4
ORDER_NUMBER = re.compile(r"(?:#|№|no\.?\s*|nr\.?\s*)?\b(\d{4,12})\b", re.IGNORECASE)
PLACEHOLDER = {"order_number": "[order number]"}  # a fact the agent must find and fill in
ADDRESSING = ("name", "handle")  # from the customer: left out when not safe to say


def _has_phrase(words_in: dict[str, list[str]], phrases: dict[str, tuple[str, ...]]) -> str | None:
    """``words_in``: the message's stems in its language and neutrally ("any")."""
    for lang, words in words_in.items():
        for phrase in phrases.get(lang, ()):
            wanted = phrase_stems(phrase, lang)
            if wanted and any(
                all(same_word(words[i + j], wanted[j]) for j in range(len(wanted)))
                for i in range(len(words) - len(wanted) + 1)
            ):
                return phrase
    return None


def _without(template: str, variable: str) -> str:
    """The template with ``{variable}`` left out, and the comma or space that joined it: the
    one before it or, at the start of the text, the one after it (then a capital first)."""
    field = "@?" + re.escape("{" + variable + "}")
    opening = re.match(rf"\s*{field}[,\s]*", template)
    rest = template[opening.end() :] if opening else template
    rest = re.sub(rf"(?:,\s*|\s+)?{field}", "", rest)
    rest = re.sub(r"\s*\(\s*\)", "", rest)  # "({handle})" leaves no "()" behind
    return rest[:1].upper() + rest[1:] if opening else rest


def suggest(
    base: AnswerBase,
    text: str,
    language: str,
    topic: TopicGuess | None,
    customer: Addressee,
) -> Suggestion | None:
    best: tuple[float, int, str | None] | None = None
    # The message is stemmed once for all the answers it is checked against.
    words_in = {lang: stems(text, lang) for lang in dict.fromkeys((language, "any"))}
    for index, answer in enumerate(base.answers):
        on_topic = topic is not None and answer.topic == topic.code
        phrase = _has_phrase(words_in, {str(k): v for k, v in answer.phrases.items()})
        score = TOPIC_WEIGHT * on_topic + PHRASE_WEIGHT * (phrase is not None)
        if score >= base.threshold and score > 0 and (best is None or score > best[0]):
            best = (score, index, phrase)
    if best is None:
        return None
    score, index, phrase = best
    answer = base.answers[index]
    in_language = language if language in answer.texts else base.fallback_language
    order = ORDER_NUMBER.search(text)
    values = customer.fields() | {"order_number": order and order.group(1)}
    template = answer.texts[in_language]
    wanted = {field for _, field, _, _ in Formatter().parse(template) if field}
    missing = sorted(v for v in wanted if v in PLACEHOLDER and not values.get(v))
    for variable in ADDRESSING:
        if not values.get(variable):
            template = _without(template, variable)
    filled = template.format(**{k: values.get(k) or PLACEHOLDER.get(k, "") for k in values})
    why = [f"topic {answer.topic}"] if topic is not None and answer.topic == topic.code else []
    if phrase:
        why.append(f"phrase '{phrase}'")
    if in_language != language:
        why.append(f"no {language} text: {in_language}")
    return Suggestion(
        answer_id=answer.id,
        score=round(score, 2),
        language=in_language,
        text=filled,
        missing=tuple(missing),
        reason=", ".join(why),
    )
