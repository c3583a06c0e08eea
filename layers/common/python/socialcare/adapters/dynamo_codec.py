"""What every store of the conversations table shares: item encoding, the key formats of
docs/storage.md, and one translation of AWS failures into the domain's errors.

Stores write ``with storage_errors("storing the thread"):`` around their calls instead of
hand-written ``except`` blocks: a throttle, a network failure or any other client error
becomes ``StorageUnavailable`` (the caller's retry path: a 5xx, a queue retry), never a raw
botocore exception. A call whose condition may fail on purpose says so with
``expect_condition=True`` and catches ``ConditionNotMet``.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import BotoCoreError, ClientError

from socialcare.errors import StorageUnavailable
from socialcare.models import InboundMessage
from socialcare.models.message import iso

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def to_item(values: dict[str, Any]) -> dict[str, Any]:
    return {k: _serializer.serialize(v) for k, v in values.items() if v is not None}


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _deserializer.deserialize(v) for k, v in item.items()}


def decimals(value: Any) -> Any:
    """DynamoDB numbers are Decimals; floats (scores) are stored with 4 significant digits."""
    if isinstance(value, float):
        return Decimal(f"{value:.4g}")
    if isinstance(value, dict):
        return {k: decimals(v) for k, v in value.items()}
    return value


def conversation_pk(conversation_id: str) -> str:
    return f"CONV#{conversation_id}"


def customer_pk(platform: str, customer_id: str) -> str:
    """The ByCustomer index's key: a customer's conversations, all brands."""
    return f"CUST#{platform}#{customer_id}"


def message_sk(message: InboundMessage) -> str:
    return f"MSG#{iso(message.sent_at)}#{message.platform_message_id}"


def _cancellation_codes(error: ClientError) -> set[Any]:
    if error.response["Error"]["Code"] != "TransactionCanceledException":
        return set()
    return {r.get("Code") for r in error.response.get("CancellationReasons") or []} - {
        "None",
        None,
    }


def cancelled_by_conflict(error: ClientError) -> bool:
    """A transaction that lost a race with another one on the same items: worth a retry."""
    return _cancellation_codes(error) == {"TransactionConflict"}


def condition_failed(error: ClientError) -> bool:
    """A write's condition was not met: on one item, or on every failing item of a
    transaction."""
    code = error.response.get("Error", {}).get("Code")
    return code == "ConditionalCheckFailedException" or _cancellation_codes(error) == {
        "ConditionalCheckFailed"
    }


class ConditionNotMet(Exception):
    """A condition the caller expected might fail did; ``error`` says which (for a
    transaction, its cancellation reasons; for a put, the old item when asked for)."""

    def __init__(self, error: ClientError) -> None:
        super().__init__(str(error))
        self.error = error

    @property
    def reasons(self) -> list[str]:
        return [r.get("Code", "None") for r in self.error.response.get("CancellationReasons", [])]


@contextmanager
def storage_errors(what: str, *, expect_condition: bool = False) -> Iterator[None]:
    """Any failure of the table's client as ``StorageUnavailable("<what> failed: ...")``;
    with ``expect_condition``, a failed condition as ``ConditionNotMet`` instead."""
    try:
        yield
    except ClientError as exc:
        if expect_condition and condition_failed(exc):
            raise ConditionNotMet(exc) from exc
        raise StorageUnavailable(f"{what} failed: {exc}") from exc
    except BotoCoreError as exc:
        raise StorageUnavailable(f"{what} failed: {exc}") from exc
