"""What each ``socialcare`` command does. The CLI module only parses arguments."""

import argparse
import base64
import getpass
import json
import re
import signal
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import requests

from socialcare.adapters.erasure_store import DynamoErasureStore
from socialcare.adapters.secrets import secret_reader
from socialcare.adapters.slack import SlackPoster
from socialcare.config import load_brands
from socialcare.errors import ConfigurationError
from socialcare.reports import formats
from socialcare.reports.period import Period, PeriodKind
from socialcare.services import erasure
from socialcare.slack.secrets import SlackSecrets
from socialcare_tools import local_secrets as local
from socialcare_tools.apigw import meta_delivery, vk_delivery, x_delivery
from socialcare_tools.local import telegram_commands, x_commands
from socialcare_tools.local.cli_state import CommandError, local_state
from socialcare_tools.local.demo_gap_fill import OutageStack, play_outage
from socialcare_tools.local.desk_demo import agents_answer
from socialcare_tools.local.meta_demo import meta_answers
from socialcare_tools.local.report_files import write_report
from socialcare_tools.local.scenario import (
    Player,
    render_escalation_trail,
    render_readings,
    render_summary,
)
from socialcare_tools.local.stack import LocalStack, Ports
from socialcare_tools.local.standins import PortInUse, Recorder
from socialcare_tools.local.telegram_demo import telegram_answers
from socialcare_tools.local.views import conversations, render_calls, render_inbox
from socialcare_tools.samples import tweet, vk, vk_message, x_dm, x_tweets
from socialcare_tools.samples_meta import customer_delivery, mention_delivery


def run(args: argparse.Namespace) -> int:
    handlers = {
        "local": serve,
        "demo": demo,
        "send": send,
        "inbox": inbox,
        "slack": slack,
        "outbox": outbox,
        "classify": classify,
        "report": report,
        "forget": forget,
        "x": _x,
        "telegram": telegram_commands.run,
    }
    result: int = handlers[args.command](args)
    return result


def _x(args: argparse.Namespace) -> int:
    return x_commands.run(args)


def _root() -> Path:
    root = Path.cwd()
    if not (root / "template.yaml").exists():
        raise CommandError("run this from the socialcare repository (no template.yaml here)")
    return root


def _stack(args: argparse.Namespace) -> LocalStack:
    slack, x, vk_port, meta, telegram = args.standin_ports
    ports = (
        Ports.any_free()
        if args.any_port
        else Ports(args.aws_port, args.gateway_port, slack, x, vk_port, meta, telegram)
    )
    stack = LocalStack(_root(), ports, time_factor=args.time_factor)
    try:
        return stack.start()
    except PortInUse as error:
        raise CommandError(str(error)) from None


