"""The two commands a person runs, as separate processes: `socialcare demo` (what
`make demo` runs) and `socialcare local` stopped with Ctrl-C."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.integration
CLI = [sys.executable, "-m", "socialcare_tools.cli"]


def test_the_demo_plays_the_busy_hour_and_loses_nothing() -> None:
    done = subprocess.run(
        [*CLI, "demo", "--any-port"],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        env=os.environ
        | {
            "PYTHONPATH": os.pathsep.join(
                [str(ROOT / "layers/common/python"), str(ROOT / "infra/tools")]
            )
        },
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    assert "no message lost" in out
    # X delivers in the X Activity API's format (the Account Activity API ends 2027-01-01;
    # the scenario still sends two of its deliveries, one of them a twin that is absorbed).
    formats = re.search(
        r"X deliveries by format\s+X Activity API (\d+), Account Activity API 2\n", out
    )
    assert formats and int(formats[1]) >= 25, out.split("Summary")[1][:1200]
    # The outage: X marks the webhook invalid; the scheduled health check revalidates it and
    # starts the gap fill, which stores what was missed and absorbs what was delivered.
    outage = out.split("X outage of 30 minutes")[1]
    assert re.search(r"revalidated \['\d+'\]; valid again: yes", outage), outage[:800]
    assert re.search(r"2 missed mentions stored, .* stored once", outage), outage[:800]
    assert re.search(r"messages stored\s+62\n", out)
    assert re.search(r"duplicates absorbed\s+4\n", out)
    assert re.search(r"rejected \(forged\)\s+4\n", out)
    assert re.search(r"classified\s+62\n", out)
    assert re.search(r"priorities\s+P1 \d+", out)
    assert re.search(r"marked spam\s+[1-9]", out)  # the giveaway bot in the burst
    assert re.search(r"suggested answers \(answer base\)\s+[1-9]\d* of 62", out)
    readings = out.split("What the classifier read")[1].split("Summary")[0]
    # per message, as on a card: language, sentiment with its score, topic, priority
    assert re.search(r"^\s+ru\s+-\d\.\d\d\s+order_status\s+P\d", readings, re.MULTILINE)
    feelings = out.split("\n  sentiment")[1].splitlines()[0]
    assert re.search(r"negative \d+", feelings) and re.search(r"positive \d+", feelings)
    languages = dict(
        re.findall(r"(ru|en|uk|be|hr|other) (\d+)", out.split("languages read")[1].splitlines()[0])
    )
    assert set(languages) >= {"ru", "en", "uk", "be", "hr"}  # the scenario speaks all five
    # The busy hour is dated in the past: every clock has run its ladder to the end.
    assert re.search(r"reply clocks started\s+[1-9]\d* \(first response \d+, resolution \d+\)", out)
    assert re.search(r"overdue escalations\s+tier 1: [1-9]", out)
    assert re.search(r"escalated at once: P1 / spikes\s+[1-9]\d* / \d+", out)
    # The unanswered conversation's clock, event by event, and what the managers got.
    trail = out.split("its first-response clock")[1].split("Managers' Slack channel")[0]
    for event in ("started", "warned", "breached", "escalated tier 1", "escalated tier 2"):
        assert f"  {event}  (due" in trail, event
    assert re.search(r"Managers' Slack channel \(stand-in\): [1-9]\d* posts", out)
    assert re.search(r"Managers' e-mail \(SNS e-mail subscription\): [1-9]\d* notices", out)
    assert "Subject: [acme] tier 1:" in out
    # Agents answer from Slack: a signed event each, out through the X and VK stand-ins.
    desk = out.split("Agents answer from Slack")[1].split("The inbox now")[0]
    assert re.search(
        r"x: Slack acknowledged 200 in \d+ ms; the X stand-in got POST /2/tweets", desk
    )
    assert re.search(
        r"vk: Slack acknowledged 200 in \d+ ms; the VK stand-in got messages\.send", desk
    )
    assert desk.count("is now answered") == 2
    # On Meta: a comment moved to DM by one private reply; an Instagram @mention (read from
    # the Graph API by the mention reader) answered under its comment; a late Messenger
    # reply refused.
    meta = out.split("On Facebook and Instagram")[1].split("The inbox now")[0]
    assert re.search(
        r"instagram: Move to DM pressed \(200\).* private reply to comment \d+;"
        r" the conversation is answered",
        meta,
    )
    assert re.search(
        r"instagram: a reply to @janeroe's mention .* mention reply on media \d+, comment \d+;"
        r" the conversation is answered",
        meta,
    )
    assert re.search(r"messenger: .* nothing was sent \(0 Graph API calls\)", meta)
    assert "accepts replies for 24 hours" in meta
    # On Telegram: the private chat and the group answered, the business chat answered as the
    # brand's own account, and a follow-up refused because the customer blocked the bot.
    telegram = out.split("On Telegram (the Telegram stand-in)")[1].split("The inbox now")[0]
    assert re.search(
        r"sendMessage to chat 7001234567 as plain text; the conversation is answered", telegram
    )
    assert re.search(r"group reply went to chat -100\d+ under message 4412", telegram)
    assert "through business connection BcAcmeStoreConnection0001" in telegram
    assert re.search(r"blocked the bot; .* unreachable: yes", telegram)
    assert re.search(r"Support channel \(stand-in\): [1-9]\d* conversation cards", out)
    assert re.search(r"Support channel \(stand-in\): [1-9]\d* card updates", out)
    # The busy day's report, written to files whose paths the demo prints.
    report = out.split("The day's report for Acme Store (Mon 24 Aug 2026): ")[1]
    assert re.match(r"53 conversations, response rate \d+ %", report)
    paths = [Path(line.strip()) for line in report.splitlines()[1:] if line.startswith("  /")]
    assert {p.suffix for p in paths} == {".png", ".html", ".txt", ".csv", ".eml"}
    assert all(p.exists() and p.stat().st_size > 0 for p in paths)
    [text] = [p for p in paths if p.suffix == ".txt"]
    assert re.search(r"Channels .*telegram 4", text.read_text("utf-8"))  # every platform counts
    assert "!!" not in out  # no step differed from what the scenario expects


def test_local_runs_until_ctrl_c_then_stops_cleanly(tmp_path: object) -> None:
    state = ROOT / ".socialcare" / "local.json"
    state.unlink(missing_ok=True)
    process = subprocess.Popen(
        [*CLI, "local", "--any-port"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ
        | {
            "PYTHONPATH": os.pathsep.join(
                [str(ROOT / "layers/common/python"), str(ROOT / "infra/tools")]
            )
        },
    )
    try:
        deadline = time.monotonic() + 60
        while not state.exists() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.2)
        assert state.exists(), process.stderr.read() if process.stderr else ""
        info = json.loads(state.read_text())
        ports = [
            int(info["gateway"].rsplit(":", 1)[1]),
            int(info["aws_endpoint"].rsplit(":", 1)[1]),
        ]
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "socialcare local stack is up" in out and "stopping" in out
    assert "Traceback" not in err
    assert not state.exists()  # scripts must not find a stack that is gone
    for port in ports:
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as a new server would
            probe.bind(("127.0.0.1", port))
