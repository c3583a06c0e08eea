"""moto 5.2.5 answers every DynamoDB Query by sorting the whole table first.

``Table.query`` starts from ``self.all_items()``, which collects every item of the table and
sorts it (comparing ``DynamoType`` values, the costliest thing moto does), then keeps the
items of one partition or one index key and sorts those again. A reply clock's step reads
one conversation; with 200 clocks running the table holds thousands of items, so each read
sorted them all, and the local stack's clocks ran seconds late because of the emulator.

Here ``query`` sees only its candidates: for the table, the items of the one partition asked
for (what DynamoDB reads); for an index, the unsorted items whose index partition key can
match (moto filters and sorts the matches itself afterwards), from the index of values that
``moto_index`` keeps while the local stack's patches are in. Same results, same order,
same pagination: moto's own filtering and sorting still run. ``scan`` keeps the sorted
``all_items``, which its pagination needs.
"""

import threading
from typing import Any

from moto.dynamodb.models.table import Table

from socialcare_tools.local import moto_index

ORIGINAL_QUERY = Table.query
_LOCK = threading.RLock()  # the candidates are set on the table for the length of one query


def _candidates(table: Table, hash_key: Any, index_name: str | None) -> list[Any]:
    if index_name is None and hash_key is not None:
        partition = table.items.get(hash_key)
        if partition is None:
            return []
        return list(partition.values()) if table.range_key_attr else [partition]
    index_key = _index_hash_attribute(table, index_name)
    if index_key is None or hash_key is None:
        return everything_in(table)
    if moto_index.installed():
        return moto_index.candidates(table, index_key, hash_key)
    # Only the items that can match the index's partition key: moto then compares each
    # candidate with DynamoType equality (a cast per item), which this skips for the rest.
    # A superset of moto's matches: strings compare exactly, other types by type alone.
    wanted_type, wanted_value = hash_key.type, hash_key.value
    exact = wanted_type == "S"
    found: list[Any] = []
    for item in everything_in(table):
        value = item.attrs.get(index_key)
        if (
            value is not None
            and value.type == wanted_type
            and (not exact or value.value == wanted_value)
        ):
            found.append(item)
    return found


def everything_in(table: Table) -> list[Any]:
    everything: list[Any] = []
    for partition in table.items.values():
        everything.extend(partition.values() if table.range_key_attr else [partition])
    return everything


def _index_hash_attribute(table: Table, index_name: str | None) -> str | None:
    """The index's one partition key attribute (None: no index, or a composite key)."""
    index = next((i for i in table.all_indexes() if i.name == index_name), None)
    hashes = [k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH"] if index else []
    return hashes[0] if len(hashes) == 1 else None


def _query(self: Table, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
    # moto's backend passes index_name positionally, after the six arguments before it.
    index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
    with _LOCK:
        candidates = _candidates(self, hash_key, index_name)
        self.all_items = lambda: candidates  # type: ignore[method-assign]
        try:
            return ORIGINAL_QUERY(self, hash_key, *args, **kwargs)
        finally:
            del self.all_items


def install() -> None:
    Table.query = _query  # type: ignore[method-assign]


def uninstall() -> None:
    Table.query = ORIGINAL_QUERY  # type: ignore[method-assign]
