"""The local stack's shortcut for plain DynamoDB updates answers exactly as moto does without
it: the same item afterwards, the same ALL_NEW answer, the same error, for random updates of
every form (the plain ones it takes, and the rest, which it leaves to moto).

The reference is moto with the stack's other fixes (each compared with moto in its own
test): stock moto leaves half an update behind when an update fails, which the stack's
update_item fix undoes for a new item."""

import hashlib
import inspect
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from moto import mock_aws
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends

from socialcare_tools.local import moto_fast_updates, moto_patches
from tests.support.tables import create_table

REGION = "eu-west-1"
# Mostly attributes an update may set, so that most examples are the plain kind; also the
# typed index keys (an S and an N), reserved words and the table's sort key.
TARGETS = st.sampled_from(
    ["a", "b", "c", "d", "e", "f", "g", "h", "gsi_pk", "gsi_n", "count", "status", "sk"]
)
RARELY = st.sampled_from([False] * 7 + [True])
OFTEN = st.sampled_from([True, True, True, False])
VALUES: list[dict[str, Any]] = [
    {"S": "x"},
    {"S": ""},
    {"N": "1"},
    {"N": "2.5"},
    {"N": "-3"},
    {"BOOL": True},
    {"NULL": True},
    {"SS": ["p", "q"]},
    {"L": [{"S": "l"}]},
    {"M": {"k": {"S": "v"}, "n": {"N": "4"}}},
    {"S": "y" * 2000},
]

set_actions = st.lists(
    st.tuples(
        TARGETS,
        st.sampled_from(["value", "value", "keep", "keep", "value", "keep", "keep_other"]),
        TARGETS,
        st.one_of(st.sampled_from([0, 2, 3, 5, 9]), st.integers(0, len(VALUES) - 1)),
    ),
    min_size=1,
    max_size=3,
    unique_by=lambda action: action[0],  # a repeated target only through ADD, rarely
)
add_actions = st.lists(st.tuples(TARGETS, st.sampled_from([2, 2, 3, 4, 7, 0])), max_size=2)
existing = st.one_of(
    st.none(),
    st.dictionaries(
        st.sampled_from(["a", "b", "c", "count", "status", "gsi_pk", "gsi_n"]),
        st.one_of(st.sampled_from([0, 2, 3, 9]), st.integers(0, len(VALUES) - 1)),
        max_size=5,
    ),
)
updates = st.fixed_dictionaries(
    {
        "set": set_actions,
        "add": add_actions,
        "add_first": st.booleans(),
        "placeholders": OFTEN,  # #names, or bare names (reserved words fail)
        "drop_name": RARELY,  # a #name left undefined
        "drop_value": RARELY,  # a :value left undefined
        "lower_case": st.booleans(),
        "condition": st.sampled_from(
            [None, None, "attribute_exists(pk)", "attribute_not_exists(pk)", "attribute_exists(a)"]
        ),
        "existing": existing,
    }
)


def _table(client: Any, name: str) -> None:
    create_table(
        client,
        name,
        {"pk": "S", "sk": "S", "gsi_pk": "S", "gsi_n": "N"},
        index=("ByThing", "gsi_pk", "gsi_n"),
    )


def _request(update: dict[str, Any]) -> dict[str, Any]:
    names: dict[str, str] = {}
    values: dict[str, Any] = {}

    def name(attribute: str) -> str:
        if not update["placeholders"]:
            return attribute
        names[f"#{attribute}"] = attribute
        return f"#{attribute}"

    def value(index: int) -> str:
        values[f":v{index}"] = VALUES[index]
        return f":v{index}"

    sets = []
    for target, kind, other, index in update["set"]:
        if kind == "value":
            sets.append(f"{name(target)} = {value(index)}")
        else:
            kept = target if kind == "keep" else other
            sets.append(f"{name(target)} = if_not_exists({name(kept)}, {value(index)})")
    adds = [f"{name(target)} {value(index)}" for target, index in update["add"]]
    clauses = [("SET", ", ".join(sets))] + ([("ADD", ", ".join(adds))] if adds else [])
    if update["add_first"]:
        clauses.reverse()
    expression = " ".join(
        f"{keyword.lower() if update['lower_case'] else keyword} {body}"
        for keyword, body in clauses
    )
    if update["drop_name"] and names:
        names.pop(sorted(names)[0])
    if update["drop_value"]:
        values.pop(sorted(values)[0])
    request: dict[str, Any] = {"UpdateExpression": expression, "ReturnValues": "ALL_NEW"}
    if update["condition"]:
        request["ConditionExpression"] = update["condition"]
    if names:
        request["ExpressionAttributeNames"] = names
    if values:
        request["ExpressionAttributeValues"] = values
    return request


