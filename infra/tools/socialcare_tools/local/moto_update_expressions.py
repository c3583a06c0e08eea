"""Parse each DynamoDB UpdateExpression once, not at every update.

moto 5.2.5 tokenizes and parses an UpdateExpression with its hand-written recursive parser
twice for every update: the request handler (``update_item``, or ``transact_write_items``
for each Update) parses it to check the names and values it uses, then
``DynamoDBBackend.update_item`` parses it again. The local stack sends the same few
expressions over and over; the parsing was a fifth of a transaction's time.

Sharing a parsed tree is safe because nothing changes it after parsing (checked over moto's
code): the handlers only read it (``find_clauses``), and the backend hands it to
``UpdateExpressionValidator``, whose ``Validator.__init__`` deep-copies it; the validation
rewrites, ``normalize`` and the executor all work on that copy. The one validator that does
not copy is moto_patches' shortcut for moto's throwaway pre-check of a new item, and it
returns the tree without running a single processor over it. A parse that fails raises and
is not cached, so a bad expression fails every time, with the same error.
"""

import functools
from typing import Any

from moto.dynamodb.parsing.expressions import UpdateExpressionParser  # type: ignore[attr-defined]

ORIGINAL_MAKE = UpdateExpressionParser.__dict__["make"]  # the classmethod itself, to restore


@functools.lru_cache(maxsize=1024)
def parsed(expression: str) -> Any:
    return ORIGINAL_MAKE.__func__(UpdateExpressionParser, expression)


def _make(cls: type, expression_str: str) -> Any:
    if cls is not UpdateExpressionParser:  # no subclass does, but it would parse its own way
        return ORIGINAL_MAKE.__func__(cls, expression_str)
    return parsed(expression_str)


def install() -> None:
    UpdateExpressionParser.make = classmethod(_make)


def uninstall() -> None:
    UpdateExpressionParser.make = ORIGINAL_MAKE
    parsed.cache_clear()
