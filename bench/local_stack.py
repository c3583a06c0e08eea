"""Local stack throughput (issue 3): a burst of signed webhooks, from POST to the message
being consumed from the classify queue, against a baseline that makes the same number of
PutItem + SendMessage + ReceiveMessage (+ the DeleteMessage every consumer makes) calls
directly on the same embedded AWS.
Budget: at most 3x the baseline's time (a third of its messages per second); no message lost.

Every step a message sets off when it arrives is in the pipeline: ingest, classify (with
the reply clock's Step Functions execution started, the desk queue and the Slack thread
post). The stack runs in real time (--time-factor 1) by default: with the demo's 60x, the
first SLA warning (75% of 15 minutes) of every conversation comes 11 s after its message,
so a burst of 2,000 would also carry ~8,000 clock steps and their Slack posts in the same
minute; how late those fire under load is bench/deadlines.py's measure. The burst is posted
from a process of its own (8 kept connections), as a platform posts from outside.

Run: .venv/bin/python bench/local_stack.py [--messages 2000] [--clients 8] [--time-factor 1]
     [--work-dir DIR]
"""

import argparse
import logging
import multiprocessing
import sys
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from pathlib import Path
from typing import Any

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
from socialcare_tools.samples import JANE, tweet, x_tweets  # noqa: E402


def processed(table: str) -> int:
    pages = (
        boto3.client("dynamodb")
        .get_paginator("scan")
        .paginate(
            TableName=table,
            Select="COUNT",
            FilterExpression="begins_with(sk, :m) AND attribute_exists(processed_at)",
            ExpressionAttributeValues={":m": {"S": "MSG#"}},
        )
    )
    return sum(page["Count"] for page in pages)


def queue_empty(url: str, sqs: Any) -> bool:
    attributes = sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return (
        attributes["ApproximateNumberOfMessages"]
        == "0"
        == attributes["ApproximateNumberOfMessagesNotVisible"]
    )


def customer(i: int, messages: int) -> dict[str, Any]:
    """A burst comes from many customers (an outage), some writing again: the last quarter
    of the messages are second messages from the first customers, so the repeat-contact
    count reads a history."""
    first_messages = messages - messages // 4
    n = i if i < first_messages else i - first_messages
    return {**JANE, "id_str": str(1400000000000000000 + n), "screen_name": f"customer{n}"}


def post_burst(
    url: str, events: list[dict[str, Any]], clients: int, ready: Any, go: Any, answers: Any
) -> None:
    """Runs in its own process: posts every event over ``clients`` kept connections once
    told to go, and hands back each answer's status."""
    sessions = [requests.Session() for _ in range(clients)]

    def post(i: int) -> int:
        event = events[i]
        return (
            sessions[i % clients]
            .post(url, data=event["body"].encode(), headers=event["headers"], timeout=60)
            .status_code
        )

    ready.set()
    go.wait()
    with ThreadPoolExecutor(clients) as pool:
        answers.put(list(pool.map(post, range(len(events)))))


def pipeline(stack: LocalStack, messages: int, clients: int) -> tuple[float, float, int, int]:
    assert stack.gateway and stack.deployment
    url = stack.gateway.url + "/webhooks/x"
    # Fresh messages, as a burst is: a message from months ago would be past its reply
    # deadline on arrival, and its clock would warn and escalate at once.
    now_ms = int(time.time() * 1000)
    events = [
        x_delivery(
            x_tweets(
                tweet(
                    str(10**18 + i),
                    f"@AcmeSupport order {i} where?",
                    millis=now_ms + i,
                    user=customer(i, messages),
                )
            ),
            local.X_CONSUMER_SECRET,
        )
        for i in range(messages)
    ]
    queue = stack.deployment.physical["ClassifyQueue"]
    # The burst comes from a process of its own, as a platform posts from outside: its HTTP
    # clients take no share of the interpreter that runs the functions and the gateway.
    spawn = multiprocessing.get_context("spawn")
    ready, go, answers = spawn.Event(), spawn.Event(), spawn.Queue()
    poster = spawn.Process(target=post_burst, args=(url, events, clients, ready, go, answers))
    poster.start()
    if not ready.wait(60):
        raise RuntimeError("the process posting the burst did not start")
    start = time.perf_counter()
    go.set()
    statuses = answers.get(timeout=900)
    all_accepted = time.perf_counter() - start
    poster.join(10)
    sqs = boto3.client("sqs")  # one client: the bench's own polling takes no share of the CPU
    while not queue_empty(queue, sqs):
        time.sleep(0.05)
    took = time.perf_counter() - start
    return (
        took,
        all_accepted,
        sum(s == 200 for s in statuses),
        processed(stack.deployment.physical["ConversationsTable"]),
    )


def baseline(stack: LocalStack, messages: int) -> float:
    assert stack.deployment
    ddb, sqs = boto3.client("dynamodb"), boto3.client("sqs")
    table = stack.deployment.physical["ConversationsTable"]
    queue = sqs.create_queue(QueueName="baseline.fifo", Attributes={"FifoQueue": "true"})[
        "QueueUrl"
    ]
    start = time.perf_counter()
    for i in range(messages):
        ddb.put_item(
            TableName=table, Item={"pk": {"S": f"BASE#{i}"}, "sk": {"S": "B"}, "t": {"S": "x" * 40}}
        )
        sqs.send_message(
            QueueUrl=queue, MessageBody="{}", MessageGroupId=f"g{i}", MessageDeduplicationId=f"b{i}"
        )
        received = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=1)["Messages"]
        # Deleted, as any consumer does (the pipeline too): left in flight, received messages
        # pile up and moto's receive slows down with every one, which would flatter us.
        sqs.delete_message(QueueUrl=queue, ReceiptHandle=received[0]["ReceiptHandle"])
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument(
        "--clients", type=int, default=8, help="concurrent HTTP clients posting the burst"
    )
    parser.add_argument(
        "--time-factor", type=float, default=1.0, help="the local stack's time compression"
    )
    parser.add_argument(
        "--work-dir", help="keep the stack's files here (function logs under logs/), to read"
    )
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore")
    import tempfile

    with (
        nullcontext(args.work_dir) if args.work_dir else tempfile.TemporaryDirectory() as work,
        LocalStack(
            ROOT, Ports.any_free(), time_factor=args.time_factor, work_dir=Path(work)
        ) as stack,
    ):
        # The baseline first, on an idle stack: run after the burst, it would share the
        # emulator with the burst's leftovers (desk posts, clocks) and flatter the ratio.
        base = baseline(stack, args.messages)
        took, all_accepted, accepted, consumed = pipeline(stack, args.messages, args.clients)
    rate, base_rate = args.messages / took, args.messages / base
    lost = not consumed == accepted == args.messages
    n = args.messages
    print(
        f"burst of {n} signed X webhooks, {args.clients} concurrent clients,"
        f" time factor {args.time_factor:g}"
    )
    print(f"  pipeline (POST -> DynamoDB -> queue -> consumed)  {took:7.2f} s  {rate:6.1f} msg/s")
    print(f"    of which the last webhook answered after        {all_accepted:7.2f} s")
    print(
        f"  baseline (Put+Send+Receive+Delete, direct)        {base:7.2f} s  {base_rate:6.1f} msg/s"
    )
    print(f"  ratio: {took / base:.2f}x the baseline's time (budget 3x)")
    verdict = "LOST MESSAGES" if lost else "no message lost"
    print(f"  accepted {accepted}/{n}, consumed by the classifier {consumed}/{n}: {verdict}")
    return 0 if consumed == accepted == args.messages else 1


if __name__ == "__main__":
    sys.exit(main())
