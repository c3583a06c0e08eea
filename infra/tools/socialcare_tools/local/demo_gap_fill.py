"""The demo's X outage, end to end as in production: the webhook is registered with X (the
stand-in runs its CRC against the local gateway), takes one mention, then X marks it invalid
(a failed hourly CRC) and delivers nothing for 30 minutes while customers keep writing. The
scheduled health check (invoked here as its 15-minute schedule would) finds the webhook
invalid, revalidates it and hands the window to the x-gap-fill function, which reads X's
mentions timeline (the stand-in) and stores what was missed; the mention the webhook took
just before it broke is absorbed as a duplicate."""

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import IO, Any

import boto3
import requests  # type: ignore[import-untyped, unused-ignore]

from socialcare.adapters.x_admin import XAdmin
from socialcare_tools import local_secrets as local
from socialcare_tools.apigw import x_delivery
from socialcare_tools.local.standins_x import XStandIn
from socialcare_tools.samples import tweet, xaa_post

MISSED = (
    ("kasia_w", "@AcmeSupport my order #5120 shows delivered but nothing came"),
    ("tom_b", "@AcmeSupport still waiting for the refund you promised"),
    ("lina_k", "@AcmeSupport can I change the delivery address of #5127?"),
)
FIRST_POST = 1990000000000900000
FIRST_AUTHOR = 1400000000000009000
STORED_WITHIN_SECONDS = 60.0  # the gap fill runs asynchronously, as the handoff invokes it


@dataclass(frozen=True)
class OutageStack:
    gateway: str  # the local API Gateway's base URL
    x: XStandIn
    x_url: str
    health_function: str
    table: str


def _author(n: int, handle: str) -> dict[str, Any]:
    return {"id": str(FIRST_AUTHOR + n), "name": handle, "username": handle}


def _post(n: int, text: str, at: datetime) -> dict[str, Any]:
    return {
        "id": str(FIRST_POST + n),
        "text": text,
        "author_id": str(FIRST_AUTHOR + n),
        "created_at": at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "entities": {"mentions": [{"username": "AcmeSupport", "id": local.X_ACCOUNT_ID}]},
    }


def _deliver_first(stack: OutageStack, at: datetime) -> None:
    """The mention the webhook took just before it broke, as XAA delivers it."""
    user = {
        "id_str": str(FIRST_AUTHOR),
        "name": "kasia_w",
        "screen_name": "kasia_w",
        "followers_count": 212,
        "verified": False,
    }
    post = tweet(str(FIRST_POST), MISSED[0][1], user=user, millis=int(at.timestamp() * 1000))
    event = x_delivery(
        xaa_post("post.mention.create", post, "2080765813578900000"), local.X_CONSUMER_SECRET
    )
    requests.post(
        f"{stack.gateway}/webhooks/x", data=event["body"], headers=event["headers"], timeout=30
    )


def _stored(ddb: Any, table: str, post_id: int) -> str | None:
    """The conversation a post was stored in (its reference item), or None."""
    key = {"pk": {"S": f"REF#x#{local.X_ACCOUNT_ID}#{post_id}"}, "sk": {"S": "REF"}}
    item = ddb.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
    return item["conversation_id"]["S"] if item else None


def _messages_in(ddb: Any, table: str, conversation_id: str) -> int:
    return int(
        ddb.query(
            TableName=table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :msg)",
            ExpressionAttributeValues={
                ":pk": {"S": f"CONV#{conversation_id}"},
                ":msg": {"S": "MSG#"},
            },
            Select="COUNT",
        )["Count"]
    )


def _wait_for_fill(ddb: Any, table: str) -> list[str | None]:
    deadline = time.monotonic() + STORED_WITHIN_SECONDS
    while True:
        found = [_stored(ddb, table, FIRST_POST + n) for n in range(len(MISSED))]
        if all(found) or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


def play_outage(stack: OutageStack, out: IO[str]) -> bool:
    """True when the health check caught the outage, the webhook is valid again and every
    mention of the outage is stored once (the delivered one absorbed)."""
    admin = XAdmin(local.X_BEARER_TOKEN, stack.x_url)
    hook = admin.register(f"{stack.gateway}/webhooks/x")  # X runs a CRC against it first
    end = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    start = end - timedelta(minutes=30)
    first = start + timedelta(seconds=30)
    stack.x.timeline.add_mention(
        local.X_ACCOUNT_ID, _post(0, MISSED[0][1], first), _author(0, "kasia_w")
    )
    _deliver_first(stack, first)
    stack.x.webhooks.invalidate(hook.id)  # X's hourly CRC failed: no more deliveries
    for n, (handle, text) in enumerate(MISSED[1:], start=1):
        stack.x.timeline.add_mention(
            local.X_ACCOUNT_ID, _post(n, text, start + timedelta(minutes=8 * n)), _author(n, handle)
        )

    answer = boto3.client("lambda").invoke(FunctionName=stack.health_function, Payload=b"{}")
    health = json.loads(answer["Payload"].read() or b"{}")
    if answer.get("FunctionError"):
        print(f"\nX health check failed: {health.get('errorMessage')}", file=out)
        return False
    stack.x.webhooks.settle()  # X runs the revalidation's CRC after answering the PUT
    valid_again = all(w.valid for w in admin.webhooks() if w.id == hook.id)
    ddb = boto3.client("dynamodb")
    found = _wait_for_fill(ddb, stack.table)
    stored = sum(1 for conversation in found[1:] if conversation)
    once = found[0] is not None and _messages_in(ddb, stack.table, found[0]) == 1
    print(
        f"\nX outage of 30 minutes: X marked webhook {hook.id} invalid (a failed CRC check)."
        f"\n  The health check (every 15 minutes) found it: invalid {health.get('invalid')},"
        f" revalidated {health.get('revalidated')};"
        f" valid again: {'yes' if valid_again else 'NO'}."
        f"\n  Then one gap fill (mentions timeline): {stack.x.timeline.reads_served} posts"
        f" served by X, {stored} missed mentions stored, the one the webhook took before"
        f" it broke {'stored once' if once else 'NOT FOUND ONCE'}",
        file=out,
    )
    return bool(
        health.get("invalid") == [hook.id]
        and health.get("revalidated") == [hook.id]
        and valid_again
        and stored == len(MISSED) - 1
        and once
    )
