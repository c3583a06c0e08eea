"""Plain-text views of the local stack for people: the inbox and recorded API calls."""

from typing import Any

import boto3
from boto3.dynamodb.types import TypeDeserializer

_des = TypeDeserializer()
COLUMNS = (
    "status",
    "platform",
    "channel",
    "customer",
    "waiting since",
    "msgs",
    "lang",
    "mood",
    "topic",
    "priority",
    "deadline",
)


def conversations(table: str) -> list[dict[str, Any]]:
    """Every conversation, oldest waiting first. A scan: this is a local view of a small
    emulated table; reports and the desk read through indexes."""
    pages = (
        boto3.client("dynamodb")
        .get_paginator("scan")
        .paginate(
            TableName=table,
            FilterExpression="sk = :meta",
            ExpressionAttributeValues={":meta": {"S": "META"}},
        )
    )
    rows = [
        {k: _des.deserialize(v) for k, v in item.items()}
        for page in pages
        for item in page["Items"]
    ]
    return sorted(rows, key=lambda r: (r.get("waiting_since") or "~", r["created_at"]))


def _customer(row: dict[str, Any]) -> str:
    customer = row.get("customer", {})
    handle = customer.get("handle") or customer.get("id", "?")
    reach = customer.get("followers")
    return f"@{handle}" + (f" ({int(reach)})" if reach is not None else "")


def _deadline(row: dict[str, Any]) -> str:
    """The response clock the conversation waits on: the next response after an answer,
    else the first response."""
    clock = row.get("clock_next_response") or row.get("clock_first_response") or {}
    return str(clock.get("due_at") or "-")[:16].replace("T", " ")


def render_inbox(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "(no conversations yet)"
    table = [
        (
            str(r["status"]),
            str(r["platform"]),
            str(r["channel_type"]),
            _customer(r),
            str(r.get("waiting_since") or "-")[:19].replace("T", " "),
            str(int(r.get("message_count", 0))),
            str(r.get("language") or "-"),
            str(r.get("sentiment") or "-"),
            str(r.get("topic") or "-"),
            str(r.get("priority") or "-"),
            _deadline(r),
        )
        for r in rows
    ]
    widths = [max(len(c), *(len(row[i]) for row in table)) for i, c in enumerate(COLUMNS)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(COLUMNS, widths, strict=True))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in table]
    return "\n".join(lines)


def render_calls(calls: list[dict[str, Any]], where: str) -> str:
    if not calls:
        return f"(nothing sent to {where} yet)"
    lines = []
    for call in calls:
        params = call.get("params", {})
        text = params.get("text") or params.get("message") or ""
        target = (
            params.get("channel") or params.get("peer_id") or params.get("participant_id") or ""
        )
        at, service, method = call.get("at", "")[:19], call["service"], call["method"]
        lines.append(f"{at}  {service:<5} {method:<32} {target!s:<14} {text[:80]}")
    return "\n".join(lines)
