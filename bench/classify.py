"""Classify step budgets (issue 4), measured in one run. So far: language.

- language accuracy on tests/data/language_eval.tsv (messages of 3 words or more), budget 97 %
- messages a second, one core, for the whole classify step without AWS calls, budget 2,000
- cold start: import the classify function and load its models, against a baseline that
  imports boto3, in fresh interpreters; budget 1.5x
- models and their runtime on disk, budget 20 MB
Sentiment and topic (macro-F1 on ../shared/data) arrive with their models.

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
sys.path[:0] = [str(ROOT), str(ROOT / "layers" / "common" / "python")]
os.environ.update(
    POWERTOOLS_SERVICE_NAME="bench", POWERTOOLS_TRACE_DISABLED="1", AWS_DEFAULT_REGION="eu-west-1"
)

from socialcare.classification import language  # noqa: E402
from socialcare.services.classify import classify_text  # noqa: E402

EVAL = ROOT / "tests" / "data" / "language_eval.tsv"


def eval_rows() -> list[tuple[str, str]]:
    lines = EVAL.read_text(encoding="utf-8").splitlines()
    return [
        (lang, text)
        for lang, _, text in (ln.partition("\t") for ln in lines)
        if lang and not lang.startswith("#")
    ]


def cold(code: str, runs: int) -> float:
    env = os.environ | {"PYTHONPATH": f"{ROOT}:{ROOT / 'layers/common/python'}"}

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    rows = [(lang, text) for lang, text in eval_rows() if len(text.split()) >= 3]
    right = sum(language.detect(text).code == lang for lang, text in rows)
    accuracy = 100 * right / len(rows)
    print(f"language accuracy, {len(rows)} messages of 3+ words: {accuracy:.1f} % (budget 97 %)")
    for code in (*language.SUPPORTED, language.OTHER):
        subset = [(lang, text) for lang, text in rows if lang == code]
        hits = sum(language.detect(text).code == lang for lang, text in subset)
        print(f"    {code:<6} {hits}/{len(subset)}")

    texts = [text for _, text in eval_rows()] * 20
    start = time.perf_counter()
    for text in texts:
        classify_text(text)
    rate = len(texts) / (time.perf_counter() - start)
    print(f"classify step without AWS: {rate:,.0f} messages a second on one core (budget 2,000)")

    baseline = cold("import boto3", args.runs)
    function = cold("import functions.classify_message.app as a; a.language.load()", args.runs)
    print(
        f"cold start: classify function + model {function * 1000:.0f} ms,"
        f" import boto3 {baseline * 1000:.0f} ms: {function / baseline:.2f}x (budget 1.5x)"
    )

    built = ROOT / ".aws-sam" / "build" / "DepsLayer" / "python"
    shipped = [built / name for name in ("eld", "snowballstemmer")]
    if all(p.exists() for p in shipped):
        total = sum(size_mb(p) for p in shipped)
        print(
            f"models and runtime in the built deps layer (eld, snowballstemmer): {total:.1f} MB"
            " (budget 20 MB)"
        )
    else:
        print("models and their runtime: run `make build` first (measures the built deps layer)")
    print("sentiment and topic macro-F1: not built yet")


if __name__ == "__main__":
    main()
