"""The Slack desk's latency (issue 6) on the local stack: how fast Slack gets its HTTP
acknowledgement for an agent's message (budget: p99 well under Slack's 3 s), the cold start
of the desk function measured separately, and how long from the Slack event until the X
stand-in receives the reply tweet.

Baselines, same run: a forged Slack request through the same gateway (Bolt rejects it at the
signature check: the HTTP and routing cost alone), and one reply tweet posted directly with
tweepy to the X stand-in (the platform call alone).

Conversations are real: signed X webhooks through the gateway, classified, their cards posted
by the thread poster; the agents' events are signed as Slack signs them. Each conversation
gets one reply and four ``note:`` messages (same acknowledgement path, no send).

Run: .venv/bin/python bench/slack.py [--conversations 40]
"""

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [
    str(ROOT),
    str(ROOT / "layers" / "common" / "python"),
    str(ROOT / "infra" / "tools"),
]

import boto3  # noqa: E402
import requests  # noqa: E402

from socialcare_tools import local_secrets as local  # noqa: E402
from socialcare_tools.apigw import x_delivery  # noqa: E402
from socialcare_tools.local.stack import LocalStack, Ports  # noqa: E402
from socialcare_tools.local.standins import x_client  # noqa: E402
from socialcare_tools.samples import JANE, tweet, x_tweets  # noqa: E402
from socialcare_tools.slack_requests import message_event  # noqa: E402

NOTES_PER_CONVERSATION = 4
COLD_START = """
import time, json, sys
started = time.perf_counter()
from functions.slack_desk import app
imported = time.perf_counter()
event = json.loads(sys.stdin.read())
class Context:
    function_name = "slack-desk"; memory_limit_in_mb = 512; aws_request_id = "cold"
    invoked_function_arn = sys.argv[1]
    def get_remaining_time_in_millis(self): return 10000
response = app.lambda_handler(event, Context())
done = time.perf_counter()
print(json.dumps({"import": imported - started, "first": done - imported,
                  "status": response["statusCode"]}))
"""


def post(url: str, event: dict[str, object]) -> tuple[int, float]:
    started = time.perf_counter()
    response = requests.post(url, data=event["body"], headers=event["headers"], timeout=30)  # type: ignore[arg-type]
    return response.status_code, time.perf_counter() - started


def conversations_with_cards(stack: LocalStack, count: int) -> list[dict[str, object]]:
    assert stack.gateway and stack.deployment
    table = stack.deployment.physical["ConversationsTable"]
    now_ms = int(time.time() * 1000)
    for i in range(count):
        user = JANE | {"id_str": str(1400000000000001000 + i), "screen_name": f"bench{i}"}
        payload = x_tweets(
            tweet(
                str(1960000000000100000 + i),
                f"@AcmeSupport order {i} late?",
                user=user,
                millis=now_ms,
            )
        )
        status, _ = post(
            stack.gateway.url + "/webhooks/x", x_delivery(payload, local.X_CONSUMER_SECRET)
        )
        assert status == 200, status
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        metas = [
            m
            for m in boto3.resource("dynamodb").Table(table).scan()["Items"]
            if m["sk"] == "META" and m.get("slack_thread")
        ]
        if len(metas) == count:
            return metas
        time.sleep(0.2)
    raise SystemExit("the cards did not all reach the Slack stand-in")


def tweets_received(stack: LocalStack) -> dict[str, datetime]:
    assert stack.standins
    return {
        str(c["params"].get("text")): datetime.fromisoformat(c["at"])
        for c in stack.standins.recorder.calls("x")
        if c["method"] == "POST /2/tweets" and c["status"] == 201
    }