KEY = {"pk": {"S": "CONV#1"}, "sk": {"S": "META"}}


def _outcome(client: Any, table: str, update: dict[str, Any], request: dict[str, Any]) -> Any:
    if update["existing"] is not None:
        item = {name: VALUES[index] for name, index in update["existing"].items()}
        try:
            client.put_item(TableName=table, Item={**KEY, **item})
        except ClientError as exc:  # an item moto refuses (an empty index key): none then
            assert exc.response["Error"]["Code"] == "ValidationException"
    try:
        answer: Any = client.update_item(TableName=table, Key=KEY, **request)["Attributes"]
    except ClientError as exc:
        answer = (exc.response["Error"]["Code"], exc.response["Error"]["Message"])
    except Exception as exc:  # moto's own crash (an undefined #name): the same one, then
        answer = (type(exc).__name__, str(exc))
    return answer, client.get_item(TableName=table, Key=KEY, ConsistentRead=True).get("Item")


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("dynamodb", region_name=REGION)


def _no_shortcut(*args: Any, **kwargs: Any) -> None:
    return None


UPSERT = {  # the conversation upsert's form, on a new and on an existing conversation
    "set": [("a", "keep", "a", 0), ("status", "keep", "status", 0), ("b", "value", "b", 9)],
    "add": [("count", 2)],
    "add_first": False,
    "placeholders": True,
    "drop_name": False,
    "drop_value": False,
    "lower_case": False,
    "condition": None,
}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(updates)
@example(UPSERT | {"existing": None})
@example(UPSERT | {"existing": {"a": 3, "count": 3, "gsi_n": 2}})
def test_the_shortcut_updates_as_moto_does(client: Any, update: dict[str, Any]) -> None:
    request = _request(update)
    shortcut = moto_fast_updates.update_item
    for table in ("reference", "shortcut"):
        _table(client, table)
    moto_patches.install()
    try:
        moto_fast_updates.update_item = _no_shortcut  # type: ignore[assignment]
        expected = _outcome(client, "reference", update, request)
        moto_fast_updates.update_item = shortcut
        actual = _outcome(client, "shortcut", update, request)
        assert actual == expected, request
    finally:
        moto_fast_updates.update_item = shortcut
        moto_patches.uninstall()
        for table in ("reference", "shortcut"):
            client.delete_table(TableName=table)


@pytest.mark.parametrize(
    "expression",
    [
        "SET #status = if_not_exists(#status, :s), a = :a ADD #count :one",
        "ADD #count :one SET a = :a",
        "set a = :a, b = :b",
    ],
)
def test_the_stacks_plain_updates_take_the_shortcut(client: Any, expression: str) -> None:
    """The point of the shortcut: the conversation upsert and the plain SETs are applied by
    it, not handed back to moto's validation passes."""
    _table(client, "fast")
    try:
        backend = dynamodb_backends[DEFAULT_ACCOUNT_ID][REGION]
        item = moto_fast_updates.update_item(
            backend,
            "fast",
            KEY,
            update_expression=expression,
            expression_attribute_names={"#status": "status", "#count": "count"},
            expression_attribute_values={
                ":s": {"S": "open"},
                ":a": {"S": "x"},
                ":b": {"N": "2"},
                ":one": {"N": "1"},
            },
        )
        assert item is not None
        assert item.attrs["a"].value == "x"
    finally:
        client.delete_table(TableName="fast")


