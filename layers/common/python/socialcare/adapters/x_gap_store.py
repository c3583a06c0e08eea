"""The gap fill's items in the conversations table (docs/storage.md): the daily read counter,
unfinished windows and the once-only ops notices (``record_once`` of the conversation store)."""

from datetime import UTC, datetime, timedelta

from botocore.exceptions import BotoCoreError, ClientError

from socialcare.adapters.dynamo_codec import condition_failed, from_item, to_item
from socialcare.adapters.dynamodb import DynamoConversationStore
from socialcare.errors import StorageUnavailable
from socialcare.models.message import iso
from socialcare.services.x_gap_fill import Window

COUNTER_KEPT = timedelta(days=3)
REPLAY_CLAIM_KEPT = timedelta(days=2)  # past X's 24-hour replay reach
WINDOW_KEPT = timedelta(days=14)  # past that, the mentions timeline rarely reaches back
RESERVE_ATTEMPTS = 5


class DynamoGapFillStore(DynamoConversationStore):
    def reserve_reads(self, brand_id: str, day: str, wanted: int, cap: int) -> int:
        """Take up to ``wanted`` reads from the brand's budget for ``day``: the counter grows
        only while it stays within ``cap`` (a conditional ADD), so two fills at once can
        never pass it. Returns what was granted (0: the budget is spent)."""
        key = to_item({"pk": f"XREADS#{brand_id}", "sk": day})
        expires = int((datetime.fromisoformat(day).replace(tzinfo=UTC) + COUNTER_KEPT).timestamp())
        ask = min(wanted, cap)
        for _ in range(RESERVE_ATTEMPTS):
            if ask <= 0:
                return 0
            try:
                self._client.update_item(
                    TableName=self._table,
                    Key=key,
                    UpdateExpression="ADD used :n SET expires_at = if_not_exists(expires_at, :t)",
                    ConditionExpression="attribute_not_exists(used) OR used <= :room",
                    ExpressionAttributeValues=to_item(
                        {":n": ask, ":room": cap - ask, ":t": expires}
                    ),
                )
                return ask
            except ClientError as exc:
                if not condition_failed(exc):
                    raise StorageUnavailable(f"reserving X reads failed: {exc}") from exc
            except BotoCoreError as exc:
                raise StorageUnavailable(f"reserving X reads failed: {exc}") from exc
            ask = min(wanted, cap - self.reads_used(brand_id, day))
        return 0  # others keep taking what is left: give up for now, resume later

    def release_reads(self, brand_id: str, day: str, unused: int) -> None:
        """Give back reads reserved but not returned by X (a short page, a failed call)."""
        if unused <= 0:
            return
        try:
            self._client.update_item(
                TableName=self._table,
                Key=to_item({"pk": f"XREADS#{brand_id}", "sk": day}),
                UpdateExpression="ADD used :n",
                ExpressionAttributeValues=to_item({":n": -unused}),
            )
        except (ClientError, BotoCoreError) as exc:
            raise StorageUnavailable(f"releasing X reads failed: {exc}") from exc

    def reads_used(self, brand_id: str, day: str) -> int:
        try:
            found = self._client.get_item(
                TableName=self._table,
                Key=to_item({"pk": f"XREADS#{brand_id}", "sk": day}),
                ConsistentRead=True,
            ).get("Item")
        except (ClientError, BotoCoreError) as exc:
            raise StorageUnavailable(f"reading the X read counter failed: {exc}") from exc
        return int(from_item(found).get("used", 0)) if found else 0

    def save_window(self, window: Window, at: datetime) -> None:
        item = {
            "pk": f"XGAP#{window.brand_id}",
            "sk": window.key,
            "type": "x_gap",
            "account_id": window.account_id,
            "start": iso(window.start),
            "end": iso(window.end),
            "until_id": window.until_id,
            "reason": window.reason,
            "stopped_at": iso(at),
            "expires_at": int((at + WINDOW_KEPT).timestamp()),
        }
        try:
            self._client.put_item(TableName=self._table, Item=to_item(item))
        except (ClientError, BotoCoreError) as exc:
            raise StorageUnavailable(f"recording the unfinished X window failed: {exc}") from exc

    def finish_window(self, window: Window) -> None:
        """Marks a recorded window done (kept until its expiry, never deleted: only the
        erase function may delete); nothing happens for a window never recorded."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key=to_item({"pk": f"XGAP#{window.brand_id}", "sk": window.key}),
                UpdateExpression="SET done_at = :now REMOVE until_id",
                ConditionExpression="attribute_exists(pk) AND attribute_not_exists(done_at)",
                ExpressionAttributeValues=to_item({":now": iso(self._clock())}),
            )
        except ClientError as exc:
            if not condition_failed(exc):
                raise StorageUnavailable(f"closing the X window failed: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageUnavailable(f"closing the X window failed: {exc}") from exc

    def unfinished_windows(self, brand_id: str) -> list[Window]:
        try:
            pages = self._client.get_paginator("query").paginate(
                TableName=self._table,
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues=to_item({":pk": f"XGAP#{brand_id}"}),
                ConsistentRead=True,
            )
            items = [from_item(i) for page in pages for i in page.get("Items", [])]
        except (ClientError, BotoCoreError) as exc:
            raise StorageUnavailable(f"reading unfinished X windows failed: {exc}") from exc
        return [
            Window(
                brand_id=brand_id,
                account_id=str(i["account_id"]),
                start=datetime.fromisoformat(str(i["start"])),
                end=datetime.fromisoformat(str(i["end"])),
                until_id=str(i["until_id"]) if i.get("until_id") else None,
                reason=str(i.get("reason", "")),
            )
            for i in items
            if not i.get("done_at")
        ]

    def claim_replay(self, key: str, at: datetime) -> bool:
        """One replay per webhook window: a conditional put, so of several fills asking at
        once (one per account) exactly one gets True."""
        try:
            self._client.put_item(
                TableName=self._table,
                Item=to_item(
                    {
                        "pk": f"XREPLAY#{key}",
                        "sk": "CLAIM",
                        "claimed_at": iso(at),
                        "expires_at": int((at + REPLAY_CLAIM_KEPT).timestamp()),
                    }
                ),
                # a released claim (X could not be asked) may be claimed again
                ConditionExpression="attribute_not_exists(pk) OR released = :yes",
                ExpressionAttributeValues={":yes": {"BOOL": True}},
            )
        except ClientError as exc:
            if condition_failed(exc):
                return False
            raise StorageUnavailable(f"claiming the replay failed: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageUnavailable(f"claiming the replay failed: {exc}") from exc
        return True

    def release_replay(self, key: str) -> None:
        try:  # an update, not a delete: this function deletes nothing (template.yaml)
            self._client.update_item(
                TableName=self._table,
                Key=to_item({"pk": f"XREPLAY#{key}", "sk": "CLAIM"}),
                UpdateExpression="SET released = :yes",
                ExpressionAttributeValues={":yes": {"BOOL": True}},
            )
        except (ClientError, BotoCoreError) as exc:
            raise StorageUnavailable(f"releasing the replay claim failed: {exc}") from exc
