"""A queue batch's stored messages and conversations, read in one call before it runs.

The classify and desk steps each read a message and its conversation for every record; a
BatchGetItem for the whole batch replaces one read per record. What a step writes while the
batch runs is applied to the conversations read, so a later message of the same conversation
in the batch sees it, as it would have seen it by reading then; a conversation whose write
found it changed by someone else is read again.
"""

import json
from collections.abc import Callable, Mapping
from typing import Any, Generic, Protocol, TypeVar

from socialcare.models.conversation import Conversation
from socialcare.models.stored import StoredMessage

Loaded = tuple[StoredMessage | None, Conversation | None]  # the message and its conversation
Key = tuple[str, str]  # conversation id, message sort key


def queued_keys(event: Mapping[str, Any]) -> list[Key]:
    """The messages an SQS batch of queued requests is about; a body that cannot be read is
    left to its record (which fails on its own)."""
    wanted = []
    for record in event.get("Records", []):
        try:
            body = json.loads(record["body"])
            wanted.append((str(body["conversation_id"]), str(body["message_sk"])))
        except (KeyError, TypeError, ValueError):
            continue
    return wanted


class BatchReads:
    def __init__(
        self,
        read_one: Callable[[str, str], Loaded],
        read_many: Callable[[list[Key]], dict[Key, Loaded]] | None,
        wanted: list[Key],
    ) -> None:
        self._read_one = read_one
        self._found: dict[Key, Loaded] = read_many(wanted) if wanted and read_many else {}

    def load(self, conversation_id: str, message_sk: str) -> Loaded:
        found = self._found.get((conversation_id, message_sk))
        return found if found is not None else self._read_one(conversation_id, message_sk)

    def wrote(self, conversation_id: str, change: Mapping[str, Any]) -> None:
        """What this step wrote on the conversation (its fields, typed), for its later
        messages in the batch."""
        for key, (message, meta) in self._found.items():
            if key[0] == conversation_id and meta is not None:
                self._found[key] = (message, meta.model_copy(update=change))

    def wrote_message(
        self, conversation_id: str, message_sk: str, change: Mapping[str, Any]
    ) -> None:
        """What this step wrote on a message, for a second request about it in the batch."""
        key = (conversation_id, message_sk)
        message, meta = self._found.get(key, (None, None))
        if message is not None:
            self._found[key] = (message.model_copy(update=change), meta)

    def forget(self, conversation_id: str) -> None:
        """Someone else changed the conversation: its later messages read it afresh."""
        self._found = {k: v for k, v in self._found.items() if k[0] != conversation_id}


class _Reads(Protocol):
    def load(self, conversation_id: str, message_sk: str) -> Loaded: ...


Store = TypeVar("Store", bound=_Reads)


class Prefetched(Generic[Store]):
    """A step's store with its batch read once; the step's own wrapper adds its writes."""

    def __init__(self, store: Store, wanted: list[Key]) -> None:
        self._store = store
        self._reads = BatchReads(store.load, getattr(store, "load_many", None), wanted)

    def load(self, conversation_id: str, message_sk: str) -> Loaded:
        return self._reads.load(conversation_id, message_sk)
