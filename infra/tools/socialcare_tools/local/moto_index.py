"""A maintained index of item values, so an index query does not read the whole table.

moto answers a Query on a global secondary index by testing every item of the table. The
classifier asks the ByCustomer index once per message (a customer's earlier conversations),
so in a 2,000-message burst each ask tested every item written so far: 39% of the
emulator's time once the webhooks were in.

Here each table keeps, per index partition-key attribute asked for, which item keys have
carried which value. It is a superset: a key is added whenever a write leaves its item with
a value, and is never taken out of its old value's bucket by a write, so a transaction
rolled back, an update that changes the value or a delete can leave extra keys but never a
missing one. moto still tests every candidate exactly as before, so extra keys only cost a
lookup; a bucket is rewritten without them when they outnumber the live ones.

Every write moto makes to a table's items goes through ``Table.put_item`` (puts, batch
writes, PartiQL, new items of an update) or changes an item in place inside
``DynamoDBBackend.update_item`` (the local stack's patch of it calls ``note_update``
afterwards, whatever happened). A table whose ``items`` were replaced wholesale (a restore
from a backup) is indexed again from scratch.
"""

from dataclasses import dataclass, field
from typing import Any

from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table

ORIGINAL_PUT_ITEM = Table.put_item
_INDEX_ATTRIBUTE = "_socialcare_value_index"
Key = tuple[DynamoType, DynamoType | None]
Bucket = tuple[str, ...]
_installed = False
# Writes made while the notes were off are unknown: an index from before is not trusted.
_generation = 0


@dataclass
class _ValueIndex:
    items: Any  # the table's items mapping this was built from
    generation: int
    buckets: dict[str, dict[Bucket, dict[Key, None]]] = field(default_factory=dict)


def installed() -> bool:
    """Whether writes are being noted (only then can an index be trusted)."""
    return _installed


def _bucket(value: DynamoType) -> Bucket:
    # Strings compare exactly; other key types (numbers, binary) compare by value in ways
    # that need a cast, so they share one bucket per type and moto tells them apart.
    return ("S", value.value) if value.type == "S" else (value.type,)


def _all_items(table: Table) -> list[Any]:
    if table.range_key_attr:
        return [item for partition in table.items.values() for item in partition.values()]
    return list(table.items.values())


def _index_of(table: Table) -> _ValueIndex:
    index = table.__dict__.get(_INDEX_ATTRIBUTE)
    if index is None or not _current(index, table):
        index = _ValueIndex(items=table.items, generation=_generation)
        table.__dict__[_INDEX_ATTRIBUTE] = index
    return index


def _current(index: _ValueIndex, table: Table) -> bool:
    return index.items is table.items and index.generation == _generation


def _build(table: Table, attribute: str) -> dict[Bucket, dict[Key, None]]:
    buckets: dict[Bucket, dict[Key, None]] = {}
    for item in _all_items(table):
        value = item.attrs.get(attribute)
        if value is not None:
            buckets.setdefault(_bucket(value), {})[(item.hash_key, item.range_key)] = None
    return buckets


def _item_at(table: Table, key: Key) -> Any:
    partition = table.items.get(key[0])
    if partition is None or not table.range_key_attr:
        return partition
    return partition.get(key[1])


def candidates(table: Table, attribute: str, wanted: DynamoType) -> list[Any]:
    """The items whose ``attribute`` may equal ``wanted`` (a superset of the matches, in
    no particular order: moto tests and sorts them)."""
    index = _index_of(table)
    if attribute not in index.buckets:
        index.buckets[attribute] = _build(table, attribute)
    bucket = _bucket(wanted)
    keys = index.buckets[attribute].get(bucket, {})
    found = []
    for key in keys:
        item = _item_at(table, key)
        if item is not None:
            value = item.attrs.get(attribute)
            if value is not None and _bucket(value) == bucket:
                found.append(item)
    if len(keys) > 2 * len(found) + 16:  # mostly keys whose items moved on: drop them
        index.buckets[attribute][bucket] = {(i.hash_key, i.range_key): None for i in found}
    return found


def note(table: Table, item: Any) -> None:
    """An item was written: add its key under its current values."""
    index = table.__dict__.get(_INDEX_ATTRIBUTE)
    if index is None or item is None:
        return
    if not _current(index, table):
        del table.__dict__[_INDEX_ATTRIBUTE]  # rebuilt at the next query
        return
    key = (item.hash_key, item.range_key)
    for attribute, buckets in index.buckets.items():
        value = item.attrs.get(attribute)
        if value is not None:
            buckets.setdefault(_bucket(value), {})[key] = None


def note_update(backend: Any, table_name: str, key: dict[str, Any]) -> None:
    """An update ran on ``key`` (it may have failed part-way): note the item as it is now."""
    try:
        table = backend.get_table(table_name)
        hash_value = DynamoType(key[table.hash_key_attr])
        range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
    except Exception:  # no such table, or a malformed key: then nothing was written
        return
    note(table, _item_at(table, (hash_value, range_value)))


def _put_item(self: Table, *args: Any, **kwargs: Any) -> Any:
    item = ORIGINAL_PUT_ITEM(self, *args, **kwargs)
    note(self, item)
    return item


def install() -> None:
    global _installed, _generation  # noqa: PLW0603 - one switch for the process, like the patch
    if not _installed:
        _generation += 1
    Table.put_item = _put_item  # type: ignore[method-assign]
    _installed = True


def uninstall() -> None:
    global _installed  # noqa: PLW0603
    Table.put_item = ORIGINAL_PUT_ITEM  # type: ignore[method-assign]
    _installed = False
