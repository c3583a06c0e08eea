"""The benchmark scripts still run (a signature change once broke one unnoticed). Tiny
parameters, no timing asserted: the figures belong in bench/RESULTS.md, not in tests."""

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    ("script", "arguments", "expected"),
    [
        (
            "bench/ingest.py",
            ["--runs", "1", "--messages", "5"],
            [
                "(a) cold import",
                "(b) in-process",
                "(c) AWS calls",
                "mention (XAA)",
                "new Telegram message",
            ],
        ),
        ("bench/local_stack.py", ["--messages", "20", "--clients", "2"], ["no message lost"]),
        (
            "bench/deadlines.py",
            ["--clocks", "3", "--spread", "1", "--conversations", "10"],
            [
                "one clock alone (baseline)",
                "3 concurrent clocks",
                "all due in the same second",
                "state transitions per conversation",
            ],
        ),
        (
            "bench/slack.py",
            ["--conversations", "2"],
            ["ack of an agent's message", "cold start", "event -> X stand-in", "2/2"],
        ),
        (
            "bench/reports.py",
            ["--sizes", "20", "40"],
            ["read units crowded/alone:", "20 -> 40 conversations"],
        ),
        (
            "bench/classify.py",
            ["--runs", "1"],
            ["language accuracy", "messages a second", "cold start"],
        ),
        ("bench/crc.py", ["--runs", "1"], ["our code to the answer", "baseline: import boto3"]),
        (
            "bench/scale.py",
            ["--conversations", "50", "--breaches", "20", "--report-sample", "5"],
            [
                "/care stats for a day of 50",
                "now: DayStats",
                "a burst of 20 breaches",
                "weekly report at 50 conversations a day",
                "e-mail",
            ],
        ),
    ],
)
def test_a_benchmark_runs_to_its_end_and_prints_its_budgets(
    script: str, arguments: list[str], expected: list[str]
) -> None:
    done = subprocess.run(
        [sys.executable, script, *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=os.environ
        | {"PYTHONPATH": f"{ROOT}:{ROOT / 'layers/common/python'}:{ROOT / 'infra/tools'}"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    for line in expected:
        assert line in done.stdout
