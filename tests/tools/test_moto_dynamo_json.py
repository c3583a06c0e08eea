"""The local stack writes DynamoDB answers itself (socialcare_tools.local.moto_dynamo_json): the
same status, headers and body, byte for byte, as moto's serializer. Checked against moto on
random tables holding every attribute type, errors included."""

import hashlib
import inspect
import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws

from socialcare_tools.local import moto_dynamo_json
from tests.support.tables import create_table

# What the plan copies from moto: how its serializer walks a JSON answer (structures, lists,
# maps, scalars), which keys its picker tries, how BaseResponse.serialized and call_action
# finish a response, and how DynamoDB results become plain data (DynamoResult).
REVIEWED_SERIALIZER = "c0d099405a39eeeaf711e40c3de9189708113254544113548b6ca5dc03f5574e"


def _reviewed_sources() -> str:
    from moto.core import serialize
    from moto.core.responses import ActionResult, BaseResponse
    from moto.core.utils import _get_value_for_key, get_value
    from moto.dynamodb.models.utilities import dynamo_to_dict
    from moto.dynamodb.responses import DynamoResult

    parts: list[Any] = [
        serialize.ResponseSerializer,
        serialize.BaseJSONSerializer,
        serialize.JSONSerializer,
        serialize.AttributePicker,
        serialize.XFormedAttributePicker,
        *serialize.DEFAULT_ALIAS_PROVIDERS,
        ActionResult,
        BaseResponse.serialized,
        BaseResponse.call_action,
        BaseResponse.determine_response_protocol,
        get_value,
        _get_value_for_key,
        DynamoResult,
        dynamo_to_dict,
    ]
    return "".join(inspect.getsource(part) for part in parts)


def test_the_serializer_we_copy_is_the_one_we_reviewed() -> None:
    digest = hashlib.sha256(_reviewed_sources().encode()).hexdigest()
    assert digest == REVIEWED_SERIALIZER, (
        "moto changed how it serializes answers: review socialcare_tools.local.moto_dynamo_json"
    )


names = st.sampled_from(["a", "b", "name", "ünï", "x.y"])
text = st.text(st.characters(blacklist_categories=["Cs"]), max_size=6)
numbers = st.one_of(
    st.integers(-(10**12), 10**12).map(str),
    st.decimals(-1000, 1000, places=3).map(str),
)
scalars = st.one_of(
    text.map(lambda s: {"S": s}),
    numbers.map(lambda n: {"N": n}),
    st.binary(max_size=6).map(lambda b: {"B": b}),
    st.booleans().map(lambda b: {"BOOL": b}),
    st.just({"NULL": True}),
    st.lists(text, min_size=1, max_size=3, unique=True).map(lambda v: {"SS": v}),
    st.lists(numbers, min_size=1, max_size=3, unique=True).map(lambda v: {"NS": v}),
    st.lists(st.binary(max_size=4), min_size=1, max_size=3, unique=True).map(lambda v: {"BS": v}),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3).map(lambda v: {"L": v}),
        st.dictionaries(names, inner, max_size=3).map(lambda v: {"M": v}),
    ),
    max_leaves=6,
)
items = st.lists(
    st.tuples(
        st.sampled_from(["p1", "p2", "p3"]),
        st.binary(min_size=1, max_size=3),
        st.dictionaries(names, values, max_size=4),
        st.one_of(st.none(), numbers),  # the index key, if any
    ),
    min_size=1,
    max_size=6,
    unique_by=lambda row: (row[0], row[1]),
)
Row = tuple[str, bytes, dict[str, Any], str | None]
CAPACITY = ["NONE", "TOTAL", "INDEXES"]


def _table(client: Any) -> None:
    create_table(client, "t", {"pk": "S", "sk": "B", "g": "N"}, index=("ByG", "g", None))


def _key(pk: str, sk: bytes) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"B": sk}}