def cold_start(stack: LocalStack, thread: dict[str, object]) -> dict[str, float]:
    """A fresh process imports the desk function and answers one agent's message."""
    assert stack.deployment
    spec = stack.deployment.functions["SlackDeskFunction"]
    event = message_event(
        "note: cold", str(thread["ts"]), str(thread["channel"]), event_id="EvCold"
    )
    env = (
        os.environ
        | spec.environment
        | {"PYTHONPATH": f"{ROOT}:{ROOT / 'layers/common/python'}:{ROOT / 'infra/tools'}"}
    )
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            COLD_START,
            f"arn:aws:lambda:eu-west-1:123456789012:function:{spec.name}",
        ],
        input=json.dumps(event),
        capture_output=True,
        text=True,
        env=env,
        cwd=spec.code_dir,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def describe(values: list[float]) -> str:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return (
        f"median {statistics.median(ordered) * 1000:6.1f} ms, p99 {p99 * 1000:6.1f} ms,"
        f" worst {ordered[-1] * 1000:6.1f} ms (n={len(ordered)})"
    )


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conversations", type=int, default=40)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore")
    with (
        tempfile.TemporaryDirectory() as work,
        LocalStack(ROOT, Ports.any_free(), time_factor=1, work_dir=Path(work)) as stack,
    ):
        assert stack.gateway and stack.standins
        url = stack.gateway.url + "/slack/events"
        metas = conversations_with_cards(stack, args.conversations)
        cold = cold_start(stack, metas[0]["slack_thread"])  # type: ignore[arg-type]
        forged, acks, sent_at = [], [], {}
        for n, meta in enumerate(metas):  # the baseline first: no lazy work in flight
            thread = meta["slack_thread"]  # type: ignore[index]
            for k in range(NOTES_PER_CONVERSATION + 1):
                bad = message_event("x", thread["ts"], thread["channel"], event_id=f"EvF{n}-{k}")
                bad["headers"]["x-slack-signature"] = "v0=" + "0" * 64  # type: ignore[index]
                status, took = post(url, bad)
                assert status == 401
                forged.append(took)
        for n, meta in enumerate(metas):
            thread = meta["slack_thread"]  # type: ignore[index]
            for k in range(NOTES_PER_CONVERSATION):
                note = message_event(
                    f"note: {k}", thread["ts"], thread["channel"], event_id=f"EvN{n}-{k}"
                )
                status, took = post(url, note)
                assert status == 200
                acks.append(took)
            text = f"Reply {n}: it ships today."
            event = message_event(text, thread["ts"], thread["channel"], event_id=f"EvR{n}")
            sent_at[text] = datetime.now().astimezone()
            status, took = post(url, event)
            assert status == 200
            acks.append(took)
        deadline = time.monotonic() + 120
        while (
            len(received := tweets_received(stack)) < len(sent_at) and time.monotonic() < deadline
        ):
            time.sleep(0.2)
        to_platform = [
            (received[t] - s).total_seconds() for t, s in sent_at.items() if t in received
        ]
        direct = []
        client = x_client(
            stack.standins.x_url,
            consumer_key="k",
            consumer_secret="s",
            access_token="t",
            access_token_secret="ts",
        )
        for i in range(len(sent_at)):
            started = time.perf_counter()
            client.create_tweet(text=f"direct {i}", in_reply_to_tweet_id="1960000000000100000")
            direct.append(time.perf_counter() - started)
    print(
        f"Slack desk on the local stack, {args.conversations} conversations, one reply and"
        f" {NOTES_PER_CONVERSATION} notes each"
    )
    print(f"  ack of an agent's message   {describe(acks)}")
    print(f"  forged request (baseline)   {describe(forged)}")
    print(f"  ratio p99: {p99(acks) / p99(forged):.2f}x the baseline; budget: p99 well under 3 s")
    print(
        f"  cold start (fresh process): import {cold['import'] * 1000:.0f} ms + first message"
        f" {cold['first'] * 1000:.0f} ms = {(cold['import'] + cold['first']) * 1000:.0f} ms"
        f" (HTTP {cold['status']:.0f})"
    )
    print(f"  event -> X stand-in         {describe(to_platform)}")
    print(f"  tweepy direct (baseline)    {describe(direct)}")
    print(f"  ratio p99: {p99(to_platform) / p99(direct):.1f}x the baseline")
    lost = len(to_platform) != len(sent_at)
    print(f"  replies received by X: {len(to_platform)}/{len(sent_at)}")
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main())
