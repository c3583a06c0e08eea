"""The sample events in events/: every request and trigger the functions get, written by the
code that builds them (``python -m socialcare_tools.sample_events events``, ``make events``)
and checked against each handler's models by the tests."""

import json
import sys
from pathlib import Path
from typing import Any

from socialcare_tools.samples import vk_events, x_events
from socialcare_tools.samples_meta import meta_events
from socialcare_tools.samples_telegram import telegram_events
from socialcare_tools.samples_triggers import trigger_events


def all_events() -> dict[str, dict[str, Any]]:
    return x_events() | vk_events() | meta_events() | telegram_events() | trigger_events()


def render(event: dict[str, Any]) -> str:
    """The event as written to events/: an API Gateway request gets a fixed id and time."""
    stable = event
    if "requestContext" in event:
        stable = {
            **event,
            "requestContext": {
                **event["requestContext"],
                "requestId": "sample",
                "time": "24/Aug/2026:10:15:02 +0000",
                "timeEpoch": 1787566502000,
            },
        }
    return json.dumps(stable, ensure_ascii=False, indent=2) + "\n"


def main(directory: str = "events") -> None:
    target = Path(directory)
    events = all_events()
    for name, event in events.items():
        (target / f"{name}.json").write_text(render(event), encoding="utf-8")
    print(f"wrote {len(events)} events to {target}/", file=sys.stderr)


if __name__ == "__main__":
    main(*sys.argv[1:])
