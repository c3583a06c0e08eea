"""Reply-clock lateness (issue 5): how late each warning and escalation fires against its
time, for many concurrent clocks on the local stack, against one clock alone (the baseline,
same run). Budget: the worst lateness under 2 s.

Each clock is a real execution of infra/statemachines/clock.asl.json with the real clock task:
a conversation waiting on the brand, and a plan of three steps (warning, tier 1, tier 2) one
second apart, on whole seconds. Lateness is the time the clock task recorded the step minus
the step's time. (Plans made from real messages have millisecond times, which the execution
gets rounded up to the second: up to 1 s more, by design, so that no step runs early.)
The local stack runs with time factor 1 here, so a step's time is a real instant (with
compression, the Wait states end at a scaled instant, which would need the execution history
to reconstruct). Two loads: the clocks' first steps spread over a window (the usual case:
clocks started by messages arriving over time), and all due in the same second (a burst).

State transitions (issue 14): Standard executions are billed per state entered, and the
clocks were most of the AWS bill at 10,000 messages a day. The same run counts the states
each conversation's clocks enter (from the execution histories) for a mix of conversations,
each with a first-response and a resolution clock: one execution per clock (how clocks ran
before; the same Wait, Task, Choice loop with one clock each) against one execution per
conversation (how they run now), and prints the ratio and the monthly cost of each.

Run: .venv/bin/python bench/deadlines.py [--clocks 200] [--spread 20] [--conversations 100]
"""

import argparse
import json
import statistics
import sys
import threading
import time
import warnings
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [
    str(ROOT),
    str(ROOT / "layers" / "common" / "python"),
    str(ROOT / "infra" / "tools"),
]

import boto3  # noqa: E402

from socialcare.adapters.conversation_reads import ConversationReads  # noqa: E402
from socialcare.adapters.dynamo_codec import to_item  # noqa: E402
from socialcare.adapters.stepfunctions import StepFunctionsClocks  # noqa: E402
from socialcare.deadlines.execution import execution_input  # noqa: E402
from socialcare.deadlines.plan import ClockKind, ClockPlan, Step  # noqa: E402
from socialcare.models.message import iso  # noqa: E402
from socialcare_tools.local.stack import LocalStack, Ports  # noqa: E402

LEAD = timedelta(seconds=4)  # time to start every execution before the first step is due


def plans(run: str, count: int, spread: float) -> list[ClockPlan]:
    first = datetime.now(UTC) + LEAD
    made = []
    for n in range(count):
        # Whole seconds: Step Functions' Wait reads timestamps to the second, so a plan's
        # times are rounded up before they reach it (never early, up to 1 s late by design);
        # on whole seconds this measures what the system adds.
        at = (first + timedelta(seconds=spread * n / max(count, 1))).replace(microsecond=0)
        made.append(
            ClockPlan(
                conversation_id=f"bench-{run}-{n}",
                brand_id="acme",
                clock=ClockKind.FIRST_RESPONSE,
                generation=1,
                started_at=at - timedelta(minutes=45),
                policy="bench",
                policy_version="bench",
                due_at=at + timedelta(seconds=1),
                steps=(
                    Step(action="warn", at=at),
                    Step(action="escalate", at=at + timedelta(seconds=1), tier=1),
                    Step(action="escalate", at=at + timedelta(seconds=2), tier=2),
                ),
            )
        )
    return made


def waiting_conversations(table: str, made: list[ClockPlan]) -> None:
    client = boto3.client("dynamodb")
    for plan in made:
        client.put_item(TableName=table, Item=meta_item("open", plan))


def meta_item(status: str, *plans: ClockPlan) -> dict[str, Any]:
    """A conversation as ingest and the classifier leave it, with these clocks running."""
    first = plans[0]
    began = iso(first.started_at)
    return to_item(
        {
            "pk": f"CONV#{first.conversation_id}",
            "sk": "META",
            "id": first.conversation_id,
            "key": f"x#1#{first.conversation_id}",
            "status": status,
            "platform": "x",
            "account_id": "1",
            "brand_id": first.brand_id,
            "channel_type": "public",
            "customer": {"id": "42", "handle": "janeroe"},
            "created_at": began,
            "last_inbound_at": began,
            "message_count": 1,
        }
        | {f"clock_{plan.clock.value}": plan.summary() for plan in plans}
    )


