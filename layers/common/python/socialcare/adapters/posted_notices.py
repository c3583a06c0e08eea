"""Which escalation notices are already in Slack: one small item per notice (``NOTICE#<digest
of its body>``), written after the post and kept a week (``expires_at``), so a notice SNS
delivered twice, or a batch SQS handed over again, is not posted twice. And where each one
is: on its conversation, so that erasing the customer deletes it (``DynamoPostLog``)."""

import time
from contextlib import suppress
from typing import Any

from socialcare.adapters.dynamo_codec import (
    ConditionNotMet,
    conversation_pk,
    storage_errors,
    to_item,
)
from socialcare.adapters.dynamo_table import ConversationTable
from socialcare.errors import StorageUnavailable

GET_BATCH = 100  # BatchGetItem's limit
KEPT_SECONDS = 7 * 86400  # longer than any redelivery by SNS or SQS
UNPROCESSED_RETRIES = 8


def notice_key(digest: str) -> dict[str, Any]:
    return {"pk": {"S": f"NOTICE#{digest}"}, "sk": {"S": "POSTED"}}


class DynamoPostedNotices:
    def __init__(self, table: str | ConversationTable, client: Any = None) -> None:
        shared = ConversationTable.of(table, client)
        self._table = shared.name
        self._client = shared.client

    def posted(self, digests: list[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(digests), GET_BATCH):
            keys = [notice_key(d) for d in dict.fromkeys(digests[start : start + GET_BATCH])]
            request = {self._table: {"Keys": keys, "ProjectionExpression": "pk"}}
            for _ in range(UNPROCESSED_RETRIES):
                answer = self._call("batch_get_item", RequestItems=request)
                found |= {
                    item["pk"]["S"].removeprefix("NOTICE#")
                    for item in answer.get("Responses", {}).get(self._table, [])
                }
                request = answer.get("UnprocessedKeys") or {}
                if not request:
                    break
            else:
                raise StorageUnavailable("reading posted notices: keys left unprocessed")
        return found

    def mark_posted(self, digests: list[str], ts: str) -> None:
        """One PutItem a notice: this function may write marks, never delete anything
        (BatchWriteItem could)."""
        expires = str(int(time.time()) + KEPT_SECONDS)
        for digest in dict.fromkeys(digests):
            item = notice_key(digest) | {"ts": {"S": ts}, "expires_at": {"N": expires}}
            self._call("put_item", TableName=self._table, Item=item)

    def _call(self, method: str, **arguments: Any) -> dict[str, Any]:
        with storage_errors(f"{method} on posted notices"):
            answer: dict[str, Any] = getattr(self._client, method)(**arguments)
        return answer


class DynamoPostLog:
    def __init__(self, table: str | ConversationTable, client: Any = None) -> None:
        self._table = ConversationTable.of(table, client)

    def remember_post(self, conversation_id: str, channel: str, ts: str) -> None:
        """A bot post about the conversation outside its thread (a managers' channel notice),
        kept on META (``slack_posts``) so that erasing the customer deletes it too."""
        with (
            suppress(ConditionNotMet),  # erased meanwhile: nothing to remember it on
            storage_errors("remembering the post", expect_condition=True),
        ):
            self._table.client.update_item(
                TableName=self._table.name,
                Key=to_item({"pk": conversation_pk(conversation_id), "sk": "META"}),
                UpdateExpression="ADD slack_posts :post",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues=to_item({":post": {f"{channel}#{ts}"}}),
            )
