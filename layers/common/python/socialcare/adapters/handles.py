"""The handle lookup items (``HANDLE#<handle>``): ``/care forget @handle`` finds the
customer's platform id from the handle without a scan. Ingest writes one with each message
that has a handle; erasure deletes them; retention lets them expire with the conversations."""

from typing import Any


def handle_pk(handle: str) -> str:
    """``@JaneRoe`` and ``janeroe`` are one lookup."""
    return f"HANDLE#{handle.removeprefix('@').lower()}"


def handle_item(handle: str, platform: str, customer_id: str, seen_at: str) -> dict[str, Any]:
    return {
        "pk": handle_pk(handle),
        "sk": f"{platform}#{customer_id}",
        "type": "handle",
        "seen_at": seen_at,
    }
