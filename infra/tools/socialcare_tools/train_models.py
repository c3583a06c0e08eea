"""Train the sentiment and topic models: ``make models``.

Runs in its own environment (.venv-train, with the fastText trainer, which the Lambda layer
does not carry: the functions only predict, with fasttext-predict). Reads the project's own
labelled messages (their training part; the held-out part is for bench/classify.py) and the
public sets whose licences allow training (socialcare_tools.labelled), prepares every text
with socialcare.classification.features (the function prediction uses), trains one
thread with a fixed seed so a run is reproducible, quantises, and writes the models with
models.json: checksums, labels, what each was trained on and how, and a fingerprint of the
feature code and lexicon the models expect.

Run: .venv-train/bin/python -m socialcare_tools.train_models [--shared DATA_DIR]
(the data folder defaults to shared/data beside the checkout)
"""

import argparse
import hashlib
import json
import random
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from socialcare.classification import features, models
from socialcare_tools import labelled
from socialcare_tools.labelled import Labelled

SEED = 7
# Own messages are few next to the public sets but are the only social-media text in five
# languages: each is seen this many times per epoch.
OWN_WEIGHT = 3
BITEXT_NEUTRAL_SAMPLE = 600  # requests without emotion; more would drown the complaints
BITEXT_PER_TOPIC = 120
COMMON = {"dim": 50, "wordNgrams": 2, "bucket": 200_000, "loss": "softmax"}
# Sentiment reads whole words and the lexicon's marks: character n-grams made it learn the
# look of its training texts rather than their tone (held-out F1 dropped). Topics need them
# for inflection ("доставка", "доставку", "доставкой") and typos.
PARAMS: dict[str, dict[str, Any]] = {
    "sentiment": COMMON | {"epoch": 25, "lr": 0.3, "minn": 0, "maxn": 0},
    "topic": COMMON | {"epoch": 40, "lr": 0.5, "minn": 2, "maxn": 4},
}
# cutoff 30,000 rows: 1.2 MB a model and as good as 100,000 (4 MB) on the evaluation sets;
# a 20,000 model read "worst service ever" as positive.
QUANTISE = {"cutoff": 30_000, "retrain": True, "qnorm": True, "dsub": 2}


def sentiment_corpus(shared: Path, own: list[Labelled]) -> list[Labelled]:
    rng = random.Random(SEED)  # noqa: S311 - a reproducible shuffle, not a secret
    public = list(labelled.bitext(shared))
    neutral = [r for r in public if r.sentiment == "neutral"]
    rng.shuffle(neutral)
    rows = [r for r in public if r.sentiment == "negative"] + neutral[:BITEXT_NEUTRAL_SAMPLE]
    rows += labelled.cedr(shared)
    rows += lexicon_entries()
    return balanced(rows + [r for r in own if r.sentiment] * OWN_WEIGHT, "sentiment")


def lexicon_entries() -> list[Labelled]:
    """Each lexicon word as a one-word example: words that few labelled messages use
    ("worst" is in three) still get a weight of their own, next to their mark."""
    polarity, _ = features.lexicon()
    return [
        Labelled(
            "any", word, sentiment="negative" if sign == "neg" else "positive", source="lexicon"
        )
        for word, sign in sorted(polarity.items())
    ]


def balanced(rows: list[Labelled], label: str) -> list[Labelled]:
    """Every class as often as the largest: the model's prior should not be the training
    sets' (mostly complaints), and the budgets are macro-F1, where every class counts."""
    by_label: dict[str, list[Labelled]] = {}
    for row in rows:
        by_label.setdefault(str(getattr(row, label)), []).append(row)
    largest = max(len(group) for group in by_label.values())
    out = []
    for _, group in sorted(by_label.items()):
        out += group * (largest // len(group)) + group[: largest % len(group)]
    return out


def topic_corpus(shared: Path, own: list[Labelled]) -> list[Labelled]:
    rng = random.Random(SEED)  # noqa: S311 - a reproducible shuffle, not a secret
    by_topic: dict[str, list[Labelled]] = {}
    for row in labelled.bitext(shared):
        if row.topic:
            by_topic.setdefault(row.topic, []).append(row)
    rows = []
    for topic in sorted(by_topic):
        rng.shuffle(by_topic[topic])
        rows += by_topic[topic][:BITEXT_PER_TOPIC]
    return rows + [r for r in own if r.topic] * OWN_WEIGHT


def train(name: str, rows: list[Labelled], label: str, out: Path) -> dict[str, Any]:
    import fasttext  # noqa: PLC0415 - the trainer lives in .venv-train only

    shuffler = random.Random(SEED)  # noqa: S311 - a reproducible shuffle, not a secret
    shuffler.shuffle(rows)  # SGD on rows grouped by class would learn the last class best
    with tempfile.TemporaryDirectory() as scratch:
        corpus = Path(scratch) / f"{name}.txt"
        corpus.write_text(
            "".join(f"__label__{getattr(r, label)} {features.tokens(r.text)}\n" for r in rows),
            encoding="utf-8",
        )
        model = fasttext.train_supervised(
            str(corpus), thread=1, seed=SEED, verbose=0, **PARAMS[name]
        )
        model.quantize(input=str(corpus), thread=1, verbose=0, **QUANTISE)
        target = out / f"{name}.ftz"
        model.save_model(str(target))
    data = target.read_bytes()
    return {
        "file": target.name,
        "sha256": hashlib.sha256(data).hexdigest(),
        "bytes": len(data),
        "labels": sorted(label.removeprefix("__label__") for label in model.get_labels()),
        "trained_on": dict(sorted(Counter(r.source for r in rows).items())),
        "params": PARAMS[name] | {"quantise": QUANTISE, "seed": SEED},
    }


def main(argv: list[str] | None = None) -> None:
    root = Path(__file__).resolve().parents[3]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=root.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=models.MODELS)
    args = parser.parse_args(argv)

    own_train, own_held_out = labelled.split(labelled.own_messages())
    manifest: dict[str, Any] = {
        "about": "Trained by `make models` (socialcare_tools.train_models); do not edit.",
        "features": models.feature_fingerprint(),
        "own_messages": {"train": len(own_train), "held_out": len(own_held_out)},
        "licences": {
            "own": "socialcare's own labelled messages (tests/data/labelled), Apache-2.0",
            "bitext": "Bitext customer support sample, CDLA-Sharing-1.0 (models are Results)",
            "cedr": "CEDR (Sboev et al. 2021), Apache-2.0",
            "lexicon": "socialcare's sentiment lexicon (classification/lexicon), Apache-2.0",
        },
        "models": {
            "sentiment": train(
                "sentiment", sentiment_corpus(args.shared, own_train), "sentiment", args.out
            ),
            "topic": train("topic", topic_corpus(args.shared, own_train), "topic", args.out),
        },
    }
    (args.out / models.MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    for name, entry in manifest["models"].items():
        print(f"{name}: {entry['bytes'] / 1e6:.2f} MB, {entry['trained_on']}", file=sys.stderr)


if __name__ == "__main__":
    main()
