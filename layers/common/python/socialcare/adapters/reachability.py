"""Whether the customer can be reached on the conversation's platform: set when the platform
says they cannot (a blocked bot, a deleted account), cleared when they can again. Only an
existing conversation is marked: a customer who blocks a bot they never wrote to has none."""

from datetime import datetime
from typing import Any

from socialcare.adapters.dynamo_codec import conversation_pk
from socialcare.adapters.dynamo_table import ConversationTable
from socialcare.models.message import iso

FIELDS = ("unreachable", "unreachable_since")


class DynamoReachability:
    def __init__(self, table: str | ConversationTable, client: Any = None) -> None:
        self._table = ConversationTable.of(table, client)

    def mark(self, conversation_id: str, why: str | None, at: datetime) -> bool:
        """``why`` None: reachable again. False when there is no such conversation."""
        key = {"pk": conversation_pk(conversation_id), "sk": "META"}
        if why is None:
            return (
                self._table.update_if(key, {"reachable_since": iso(at)}, remove=FIELDS) is not None
            )
        values = {"unreachable": why, "unreachable_since": iso(at)}
        return self._table.update_if(key, values) is not None
