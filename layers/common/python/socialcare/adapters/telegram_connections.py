"""Telegram Business connections, one item per bot and connection (``TGBIZ#<bot>#<id>``):
which business account, its rights, enabled or not. Telegram sends the whole connection
again on every change, in order, so the latest one simply replaces the item; the webhook
reads it before taking a business message, the sender before answering as the account."""

from typing import Any

from socialcare.adapters.dynamo_codec import from_item, storage_errors, to_item
from socialcare.adapters.dynamo_table import ConversationTable
from socialcare.models.message import iso
from socialcare.platforms.telegram.business import Connection


def connection_key(bot_id: str, connection_id: str) -> dict[str, str]:
    return {"pk": f"TGBIZ#{bot_id}#{connection_id}", "sk": "CONNECTION"}


class DynamoTelegramConnections:
    def __init__(self, table: str | ConversationTable, client: Any = None) -> None:
        self._table = ConversationTable.of(table, client)

    def record(self, connection: Connection) -> None:
        item = {
            **connection_key(connection.bot_id, connection.id),
            "type": "telegram_business_connection",
            **connection.model_dump(mode="json"),
            "recorded_at": iso(self._table.clock()),
        }
        with storage_errors("recording a Telegram Business connection"):
            self._table.client.put_item(TableName=self._table.name, Item=to_item(item))

    def find(self, bot_id: str, connection_id: str) -> Connection | None:
        with storage_errors("reading a Telegram Business connection"):
            found = self._table.client.get_item(
                TableName=self._table.name,
                Key=to_item(connection_key(bot_id, connection_id)),
                ConsistentRead=True,
            )
        item = found.get("Item")
        return Connection.model_validate(from_item(item)) if item else None
