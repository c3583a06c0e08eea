"""Parsed UpdateExpressions are shared between updates
(socialcare_tools.local.moto_update_expressions): the same items and the same errors as
parsing each time, however often and in whatever order the expressions are applied, and the
shared trees never change."""

import hashlib
import inspect
import re
from collections.abc import Iterable
from types import ModuleType
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws

from socialcare_tools.local import moto_patches, moto_update_expressions

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

# Random update expressions: every kind of action, path, operand and function moto knows,
# on attributes an item has or lacks, of fitting and unfitting types; now and then one
# refused for a reserved word, a key attribute, an undefined name or value, a second
# clause of a kind, overlapping paths or a syntax error.
NAMES = {"#n": "name", "#c": "cnt", "#l": "l", "#k": "pk"}
VALUES: dict[str, Any] = {
    ":s": {"S": "x"},
    ":e": {"S": ""},
    ":n": {"N": "2"},
    ":l": {"L": [{"N": "1"}, {"S": "y"}]},
    ":m": {"M": {"inner": {"S": "i"}}},
    ":ss": {"SS": ["p", "q"]},
    ":ns": {"NS": ["1", "3"]},
    ":b": {"BOOL": True},
}
START = {  # the items k1 and k2 the updates start from
    "a": {"S": "start"},
    "cnt": {"N": "5"},
    "l": {"L": [{"N": "1"}, {"S": "two"}, {"M": {"x": {"N": "3"}}}]},
    "m": {"M": {"inner": {"S": "i"}, "deep": {"M": {"x": {"N": "1"}}}}},
    "tags": {"SS": ["p", "r"]},
    "name": {"S": "n"},
}
ATTRIBUTES = ["a", "cnt", "l", "m", "tags", "zz", "yy", "#n", "#c", "#l"]
ODD = ["name", "pk", "#k", "#u"]  # a reserved word, the key (twice), an undefined name
STEPS = [".inner", ".deep", ".x", "[0]", "[1]", "[2]", "[7]"]


def case_of(expression: str) -> tuple[str, dict[str, str], dict[str, Any]]:
    """The expression with the names and values it uses (moto refuses unused ones)."""
    used = set(re.findall(r"[#:]\w+", expression))
    return (
        expression,
        {k: v for k, v in NAMES.items() if k in used},
        {k: v for k, v in VALUES.items() if k in used},
    )


@st.composite
def update_expressions(draw: st.DrawFn) -> tuple[str, dict[str, str], dict[str, Any]]:
    targets = iter(draw(st.permutations(ATTRIBUTES)))  # distinct, so paths seldom overlap

    def chance(one_in: int) -> bool:  # the middle of the range: hypothesis favours its ends
        return draw(st.integers(0, one_in - 1)) == one_in // 2

    def path(target: bool) -> str:
        if chance(12):
            base = draw(st.sampled_from(ODD + ATTRIBUTES))
        else:
            base = next(targets, "a") if target else draw(st.sampled_from(ATTRIBUTES))
        steps = draw(st.lists(st.sampled_from(STEPS), max_size=2)) if chance(4) else []
        return base + "".join(steps)

    def value() -> str:
        return ":missing" if chance(15) else draw(st.sampled_from(sorted(VALUES)))

    def operand(depth: int = 0) -> str:
        kind = draw(st.sampled_from(["value", "path", "if_not_exists", "list_append"]))
        if depth and "_" in kind and not chance(6):
            kind = "value"  # mostly: moto does not parse a function within a function
        if kind == "value":
            return value()
        if kind == "path":
            return path(target=False)
        if kind == "if_not_exists":
            return f"if_not_exists({path(target=False)}, {operand(depth + 1)})"
        return f"list_append({operand(depth + 1)}, {operand(depth + 1)})"

    def action(kind: str) -> str:
        if kind == "REMOVE":
            return path(target=True)
        if kind != "SET":
            return f"{path(target=True)} {value()}"
        if chance(4):
            sign = draw(st.sampled_from("+-"))
            return f"{path(target=True)} = {operand()} {sign} {operand()}"
        return f"{path(target=True)} = {operand()}"

    kinds = draw(
        st.lists(st.sampled_from(["SET", "SET", "REMOVE", "ADD", "DELETE"]), min_size=1, max_size=3)
    )
    clauses = [
        f"{kind} {', '.join(action(kind) for _ in range(draw(st.integers(1, 3))))}"
        for kind in (dict.fromkeys(kinds) if not chance(10) else kinds)  # mostly one of a kind
    ]
    junk = draw(st.sampled_from([""] * 15 + [",", " SET", " a"]))  # now and then no expression
    return case_of(" ".join(clauses) + junk)


