"""The gap fill's items in the conversations table (docs/storage.md): the daily read counter,
unfinished windows, the replay claims and the once-only ops notices."""

from datetime import UTC, datetime, timedelta
from typing import Any

from socialcare.adapters.dynamo_codec import ConditionNotMet, from_item, storage_errors, to_item
from socialcare.adapters.dynamo_table import KEEP_UNTIL, ConversationTable
from socialcare.clock import Clock, utc_now
from socialcare.models.message import iso
from socialcare.ports import Recorded
from socialcare.services.x_gap_fill import Window

COUNTER_KEPT = timedelta(days=3)
REPLAY_CLAIM_KEPT = timedelta(days=2)  # past X's 24-hour replay reach
WINDOW_KEPT = timedelta(days=14)  # past that, the mentions timeline rarely reaches back
RESERVE_ATTEMPTS = 5
NOTICE_KEPT = timedelta(days=15)


class DynamoGapFillStore:
    def __init__(
        self, table: str | ConversationTable, client: Any = None, clock: Clock = utc_now
    ) -> None:
        self._table = ConversationTable.of(table, client, clock)

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
                with storage_errors("reserving X reads", expect_condition=True):
                    self._table.client.update_item(
                        TableName=self._table.name,
                        Key=key,
                        UpdateExpression=f"ADD used :n SET {KEEP_UNTIL}",
                        ConditionExpression="attribute_not_exists(used) OR used <= :room",
                        ExpressionAttributeValues=to_item(
                            {":n": ask, ":room": cap - ask, ":ttl": expires}
                        ),
                    )
                return ask
            except ConditionNotMet:
                pass  # another fill took some: ask for what is left
            ask = min(wanted, cap - self.reads_used(brand_id, day))
        return 0  # others keep taking what is left: give up for now, resume later

    def release_reads(self, brand_id: str, day: str, unused: int) -> None:
        """Give back reads reserved but not returned by X (a short page, a failed call)."""
        if unused <= 0:
            return
        with storage_errors("releasing X reads"):
            self._table.client.update_item(
                TableName=self._table.name,
                Key=to_item({"pk": f"XREADS#{brand_id}", "sk": day}),
                UpdateExpression="ADD used :n",
                ExpressionAttributeValues=to_item({":n": -unused}),
            )

    def reads_used(self, brand_id: str, day: str) -> int:
        with storage_errors("reading the X read counter"):
            found = self._table.client.get_item(
                TableName=self._table.name,
                Key=to_item({"pk": f"XREADS#{brand_id}", "sk": day}),
                ConsistentRead=True,
            ).get("Item")
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
        with storage_errors("recording the unfinished X window"):
            self._table.client.put_item(TableName=self._table.name, Item=to_item(item))

    def finish_window(self, window: Window) -> None:
        """Marks a recorded window done (kept until its expiry, never deleted: only the
        erase function may delete); nothing happens for a window never recorded."""
        try:
            with storage_errors("closing the X window", expect_condition=True):
                self._table.client.update_item(
                    TableName=self._table.name,
                    Key=to_item({"pk": f"XGAP#{window.brand_id}", "sk": window.key}),
                    UpdateExpression="SET done_at = :now REMOVE until_id",
                    ConditionExpression="attribute_exists(pk) AND attribute_not_exists(done_at)",
                    ExpressionAttributeValues=to_item({":now": iso(self._table.clock())}),
                )
        except ConditionNotMet:
            return  # never recorded, or finished already

    def unfinished_windows(self, brand_id: str) -> list[Window]:
        with storage_errors("reading unfinished X windows"):
            pages = self._table.client.get_paginator("query").paginate(
                TableName=self._table.name,
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues=to_item({":pk": f"XGAP#{brand_id}"}),
                ConsistentRead=True,
            )
            items = [from_item(i) for page in pages for i in page.get("Items", [])]
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
        claim = {
            "pk": f"XREPLAY#{key}",
            "sk": "CLAIM",
            "claimed_at": iso(at),
            "expires_at": int((at + REPLAY_CLAIM_KEPT).timestamp()),
        }
        try:
            with storage_errors("claiming the replay", expect_condition=True):
                self._table.client.put_item(
                    TableName=self._table.name,
                    Item=to_item(claim),
                    # a released claim (X could not be asked) may be claimed again
                    ConditionExpression="attribute_not_exists(pk) OR released = :yes",
                    ExpressionAttributeValues={":yes": {"BOOL": True}},
                )
        except ConditionNotMet:
            return False
        return True

    def release_replay(self, key: str) -> None:
        # an update, not a delete: this function deletes nothing (template.yaml)
        with storage_errors("releasing the replay claim"):
            self._table.client.update_item(
                TableName=self._table.name,
                Key=to_item({"pk": f"XREPLAY#{key}", "sk": "CLAIM"}),
                UpdateExpression="SET released = :yes",
                ExpressionAttributeValues={":yes": {"BOOL": True}},
            )

    def record_gap_notice(self, window: Window, day: str, at: datetime) -> Recorded:
        """The ops notice about a stopped window, once per window and day (a retried
        invocation finds it); ``gap_notice_sent`` once the channel has it."""
        item = {
            "pk": _notice_pk(window),
            "sk": _notice_sk(window, day),
            "type": "gap_fill_notice",
            "at": iso(at),
            "expires_at": int((at + NOTICE_KEPT).timestamp()),
        }
        return self._table.record_once(item, notify=True)

    def gap_notice_sent(self, window: Window, day: str) -> None:
        self._table.mark_sent(_notice_pk(window), _notice_sk(window, day))


def _notice_pk(window: Window) -> str:
    return f"XGAPNOTE#{window.brand_id}"


def _notice_sk(window: Window, day: str) -> str:
    return f"{window.key}#{day}"
