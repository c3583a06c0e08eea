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

Run: .venv/bin/python bench/deadlines.py [--clocks 200] [--spread 20]
"""

import argparse
import statistics
import sys
import time
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "layers" / "common" / "python")]

import boto3  # noqa: E402

from socialcare.adapters.dynamodb import DynamoConversationStore  # noqa: E402
from socialcare.adapters.stepfunctions import StepFunctionsClocks  # noqa: E402
from socialcare.deadlines.plan import ClockKind, ClockPlan, Step  # noqa: E402
from socialcare.local.stack import LocalStack, Ports  # noqa: E402
from socialcare.models.message import iso  # noqa: E402

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
        client.put_item(
            TableName=table,
            Item={
                "pk": {"S": f"CONV#{plan.conversation_id}"},
                "sk": {"S": "META"},
                "id": {"S": plan.conversation_id},
                "status": {"S": "open"},
                "platform": {"S": "x"},
                "clock_first_response": {"M": {"generation": {"N": "1"}}},
            },
        )


def lateness(stack: LocalStack, made: list[ClockPlan]) -> list[float]:
    assert stack.deployment is not None
    physical = stack.deployment.physical
    store = DynamoConversationStore(physical["ConversationsTable"])
    sfn = boto3.client("stepfunctions")
    clocks = StepFunctionsClocks(physical["ClockStateMachine"])
    waiting_conversations(physical["ConversationsTable"], made)
    for plan in made:
        clocks.start(plan)
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
            key = (str(event["event"]), int(event["tier"]))
            if key in due:
                recorded = datetime.fromisoformat(str(event["at"]))
                late.append((recorded - due[key]).total_seconds())
    expected = 3 * len(made)
    if len(late) != expected:
        raise SystemExit(f"{expected - len(late)} of {expected} steps never fired")
    return late


def describe(late: list[float]) -> str:
    ordered = sorted(late)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return f"median {statistics.median(ordered):.3f} s, p95 {p95:.3f} s, worst {ordered[-1]:.3f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clocks", type=int, default=200)
    parser.add_argument("--spread", type=float, default=20.0, help="seconds over which steps fall")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    with LocalStack(ROOT, Ports.any_free(), time_factor=1.0) as stack:
        alone = lateness(stack, plans("alone", 1, 0))
        spread = lateness(stack, plans("spread", args.clocks, args.spread))
        burst = lateness(stack, plans("burst", args.clocks, 0))
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
    print(f"recorded at {iso(datetime.now(UTC))}")


if __name__ == "__main__":
    main()
