"""The local stack's parsed-condition cache answers exactly as moto's parser does: the same
verdict on every item, the same names and values found, the same error, for random
conditions, the second time (from the cache) as the first."""

import hashlib
import inspect
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from moto.dynamodb import comparisons as moto_comparisons
from moto.dynamodb.comparisons import ConditionExpressionParser
from moto.dynamodb.models.dynamo_type import DynamoType, Item

from socialcare_tools.local import moto_conditions

VALUES = [{"S": "open"}, {"S": "x"}, {"N": "1"}, {"N": "7.5"}, {"BOOL": True}, {"SS": ["p"]}]
PATHS = ["#status", "#expiry", "a", "b", "#missing_name"]
PLACEHOLDERS = [":v0", ":v1", ":v2", ":v3", ":v4", ":v5", ":missing"]

operands = st.sampled_from(PATHS + PLACEHOLDERS)
comparisons = st.builds(
    lambda left, op, right: f"{left} {op} {right}",
    operands,
    st.sampled_from(["=", "<>", "<", ">=", "<="]),
    operands,
)
functions = st.one_of(
    st.builds(lambda p: f"attribute_exists({p})", st.sampled_from(PATHS)),
    st.builds(lambda p: f"attribute_not_exists({p})", st.sampled_from(PATHS)),
    st.builds(lambda p, v: f"begins_with({p}, {v})", st.sampled_from(PATHS), operands),
    st.builds(lambda p, v: f"size({p}) > {v}", st.sampled_from(PATHS), operands),
    st.builds(lambda p, a, b: f"{p} BETWEEN {a} AND {b}", operands, operands, operands),
    st.builds(lambda p, a, b: f"{p} IN ({a}, {b})", operands, operands, operands),
)
conditions = st.recursive(
    st.one_of(comparisons, functions, st.just("status = :v0"), st.just("a ="), st.just("")),
    lambda inner: st.one_of(
        st.builds(lambda a, b: f"{a} AND {b}", inner, inner),
        st.builds(lambda a, b: f"{a} OR {b}", inner, inner),
        st.builds(lambda a: f"NOT {a}", inner),
        st.builds(lambda a: f"({a})", inner),
    ),
    max_leaves=5,
)
items = st.one_of(
    st.none(),
    st.dictionaries(
        st.sampled_from(["status", "expiry", "a", "b"]), st.sampled_from(VALUES), max_size=4
    ),
)


def _answer(expression: str, values: dict[str, Any], item: Item | None) -> Any:
    names = {"#status": "status", "#expiry": "expiry"}
    parser = ConditionExpressionParser(expression, names, values)
    try:
        verdict: Any = parser.parse().expr(item)
    except Exception as exc:  # the error is part of the answer under test
        verdict = (type(exc).__name__, str(exc))
    return verdict, parser.expr_attr_names_found, parser.expr_attr_values_found


@settings(max_examples=400, deadline=None)
@given(conditions, st.lists(items, min_size=2, max_size=2), st.lists(st.sampled_from(VALUES)))
def test_a_kept_parse_answers_as_moto_parses(
    expression: str, contents: list[Any], value_list: list[dict[str, Any]]
) -> None:
    values = {f":v{i}": value for i, value in enumerate(value_list)}
    checked = [
        Item(DynamoType({"S": "k"}), None, dict(attrs)) if attrs is not None else None
        for attrs in contents
    ]
    expected = [_answer(expression, values, item) for item in checked]
    moto_conditions.install()
    try:
        first = [_answer(expression, values, item) for item in checked]  # parsed, then kept
        again = [_answer(expression, values, item) for item in checked]  # from the cache
    finally:
        moto_conditions.uninstall()
    assert first == expected
    assert again == expected


def test_one_parse_serves_the_same_condition_with_other_values_it_does_not_use() -> None:
    """The point of the cache: a transaction's values differ at every write, but the
    condition's own do not."""
    moto_conditions.install()
    try:
        for now in ("2026-12-06T01:00:00Z", "2026-12-06T01:00:01Z"):
            values = {":seen": {"S": "open"}, ":now": {"S": now}}
            ConditionExpressionParser("#status = :seen", {"#status": "status"}, values).parse()
        assert moto_conditions._parsed.cache_info().misses == 1
        assert moto_conditions._parsed.cache_info().hits == 1
    finally:
        moto_conditions.uninstall()


# moto's condition module as reviewed: the parser records what it found, and every node's
# ``expr`` only reads
REVIEWED_COMPARISONS = "db64ea9ba9afffaef9a9b1c0592cc9d99a143b159a2d8caa00089b5688c2732a"


def test_moto_still_parses_conditions_the_way_the_cache_was_written_against() -> None:
    source = inspect.getsource(moto_comparisons)
    assert hashlib.sha256(source.encode()).hexdigest() == REVIEWED_COMPARISONS
