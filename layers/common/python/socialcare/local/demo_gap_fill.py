"""The demo's X outage: for 30 minutes the webhook got nothing; X's mentions timeline (the
stand-in) has what was said meanwhile. One gap fill, through the stack's own x-gap-fill
function, fetches it; the one mention the webhook took just before it broke is absorbed."""

import json
from datetime import UTC, datetime, timedelta
from typing import IO, Any

import boto3
import requests  # type: ignore[import-untyped, unused-ignore]

from socialcare.devtools import local_secrets as local
from socialcare.devtools.apigw import x_delivery
from socialcare.devtools.samples import tweet, x_tweets
from socialcare.local.standins_x_timeline import XTimeline

MISSED = (
    ("kasia_w", "@AcmeSupport my order #5120 shows delivered but nothing came"),
    ("tom_b", "@AcmeSupport still waiting for the refund you promised"),
    ("lina_k", "@AcmeSupport can I change the delivery address of #5127?"),
)


def _author(n: int, handle: str) -> dict[str, Any]:
    return {"id": str(1400000000000009000 + n), "name": handle, "username": handle}


def _post(n: int, text: str, at: datetime) -> dict[str, Any]:
    return {
        "id": str(1990000000000900000 + n),
        "text": text,
        "author_id": str(1400000000000009000 + n),
        "created_at": at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "entities": {"mentions": [{"username": "AcmeSupport", "id": local.X_ACCOUNT_ID}]},
    }


def play_outage(gateway: str, timeline: XTimeline, function: str, out: IO[str]) -> bool:
    """True when every mention of the outage is stored once (and the delivered one absorbed)."""
    end = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    start = end - timedelta(minutes=30)
    first = start + timedelta(seconds=30)  # delivered just before the webhook broke
    timeline.add_mention(local.X_ACCOUNT_ID, _post(0, MISSED[0][1], first), _author(0, "kasia_w"))
    user = {"id_str": str(1400000000000009000), "name": "kasia_w", "screen_name": "kasia_w"}
    event = x_delivery(
        x_tweets(
            tweet(
                str(1990000000000900000),
                MISSED[0][1],
                user=user,
                millis=int(first.timestamp() * 1000),
            )
        ),
        local.X_CONSUMER_SECRET,
    )
    requests.post(f"{gateway}/webhooks/x", data=event["body"], headers=event["headers"], timeout=30)
    for n, (handle, text) in enumerate(MISSED[1:], start=1):
        at = start + timedelta(minutes=8 * n)
        timeline.add_mention(local.X_ACCOUNT_ID, _post(n, text, at), _author(n, handle))
    request = {
        "brand": "acme",
        "account_id": local.X_ACCOUNT_ID,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "reason": "demo: webhook invalid for 30 minutes",
    }
    answer = boto3.client("lambda").invoke(FunctionName=function, Payload=json.dumps(request))
    result = json.loads(answer["Payload"].read() or b"{}")
    if answer.get("FunctionError"):
        print(f"\nX gap fill failed: {result.get('errorMessage')}", file=out)
        return False
    [found] = result["results"]
    print(
        f"\nX outage of 30 minutes, then one gap fill ({found['way']} timeline):"
        f" {found['fetched']} posts read ({timeline.reads_served} served by X),"
        f" {found['stored']} missed mentions stored, {found['duplicates']} already stored"
        " by the webhook and absorbed",
        file=out,
    )
    return bool(found["complete"] and found["stored"] == 2 and found["duplicates"] == 1)