def _calls(rows: list[Row], extra: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every data operation, with capacities, projections, pages, misses and errors."""
    first = _key(rows[0][0], rows[0][1])
    missing = _key("nope", b"\x00")
    calls: list[tuple[str, dict[str, Any]]] = []
    for n, (pk, sk, attrs, g) in enumerate(rows):
        item = {**attrs, **_key(pk, sk)} | ({"g": {"N": g}} if g else {})
        calls.append(
            (
                "put_item",
                {
                    "TableName": "t",
                    "Item": item,
                    "ReturnValues": "ALL_OLD" if n % 2 else "NONE",
                    "ReturnConsumedCapacity": CAPACITY[n % 3],
                },
            )
        )
    calls.append(
        ("put_item", {"TableName": "t", "Item": {**first, **extra}, "ReturnValues": "ALL_OLD"})
    )
    for capacity in CAPACITY:
        calls += [
            ("get_item", {"TableName": "t", "Key": first, "ReturnConsumedCapacity": capacity}),
            ("get_item", {"TableName": "t", "Key": missing, "ReturnConsumedCapacity": capacity}),
            ("scan", {"TableName": "t", "ReturnConsumedCapacity": capacity}),
        ]
    calls.append(
        (
            "get_item",
            {
                "TableName": "t",
                "Key": first,
                "ProjectionExpression": "sk, a, #n.b",
                "ExpressionAttributeNames": {"#n": "name"},
            },
        )
    )
    for pk in ("p1", "p2", "p3"):
        query = {
            "TableName": "t",
            "KeyConditionExpression": "pk = :p",
            "ExpressionAttributeValues": {":p": {"S": pk}},
        }
        calls += [
            ("query", query | {"Limit": 1}),
            ("query", query | {"ScanIndexForward": False, "ReturnConsumedCapacity": "INDEXES"}),
            ("query", query | {"Select": "COUNT"}),
        ]
    calls += [
        (
            "query",
            {
                "TableName": "t",
                "IndexName": "ByG",
                "KeyConditionExpression": "g = :g",
                "ExpressionAttributeValues": {":g": {"N": rows[-1][3] or "0"}},
                "ReturnConsumedCapacity": "INDEXES",
            },
        ),
        ("scan", {"TableName": "t", "Limit": 2}),
        ("scan", {"TableName": "t", "FilterExpression": "attribute_exists(a)", "Select": "COUNT"}),
        (
            "batch_get_item",
            {"RequestItems": {"t": {"Keys": [first, missing]}}, "ReturnConsumedCapacity": "TOTAL"},
        ),
        ("batch_get_item", {"RequestItems": {"t": {"Keys": [missing]}}}),
        (
            "transact_get_items",
            {
                "TransactItems": [{"Get": {"TableName": "t", "Key": k}} for k in (first, missing)],
                "ReturnConsumedCapacity": "INDEXES",
            },
        ),
        (
            "transact_get_items",
            {
                "TransactItems": [{"Get": {"TableName": "t", "Key": first}}],
                "ReturnConsumedCapacity": "TOTAL",
            },
        ),
        ("transact_get_items", {"TransactItems": [{"Get": {"TableName": "t", "Key": missing}}]}),
    ]
    update = {
        "TableName": "t",
        "Key": first,
        "UpdateExpression": "SET v = :v ADD c :one",
        "ExpressionAttributeValues": {":v": extra.get("a", {"S": "x"}), ":one": {"N": "1"}},
    }
    for returns in ("NONE", "ALL_OLD", "ALL_NEW", "UPDATED_OLD", "UPDATED_NEW"):
        calls.append(("update_item", update | {"ReturnValues": returns}))
    calls += [
        ("update_item", update | {"Key": _key("new", b"\x01"), "ReturnValues": "ALL_NEW"}),
        (
            "update_item",
            update
            | {
                "ConditionExpression": "attribute_not_exists(pk)",
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            },
        ),
        ("update_item", update | {"UpdateExpression": "SET v = :missing"}),
        (
            "transact_write_items",
            {
                "TransactItems": [
                    {"Update": dict(update)},
                    {"Put": {"TableName": "t", "Item": _key("tx", b"\x02")}},
                ]
            },
        ),
        (
            "transact_write_items",
            {
                "TransactItems": [
                    {
                        "Put": {
                            "TableName": "t",
                            "Item": first,
                            "ConditionExpression": "attribute_not_exists(pk)",
                            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                        }
                    }
                ]
            },
        ),
        (
            "batch_write_item",
            {
                "RequestItems": {
                    "t": [
                        {"PutRequest": {"Item": _key("bw", b"\x03")}},
                        {"DeleteRequest": {"Key": _key("tx", b"\x02")}},
                    ]
                }
            },
        ),
        (
            "delete_item",
            {
                "TableName": "t",
                "Key": first,
                "ConditionExpression": "attribute_not_exists(pk)",
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            },
        ),
        (
            "delete_item",
            {
                "TableName": "t",
                "Key": first,
                "ReturnValues": "ALL_OLD",
                "ReturnConsumedCapacity": "TOTAL",
            },
        ),
        ("delete_item", {"TableName": "t", "Key": missing, "ReturnValues": "ALL_OLD"}),
        ("get_item", {"TableName": "missing", "Key": first}),
        ("scan", {"TableName": "t"}),
    ]
    return calls


def _answers(rows: list[Row], extra: dict[str, Any], patched: bool) -> list[Any]:
    if patched:
        moto_dynamo_json.install()
    try:
        with mock_aws():
            client = boto3.client("dynamodb", region_name="eu-west-1")
            _table(client)
            wire: list[Any] = []

            def record(http_response: Any, **_: Any) -> None:
                headers = dict(http_response.headers)
                headers.pop("x-amzn-requestid", None)
                headers.pop("date", None)
                wire.append((http_response.status_code, headers, http_response.content))

            client.meta.events.register("after-call.dynamodb", record)
            answers = []
            for operation, params in _calls(rows, extra):
                wire.append(None)
                try:
                    answer = getattr(client, operation)(**params)
                except ClientError as error:
                    answer = {"error": error.response}
                except Exception as crash:  # moto 5.2.5 fails on "#n.b" when #n is no map
                    answer = {"crash": repr(crash)}
                answers.append((operation, _without_request_ids(answer), wire[-1]))
            return answers
    finally:
        moto_dynamo_json.uninstall()


def _without_request_ids(answer: dict[str, Any]) -> dict[str, Any]:
    metadata = answer.get("ResponseMetadata") or answer.get("error", {}).get("ResponseMetadata")
    if metadata:
        metadata.pop("RequestId", None)
        metadata["HTTPHeaders"].pop("x-amzn-requestid", None)
        metadata["HTTPHeaders"].pop("date", None)
    return answer


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(items, st.dictionaries(st.sampled_from(["a", "name"]), values, max_size=2))
def test_every_data_operation_answers_as_moto_does(rows: list[Row], extra: dict[str, Any]) -> None:
    ours, moto = _answers(rows, extra, patched=True), _answers(rows, extra, patched=False)
    assert [parsed for _, parsed, _ in ours] == [parsed for _, parsed, _ in moto]
    assert [json.loads(wire[2]) if wire else None for _, _, wire in ours] == [
        json.loads(wire[2]) if wire else None for _, _, wire in moto
    ]
    assert [wire for _, _, wire in ours] == [wire for _, _, wire in moto]  # byte for byte


def test_data_answers_no_longer_go_through_the_generic_serializer() -> None:
    from moto.core.serialize import ResponseSerializer

    rows: list[Row] = [("p1", b"\x01", {"a": {"L": [{"B": b"\xff"}, {"NS": ["1", "2.5"]}]}}, "7")]
    answers: list[str] = []  # the answers moto's serializer wrote (not its errors)
    original = ResponseSerializer.serialize

    def serialize(self: ResponseSerializer, result: Any) -> Any:
        if not isinstance(result, Exception):
            answers.append(self.operation_name)
        return original(self, result)

    ResponseSerializer.serialize = serialize  # type: ignore[method-assign]
    try:
        _answers(rows, {}, patched=True)
    finally:
        ResponseSerializer.serialize = original  # type: ignore[method-assign]
    assert answers == ["CreateTable"]  # a description, with timestamps: still moto's


def test_a_value_the_plan_does_not_cover_goes_to_moto() -> None:
    plan = moto_dynamo_json.plan("Query")
    assert plan is not None
    _, _, write = plan
    assert write({"Items": [{"a": {"S": "x"}}], "Count": 1}) == {
        "Items": [{"a": {"S": "x"}}],
        "Count": 1,
    }
    for odd in ({"Items": ({"a": {"S": "x"}},)}, {"Items": [None]}, {"Items": [{"a": {"B": 1}}]}):
        with pytest.raises(moto_dynamo_json.Unsupported):
            write(odd)
    assert moto_dynamo_json.plan("DescribeTable") is None
    assert moto_dynamo_json.plan("CreateTable") is None
