"""The files in events/ are what the generator makes, so they cannot drift from the code."""

from functools import cache
from typing import Any

import pytest

from socialcare_tools.sample_events import all_events, render
from tests.conftest import EVENTS


@cache
def generated() -> dict[str, dict[str, Any]]:
    return all_events()


@pytest.mark.parametrize("name", sorted(generated()))
def test_event_file_matches_the_generator(name: str) -> None:
    path = EVENTS / f"{name}.json"
    assert path.read_text(encoding="utf-8") == render(generated()[name]), "run `make events`"


def test_no_stale_event_files() -> None:
    known = {f"{name}.json" for name in generated()} | {"env.json"}
    assert {p.name for p in EVENTS.glob("*.json")} <= known
