"""moto's validator copies a parsed UpdateExpression with socialcare_tools.local.moto_ast_clone
instead of copy.deepcopy: the copy deepcopy makes, and the same items and errors."""

import copy
import hashlib
import inspect
import types
from typing import Any
from unittest.mock import ANY, patch

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.parsing.ast_nodes import Node  # type: ignore[attr-defined]
from moto.dynamodb.parsing.expressions import UpdateExpressionParser  # type: ignore[attr-defined]

from socialcare_tools.local import moto_ast_clone, moto_patches, moto_update_expressions
from tests.support.moto_updates import (
    fingerprint,
    outcomes,
    random_plans,
    update_expressions,
    upsert,
)

# moto's validator is what these tests are about: plain updates must reach it
pytestmark = pytest.mark.usefixtures("moto_validation_path")

# The clone relies on these: Validator.__init__ copies the tree with the validators module's
# deepcopy (the one other use, list_append's copy of a list value, is passed on as it is);
# Node.__init__ sets a node's fields; and the clone does what these do with a plain object.
REVIEWED = {
    "Validator.__init__": "9489b532dd0fb359e273711c1a67971f1b73af47ddbaa91868e9cc42a26ddbb3",
    "UpdateExpressionFunctionEvaluator.process_function": "536966a18d2a7414f6486dd9d577e72bc03e6586984e27393f8208cf8399a382",  # noqa: E501
    "Node.__init__": "73e3e0773294a2bfd242df71304525d49da5ef540d03b9b82455a292a125cd7d",
    "copy.deepcopy": "1aa3f74c774282a71effee3c03f1caf86bc4c007e17a990272bc553222881c02",
    "copy._reconstruct": "5fdc36411504e8d96f605076f49b568ed976708d016ee362f58b13951ce0dc8f",
    "copy._deepcopy_list": "88c03a29575ccef656fb262caf92f75c9f4c3c7e1532b05619316a79840e65b2",
    "copy._deepcopy_dict": "710d2676b49c2da34487c4f0aca9b217242b5184d006883ff045604200d75881",
}


def _reviewed() -> dict[str, Any]:
    from moto.dynamodb.parsing.validators import UpdateExpressionFunctionEvaluator, Validator

    return {
        "Validator.__init__": Validator.__init__,
        "UpdateExpressionFunctionEvaluator.process_function": (
            UpdateExpressionFunctionEvaluator.process_function
        ),
        "Node.__init__": Node.__init__,
        "copy.deepcopy": copy.deepcopy,
        "copy._reconstruct": copy._reconstruct,  # type: ignore[attr-defined]
        "copy._deepcopy_list": copy._deepcopy_list,  # type: ignore[attr-defined]
        "copy._deepcopy_dict": copy._deepcopy_dict,  # type: ignore[attr-defined]
    }


def test_what_the_clone_relies_on_is_what_we_reviewed() -> None:
    from moto.dynamodb.parsing import validators

    for name, function in _reviewed().items():
        digest = hashlib.sha256(inspect.getsource(function).encode()).hexdigest()
        assert digest == REVIEWED[name], (
            f"{name} changed: review socialcare_tools.local.moto_ast_clone"
        )
    assert inspect.getsource(validators).count("deepcopy(") == 2  # the two above


ATOMIC = (str, int, float, bool, type(None), types.FunctionType, type)


def _reachable(root: Any) -> set[int]:
    seen: set[int] = set()
    stack = [root]
    while stack:
        value = stack.pop()
        if isinstance(value, ATOMIC) or id(value) in seen:
            continue
        seen.add(id(value))
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list | tuple):
            stack.extend(value)
        elif hasattr(value, "__dict__"):
            stack.extend(vars(value).values())
    return seen


def assert_same_copy(original: Any, expected: Any, actual: Any) -> None:
    """actual is to original what expected (deepcopy's copy) is: the same classes and values,
    the same objects reached twice (a child's parent is the copy of its parent), and no
    object of the original in it but the ones deepcopy shares too."""
    source = _reachable(original)
    pairs: dict[int, Any] = {}
    back: dict[int, Any] = {}
    stack = [(expected, actual)]
    while stack:
        want, got = stack.pop()
        assert type(want) is type(got)
        if isinstance(want, ATOMIC):
            assert want == got
            continue
        if id(want) in pairs:
            assert pairs[id(want)] is got
            continue
        assert id(got) not in back
        pairs[id(want)], back[id(got)] = got, want
        assert (id(want) in source) == (id(got) in source)
        assert id(want) not in source or want is got
        if isinstance(want, dict):
            assert list(want) == list(got)
            stack.extend((want[k], got[k]) for k in want)
        elif isinstance(want, list | tuple):
            assert len(want) == len(got)
            stack.extend(zip(want, got, strict=True))
        elif hasattr(want, "__dict__"):
            assert list(vars(want)) == list(vars(got))
            stack.extend((v, vars(got)[k]) for k, v in vars(want).items())
        else:
            assert want == got


def _fresh(expression: str) -> Any:
    return moto_update_expressions.ORIGINAL_MAKE.__func__(UpdateExpressionParser, expression)


def _nodes(tree: Any) -> list[Any]:
    found: dict[int, Any] = {}
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, Node) and id(node) not in found:
            found[id(node)] = node
            stack.extend(node.children or [])
    return list(found.values())


class _Hooked(Node):  # type: ignore[misc]
    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        return ("copied by its own hook", self.type)


