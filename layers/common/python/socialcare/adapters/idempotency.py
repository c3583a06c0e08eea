"""Powertools idempotency records in the conversations table (pk/sk, TTL ``expires_at``),
one persistence layer per function, as Powertools requires."""

import os

from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

KEPT_SECONDS = 7 * 86400  # longer than any platform's or SQS's redelivery


def conversations_table_store() -> DynamoDBPersistenceLayer:
    # At import, before settings are read: the function's TABLE_NAME, as the template sets it.
    return DynamoDBPersistenceLayer(
        table_name=os.environ.get("TABLE_NAME", "not-configured"),
        key_attr="pk",
        sort_key_attr="sk",
        expiry_attr="expires_at",
    )
