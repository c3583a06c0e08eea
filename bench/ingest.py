"""Ingest budgets (issue 2), each measured against a baseline in the same run.

(a) cold import of each ingest function module, in a fresh interpreter, against a
    baseline that imports boto3 and creates a DynamoDB and an SQS client. Budget 1.6x.
(b) in-process time per webhook against moto, against a baseline doing one PutItem and
    one SendMessage on the same moto. Budget 3x. Both X formats: the Account Activity API
    (AAA) and the X Activity API (XAA) that replaces it on 1 January 2027.
    Meta (issue 16): a Messenger direct message and an Instagram comment, same budget.
(c) AWS calls per ingested message, counted on the wire (botocore before-call events).
    Budget 2: one transaction and one send, in either X format and on Meta.

Run: make bench   (or .venv/bin/python bench/ingest.py [--runs 7] [--messages 300])
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [
    str(ROOT),
    str(ROOT / "layers" / "common" / "python"),
    str(ROOT / "infra" / "tools"),
]
ENV = {
    "AWS_DEFAULT_REGION": "eu-west-1",
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "POWERTOOLS_SERVICE_NAME": "bench",
    "POWERTOOLS_METRICS_NAMESPACE": "socialcare",
    "POWERTOOLS_TRACE_DISABLED": "1",
    "POWERTOOLS_METRICS_DISABLED": "1",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
}
os.environ.update(ENV)

BASELINE_IMPORT = "import boto3; boto3.client('dynamodb'); boto3.client('sqs')"
MODULE_IMPORT = "import functions.{name}.app"


def cold(code: str, runs: int) -> float:
    """Median wall time of a fresh interpreter running ``code``, minus an empty one."""
    env = os.environ | {
        "PYTHONPATH": f"{ROOT}:{ROOT / 'layers/common/python'}:{ROOT / 'infra/tools'}",
        "PYTHONDONTWRITEBYTECODE": "0",
    }

    def once(snippet: str) -> float:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", snippet], check=True, env=env, cwd=ROOT)
        return time.perf_counter() - start

    once(code)  # warm the OS file cache and write .pyc files, as a deployed package has them
    empty = statistics.median(once("pass") for _ in range(runs))
    return statistics.median(once(code) for _ in range(runs)) - empty


def bench_imports(runs: int) -> list[tuple[str, float, float]]:
    baseline = cold(BASELINE_IMPORT, runs)
    rows = [("baseline: boto3 + DynamoDB and SQS clients", baseline, 1.0)]
    for name in ("ingest_x", "ingest_vk", "ingest_meta", "ingest_telegram"):
        took = cold(MODULE_IMPORT.format(name=name), runs)
        rows.append((f"import functions/{name}/app.py", took, took / baseline))
    return rows


class CallCounter:
    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()

    def __call__(self, model: Any, **_: Any) -> None:
        self.calls[f"{model.service_model.service_name}.{model.name}"] += 1

    def take(self) -> Counter[str]:
        taken, self.calls = self.calls, Counter()
        return taken


def bench_webhooks(
    messages: int, stock_moto: bool = False, server: bool = False
) -> tuple[list[tuple[str, float, float]], dict[str, Counter[str]]]:
    import boto3
    from aws_lambda_powertools.utilities.parameters.base import DEFAULT_PROVIDERS
    from moto import mock_aws

    from socialcare_tools.local import moto_patches

    DEFAULT_PROVIDERS.clear()  # a fresh secrets client for each emulator
    if stock_moto:
        moto_patches.uninstall()
    else:
        moto_patches.install()

    from functions.ingest_meta import app as ingest_meta
    from functions.ingest_telegram import app as ingest_telegram
    from functions.ingest_x import app as ingest_x
    from socialcare.platforms.x.normalise import normalise
    from socialcare.platforms.x.payloads import XWebhook
    from socialcare.services.ingest import classify_request
    from socialcare.settings import MetaIngestSettings, TelegramIngestSettings, XIngestSettings
    from socialcare.wiring import meta_webhook_deps, x_webhook_deps
    from socialcare.wiring_telegram import telegram_webhook_deps
    from socialcare_tools import local_secrets as local
    from socialcare_tools.apigw import x_delivery
    from socialcare_tools.samples import tweet, x_tweets, xaa_post
    from socialcare_tools.samples_meta import (
        INSTAGRAM,
        THEIR_MEDIA,
        customer_delivery,
        entry,
        instagram_mention,
        signed,
    )
    from socialcare_tools.samples_telegram import message as telegram_message
    from socialcare_tools.samples_telegram import telegram_delivery
    from socialcare_tools.samples_telegram import update as telegram_update
    from socialcare_tools.template_resources import create_backbone, create_queue

    class Context:
        function_name, memory_limit_in_mb = "bench", 512
        invoked_function_arn, aws_request_id = "arn:aws:lambda:eu-west-1:1:function:bench", "r"

    from contextlib import AbstractContextManager

    from socialcare_tools.local.embedded_aws import EmbeddedAws

    class ServerMode(AbstractContextManager[None]):
        def __enter__(self) -> None:
            self.aws = EmbeddedAws().start()

        def __exit__(self, *_: object) -> None:
            self.aws.stop()

    counter = CallCounter()
    with ServerMode() if server else mock_aws():  # moto resets boto3's session: count after
        boto3.setup_default_session()
        boto3.DEFAULT_SESSION.events.register("before-call", counter)  # type: ignore[union-attr]
        backbone = create_backbone()
        deps = x_webhook_deps(
            XIngestSettings.model_validate(
                {
                    "TABLE_NAME": backbone.table,
                    "CLASSIFY_QUEUE_URL": backbone.classify_queue,
                    "BRANDS_DIR": str(ROOT / "layers/config/brands"),
                    "X_SECRET_ARN": backbone.x_secret_arn,
                }
            )
        )
        meta_deps = meta_webhook_deps(
            MetaIngestSettings.model_validate(
                {
                    "TABLE_NAME": backbone.table,
                    "CLASSIFY_QUEUE_URL": backbone.classify_queue,
                    "BRANDS_DIR": str(ROOT / "layers/config/brands"),
                    "META_SECRET_ARN": backbone.meta_secret_arn,
                    "MENTION_QUEUE_URL": create_queue("MentionQueue"),
                }
            )
        )

        telegram_deps = telegram_webhook_deps(
            TelegramIngestSettings.model_validate(
                {
                    "TABLE_NAME": backbone.table,
                    "CLASSIFY_QUEUE_URL": backbone.classify_queue,
                    "BRANDS_DIR": str(ROOT / "layers/config/brands"),
                    "TELEGRAM_SECRET_ARN": backbone.telegram_secret_arn,
                }
            )
        )
        telegram_events = [
            telegram_delivery(
                telegram_update(
                    "message", telegram_message(f"order {i}?", message_id=i + 1), 900000 + i
                )
            )
            for i in range(messages + 1)
        ]

        now_us = time.time_ns() // 1000

        def meta(network: str, i: int) -> dict[str, Any]:
            return customer_delivery(
                network, f"order {i}?", f"c{i}", stamp=now_us + i, reply_to=None, dm=False
            )

        messenger_events = [meta("messenger", i) for i in range(messages + 1)]
        instagram_events = [meta("instagram", i) for i in range(messages + 1)]
        events = [
            x_delivery(
                x_tweets(tweet(str(10**18 + i), f"@AcmeSupport order {i}?")),
                local.X_CONSUMER_SECRET,
            )
            for i in range(messages + 1)
        ]
        xaa_events = [
            x_delivery(
                xaa_post(
                    "post.mention.create",
                    tweet(str(4 * 10**18 + i), f"@AcmeSupport order {i}?"),
                    str(5 * 10**18 + i),
                ),
                local.X_CONSUMER_SECRET,
            )
            for i in range(messages + 1)
        ]
        brand = deps.brands.brands["acme"]
        floor_payloads = [
            XWebhook.model_validate(x_tweets(tweet(str(2 * 10**18 + i), f"@AcmeSupport {i}?")))
            for i in range(messages)
        ]
        now = datetime.now(UTC)
        floor_messages = [normalise(p, p.events(), brand, now).messages[0] for p in floor_payloads]

        ingest_x.lambda_handler(
            events[0], Context(), deps=deps
        )  # cold path: secret read, first clients
        ingest_x.lambda_handler(xaa_events[0], Context(), deps=deps)  # the XAA path's first use
        ingest_meta.lambda_handler(messenger_events[0], Context(), deps=meta_deps)
        ingest_meta.lambda_handler(instagram_events[0], Context(), deps=meta_deps)
        ingest_telegram.lambda_handler(telegram_events[0], Context(), deps=telegram_deps)
        counter.take()

        # Interleaved, so all see the same table and queue sizes at every step.
        ddb, sqs = boto3.client("dynamodb"), boto3.client("sqs")
        webhook = xaa_webhook = messenger = instagram = telegram = baseline = floor = 0.0
        calls: dict[str, Counter[str]] = {}
        for i, event in enumerate(events[1:]):
            start = time.perf_counter()
            assert ingest_x.lambda_handler(event, Context(), deps=deps)["statusCode"] == 200
            webhook += time.perf_counter() - start
            calls["new mention"] = counter.take()
            start = time.perf_counter()
            assert (
                ingest_x.lambda_handler(xaa_events[i + 1], Context(), deps=deps)["statusCode"]
                == 200
            )
            xaa_webhook += time.perf_counter() - start
            calls["new mention, X Activity API format"] = counter.take()
            start = time.perf_counter()
            answer = ingest_meta.lambda_handler(messenger_events[i + 1], Context(), deps=meta_deps)
            assert answer["statusCode"] == 200
            messenger += time.perf_counter() - start
            calls["new Messenger message"] = counter.take()
            start = time.perf_counter()
            answer = ingest_meta.lambda_handler(instagram_events[i + 1], Context(), deps=meta_deps)
            assert answer["statusCode"] == 200
            instagram += time.perf_counter() - start
            calls["new Instagram comment"] = counter.take()
            start = time.perf_counter()
            answer = ingest_telegram.lambda_handler(
                telegram_events[i + 1], Context(), deps=telegram_deps
            )
            assert answer["statusCode"] == 200
            telegram += time.perf_counter() - start
            calls["new Telegram message"] = counter.take()
            start = time.perf_counter()
            ddb.put_item(
                TableName=backbone.table,
                Item={"pk": {"S": f"B#{i}"}, "sk": {"S": "B"}, "t": {"S": "x" * 40}},
            )
            sqs.send_message(
                QueueUrl=backbone.classify_queue,
                MessageBody="{}",
                MessageGroupId=f"g{i}",
                MessageDeduplicationId=f"b{i}",
            )
            baseline += time.perf_counter() - start
            message = floor_messages[i]
            start = time.perf_counter()
            saved = deps.ingest.store.save_inbound(message, f"floor{i}", message.thread_key)
            deps.ingest.queue.send(
                classify_request(message, saved.ref), group=f"floor{i}", dedup_id=message.ref
            )
            floor += time.perf_counter() - start
            counter.take()
        webhook, baseline, floor = webhook / messages, baseline / messages, floor / messages
        xaa_webhook /= messages
        messenger /= messages
        instagram /= messages
        telegram /= messages

        reply = x_delivery(
            x_tweets(tweet("3" * 19, "@AcmeSupport and?", reply_to=str(10**18 + 1))),
            local.X_CONSUMER_SECRET,
        )
        ingest_x.lambda_handler(reply, Context(), deps=deps)
        calls["reply joining a stored thread"] = counter.take()
        ingest_x.lambda_handler(events[1], Context(), deps=deps)
        calls["duplicate delivery"] = counter.take()
        twin = x_delivery(
            xaa_post("post.mention.create", tweet(str(10**18 + 1), "@AcmeSupport order 1?"), "7"),
            local.X_CONSUMER_SECRET,
        )
        ingest_x.lambda_handler(twin, Context(), deps=deps)
        calls["the same mention again, by the other API"] = counter.take()
        ingest_meta.lambda_handler(instagram_events[1], Context(), deps=meta_deps)
        calls["Meta delivery again"] = counter.take()
        mention = signed(
            "instagram", entry(INSTAGRAM, changes=[instagram_mention(THEIR_MEDIA, "1786500001")])
        )
        ingest_meta.lambda_handler(mention, Context(), deps=meta_deps)
        calls["an Instagram @mention (its ids queued for the reader)"] = counter.take()

    rows = [
        ("baseline: PutItem + SendMessage", baseline, 1.0),
        ("POST /webhooks/x, one new mention (AAA)", webhook, webhook / baseline),
        ("POST /webhooks/x, one new mention (XAA)", xaa_webhook, xaa_webhook / baseline),
        ("POST /webhooks/meta, one Messenger message", messenger, messenger / baseline),
        ("POST /webhooks/meta, one Instagram comment", instagram, instagram / baseline),
        ("POST /webhooks/telegram, one private message", telegram, telegram / baseline),
        ("floor: its transaction + send, no handler", floor, floor / baseline),
    ]
    return rows, calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--messages", type=int, default=300)
    args = parser.parse_args()
    import logging
    import warnings

    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore", message="No application metrics to publish")

    print(f"(a) cold import, median of {args.runs} fresh interpreters (budget 1.6x)")
    for label, took, ratio in bench_imports(args.runs):
        print(f"    {label:<48} {took * 1000:7.1f} ms   {ratio:4.2f}x")
    rows, calls = bench_webhooks(args.messages)
    print(f"(b) in-process per webhook against moto, mean of {args.messages} (budget 3x)")
    for label, took, ratio in rows:
        print(f"    {label:<48} {took * 1000:7.2f} ms   {ratio:4.2f}x")
    variants: tuple[tuple[str, dict[str, bool]], ...] = (
        ("against moto in server mode (the local stack's embedded AWS)", {"server": True}),
        ("on stock moto, without socialcare_tools.local.moto_patches", {"stock_moto": True}),
    )
    for note, kwargs in variants:
        other, _ = bench_webhooks(args.messages, **kwargs)
        print(f"    the same {note}:")
        for label, took, ratio in other:
            print(f"    {label:<48} {took * 1000:7.2f} ms   {ratio:4.2f}x")
    print("(c) AWS calls per ingested message (budget 2 for a new message)")
    for case, counted in calls.items():
        detail = ", ".join(f"{op} x{n}" for op, n in sorted(counted.items()))
        print(f"    {case:<48} {sum(counted.values())}   ({detail})")


if __name__ == "__main__":
    main()
