"""Random DynamoDB updates and what moto makes of them, for the tests of the local
emulator's fast update paths against stock moto."""

import re
from collections.abc import Iterable
from types import ModuleType
from typing import Any

import boto3
from botocore.exceptions import ClientError
from hypothesis import strategies as st
from moto import mock_aws

from socialcare_tools.local import moto_patches, moto_update_expressions
from tests.support.tables import create_table

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
            create_table(client, "t", {"pk": "S"})
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


def upsert(first: int, plain: int) -> tuple[str, dict[str, str], dict[str, Any]]:
    """Shaped like the conversation upsert (DynamoStore._conversation_update)."""
    sets = [f"#f{i} = if_not_exists(#f{i}, :f{i})" for i in range(first)]
    sets += [f"#p{i} = :p{i}" for i in range(plain)]
    names = {f"#f{i}": f"f{i}" for i in range(first)} | {f"#p{i}": f"p{i}" for i in range(plain)}
    values = {f":f{i}": {"S": f"first {i}"} for i in range(first)}
    values |= {f":p{i}": {"S": f"plain {i}"} for i in range(plain)} | {":one": {"N": "1"}}
    return f"SET {', '.join(sets)} ADD #c :one", names | {"#c": "message_count"}, values


# a few random expressions, each applied at random to an existing item or a new one
random_plans = st.tuples(
    st.lists(update_expressions(), min_size=1, max_size=4),
    st.lists(
        st.tuples(st.integers(0, 3), st.sampled_from(["k1", "k2", "new"]), st.booleans()),
        max_size=10,
    ),
).map(lambda p: (p[0], [(i % len(p[0]), pk, tx) for i, pk, tx in p[1]] or [(0, "k1", False)]))
