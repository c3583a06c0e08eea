"""moto's UpdateExpression validation passes walk the tree with
socialcare_tools.local.moto_ast_traversal: the same validated tree or the same first error as moto's
own walk, and the same items and errors."""

import hashlib
import inspect
from typing import Any
from unittest.mock import patch

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table
from moto.dynamodb.parsing.ast_nodes import DepthFirstTraverser  # type: ignore[attr-defined]
from moto.dynamodb.parsing.expressions import UpdateExpressionParser  # type: ignore[attr-defined]
from moto.dynamodb.parsing.validators import (
    ExpressionAttributeResolvingProcessor,
    UpdateExpressionValidator,
)

from socialcare_tools.local import moto_ast_traversal, moto_patches, moto_update_expressions
from tests.support.moto_updates import (
    START,
    fingerprint,
    outcomes,
    random_plans,
    update_expressions,
    upsert,
)

# moto's validator is what these tests are about: plain updates must reach it
pytestmark = pytest.mark.usefixtures("moto_validation_path")

# The walk moto's replaced (DepthFirstTraverser), and the processors it runs with their maps
# of node kinds to handlers, each a literal of the processor's own methods (validators).
REVIEWED = {
    "DepthFirstTraverser": "ec3e3b9cd5fdd87f65cd0a2ac3627ffa7f8200d0c72f0e3f8b44eabadb3a3df5",
    "validators": "345c1740c0c674a72a5ed56f5ea01ba385ccb69a1bf21f8c134b389d9b41a3e3",
}


def _reviewed() -> dict[str, Any]:
    from moto.dynamodb.parsing import validators

    return {"DepthFirstTraverser": DepthFirstTraverser, "validators": validators}


def test_the_walk_and_the_processors_are_the_ones_we_reviewed() -> None:
    for name, source in _reviewed().items():
        digest = hashlib.sha256(inspect.getsource(source).encode()).hexdigest()
        assert digest == REVIEWED[name], f"{name} changed: review moto_ast_traversal"


# "a" is an index key, so that the passes checking keys' types and empty strings refuse some
TABLE = Table(
    "t",
    "123456789012",
    "eu-west-1",
    schema=[{"AttributeName": "pk", "KeyType": "HASH"}],
    attr=[
        {"AttributeName": "pk", "AttributeType": "S"},
        {"AttributeName": "a", "AttributeType": "S"},
    ],
    global_indexes=[
        {
            "IndexName": "by_a",
            "KeySchema": [{"AttributeName": "a", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"},
        }
    ],
)


def _validated(case: tuple[str, dict[str, str], dict[str, Any]], attrs: dict[str, Any]) -> Any:
    """The validated tree's structure and values, or the error validation stopped at."""
    expression, names, values = case
    tree = moto_update_expressions.ORIGINAL_MAKE.__func__(UpdateExpressionParser, expression)
    item = Item(DynamoType({"S": "k1"}), None, {"pk": {"S": "k1"}, **attrs})
    try:
        validated = UpdateExpressionValidator(
            tree,
            expression_attribute_names=names,
            expression_attribute_values=values,
            item=item,
            table=TABLE,
        ).validate()
    except Exception as error:
        return type(error).__name__, str(error)
    return fingerprint(validated)


def _with_traverse(traverse: Any, *args: Any) -> Any:
    with patch.object(DepthFirstTraverser, "traverse", traverse):
        return _validated(*args)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(update_expressions(), st.sets(st.sampled_from(sorted(START))))
def test_the_walk_validates_as_moto_s(
    case: tuple[str, dict[str, str], dict[str, Any]], present: set[str]
) -> None:
    try:
        moto_update_expressions.ORIGINAL_MAKE.__func__(UpdateExpressionParser, case[0])
    except Exception:
        assume(False)
    attrs = {name: START[name] for name in present}  # none: a new item, only its key
    ours = _with_traverse(moto_ast_traversal.traverse, case, attrs)
    assert ours == _with_traverse(moto_ast_traversal.ORIGINAL_TRAVERSE, case, attrs)


def test_the_walk_validates_the_conversation_upsert_as_moto_s() -> None:
    for attrs in ({}, {"f0": {"S": "there"}, "message_count": {"N": "3"}}, {"p1": {"N": "1"}}):
        ours = _with_traverse(moto_ast_traversal.traverse, upsert(11, 9), attrs)
        assert ours == _with_traverse(moto_ast_traversal.ORIGINAL_TRAVERSE, upsert(11, 9), attrs)
        assert len(ours) == 3  # a tree (type, parent, children), not an error


def test_a_traverser_that_walks_its_own_way_is_walked_by_moto() -> None:
    walked: list[Any] = []

    class OwnWalk(ExpressionAttributeResolvingProcessor):  # type: ignore[misc]
        def traverse_node_recursively(self, node: Any, child_id: int = -1) -> Any:
            walked.append(node)
            return super().traverse_node_recursively(node, child_id)

    tree = moto_update_expressions.ORIGINAL_MAKE.__func__(UpdateExpressionParser, "SET a = b")
    item = Item(DynamoType({"S": "k1"}), None, {"pk": {"S": "k1"}, "b": {"S": "x"}})
    moto_ast_traversal.traverse(OwnWalk({}, item), tree)
    assert walked[0] is tree and len(walked) > 1  # moto recursed through its own method


def test_long_updates_give_the_same_items_and_errors() -> None:
    deep = "SET " + ", ".join(f"a{i} = :s" for i in range(110))  # copied by deepcopy
    cases = [upsert(11, 9), (deep, {}, {":s": {"S": "x"}})]
    plan = [(case, pk, pk == "k1") for case in range(len(cases)) for pk in ("k1", "new")]
    walked = outcomes(plan, cases, check=False)
    assert walked == outcomes(plan, cases, without=[moto_ast_traversal], check=False)
    assert not any(isinstance(answer, tuple) for answer in walked[:-1])


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_plans)
def test_walked_trees_give_the_same_items_and_errors(
    random_plan: tuple[list[Any], list[tuple[int, str, bool]]],
) -> None:
    cases, plan = random_plan
    assert outcomes(plan, cases) == outcomes(plan, cases, without=[moto_ast_traversal])


def test_install_and_uninstall() -> None:
    moto_patches.install()
    try:
        assert DepthFirstTraverser.traverse is moto_ast_traversal.traverse
    finally:
        moto_patches.uninstall()
    assert DepthFirstTraverser.traverse is moto_ast_traversal.ORIGINAL_TRAVERSE