def lateness(stack: LocalStack, made: list[ClockPlan]) -> list[float]:
    assert stack.deployment is not None
    physical = stack.deployment.physical
    store = ConversationReads(physical["ConversationsTable"])
    sfn = boto3.client("stepfunctions")
    clocks = StepFunctionsClocks(physical["ClockStateMachine"])
    waiting_conversations(physical["ConversationsTable"], made)
    for plan in made:
        clocks.start((plan,))
    last = max(plan.steps[-1].at for plan in made)
    while (
        datetime.now(UTC) < last
        or sfn.list_executions(
            stateMachineArn=physical["ClockStateMachine"], statusFilter="RUNNING"
        )["executions"]
    ):
        time.sleep(0.2)
    late = []
    for plan in made:
        due = {("warned", 0): plan.steps[0].at} | {
            ("escalated", s.tier): s.at for s in plan.steps[1:]
        }
        for event in store.clock_events(plan.conversation_id):
            key = (event.event, event.tier)
            if key in due:
                late.append((event.at - due[key]).total_seconds())
    expected = 3 * len(made)
    if len(late) != expected:
        raise SystemExit(f"{expected - len(late)} of {expected} steps never fired")
    return late


# What happens to a conversation while its clocks run, with the share of conversations it
# happens to (an assumption, stated in the output): answered before the first warning, after
# it, resolved at once, waiting on the customer, never answered in time.
MIX = {"answered": 45, "answered late": 20, "resolved": 10, "pending": 10, "unanswered": 15}
LATE_ANSWER = timedelta(seconds=1)  # between the first-response warning and its due time
PRICE_PER_TRANSITION = 0.000025  # USD, Standard workflows, us-east-1 and eu-west-1
CONVERSATIONS_PER_DAY = 6_700  # 10,000 messages a day (issue 14's estimate)


def conversation_clocks(run: str, n: int, first: datetime) -> tuple[ClockPlan, ClockPlan]:
    """A first-response clock (warn, tier 1, tier 2 at +0, +2, +3 s) and a resolution clock
    (the same at +5, +7, +8 s): the plans of one message, one generation."""

    def plan(kind: ClockKind, offset: int) -> ClockPlan:
        at = first + timedelta(seconds=offset)
        return ClockPlan(
            conversation_id=f"bench-{run}-{n}",
            brand_id="acme",
            clock=kind,
            generation=1,
            started_at=at - timedelta(minutes=45),
            policy="bench",
            policy_version="bench",
            due_at=at + timedelta(seconds=2),
            steps=(
                Step(action="warn", at=at),
                Step(action="escalate", at=at + timedelta(seconds=2), tier=1),
                Step(action="escalate", at=at + timedelta(seconds=3), tier=2),
            ),
        )

    return plan(ClockKind.FIRST_RESPONSE, 0), plan(ClockKind.RESOLUTION, 5)


def set_status(client: Any, table: str, conversation_id: str, status: str) -> None:
    client.update_item(
        TableName=table,
        Key={"pk": {"S": f"CONV#{conversation_id}"}, "sk": {"S": "META"}},
        UpdateExpression="SET #s = :s",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": {"S": status}},
    )