def _apply(
    client: Any, case: tuple[str, dict[str, str], dict[str, Any]], pk: str, in_transaction: bool
) -> Any:
    expression, names, values = case
    update: dict[str, Any] = {
        "TableName": "t",
        "Key": {"pk": {"S": pk}},
        "UpdateExpression": expression,
    }
    if names:
        update["ExpressionAttributeNames"] = names
    if values:
        update["ExpressionAttributeValues"] = values
    try:
        if in_transaction:
            return client.transact_write_items(TransactItems=[{"Update": update}])[
                "ResponseMetadata"
            ]["HTTPStatusCode"]
        return client.update_item(ReturnValues="ALL_NEW", **update).get("Attributes")
    except ClientError as error:
        return error.response["Error"], error.response.get("CancellationReasons")
    except Exception as error:  # moto fails on some refusals (undefined names) with a KeyError
        return type(error).__name__, str(error)


def outcomes(
    plan: list[tuple[int, str, bool]],
    cases: list[tuple[str, dict[str, str], dict[str, Any]]],
    without: Iterable[ModuleType] = (),
    check: bool = True,
) -> list[Any]:
    """What each planned update answers, twice over, and the items it leaves: with all of
    moto_patches installed, but for the shortcut modules ``without`` names."""
    moto_patches.install()
    for module in without:
        module.uninstall()
    cached = moto_update_expressions not in without
    try:
        with mock_aws():
            client = boto3.client("dynamodb", region_name="eu-west-1")
            client.create_table(
                TableName="t",
                BillingMode="PAY_PER_REQUEST",
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            )
            for pk in ("k1", "k2"):
                client.put_item(TableName="t", Item={"pk": {"S": pk}, **START})
            answers = []
            for _ in range(2):  # each expression again, on items the first round changed
                for case, pk, in_transaction in plan:
                    answers.append(_apply(client, cases[case], pk, in_transaction))
            answers.append(sorted(client.scan(TableName="t")["Items"], key=lambda i: i["pk"]["S"]))
            if cached and check:
                _assert_the_shared_trees_are_as_parsed(cases)
            return answers
    finally:
        moto_patches.uninstall()


def fingerprint(node: Any, parent: Any = None) -> Any:
    """A parsed tree's whole structure: node types, values, and parent links."""
    from moto.dynamodb.parsing.ast_nodes import Node  # type: ignore[attr-defined]

    if not isinstance(node, Node):
        return repr(node)
    children = None if node.children is None else [fingerprint(c, node) for c in node.children]
    return type(node).__name__, node.parent is parent, children


def _assert_the_shared_trees_are_as_parsed(
    cases: list[tuple[str, dict[str, str], dict[str, Any]]],
) -> None:
    for expression, _, _ in cases:
        try:
            fresh = moto_update_expressions.ORIGINAL_MAKE.__func__(
                moto_update_expressions.UpdateExpressionParser, expression
            )
        except Exception:
            continue
        assert fingerprint(moto_update_expressions.parsed(expression)) == fingerprint(fresh)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps)
def test_shared_parses_give_the_same_items_and_errors(plan: list[tuple[int, str, bool]]) -> None:
    assert outcomes(plan, CASES) == outcomes(plan, CASES, without=[moto_update_expressions])


# a few random expressions, each applied at random to an existing item or a new one
random_plans = st.tuples(
    st.lists(update_expressions(), min_size=1, max_size=4),
    st.lists(
        st.tuples(st.integers(0, 3), st.sampled_from(["k1", "k2", "new"]), st.booleans()),
        max_size=10,
    ),
).map(lambda p: (p[0], [(i % len(p[0]), pk, tx) for i, pk, tx in p[1]] or [(0, "k1", False)]))


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
