"""Parse each DynamoDB condition once, not at every write.

moto 5.2.5 parses a ConditionExpression with its hand-written tokenizer and parser every
time it checks one, and a transaction checks each condition twice (once for the whole
transaction, once more in the write itself). The stack sends a few conditions
(``attribute_not_exists(pk)``, ``#status = :seen``, the idempotency record's) thousands of
times; after the plain updates were made cheap, parsing them was a fifth of the emulator's
time under load.

A parse depends only on the expression, the names it uses and the values it uses, so its
result is kept under those three. The parsed tree is not changed by evaluating it (each
``expr`` only reads the item and its own operands), so one tree serves every check. What
the parser also records on itself (the names and values it found, which moto's handler
checks against those sent) is recorded on each parser as moto would. A parse that fails
is not kept: moto's own parse then runs with everything it was sent and raises its error.
"""

import functools
import json
import re
from typing import Any

from moto.dynamodb.comparisons import ConditionExpressionParser

ORIGINAL_PARSE = ConditionExpressionParser.parse
_PLACEHOLDER = re.compile(r"[#:][A-Za-z0-9_]+")


@functools.lru_cache(maxsize=2048)
def _parsed(expression: str, names: str, values: str) -> tuple[Any, list[str], list[str]]:
    parser = ConditionExpressionParser(expression, json.loads(names), json.loads(values))
    tree = ORIGINAL_PARSE(parser)
    return tree, list(parser.expr_attr_names_found), list(parser.expr_attr_values_found)


def _parse(self: ConditionExpressionParser) -> Any:
    expression = self.condition_expression
    if type(self) is not ConditionExpressionParser or not isinstance(expression, str):
        return ORIGINAL_PARSE(self)
    names = self.expression_attribute_names or {}
    values = self.expression_attribute_values or {}
    used = set(_PLACEHOLDER.findall(expression))
    # The key: the expression, and the names and values it can refer to.
    try:
        tree, names_found, values_found = _parsed(
            expression,
            json.dumps({k: v for k, v in names.items() if k in used}, sort_keys=True),
            json.dumps({k: v for k, v in values.items() if k in used}, sort_keys=True),
        )
    except Exception:  # moto's own parse gives the error, with all it was sent
        return ORIGINAL_PARSE(self)
    self.expr_attr_names_found.extend(names_found)
    self.expr_attr_values_found.extend(values_found)
    return tree


def install() -> None:
    ConditionExpressionParser.parse = _parse  # type: ignore[method-assign]


def uninstall() -> None:
    ConditionExpressionParser.parse = ORIGINAL_PARSE  # type: ignore[method-assign]
    _parsed.cache_clear()
