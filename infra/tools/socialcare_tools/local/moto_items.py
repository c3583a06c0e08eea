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

ORIGINAL_ITEM_INIT = Item.__init__
ITEM_SIZE_LIMIT = 405000  # moto's own: between DynamoDB's measured 409 and 410 KB


def _item_init(
    self: Item, hash_key: DynamoType, range_key: DynamoType | None, attrs: dict[str, Any]
) -> None:
    self.hash_key = hash_key
    self.range_key = range_key
    values = LimitedSizeDict.__new__(LimitedSizeDict)
    dict.__init__(values)
    for key, value in attrs.items():
        dict.__setitem__(values, key, DynamoType(value))
    self.attrs = values
    # moto's own measure of a whole item: the keys' UTF-8 bytes and each value's size, as
    # LimitedSizeDict sums them at every insert
    if self.size() > ITEM_SIZE_LIMIT:
        raise ItemSizeTooLarge


def install() -> None:
    Item.__init__ = _item_init  # type: ignore[method-assign]


def uninstall() -> None:
    Item.__init__ = ORIGINAL_ITEM_INIT  # type: ignore[method-assign]