def serve(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    stack = _stack(args)
    state = stack.write_state()
    info = stack.describe()
    print(
        f"socialcare local stack is up ({time.perf_counter() - started:.1f} s), Ctrl-C stops it\n"
    )
    print(f"  gateway        {info['gateway']}   (POST /webhooks/x, /webhooks/vk, /webhooks/meta)")
    print(f"  embedded AWS   {info['aws_endpoint']}   (region eu-west-1, any credentials)")
    print(f"  Slack stand-in {info['standins']['slack']}")
    standins = info["standins"]
    print(f"  X, VK, Meta stand-ins {standins['x']}  {standins['vk']}  {standins['meta']}")
    factor = info["time_factor"]
    print(f"  time factor    {factor:g} (an hour of deadline takes {3600 / factor:.0f} s)")
    print(f"  local secrets  X consumer secret {local.X_CONSUMER_SECRET!r}")
    print(f"                 VK secret {local.VK_SECRET!r}, confirmation {local.VK_CONFIRMATION!r}")
    print(
        f"                 Meta app secret {local.META_APP_SECRET!r},"
        f" verify token {local.META_VERIFY_TOKEN!r}"
    )
    print(f"  function logs  {stack.root / '.socialcare' / 'logs'}/")
    print(f"  written to     {state}\n")
    print('Try: socialcare send x "where is my order?"  then  socialcare inbox')
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    print("\nstopping…")
    stack.stop()
    state.unlink(missing_ok=True)
    return 0


def sent_notices(topic_arn: str | None) -> list[tuple[str, str]]:
    """What SNS delivered to the topic's e-mail subscribers: the embedded AWS keeps each
    notification (subject, message) on the topic and tells on its local route."""
    if not topic_arn:
        return []
    endpoint = boto3.client("sns").meta.endpoint_url
    response = requests.get(f"{endpoint}/_local/sns/sent", params={"topic": topic_arn}, timeout=10)
    response.raise_for_status()
    return [  # as the managers' e-mail filter policy lets them through: no warnings
        (str(subject), str(message))
        for subject, message, attributes in response.json()
        if (attributes or {}).get("kind", {}).get("Value") != "warning"
    ]


def demo(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    root = _root()
    scenario = json.loads((root / args.scenario).read_text(encoding="utf-8"))
    stack = _stack(args)
    try:
        assert stack.deployment is not None and stack.gateway is not None
        physical = stack.deployment.physical
        endpoint = stack.aws.endpoint if stack.aws else "?"
        print(
            f"socialcare local stack up in {time.perf_counter() - started:.1f} s: the real "
            f"template.yaml, deployed into an embedded AWS on {endpoint}"
        )
        player = Player(
            stack.gateway.url,
            physical["ConversationsTable"],
            [url for logical, url in physical.items() if logical.endswith("DLQ")],
            root / "events",
            physical.get("ClockStateMachine"),
            meta_graph=stack.standins.meta_url if stack.standins else None,
        )
        summary = player.play(scenario, sys.stdout)
        render_readings(player.classified_messages(limit=20), sys.stdout)
        render_summary(summary, sys.stdout)
        brands = load_brands(root / "layers" / "config" / "brands").brands.values()
        managers = {b.slack.managers_channel for b in brands if b.slack}
        support = {b.slack.channel for b in brands if b.slack}
        posted = [
            call["params"]
            for call in (stack.standins.recorder.calls("slack") if stack.standins else [])
            if call["method"] == "chat.postMessage" and call["status"] == 200
        ]
        render_escalation_trail(
            physical["ConversationsTable"],
            [p for p in posted if p.get("channel") in managers],
            sent_notices(physical.get("EscalationTopic")),
            sys.stdout,
        )
        cards = [p for p in posted if p.get("channel") in support and not p.get("thread_ts")]
        follow_ups = [
            p
            for p in posted
            if p.get("channel") in support and str(p.get("text", "")).startswith("*The customer")
        ]
        warnings = [p for p in posted if "Reply due soon" in str(p.get("text", ""))]
        print(
            f"Support channel (stand-in): {len(cards)} conversation cards,"
            f" {len(follow_ups)} follow-ups and {len(warnings)} deadline warnings in their threads",
            file=sys.stdout,
        )
        replies = agents_answer(
            stack.gateway.url,
            physical["ConversationsTable"],
            stack.standins.recorder if stack.standins else Recorder(),
            sys.stdout,
        )
        meta_acts = meta_answers(
            stack.gateway.url,
            physical["ConversationsTable"],
            stack.standins.recorder if stack.standins else Recorder(),
            sys.stdout,
        )
        assert stack.standins is not None
        telegram_acts = telegram_answers(
            stack.gateway.url,
            physical["ConversationsTable"],
            stack.standins.telegram,
            stack.standins.recorder,
            sys.stdout,
        )
        updates = [
            call
            for call in stack.standins.recorder.calls("slack")
            if call["method"] == "chat.update"
        ]
        print(
            f"Support channel (stand-in): {len(updates)} card updates"
            " (assigned, answered, deadline near or breached, resolved)"
        )
        print("\nThe inbox now:")
        print(render_inbox(conversations(physical["ConversationsTable"])[:12]))
        _demo_report(root, physical["ConversationsTable"])
        assert stack.standins is not None
        outage = OutageStack(
            gateway=stack.gateway.url,
            x=stack.standins.x,
            x_url=stack.standins.x_url,
            health_function=physical["XWebhookHealthFunction"],
            table=physical["ConversationsTable"],
        )
        filled = play_outage(outage, sys.stdout)
        took = time.perf_counter() - started
        print(f"\nFunction logs: {root / '.socialcare' / 'logs'}/   Whole run: {took:.1f} s")
        answered = len(replies) == 2 and all(r.ok for r in replies)
        answered = answered and all(act.ok for act in meta_acts)
        answered = answered and all(act.ok for act in telegram_acts)
        if not answered:
            print("The agents' replies did not all go as they should: see the logs.")
        return 0 if summary.ok and answered and filled else 1
    finally:
        stack.stop()


def _demo_report(root: Path, table: str) -> None:
    """The busy day's report, as the managers would get it by e-mail, written to files."""
    rows = conversations(table)
    if not rows:
        return
    for brand in load_brands(root / "layers" / "config" / "brands").brands.values():
        first = min(datetime.fromisoformat(str(r["created_at"])) for r in rows)
        day = first.astimezone(brand.zone).date()
        out = root / ".socialcare" / "reports"
        figures, written, units = write_report(table, brand, PeriodKind.DAY, day, out)
        h = figures.headline
        print(
            f"\nThe day's report for {brand.name} ({figures.period.label}): {h.conversations}"
            f" conversations, response rate {formats.percent(h.response_rate)}, median first"
            f" response {formats.duration(h.first_response_median)}, deadlines met"
            f" {formats.percent(h.deadlines_met)}; read by day through the index"
            f" ({units:.1f} read units). Files:"
        )
        for path in written:
            print(f"  {path}")


def report(args: argparse.Namespace) -> int:
    """From the running local stack's table (``socialcare local``)."""
    state = local_state()
    brand = load_brands(args.brands_dir).brands.get(args.brand)
    if brand is None:
        raise CommandError(f"no brand {args.brand!r} in {args.brands_dir}")
    kind = PeriodKind(args.period)
    day = args.date or Period.ending_before(kind, datetime.now(UTC), brand.zone).first_day
    figures, written, _ = write_report(
        state["resources"]["ConversationsTable"], brand, kind, day, args.out
    )
    print(f"{brand.name}, {figures.period.label}: {figures.headline.conversations} conversations")
    for path in written:
        print(f"  {path}")
    return 0


def classify(args: argparse.Namespace) -> int:
    """Try the classifier on text without a stack: support leads check their rules here."""
    from socialcare.services.classify import Knowledge, classify_text  # noqa: PLC0415 - models

    try:
        brands = load_brands(args.brands_dir).brands
    except ConfigurationError as error:
        raise CommandError(str(error)) from None
    brand = brands.get(args.brand) if args.brand else next(iter(brands.values()))
    if brand is None:
        raise CommandError(f"no brand {args.brand!r}; there are: {', '.join(brands)}")
    knowledge = Knowledge.of(brand)
    texts = sys.stdin.read().splitlines() if args.text == "-" else [args.text]
    for text in texts:
        found = classify_text(text, knowledge)  # as a first public message: no reach, no waiting
        print(json.dumps({"text": text, **found.model_dump(mode="json")}, ensure_ascii=False))
    return 0


META_NETWORKS = ("messenger", "facebook", "instagram")


def _event_from_file(path: str) -> dict[str, Any]:
    payload: dict[str, Any] = dict(json.loads(Path(path).read_text(encoding="utf-8")))
    if payload.get("version") == "2.0" and "requestContext" in payload:
        return payload  # an API Gateway event, e.g. one of events/*.json
    if "for_user_id" in payload:
        return x_delivery(payload, local.X_CONSUMER_SECRET)
    if "group_id" in payload:
        return vk_delivery(payload)
    if "object" in payload and "entry" in payload:
        return meta_delivery(payload, local.META_APP_SECRET)
    raise CommandError(f"{path}: neither an API Gateway event nor an X, VK or Meta payload")


INSTAGRAM_USERNAME = re.compile(r"^[A-Za-z0-9._]{1,30}$")


def _mention_for(args: argparse.Namespace, state: dict[str, Any]) -> dict[str, Any]:
    """An Instagram @mention: the comment or caption is put where Meta keeps it (the
    stand-in's Graph API, which the mention reader asks), then its ``mentions`` change is
    delivered."""
    if args.target != "instagram" or not args.text:
        raise CommandError('a mention is Instagram\'s: socialcare send instagram "text" --mention')
    item, event = mention_delivery(
        args.mention, args.text, str(args.sender), stamp=time.time_ns() // 1000
    )
    try:
        requests.post(f"{state['standins']['meta'].rstrip('/')}/_mentions", json=item, timeout=10)
    except requests.ConnectionError:
        raise CommandError(
            "the Meta stand-in does not answer; is `socialcare local` running?"
        ) from None
    return event


def _event_for(args: argparse.Namespace) -> dict[str, Any]:
    if args.target not in ("x", "vk", *META_NETWORKS):
        return _event_from_file(args.target)
    if not args.text:
        raise CommandError(
            f'what should the {args.target} customer say? socialcare send {args.target} "text"'
        )
    stamp = time.time_ns() // 1000
    sender = str(args.sender)
    if args.target in META_NETWORKS:
        return customer_delivery(
            args.target, args.text, sender, stamp=stamp, reply_to=args.reply_to, dm=args.dm
        )
    if args.target == "x":
        user_id = sender if sender.isdigit() else str(1400000000000000000 + sum(map(ord, sender)))
        user = {
            "id_str": user_id,
            "name": sender,
            "screen_name": sender,
            "followers_count": 100,
            "verified": False,
        }
        if args.dm:
            dm = x_dm(str(stamp), args.text, sender=user_id, millis=stamp // 1000)
            dm["users"] = {user_id: {"id": user_id, "name": sender, "screen_name": sender}}
            return x_delivery(dm, local.X_CONSUMER_SECRET)
        text = args.text if "@AcmeSupport" in args.text else f"@AcmeSupport {args.text}"
        return x_delivery(
            x_tweets(
                tweet(str(stamp), text, user=user, reply_to=args.reply_to, millis=stamp // 1000)
            ),
            local.X_CONSUMER_SECRET,
        )
    peer = int(sender) if sender.isdigit() else 500000000 + sum(map(ord, sender))
    if args.dm or not args.reply_to:
        message = vk_message(
            args.text, conversation_message_id=stamp % 10**9, peer=peer, date=int(time.time())
        )
        return vk_delivery(vk("message_new", message, f"cli-{stamp}"))
    comment = {
        "id": stamp % 10**9,
        "from_id": peer,
        "date": int(time.time()),
        "text": args.text,
        "post_owner_id": -local.VK_GROUP_ID,
        "post_id": 1043,
        "parents_stack": [int(args.reply_to)],
    }
    return vk_delivery(vk("wall_reply_new", comment, f"cli-{stamp}"))


def send(args: argparse.Namespace) -> int:
    state = local_state()
    if args.target == "telegram":
        event = telegram_commands.customer_delivery(args, state, _deliver)
    else:
        event = _mention_for(args, state) if args.mention else _event_for(args)
    return _deliver(state, event)


def _deliver(state: dict[str, Any], event: dict[str, Any]) -> int:
    """The delivery, as the platform posts it to the local gateway."""
    body = event.get("body", "")
    data = base64.b64decode(body) if event.get("isBase64Encoded") else body.encode("utf-8")
    query = f"?{event['rawQueryString']}" if event.get("rawQueryString") else ""
    url = f"{state['gateway']}{event['rawPath']}{query}"
    try:
        response = requests.request(
            event["requestContext"]["http"]["method"],
            url,
            data=data,
            headers=event["headers"],
            timeout=30,
        )
    except requests.ConnectionError:
        raise CommandError(
            f"the local stack at {state['gateway']} does not answer; is `socialcare local` running?"
        ) from None
    method = event["requestContext"]["http"]["method"]
    print(f"{method} {event['rawPath']} -> {response.status_code} {response.text[:200]}")
    return 0 if response.ok else 1


def inbox(args: argparse.Namespace) -> int:
    state = local_state()
    rows = conversations(state["resources"]["ConversationsTable"])
    print(
        json.dumps(rows, indent=2, ensure_ascii=False, default=str)
        if args.json
        else render_inbox(rows)
    )
    return 0


def _calls(state: dict[str, Any], services: tuple[str, ...]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for service in services:
        base = state["standins"][service].removesuffix("/api/").removesuffix("/method/").rstrip("/")
        found += requests.get(f"{base}/_calls", timeout=10).json()["calls"]
    return found


def slack(args: argparse.Namespace) -> int:
    calls = _calls(local_state(), ("slack",))
    print(
        json.dumps(calls, indent=2, ensure_ascii=False)
        if args.json
        else render_calls(calls, "Slack")
    )
    return 0


def outbox(args: argparse.Namespace) -> int:
    calls = [  # replies only: not the webhook health check's or the setup commands' calls
        c
        for c in _calls(local_state(), ("x", "vk", "meta", "telegram"))
        if "/2/webhooks" not in c["method"]
        and "/2/activity/" not in c["method"]
        and (c["service"] != "telegram" or c["method"] == "sendMessage")
    ]
    print(
        json.dumps(calls, indent=2, ensure_ascii=False)
        if args.json
        else render_calls(calls, "the platforms")
    )
    return 0


def forget(args: argparse.Namespace) -> int:
    """Erase a customer: against the local stack, or the AWS stack given by ``--table``."""
    target = erasure.parse_target(args.customer)
    if target is None:
        raise CommandError(
            f"{args.customer!r}: use @handle or platform:id (x:12345, vk:678, messenger:6100…)"
        )
    try:
        brand = load_brands(args.brands_dir).brands.get(args.brand)
    except ConfigurationError as error:
        raise CommandError(str(error)) from None
    if brand is None:
        raise CommandError(f"no brand {args.brand!r} in {args.brands_dir}")
    if args.table:
        table, slack = args.table, _aws_slack(args.slack_secret)
    else:
        state = local_state()
        table = state["resources"]["ConversationsTable"]
        secrets = SlackSecrets.model_validate(local.SLACK_SECRET_VALUE)
        slack = SlackPoster(lambda: secrets, state["standins"]["slack"])
    if not args.yes:
        asked = f"Erase every conversation of {args.customer} with {brand.name}? [y/N] "
        if input(asked).strip().lower() not in ("y", "yes"):
            print("Nothing erased.")
            return 1
    deps = erasure.ErasureDeps(store=DynamoErasureStore(table), slack=slack)
    result = erasure.forget(target, brand, _operator(), "cli", deps)
    print(erasure.summary(result, args.customer))
    if slack is None and result.outcome == "erased":
        print("Slack was not touched: give --slack-secret to replace the customer's cards.")
    return 0 if result.outcome != "ambiguous" else 2


def _aws_slack(secret_arn: str | None) -> SlackPoster | None:
    return SlackPoster(secret_reader(secret_arn, SlackSecrets)) if secret_arn else None


def _operator() -> str:
    """Who ran the command, for the erasure record (the operator, never the customer)."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"
