"""Bad input as an attacker makes it: signed samples mutated byte by byte, for the property
tests at every route."""

import copy
import json
from typing import Any

from hypothesis import strategies as st

from tests.conftest import load_event

DELIBERATE = {200, 400, 401, 403, 413}


def mutate(draw: st.DrawFn, value: Any) -> Any:
    """A copy of ``value`` with one value replaced by anything, or one key removed."""
    value = copy.deepcopy(value)
    where = draw(st.sampled_from(paths(value)))
    parent = value
    for step in where[:-1]:
        parent = parent[step]
    if draw(st.booleans()) and isinstance(parent, dict):
        del parent[where[-1]]
    else:
        parent[where[-1]] = draw(json_values)
    return value


@st.composite
def mutated(draw: st.DrawFn, names: list[str]) -> Any:
    """A valid payload with one value replaced by anything, or one key removed."""
    return mutate(draw, body_of(draw(st.sampled_from(names))))


X_SAMPLES = ["x_tweet_mention", "x_tweet_reply", "x_tweet_extended", "x_dm"]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


def body_of(name: str) -> Any:
    event = load_event(name)
    return json.loads(event["body"])


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, child in value.items():
            found += paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += paths(child, (*prefix, index))
    return found
