"""Parsed UpdateExpressions are shared between updates
(socialcare_tools.local.moto_update_expressions): the same items and the same errors as
parsing each time, however often and in whatever order the expressions are applied, and the
shared trees never change."""

import hashlib
import inspect
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socialcare_tools.local import moto_patches, moto_update_expressions
from tests.support.moto_updates import (
    fingerprint,
    outcomes,
    random_plans,
)

# moto's validator is what these tests are about: plain updates must reach it
pytestmark = pytest.mark.usefixtures("moto_validation_path")

# What sharing relies on: the handlers only read the tree (find_clauses), and the validator
# deep-copies it before anything (validation, normalize, the executor) rewrites it; the
# nodes (ast_nodes) keep no state besides their children and parent.
REVIEWED_USES = "5de38a4ad811e71169baec98e7711b38999c6ff471d6ba143eeea42ba3949c01"


def _reviewed_sources() -> str:
    from moto.dynamodb.parsing import ast_nodes
    from moto.dynamodb.parsing.validators import Validator
    from moto.dynamodb.responses import DynamoHandler

    parts: list[Any] = [
        Validator,
        ast_nodes,
        DynamoHandler.update_item,
        DynamoHandler.transact_write_items,
    ]
    return "".join(inspect.getsource(part) for part in parts)


def test_the_uses_of_a_parsed_expression_are_the_ones_we_reviewed() -> None:
    digest = hashlib.sha256(_reviewed_sources().encode()).hexdigest()
    assert digest == REVIEWED_USES, (
        "moto changed how it uses a parsed UpdateExpression: review "
        "socialcare_tools.local.moto_update_expressions"
    )


# (expression, names, values): valid updates, and updates refused for each kind of reason
CASES: list[tuple[str, dict[str, str], dict[str, Any]]] = [
    ("SET a = :v", {}, {":v": {"S": "x"}}),
    ("SET cnt = if_not_exists(cnt, :zero) + :one", {}, {":zero": {"N": "0"}, ":one": {"N": "1"}}),
    (
        "SET l = list_append(if_not_exists(l, :empty), :lst)",
        {},
        {":empty": {"L": []}, ":lst": {"L": [{"N": "1"}, {"S": "y"}]}},
    ),
    ("SET m = if_not_exists(m, :map)", {}, {":map": {"M": {"inner": {"S": "i"}}}}),
    ("SET m.inner = :v, #n = :v", {"#n": "name"}, {":v": {"S": "z"}}),
    ("SET m.deep.x = :v", {}, {":v": {"S": "d"}}),
    ("SET l[1] = :v", {}, {":v": {"BOOL": True}}),
    ("SET cnt = cnt - :one", {}, {":one": {"N": "1"}}),
    ("REMOVE a, l[0]", {}, {}),
    ("REMOVE m.inner", {}, {}),
    ("ADD cnt :one, tags :ss", {}, {":one": {"N": "1"}, ":ss": {"SS": ["p", "q"]}}),
    ("DELETE tags :ss", {}, {":ss": {"SS": ["p"]}}),
    ("ADD a :one", {}, {":one": {"N": "1"}}),  # a string: refused
    ("SET a = :v SET b = :v", {}, {":v": {"S": "x"}}),  # two SET clauses
    ("SET a = :missing, b = :v", {}, {":v": {"S": "x"}}),  # a value not given
    ("SET a = :v REMOVE a", {}, {":v": {"S": "x"}}),  # overlapping paths
    ("SET #k = :v", {"#k": "pk"}, {":v": {"S": "x"}}),  # a key attribute
    ("SET = :v", {}, {":v": {"S": "x"}}),  # not an expression
    ("SET a = :v,", {}, {":v": {"S": "x"}}),
]
steps = st.lists(
    st.tuples(st.integers(0, len(CASES) - 1), st.sampled_from(["k1", "k2", "new"]), st.booleans()),
    min_size=1,
    max_size=14,
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps)
def test_shared_parses_give_the_same_items_and_errors(plan: list[tuple[int, str, bool]]) -> None:
    assert outcomes(plan, CASES) == outcomes(plan, CASES, without=[moto_update_expressions])


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_plans)
def test_shared_parses_of_random_expressions_give_the_same_items_and_errors(
    random_plan: tuple[list[Any], list[tuple[int, str, bool]]],
) -> None:
    cases, plan = random_plan
    assert outcomes(plan, cases) == outcomes(plan, cases, without=[moto_update_expressions])


def test_every_case_once_in_order() -> None:
    """Each kind of update and of refusal, at least once, on an existing item and a new one."""
    plan = [(case, pk, False) for case in range(len(CASES)) for pk in ("k1", "new")]
    cached = outcomes(plan, CASES)
    assert cached == outcomes(plan, CASES, without=[moto_update_expressions])
    errors = {o[0]["Message"] for o in cached if isinstance(o, tuple)}
    assert any("SET" in m for m in errors) and any(":missing" in m for m in errors)


def test_an_update_parses_its_expression_once() -> None:
    from moto.dynamodb.parsing.tokens import ExpressionTokenizer

    calls: list[str] = []
    original = ExpressionTokenizer.make_list
    ExpressionTokenizer.make_list = (  # type: ignore[method-assign]
        lambda expression: calls.append(expression) or original(expression)
    )
    try:
        outcomes([(1, "k1", False), (1, "k2", True), (1, "new", False)], CASES, check=False)
    finally:
        ExpressionTokenizer.make_list = original  # type: ignore[method-assign]
    assert calls.count(CASES[1][0]) == 1


def test_the_throwaway_pre_check_never_runs_a_processor_over_the_shared_tree() -> None:
    """moto_patches skips the copy for moto's pre-check of a new item: its validate() must
    hand the tree back untouched, whatever the expression."""
    from moto.dynamodb.models.dynamo_type import DynamoType, Item
    from moto.dynamodb.parsing.ast_nodes import DepthFirstTraverser  # type: ignore[attr-defined]
    from moto.dynamodb.parsing.validators import UpdateExpressionValidator

    moto_patches.install()
    traversed: list[Any] = []
    original = DepthFirstTraverser.traverse
    DepthFirstTraverser.traverse = lambda self, node: traversed.append(node) or original(self, node)
    try:
        for expression, names, values in CASES:
            try:
                tree = moto_update_expressions.parsed(expression)
            except Exception:
                continue
            before = fingerprint(tree)
            validator = UpdateExpressionValidator(
                tree,
                expression_attribute_names=names,
                expression_attribute_values=values,
                item=Item(DynamoType({"S": "new"}), None, attrs={}),
                table=None,
            )
            assert validator.validate() is tree
            assert fingerprint(tree) == before
        assert traversed == []
    finally:
        DepthFirstTraverser.traverse = original  # type: ignore[method-assign]
        moto_patches.uninstall()
