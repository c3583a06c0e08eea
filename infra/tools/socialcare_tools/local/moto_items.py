"""An item's size checked once, not once per attribute.

moto 5.2.5 builds every stored item (a put, each put of a transaction, each update's new
version) attribute by attribute into a ``LimitedSizeDict`` whose every insert sums the sizes
of all the attributes already there, to refuse an item over DynamoDB's 400 KB. An item of n
attributes costs n²/2 size computations: a conversation row of ~30 attributes, ~450, on every
write. The sizes are all positive, so the running total passes the limit exactly when the
final total does: summing once at the end refuses the same items with the same error.
Derived from moto's ``Item.__init__`` (Apache-2.0); the original is pinned in
``tests/tools/test_moto_items.py``.
"""

from typing import Any

from moto.dynamodb.exceptions import ItemSizeTooLarge
from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
from moto.dynamodb.models.utilities import bytesize

ORIGINAL_ITEM_INIT = Item.__init__
ITEM_SIZE_LIMIT = 405000  # moto's own: between DynamoDB's measured 409 and 410 KB


def _attribute_size(value: Any) -> int:
    # as LimitedSizeDict measures: a DynamoType by its size, anything else by its text
    return value.size() if type(value) is DynamoType else bytesize(str(value))


def _item_init(
    self: Item, hash_key: DynamoType, range_key: DynamoType | None, attrs: dict[str, Any]
) -> None:
    self.hash_key = hash_key
    self.range_key = range_key
    values = LimitedSizeDict.__new__(LimitedSizeDict)
    dict.__init__(values)
    for key, value in attrs.items():
        dict.__setitem__(values, key, DynamoType(value))
    # LimitedSizeDict measures keys as text too (bytesize(str(key)))
    size = sum(bytesize(str(key)) + _attribute_size(value) for key, value in values.items())
    if size > ITEM_SIZE_LIMIT:
        raise ItemSizeTooLarge
    self.attrs = values


def install() -> None:
    Item.__init__ = _item_init  # type: ignore[method-assign]


def uninstall() -> None:
    Item.__init__ = ORIGINAL_ITEM_INIT  # type: ignore[method-assign]
