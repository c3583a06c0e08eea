"""Apply the plainest DynamoDB updates without moto's expression machinery.

Most updates the stack sends set top-level attributes: ``SET a = :a, #b = :b`` and the
upsert form ``SET #a = if_not_exists(#a, :a)``. moto 5.2.5 handles each by copying the
parsed tree, running ten validation passes over it, executing it node by node, and
re-measuring the size of the whole item at every attribute it sets; that was two thirds of
a transaction's time in the local stack under load.

``update_item`` here takes only updates whose outcome it can state in full beforehand:
one SET clause of top-level attributes, each set to a value or kept with
``if_not_exists`` on itself, and at most one ADD clause of numbers to top-level
attributes (the conversation's message count); every name and value defined; no key
attribute, reserved word, repeated attribute, typed index key of the wrong type or empty
index key; an item that stays far below the size limit; a table without a stream. It then
does what moto's ``DynamoDBBackend.update_item`` does, step by step (the same key handling,
the same condition check with the same errors, the same item creation) and sets the
attributes. For anything else it answers ``None`` and moto's own code runs, so every error
is moto's. Checked against moto on random updates (tests/tools/test_moto_fast_updates.py).
One difference, on purpose: a SET of a couple of hundred attributes, which moto fails with
an internal RecursionError (its recursive copy of the tree), succeeds, as in DynamoDB.
"""

import functools
import re
from dataclasses import dataclass
from typing import Any

from moto.dynamodb.comparisons import create_condition_expression_parser
from moto.dynamodb.exceptions import ConditionalCheckFailed
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.utilities import bytesize
from moto.dynamodb.parsing.expressions import UpdateExpressionParser  # type: ignore[attr-defined]
from moto.dynamodb.parsing.reserved_keywords import ReservedKeywords

# moto refuses an item above 405,000 bytes by its own measure; we decide only far below it.
SIZE_MARGIN = 300_000
_NAME = r"#?[A-Za-z_][A-Za-z0-9_]*"
_VALUE = r":[A-Za-z0-9_]+"
_END = r"\s*(?P<end>,|$|(?=(?i:SET|ADD)\s))"
_SET_ACTION = re.compile(
    rf"\s*(?P<target>{_NAME})\s*=\s*(?:(?P<value>{_VALUE})"
    rf"|if_not_exists\s*\(\s*(?P<kept>{_NAME})\s*,\s*(?P<default>{_VALUE})\s*\)){_END}"
)
_ADD_ACTION = re.compile(rf"\s*(?P<target>{_NAME})\s+(?P<value>{_VALUE}){_END}")
_CLAUSE = re.compile(r"\s*(?P<clause>SET|ADD)\s", re.IGNORECASE)


@dataclass(frozen=True)
class Action:
    clause: str  # "SET" or "ADD"
    target: str  # a name or a #placeholder
    value: str  # a :placeholder
    keeps: bool = False  # SET target = if_not_exists(target, value)


@functools.lru_cache(maxsize=1024)
def plan(expression: str) -> tuple[Action, ...] | None:
    """The actions of an expression of one SET and at most one ADD clause of the plain
    kinds above, in any order; None for anything else."""
    actions: list[Action] = []
    seen: set[str] = set()
    position = 0
    while position < len(expression) or not actions:
        clause = _CLAUSE.match(expression, position)
        if clause is None or clause["clause"].upper() in seen:
            return None
        kind = clause["clause"].upper()
        seen.add(kind)
        position = clause.end()
        pattern = _SET_ACTION if kind == "SET" else _ADD_ACTION
        while True:
            found = pattern.match(expression, position)
            if found is None:
                return None
            position = found.end()
            if kind == "ADD" or found["kept"] is None:
                actions.append(Action(kind, found["target"], found["value"]))
            elif found["kept"] == found["target"]:
                actions.append(Action(kind, found["target"], found["default"], keeps=True))
            else:  # keeping another attribute's value: moto's way
                return None
            if found["end"] != ",":
                break
    return tuple(actions)


def _name(token: str, names: dict[str, str] | None) -> str | None:
    if token.startswith("#"):
        return (names or {}).get(token)
    if token.upper() in ReservedKeywords.get_reserved_keywords():
        return None
    return token


def _size(attrs: dict[str, Any]) -> int:
    """moto's own measure of an item (LimitedSizeDict.__setitem__)."""
    return sum(bytesize(str(k)) for k in attrs) + sum(
        v.size() if type(v) is DynamoType else bytesize(str(v)) for v in attrs.values()
    )


