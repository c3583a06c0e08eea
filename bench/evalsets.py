"""Readers for the evaluation-only sets in ../shared/data: they never train a model and are
never copied into the repository (their licences allow evaluation, not redistribution).

- airline_sentiment_en: real customers' tweets to six US airlines (CC BY-NC-SA 4.0)
- sentirueval2016_ru: gold tweets about Russian banks and telecom operators (cite the paper)

A SentiRuEval tweet is labelled per company it mentions; tweets whose companies disagree
(a few dozen) have no single sentiment and are left out, as the data's README counts them.
"""

import csv
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
POLARITY = {"-1": "negative", "0": "neutral", "1": "positive"}


def airline(shared: Path = SHARED) -> Iterator[tuple[str, str]]:
    with (shared / "airline_sentiment_en" / "Tweets.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            yield row["text"], row["airline_sentiment"]


def sentirueval(shared: Path = SHARED) -> Iterator[tuple[str, str]]:
    for name in ("banks_test_etalon.xml", "tkk_test_etalon.xml"):
        root = ET.parse(shared / "sentirueval2016_ru" / name).getroot()
        for table in root.iter("table"):
            columns = {c.get("name"): (c.text or "").strip() for c in table.iter("column")}
            text = columns.pop("text", "")
            for key in ("id", "twitid", "date"):
                columns.pop(key, None)
            labels = {v for v in columns.values() if v and v != "NULL"}
            if text and len(labels) == 1 and (label := labels.pop()) in POLARITY:
                yield text, POLARITY[label]


def macro_f1(gold: list[str], predicted: list[str]) -> tuple[float, dict[str, float]]:
    per_class = {}
    for label in sorted(set(gold)):
        tp = sum(g == p == label for g, p in zip(gold, predicted, strict=True))
        fp = sum(p == label != g for g, p in zip(gold, predicted, strict=True))
        fn = sum(g == label != p for g, p in zip(gold, predicted, strict=True))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        per_class[label] = (
            2 * precision * recall / (precision + recall) if precision + recall else 0.0
        )
    return sum(per_class.values()) / len(per_class), per_class
