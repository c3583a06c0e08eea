"""Classify step budgets (issue 4), measured in one run.

- language accuracy on tests/data/language_eval.tsv (messages of 3 words or more), budget 97 %
- sentiment macro-F1 on real evaluation sets never used in training (../shared/data):
  airline tweets (English), budget 0.70; SentiRuEval-2016 (Russian), budget 0.60
- topic macro-F1 and the answer base's hit rate on the held-out part of the project's own
  labelled messages (tests/data/labelled, one in five by hash; never trained on)
- messages a second, one core, for the whole classify step without AWS calls, budget 2,000
- cold start: import the classify function and load its models, against a baseline that
  imports boto3, in fresh interpreters; budget 1.5x
- models and their runtime on disk, budget 20 MB

Run: .venv/bin/python bench/classify.py [--runs 7]
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [
    str(ROOT),
    str(ROOT / "layers" / "common" / "python"),
    str(ROOT / "infra" / "tools"),
    str(ROOT / "bench"),
]
os.environ.update(
    POWERTOOLS_SERVICE_NAME="bench", POWERTOOLS_TRACE_DISABLED="1", AWS_DEFAULT_REGION="eu-west-1"
)

import evalsets  # noqa: E402

from socialcare.classification import language, models, sentiment  # noqa: E402
from socialcare.classification.rules import RuleBook  # noqa: E402
from socialcare.config import load_brands  # noqa: E402
from socialcare.config.rules import BrandRules  # noqa: E402
from socialcare.services.classify import Knowledge, classify_text  # noqa: E402
from socialcare_tools import labelled  # noqa: E402

EVAL = ROOT / "tests" / "data" / "language_eval.tsv"


def eval_rows() -> list[tuple[str, str]]:
    lines = EVAL.read_text(encoding="utf-8").splitlines()
    return [
        (lang, text)
        for lang, _, text in (ln.partition("\t") for ln in lines)
        if lang and not lang.startswith("#")
    ]


def cold(code: str, runs: int) -> float:
    env = os.environ | {
        "PYTHONPATH": f"{ROOT}:{ROOT / 'layers/common/python'}:{ROOT / 'infra/tools'}"
    }

    def once(snippet: str) -> float:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", snippet], check=True, env=env, cwd=ROOT)
        return time.perf_counter() - start

    once(code)
    empty = statistics.median(once("pass") for _ in range(runs))
    return statistics.median(once(code) for _ in range(runs)) - empty


def size_mb(path: Path, only: tuple[str, ...] = ()) -> float:
    files = [
        p for p in path.rglob("*") if p.is_file() and (not only or any(o in str(p) for o in only))
    ]
    return sum(p.stat().st_size for p in files) / 1e6


def quality(loaded: models.Models, shared: Path) -> None:
    if not (shared / "airline_sentiment_en").is_dir():
        print(
            f"sentiment macro-F1: no evaluation sets in {shared} (they are not in the repository)"
        )
        sets = []
    else:
        sets = [
            ("airline tweets (en)", list(evalsets.airline(shared)), 0.70),
            ("SentiRuEval-2016 (ru)", list(evalsets.sentirueval(shared)), 0.60),
        ]
    for name, rows, budget in sets:
        gold = [label for _, label in rows]
        predicted = [sentiment.judge(text, loaded.sentiment).label.value for text, _ in rows]
        f1, per_class = evalsets.macro_f1(gold, predicted)
        detail = ", ".join(f"{label} {value:.2f}" for label, value in per_class.items())
        print(
            f"sentiment macro-F1, {name}, {len(rows)} messages: {f1:.3f}"
            f" (budget {budget:.2f}; {detail})"
        )

    _, held_out = labelled.split(labelled.own_messages())
    acme = Knowledge.of(load_brands(ROOT / "layers" / "config" / "brands").brands["acme"])
    no_rules = Knowledge(rules=RuleBook(BrandRules()), answers=acme.answers)
    for tag, brand in (("model only", no_rules), ("model + acme rules", acme)):
        f1, _ = evalsets.macro_f1(*_topics(held_out, brand, loaded))
        print(f"topic macro-F1 ({tag}), {len(held_out)} held-out own messages: {f1:.3f}")
    for code in sorted({row.language for row in held_out}):
        rows = [row for row in held_out if row.language == code]
        topic_f1, _ = evalsets.macro_f1(*_topics(rows, no_rules, loaded))
        feelings = [sentiment.judge(row.text, loaded.sentiment).label.value for row in rows]
        sentiment_f1, _ = evalsets.macro_f1([str(row.sentiment) for row in rows], feelings)
        print(
            f"    {code}: {len(rows)} messages, topic macro-F1 {topic_f1:.2f},"
            f" sentiment macro-F1 {sentiment_f1:.2f}"
        )
    gold, found = _topics(held_out, no_rules, loaded)
    spam = sum(g == "spam" for g in gold)
    caught = sum(g == f == "spam" for g, f in zip(gold, found, strict=True))
    wrongly = sum(f == "spam" != g for g, f in zip(gold, found, strict=True))
    print(
        f"spam: {caught} of {spam} held-out spam messages marked;"
        f" {wrongly} of {len(gold) - spam} real messages wrongly marked"
    )
    answer_base_hits(held_out, acme, loaded)


def _topics(
    rows: list[labelled.Labelled], brand: Knowledge, loaded: models.Models
) -> tuple[list[str], list[str]]:
    """Gold and found topics; a message marked spam counts as the topic ``spam``."""
    found = [classify_text(row.text, brand, models=loaded) for row in rows]
    return [str(row.topic) for row in rows], [
        "spam" if f.spam.is_spam else str(f.topic.code if f.topic else "other") for f in found
    ]


def answer_base_hits(
    held_out: list[labelled.Labelled], brand: Knowledge, loaded: models.Models
) -> None:
    topic_of = {answer.id: str(answer.topic) for answer in brand.answers.answers}
    wanted = [row for row in held_out if row.topic in set(topic_of.values())]
    suggested = [classify_text(row.text, brand, models=loaded).suggestion for row in wanted]
    right = sum(
        s is not None and topic_of[s.answer_id] == row.topic
        for row, s in zip(wanted, suggested, strict=True)
    )
    wrong = sum(s is not None for s in suggested) - right
    print(
        f"answer base (acme): of {len(wanted)} held-out messages on a topic it answers,"
        f" {100 * right / len(wanted):.0f} % got the right answer,"
        f" {100 * wrong / len(wanted):.0f} % a wrong one"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--shared", type=Path, default=evalsets.SHARED, help="../shared/data")
    args = parser.parse_args()

    rows = [(lang, text) for lang, text in eval_rows() if len(text.split()) >= 3]
    right = sum(language.detect(text).code == lang for lang, text in rows)
    accuracy = 100 * right / len(rows)
    print(f"language accuracy, {len(rows)} messages of 3+ words: {accuracy:.1f} % (budget 97 %)")
    for code in (*language.SUPPORTED, language.OTHER):
        subset = [(lang, text) for lang, text in rows if lang == code]
        hits = sum(language.detect(text).code == lang for lang, text in subset)
        print(f"    {code:<6} {hits}/{len(subset)}")

    quality(models.shipped(), args.shared)

    texts = [text for _, text in eval_rows()] * 20
    start = time.perf_counter()
    for text in texts:
        classify_text(text)
    rate = len(texts) / (time.perf_counter() - start)
    print(f"classify step without AWS: {rate:,.0f} messages a second on one core (budget 2,000)")

    baseline = cold("import boto3", args.runs)
    function = cold(
        "import functions.classify_message.app as a; a.language.load(); a.models.shipped()",
        args.runs,
    )
    print(
        f"cold start: classify function + model {function * 1000:.0f} ms,"
        f" import boto3 {baseline * 1000:.0f} ms: {function / baseline:.2f}x (budget 1.5x)"
    )
    # The floor: the libraries the function must use (boto3, Powertools logging, metrics and
    # batch processing, pydantic), imported with none of socialcare's code or models.
    floor = cold(
        "import boto3, pydantic; from aws_lambda_powertools import Logger, Metrics;"
        " from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor",
        args.runs,
    )
    print(
        f"    floor (boto3 + Powertools logger, metrics, batch + pydantic, nothing of ours):"
        f" {floor * 1000:.0f} ms, {floor / baseline:.2f}x; socialcare's code and models add"
        f" {(function - floor) * 1000:.0f} ms"
    )

    built = ROOT / ".aws-sam" / "build" / "DepsLayer" / "python"
    runtimes = [built / name for name in ("eld", "snowballstemmer", "fasttext")]
    runtimes += list(built.glob("fasttext_pybind*"))
    ours = [models.MODELS, Path(sentiment.__file__).parent / "lexicon"]
    if all(p.exists() for p in runtimes):
        total = sum(size_mb(p) if p.is_dir() else p.stat().st_size / 1e6 for p in runtimes)
        total += sum(size_mb(p) for p in ours)
        print(
            "models and runtime (eld, snowballstemmer, fasttext-predict in the built deps layer;"
            f" sentiment and topic models, lexicon): {total:.1f} MB (budget 20 MB)"
        )
    else:
        print("models and their runtime: run `make build` first (measures the built deps layer)")


if __name__ == "__main__":
    main()