def update_item(
    backend: DynamoDBBackend,
    table_name: str,
    key: dict[str, dict[str, Any]],
    *,
    update_expression: str,
    expression_attribute_names: dict[str, Any] | None,
    expression_attribute_values: dict[str, Any] | None,
    attribute_updates: dict[str, Any] | None = None,
    expected: dict[str, Any] | None = None,
    condition_expression: str | None = None,
    return_values_on_condition_check_failure: str | None = None,
) -> Item | None:
    """The updated item, or None when moto must do this update itself. Called as moto's
    handler and transactions call DynamoDBBackend.update_item: with keywords."""
    if attribute_updates or expected or not update_expression:
        return None
    actions = plan(update_expression)
    table = backend.get_table(table_name)
    if actions is None or table.stream_shard is not None:
        return None
    UpdateExpressionParser.make(update_expression)  # moto's syntax errors come first
    names, values = expression_attribute_names or {}, expression_attribute_values or {}
    targets = _targets(actions, names, values, table)
    if targets is None:
        return None

    # moto's update_item from here: the key, the item, the condition, the new values
    hash_value, range_value = _key_values(table, key)
    item = table.get_item(hash_value, range_value)
    condition = create_condition_expression_parser(
        condition_expression, expression_attribute_names, expression_attribute_values
    ).parse()
    if not condition.expr(item):
        if return_values_on_condition_check_failure == "ALL_OLD" and item is not None:
            raise ConditionalCheckFailed(item=item.to_json()["Attributes"])
        raise ConditionalCheckFailed
    current = item.attrs if item is not None else {}
    new_values = _new_values(targets, values, current, table)
    if new_values is None:
        return None
    # Above what moto measures at any of its steps: the item as it is, plus every new value.
    grown = _size(current) + sum(bytesize(n) + v.size() for n, v in new_values)
    if item is None:
        grown += bytesize(str(table.hash_key_attr)) + hash_value.size()
        if range_value is not None:
            grown += bytesize(str(table.range_key_attr)) + range_value.size()
    if grown > SIZE_MARGIN:
        return None

    if item is None:  # an update creates the item it does not find, as moto does
        data: dict[str, Any] = {table.hash_key_attr: {hash_value.type: hash_value.value}}
        if range_value:
            data[table.range_key_attr] = {range_value.type: range_value.value}  # type: ignore[index]
        table.put_item(data)
        item = table.get_item(hash_value, range_value)
    assert item is not None
    for name, value in new_values:
        # The size was bounded above, so moto's per-attribute measuring cannot refuse it.
        dict.__setitem__(item.attrs, name, value)
    return item


def _targets(
    actions: tuple[Action, ...], names: dict[str, str], values: dict[str, Any], table: Any
) -> list[tuple[str, Action]] | None:
    """Each action's attribute, when every one is defined, free to set and set once."""
    targets: list[tuple[str, Action]] = []
    for action in actions:
        name = _name(action.target, names)
        if name is None or action.value not in values or name in table.table_key_attrs:
            return None
        targets.append((name, action))
    if len({name for name, _ in targets}) != len(targets):
        return None  # overlapping paths: moto's error
    return targets


def _key_values(table: Any, key: dict[str, Any]) -> tuple[DynamoType, DynamoType | None]:
    """moto's reading of the key, case by case."""
    if all([table.hash_key_attr in key, table.range_key_attr in key]):
        return DynamoType(key[table.hash_key_attr]), DynamoType(key[table.range_key_attr])
    if table.hash_key_attr in key:
        return DynamoType(key[table.hash_key_attr]), None
    return DynamoType(key), None


def _new_values(
    targets: list[tuple[str, Action]], values: dict[str, Any], current: dict[str, Any], table: Any
) -> list[tuple[str, DynamoType]] | None:
    """What each attribute becomes, or None where moto would refuse the update."""
    new_values: list[tuple[str, DynamoType]] = []
    for name, action in targets:
        given = DynamoType(values[action.value])
        present = current.get(name)
        if action.clause == "ADD":
            # Numbers only; moto's AddExecutor: a missing attribute counts from 0.
            if given.type != "N" or (present is not None and present.type != "N"):
                return None
            new_values.append((name, (present or DynamoType({"N": "0"})) + given))
            continue
        value = present if action.keeps and present is not None else given
        if not value.value and value.type in ("S", "B") and name in table.attribute_keys:
            return None  # an empty index key: moto's error
        if any(d["AttributeName"] == name and d["AttributeType"] != value.type for d in table.attr):
            return None  # a typed key attribute of another type: moto's error
        new_values.append((name, value))
    return new_values
