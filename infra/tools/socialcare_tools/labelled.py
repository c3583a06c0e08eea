"""The project's own labelled messages and the licensed public sets the models learn from.

Own messages (tests/data/labelled/messages_<lang>[_<kind>].tsv, written for socialcare) are
split once and for all by a hash of their text: one in five is held out for evaluation and
never trains a model, so the split does not move when lines are added or reordered.

Public sets read at training time from the data folder beside the checkout (``shared/data``;
never committed): Bitext customer support (CDLA-Sharing-1.0; models trained on it are
"Results" without obligations) and CEDR (Apache-2.0). The evaluation-only sets (airline
tweets, SentiRuEval-2016, RuSentiment) are read by bench/classify.py alone.
"""

import csv
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

LABELLED = Path(__file__).resolve().parents[3] / "tests" / "data" / "labelled"
SENTIMENTS = ("negative", "neutral", "positive")
HOLD_OUT_ONE_IN = 5


@dataclass(frozen=True)
class Labelled:
    language: str
    text: str
    topic: str | None = None
    sentiment: str | None = None
    source: str = "own"


def held_out(text: str) -> bool:
    digest = hashlib.sha256(" ".join(text.lower().split()).encode()).digest()
    return digest[0] % HOLD_OUT_ONE_IN == 0


def own_messages(folder: Path = LABELLED) -> list[Labelled]:
    rows = []
    for path in sorted(folder.glob("messages_*.tsv")):
        language = path.stem.split("_")[1]  # messages_<lang>[_<kind>].tsv
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            topic, sentiment, text = line.split("\t")
            rows.append(Labelled(language, text, topic, sentiment))
    return rows


def split(rows: list[Labelled]) -> tuple[list[Labelled], list[Labelled]]:
    train = [r for r in rows if not held_out(r.text)]
    test = [r for r in rows if held_out(r.text)]
    return train, test


# Bitext intents -> the desk's topics. Intents that name no topic of ours are left out of
# topic training (they still teach the sentiment model what a neutral request looks like).
BITEXT_TOPICS = {
    "track_order": "order_status",
    "cancel_order": "order_status",
    "change_order": "order_status",
    "delivery_options": "delivery",
    "delivery_period": "delivery",
    "change_shipping_address": "delivery",
    "set_up_shipping_address": "delivery",
    "check_payment_methods": "payment",
    "payment_issue": "payment",
    "check_invoice": "payment",
    "get_invoice": "payment",
    "get_refund": "refund_return",
    "track_refund": "refund_return",
    "check_refund_policy": "refund_return",
    "create_account": "account_login",
    "delete_account": "account_login",
    "edit_account": "account_login",
    "recover_password": "account_login",
    "registration_problems": "account_login",
    "switch_account": "account_login",
    "contact_customer_service": "question",
    "contact_human_agent": "question",
    "newsletter_subscription": "question",
    "check_cancellation_fee": "question",
}
BITEXT = "bitext_customer_support_en/Bitext_Sample_Customer_Support_Training_Dataset.csv"


def bitext(shared: Path) -> Iterator[Labelled]:
    with (shared / BITEXT).open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            intent = row["intent"]
            yield Labelled(
                "en",
                row["instruction"],
                topic=BITEXT_TOPICS.get(intent),
                sentiment="negative" if intent == "complaint" else "neutral",
                source="bitext",
            )


# CEDR emotions -> sentiment: joy is positive; sadness, fear and anger are negative; no
# emotion is neutral; surprise alone, or joy mixed with a negative emotion, says nothing sure.
JOY, SADNESS, SURPRISE, FEAR, ANGER = range(5)


def cedr(shared: Path) -> Iterator[Labelled]:
    for name in ("cedr-main-train.csv", "cedr-main-test.csv"):
        with (shared / "cedr_ru" / name).open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                emotions = {int(n) for n in row["labels"].strip("[]").split()}  # "[1 4]"
                negative = bool(emotions & {SADNESS, FEAR, ANGER})
                if not emotions:
                    sentiment = "neutral"
                elif emotions == {JOY}:
                    sentiment = "positive"
                elif negative and JOY not in emotions:
                    sentiment = "negative"
                else:
                    continue
                yield Labelled(
                    "ru", row["text"], sentiment=sentiment, source=f"cedr-{row['source']}"
                )
