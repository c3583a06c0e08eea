"""Replies the brand gave outside socialcare (in Meta's inbox or Business Suite), learnt of
from the platform's echo: kept as an outbound message of the customer's conversation, which
turns answered (its response clock met), as a reply sent from Slack would."""

from typing import Any

from socialcare.adapters.dynamo_codec import (
    ConditionNotMet,
    conversation_pk,
    storage_errors,
    to_item,
)
from socialcare.adapters.dynamo_table import ConversationTable, activity_keys
from socialcare.adapters.reply_store import DynamoReplyStore
from socialcare.models.message import iso
from socialcare.platforms.outside import OutsideReply
from socialcare.ports import StoredRef

OUTSIDE = "outside"  # the outbound message's ``agent``: nobody in Slack


class DynamoOutsideReplies:
    def __init__(self, table: str | ConversationTable, client: Any = None) -> None:
        self._table = ConversationTable.of(table, client)
        self._replies = DynamoReplyStore(self._table)

    def record(self, conversation_id: str, brand_id: str, echo: OutsideReply) -> StoredRef | None:
        """The reply in its conversation, once (None: no such conversation); the conversation
        answered unless the customer wrote after it. Kept before (Meta sent it again), the
        same reference: what followed the first time (the answer, the desk's notice) may
        not have happened, and each of those steps takes it once."""
        at = iso(echo.at)
        pk = conversation_pk(conversation_id)
        sk = f"MSG#{at}#out#echo-{echo.mid}"
        outbound = {
            **activity_keys(brand_id, at, conversation_id, sk),
            "pk": pk,
            "sk": sk,
            "type": "message",
            "direction": "outbound",
            "platform": str(echo.platform),
            "account_id": echo.account,
            "route": echo.route,
            "platform_message_id": echo.mid,
            "agent": OUTSIDE,
            "text": echo.text,
            "sent_at": at,
        }
        table = self._table
        items: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": table.name,
                    "Item": to_item(outbound),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            {
                "Update": {
                    "TableName": table.name,
                    "Key": to_item({"pk": pk, "sk": "META"}),
                    # Not a conversation of ours, or the text of our own latest reply
                    # (queued or sent: its echo can come before the outbox records it).
                    "ConditionExpression": "attribute_exists(pk) AND"
                    " (attribute_not_exists(last_queued_text) OR last_queued_text <> :text) AND"
                    " (attribute_not_exists(last_reply_text) OR last_reply_text <> :text)",
                    "UpdateExpression": "SET updated_at = :at ADD reply_count :one",
                    "ExpressionAttributeValues": to_item(
                        {":at": at, ":text": echo.text, ":one": 1}
                    ),
                }
            },
        ]
        try:
            with storage_errors("recording a reply given outside", expect_condition=True):
                table.transact(items)
        except ConditionNotMet as failed:
            if failed.reasons[1:2] == ["ConditionalCheckFailed"]:
                return None  # no conversation here, or our own reply: nothing to keep
        self._if_newest(conversation_id, at, echo.text)
        self._if_earliest(conversation_id, at)
        self._replies.mark_answered(conversation_id, echo.at, if_after_inbound=True)
        return StoredRef(conversation_id, sk)

    # Meta's deliveries come out of order: an older reply learnt of late must not move the
    # latest reply back (nor make its text the one a repeat is checked against), and an
    # earlier one is the first response, whichever arrived first.
    def _if_newest(self, conversation_id: str, at: str, text: str) -> None:
        self._set_if(
            conversation_id,
            "SET last_outbound_at = :at, last_reply_text = :text",
            "attribute_not_exists(last_outbound_at) OR last_outbound_at <= :at",
            {":at": at, ":text": text},
        )

    def _if_earliest(self, conversation_id: str, at: str) -> None:
        self._set_if(  # the first response, then, is nobody's in Slack
            conversation_id,
            "SET first_response_at = :at REMOVE first_responder",
            "attribute_not_exists(first_response_at) OR first_response_at > :at",
            {":at": at},
        )

    def _set_if(
        self, conversation_id: str, update: str, condition: str, values: dict[str, Any]
    ) -> None:
        try:
            with storage_errors("recording a reply given outside", expect_condition=True):
                self._table.client.update_item(
                    TableName=self._table.name,
                    Key=self._table.meta_key(conversation_id),
                    UpdateExpression=update,
                    ConditionExpression=f"attribute_exists(pk) AND ({condition})",
                    ExpressionAttributeValues=to_item(values),
                )
        except ConditionNotMet:
            pass  # another reply holds it