def transitions(stack: LocalStack, run: str, count: int, shared: bool) -> dict[str, list[int]]:
    """States entered per conversation, by what happened to it."""
    assert stack.deployment is not None
    physical = stack.deployment.physical
    table, machine = physical["ConversationsTable"], physical["ClockStateMachine"]
    ddb, sfn = boto3.client("dynamodb"), boto3.client("stepfunctions")
    kinds = [kind for kind, share in MIX.items() for _ in range(share)]
    first = (datetime.now(UTC) + LEAD).replace(microsecond=0)
    fates, executions = {}, {}
    for n in range(count):
        fate = kinds[n * len(kinds) // count]
        pair = conversation_clocks(run, n, first)
        fates[pair[0].conversation_id] = fate
        status = "open" if fate in ("answered late", "unanswered") else fate
        ddb.put_item(TableName=table, Item=meta_item(status, *pair))
        groups = [pair] if shared else [(pair[0],), (pair[1],)]
        for group in groups:
            name = f"{run}-{n}-{len(executions)}"
            arn = sfn.start_execution(
                stateMachineArn=machine, name=name, input=json.dumps(execution_input(group))
            )["executionArn"]
            executions[arn] = pair[0].conversation_id
    late = [c for c, fate in fates.items() if fate == "answered late"]
    timer = threading.Timer(
        max((first + LATE_ANSWER - datetime.now(UTC)).total_seconds(), 0),
        lambda: [set_status(ddb, table, c, "answered") for c in late],
    )
    timer.start()
    while sfn.list_executions(stateMachineArn=machine, statusFilter="RUNNING")["executions"]:
        time.sleep(0.2)
    timer.join()
    entered: Counter[str] = Counter()
    for arn, conversation in executions.items():
        pages = sfn.get_paginator("get_execution_history").paginate(executionArn=arn)
        entered[conversation] += sum(
            event["type"].endswith("StateEntered") for page in pages for event in page["events"]
        )
    by_fate: dict[str, list[int]] = {}
    for conversation, fate in fates.items():
        by_fate.setdefault(fate, []).append(entered[conversation])
    return by_fate


def describe_transitions(before: dict[str, list[int]], after: dict[str, list[int]]) -> None:
    def mean(by_fate: dict[str, list[int]]) -> float:
        every = [n for counts in by_fate.values() for n in counts]
        return sum(every) / len(every)

    print("state transitions per conversation (first-response and resolution clocks):")
    for fate, share in MIX.items():
        if fate not in after:
            continue  # too few conversations for every fate
        print(
            f"  {fate:<14} ({share:>2} %): one execution per clock"
            f" {statistics.mean(before[fate]):5.1f}, per conversation"
            f" {statistics.mean(after[fate]):5.1f}"
        )
    old, new = mean(before), mean(after)
    monthly = CONVERSATIONS_PER_DAY * 30 * PRICE_PER_TRANSITION
    print(
        f"  the mix: {old:.1f} -> {new:.1f} per conversation ({new / old:.2f}x);"
        f" at {CONVERSATIONS_PER_DAY:,} conversations a day, ${old * monthly:,.0f}"
        f" -> ${new * monthly:,.0f} a month for these two clocks"
        " (next-response clocks come on top, one execution each as before)"
    )


def describe(late: list[float]) -> str:
    ordered = sorted(late)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return f"median {statistics.median(ordered):.3f} s, p95 {p95:.3f} s, worst {ordered[-1]:.3f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clocks", type=int, default=200)
    parser.add_argument("--spread", type=float, default=20.0, help="seconds over which steps fall")
    parser.add_argument("--conversations", type=int, default=100)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    with LocalStack(ROOT, Ports.any_free(), time_factor=1.0) as stack:
        alone = lateness(stack, plans("alone", 1, 0))
        spread = lateness(stack, plans("spread", args.clocks, args.spread))
        burst = lateness(stack, plans("burst", args.clocks, 0))
        before = transitions(stack, "per-clock", args.conversations, shared=False)
        after = transitions(stack, "shared", args.conversations, shared=True)
    print(f"one clock alone (baseline), 3 steps: {describe(alone)}")
    print(
        f"{args.clocks} concurrent clocks, first steps spread over {args.spread:.0f} s,"
        f" {3 * args.clocks} steps: {describe(spread)};"
        f" worst {max(spread) / max(*alone, 0.001):.1f}x the baseline's (budget: worst < 2 s)"
    )
    print(
        f"{args.clocks} concurrent clocks all due in the same second: {describe(burst)}"
        " (a burst: 600 steps due at once share one interpreter; no budget)"
    )
    describe_transitions(before, after)
    print(f"recorded at {iso(datetime.now(UTC))}")


if __name__ == "__main__":
    main()