# moto's code whose outcome the shortcut states beforehand, as reviewed
REVIEWED = {
    "AddExecutor.execute": "dadbc08d83f73bdb95da963abf173698dcdc33f5834d1559b87171c847554bfb",
    "SetExecutor.set": "a8b5f69f92794b468c2ab51136d055ba19abe53b76271ef6dca646a87da0ae1e",
    "LimitedSizeDict.__setitem__": (
        "d979580fdbe14f79f3216564e1385c4b3485db82bc88193326c467a037331e81"
    ),
    "DynamoType.__add__": "c2852d8ddde02bb3460e9e4bb67cfecc9d94c379ebee2eb03075f60294f3ca9f",
    "UpdateExpressionValidator.get_ast_processors": (
        "918400bbecd67e8321619b3141e6a276e91a5112c8e8b602fbbc748d83329af6"
    ),
    "EmptyStringKeyValueValidator.check_for_empty_string_key_value": (
        "bea7647628829057e0ece830c3ff72cb4af608bdf29bd937edc8a52a32da8e66"
    ),
    "TypeMismatchValidator.check_for_type_mismatch": (
        "1f26120bea5917fcaecc678aa12e2b52f2c139378e084445a456948d561c865e"
    ),
    "UpdateExpressionFunctionEvaluator.process_function": (
        "536966a18d2a7414f6486dd9d577e72bc03e6586984e27393f8208cf8399a382"
    ),
    "ExpressionPathResolver.resolve_expression_path_nodes": (
        "d957a599a08ad83559fb6e5961d634b55d1b9d00a97a8647520d09488d0a550c"
    ),
}


def test_moto_still_updates_the_way_the_shortcut_was_written_against() -> None:
    from moto.dynamodb.models.dynamo_type import DynamoType, LimitedSizeDict
    from moto.dynamodb.parsing import validators
    from moto.dynamodb.parsing.executors import AddExecutor, SetExecutor

    current = {
        "AddExecutor.execute": AddExecutor.execute,
        "SetExecutor.set": SetExecutor.set,
        "LimitedSizeDict.__setitem__": LimitedSizeDict.__setitem__,
        "DynamoType.__add__": DynamoType.__add__,
        "UpdateExpressionValidator.get_ast_processors": (
            validators.UpdateExpressionValidator.get_ast_processors
        ),
        "EmptyStringKeyValueValidator.check_for_empty_string_key_value": (
            validators.EmptyStringKeyValueValidator.check_for_empty_string_key_value
        ),
        "TypeMismatchValidator.check_for_type_mismatch": (
            validators.TypeMismatchValidator.check_for_type_mismatch
        ),
        "UpdateExpressionFunctionEvaluator.process_function": (
            validators.UpdateExpressionFunctionEvaluator.process_function
        ),
        "ExpressionPathResolver.resolve_expression_path_nodes": (
            validators.ExpressionPathResolver.resolve_expression_path_nodes
        ),
    }
    for name, function in current.items():
        digest = hashlib.sha256(inspect.getsource(function).encode()).hexdigest()
        assert digest == REVIEWED[name], f"moto changed {name}: review moto_fast_updates"


def test_a_long_plain_update_succeeds_where_moto_runs_out_of_stack(client: Any) -> None:
    """The one answer that differs from moto's, on purpose: moto copies the tree of a SET of
    200 attributes recursively and fails with RecursionError (an internal error, not an API
    one). DynamoDB takes such an update (its limit is 4 KB of expression), and so does the
    shortcut."""
    _table(client, "long")
    try:
        moto_patches.install()
        expression = "SET " + ", ".join(f"a{i} = :s" for i in range(200))
        answer = client.update_item(
            TableName="long",
            Key=KEY,
            UpdateExpression=expression,
            ExpressionAttributeValues={":s": {"S": "x"}},
            ReturnValues="ALL_NEW",
        )
        assert len(answer["Attributes"]) == 202  # the key and every attribute set
    finally:
        moto_patches.uninstall()
        client.delete_table(TableName="long")
