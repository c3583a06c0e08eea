"""Copy a parsed UpdateExpression for moto's validator without ``copy.deepcopy``.

moto 5.2.5's ``Validator.__init__`` deep-copies the parsed tree of every update before
validating it, since the validation rewrites the tree in place (and the parse is shared:
moto_update_expressions). ``deepcopy`` asks each node how to reduce itself and rebuilds it
from the answer, some fifteen calls a node: for the conversation upsert (20 clauses, ~160
nodes) that copy was 40% of an update's validation.

``clone`` makes the copy deepcopy makes, directly: for a ``Node`` whose class deepcopy
rebuilds the plain way (a new object of the class, then its ``__dict__`` copied into it),
a new object of the class with its ``__dict__`` copied; a plain list copied item by item;
str, int, float, bool and None shared; anything else handed to ``copy.deepcopy``. Every
copy is recorded in one memo, deepcopy's, so an object reached twice (a child's parent
link) is copied once, whichever of the two copies it first. A root that has a parent, or
a tree deeper than deepcopy's stack reaches, is left to ``copy.deepcopy`` entirely.
"""

import copy
import copyreg
from typing import Any

from moto.dynamodb.parsing import validators
from moto.dynamodb.parsing.ast_nodes import Node  # type: ignore[attr-defined]

ORIGINAL_DEEPCOPY = validators.deepcopy  # type: ignore[attr-defined]
SHARED = frozenset({str, int, float, bool, type(None)})  # deepcopy returns these as they are
FIELDS = frozenset({"type", "children", "parent"})  # what Node.__init__ sets
# deepcopy takes six frames a level of a tree (and fails at ~160 levels, a SET of ~150
# clauses): a deeper tree is copied by deepcopy itself, so it fails where moto's would.
MAX_DEPTH = 100
_DEFAULTS = ("__new__", "__reduce_ex__", "__reduce__", "__getstate__", "__getattribute__")
_OVERRIDES = ("__deepcopy__", "__setstate__", "__getattr__", "__slots__")
_plain_classes: dict[type, bool] = {}


class _TooDeep(Exception):
    pass


def _plain(cls: type) -> bool:
    """deepcopy rebuilds an instance of cls as ``cls.__new__(cls)`` given a copy of its
    ``__dict__``: a Node class that changes none of what deepcopy asks."""
    _plain_classes[cls] = (
        issubclass(cls, Node)
        and cls not in copyreg.dispatch_table
        and all(getattr(cls, name) is getattr(object, name) for name in _DEFAULTS)
        and not any(hasattr(cls, name) for name in _OVERRIDES)
    )
    return _plain_classes[cls]


def _copy(value: Any, memo: dict[int, Any], depth: int) -> Any:
    cls = type(value)
    if cls in SHARED:
        return value
    known = memo.get(id(value))
    if known is not None:
        return known
    if cls is list:
        items: list[Any] = []
        memo[id(value)] = items
        for item in value:
            items.append(item if type(item) in SHARED else _copy(item, memo, depth))
        return items
    plain = _plain_classes.get(cls)
    if not (_plain(cls) if plain is None else plain) or not value.__dict__.keys() <= FIELDS:
        return copy.deepcopy(value, memo)
    if depth > MAX_DEPTH:
        raise _TooDeep
    node = object.__new__(cls)
    memo[id(value)] = node
    state = {}
    depth += 1
    for key, item in value.__dict__.items():
        state[key] = item if type(item) in SHARED else _copy(item, memo, depth)
    node.__dict__ = state
    return node


def clone(expression: Any) -> Any:
    """What ``copy.deepcopy(expression)`` returns, made faster for a parsed tree."""
    if not isinstance(expression, Node) or expression.parent is not None:
        return copy.deepcopy(expression)
    try:
        return _copy(expression, {}, 0)
    except _TooDeep:
        return copy.deepcopy(expression)


def _deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
    if memo is None and isinstance(value, Node):
        return clone(value)
    return copy.deepcopy(value, memo)


def install() -> None:
    _plain_classes.clear()
    validators.deepcopy = _deepcopy  # type: ignore[attr-defined, assignment]


def uninstall() -> None:
    validators.deepcopy = ORIGINAL_DEEPCOPY  # type: ignore[attr-defined]