def _mutate(tree: Any, how: str, i: int, j: int) -> None:
    """Give a parsed tree a shape no parse has, for the clone to copy as deepcopy does."""
    nodes = _nodes(tree)
    one, other = nodes[i % len(nodes)], nodes[j % len(nodes)]
    if how == "shared child":
        one.children = [*(one.children or []), other]
    elif how == "shared children":
        one.children = other.children
    elif how == "parent elsewhere":
        one.parent = other
    elif how == "typed value":
        one.value = DynamoType({"L": [{"S": "v"}, {"M": {"n": {"N": "1"}}}]})
    elif how == "dict to a node":
        one.extra = {"node": other, "list": [other, one]}
    elif how == "own hook":
        one.__deepcopy__ = lambda memo: "copied by an instance's hook"
    elif how == "hooked class":
        one.children = [*(one.children or []), _Hooked(children=["x"])]
    elif how == "root parent":
        tree.parent = other


MUTATIONS = [
    "shared child",
    "shared children",
    "parent elsewhere",
    "typed value",
    "dict to a node",
    "own hook",
    "hooked class",
    "root parent",
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    update_expressions(),
    st.lists(st.tuples(st.sampled_from(MUTATIONS), st.integers(0, 999), st.integers(0, 999))),
)
def test_a_clone_is_the_copy_deepcopy_makes(
    case: tuple[str, dict[str, str], dict[str, Any]], mutations: list[tuple[str, int, int]]
) -> None:
    try:
        tree = _fresh(case[0])
    except Exception:
        assume(False)
    with patch.object(copy, "deepcopy", wraps=copy.deepcopy) as deepcopy:
        clone = moto_ast_clone.clone(tree)
    assert deepcopy.call_count == 0  # a parse is all nodes, lists and strings (or ints)
    assert_same_copy(tree, copy.deepcopy(tree), clone)
    assert fingerprint(clone) == fingerprint(tree)  # each node's parent is its copied parent
    for how, i, j in mutations:
        _mutate(tree, how, i, j)
    try:
        expected = copy.deepcopy(tree)
    except RecursionError:  # a mutation made a path longer than deepcopy's stack goes
        with pytest.raises(RecursionError):
            moto_ast_clone.clone(tree)
        return
    assert_same_copy(tree, expected, moto_ast_clone.clone(tree))


def _deep(clauses: int) -> str:
    return "SET " + ", ".join(f"a{i} = :s" for i in range(clauses))


def test_a_tree_deeper_than_deepcopy_goes_is_left_to_deepcopy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    copied: list[Any] = []
    original = copy.deepcopy
    monkeypatch.setattr(copy, "deepcopy", lambda x, *a: copied.append(x) or original(x, *a))
    shallow, deep = _fresh(_deep(90)), _fresh(_deep(110))  # 98 and 118 levels
    assert_same_copy(shallow, original(shallow), moto_ast_clone.clone(shallow))
    assert copied == []
    assert_same_copy(deep, original(deep), moto_ast_clone.clone(deep))
    assert copied[-1] is deep


def test_the_validator_copies_with_the_clone(monkeypatch: pytest.MonkeyPatch) -> None:
    clones: list[Any] = []
    original = moto_ast_clone.clone
    monkeypatch.setattr(moto_ast_clone, "clone", lambda tree: clones.append(tree) or original(tree))
    case = upsert(11, 9)
    answers = outcomes([(0, "k1", False), (0, "new", True)], [case], check=False)
    assert not any(isinstance(answer, tuple) for answer in answers[:-1])
    # twice each: an update of k1, then a new item (moto's throwaway pre-check copies nothing)
    assert len(clones) == 4
    assert all(tree is clones[0] for tree in clones)  # the shared parse
    assert fingerprint(clones[0]) == fingerprint(_fresh(case[0]))


def _overflow_said_alike(answer: Any) -> Any:
    """Python words a RecursionError after where the stack ran out ("maximum recursion depth
    exceeded", "... while calling a Python object"): the clone's call adds two frames."""
    if isinstance(answer, tuple) and answer[0] == "RecursionError":
        return "RecursionError"
    if isinstance(answer, tuple) and answer[1] and answer[1][0]["Code"] == "RecursionError":
        return answer[0], [{"Code": "RecursionError"}]
    return answer


def test_long_updates_give_the_same_items_and_errors() -> None:
    """The conversation upsert; one as deep as the clone goes; one it leaves to deepcopy; one
    too deep for deepcopy (moto fails it, with and without the clone)."""
    cases = [
        upsert(11, 9),
        (_deep(90), {}, {":s": {"S": "x"}}),
        (_deep(110), {}, {":s": {"S": "x"}}),
        (_deep(200), {}, {":s": {"S": "x"}}),
    ]
    plan = [(case, pk, pk == "k1") for case in range(len(cases)) for pk in ("k1", "new")]
    with_clone = [_overflow_said_alike(a) for a in outcomes(plan, cases, check=False)]
    without = outcomes(plan, cases, without=[moto_ast_clone], check=False)
    assert with_clone == [_overflow_said_alike(a) for a in without]
    assert not any(isinstance(answer, tuple) for answer in with_clone[:6])
    assert with_clone[6:8] == [
        ({"Message": ANY, "Code": "TransactionCanceledException"}, [{"Code": "RecursionError"}]),
        "RecursionError",
    ]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_plans)
def test_cloned_trees_give_the_same_items_and_errors(
    random_plan: tuple[list[Any], list[tuple[int, str, bool]]],
) -> None:
    cases, plan = random_plan
    assert outcomes(plan, cases) == outcomes(plan, cases, without=[moto_ast_clone])


def test_install_and_uninstall() -> None:
    from moto.dynamodb.parsing import validators

    moto_patches.install()
    try:
        assert validators.deepcopy is moto_ast_clone._deepcopy  # type: ignore[attr-defined]
    finally:
        moto_patches.uninstall()
    assert validators.deepcopy is copy.deepcopy  # type: ignore[attr-defined]
