"""A transaction cancelled by a concurrent one (TransactionConflict) is retried, not a 503."""

import boto3
import pytest
from botocore.stub import Stubber

from socialcare.adapters.dynamo_table import CONFLICT_RETRIES
from socialcare.adapters.intake_store import DynamoIntakeStore
from socialcare.errors import StorageUnavailable
from tests.support.stored import (
    message,
)

CONFLICT = [{"Code": "None"}, {"Code": "None"}, {"Code": "TransactionConflict"}]


def conflict(stub: Stubber) -> None:
    stub.add_client_error(
        "transact_write_items",
        service_error_code="TransactionCanceledException",
        service_message="Transaction cancelled, please refer cancellation reasons",
        modeled_fields={"CancellationReasons": CONFLICT},
    )


def test_a_conflict_is_retried_until_the_transaction_goes_through() -> None:
    client = boto3.client("dynamodb", region_name="eu-west-1")
    with Stubber(client) as stub:
        conflict(stub)
        conflict(stub)
        stub.add_response("transact_write_items", {})
        outcome = DynamoIntakeStore("t", client=client).save_inbound(message(), "c1", "k")
        stub.assert_no_pending_responses()
    assert outcome.created


def test_conflicts_that_do_not_clear_make_the_platform_retry() -> None:
    client = boto3.client("dynamodb", region_name="eu-west-1")
    with Stubber(client) as stub:
        for _ in range(CONFLICT_RETRIES + 1):
            conflict(stub)
        with pytest.raises(StorageUnavailable):
            DynamoIntakeStore("t", client=client).save_inbound(message(), "c1", "k")


def test_a_failed_condition_is_not_mistaken_for_a_conflict() -> None:
    client = boto3.client("dynamodb", region_name="eu-west-1")
    with Stubber(client) as stub:
        stub.add_client_error(
            "transact_write_items",
            service_error_code="TransactionCanceledException",
            modeled_fields={
                "CancellationReasons": [
                    {"Code": "ConditionalCheckFailed"},
                    {"Code": "None"},
                    {"Code": "None"},
                ]
            },
        )
        stub.add_response(
            "get_item", {"Item": {"conversation_id": {"S": "c0"}, "message_sk": {"S": "MSG#x"}}}
        )
        outcome = DynamoIntakeStore("t", client=client).save_inbound(message(), "c1", "k")
        stub.assert_no_pending_responses()
    assert (outcome.created, outcome.ref.conversation_id) == (False, "c0")
