"""Fixes to moto 5.2.5 internals that the local stack and the benchmarks rely on.

Pinned: ``tests/tools/test_moto_canaries.py`` fails when the moto code we replace changes,
so an upgrade is reviewed, not silently trusted.

``LambdaFunction.invoke``: moto runs an ``InvocationType=Event`` invocation inside the
Invoke call, so a function that invokes another asynchronously (the Slack desk handing an
erasure to the erase function) would wait for it, and locally, where one runtime runs the
functions one at a time, wait for itself. Here an Event invocation is answered 202 at once
and runs on its own thread, retried twice on failure, as Lambda's asynchronous queue does.

``transact_write_items``: moto backs up each touched table with ``copy.deepcopy`` before
every transaction so it can roll back, which makes each transaction O(table size); a
2,000-message burst becomes quadratic and the emulator, not our code, dominates every
measurement. This version keeps an undo log of only the items the transaction touches:
same validation, same conditions, same errors, same all-or-nothing result. Derived from
moto's implementation (Apache-2.0).
"""

import copy
import datetime
import functools
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from moto import backends as moto_backends
from moto.awslambda.models import LambdaFunction
from moto.core import responses as moto_responses
from moto.core.models import botocore_stubber
from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import (
    ConditionalCheckFailed,
    MockValidationException,
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.parsing.ast_nodes import UpdateExpression  # type: ignore[attr-defined]
from moto.dynamodb.parsing.validators import ActionCountValidator, UpdateExpressionValidator
from moto.dynamodb.responses import DynamoHandler
from moto.settings import moto_server_port
from moto.sqs.models import Message as SqsMessage
from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
    FailureEventException,
)
from moto.stepfunctions.parser.asl.component.common.path import result_path
from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils
from moto.stepfunctions.parser.asl.component.state.wait.wait_function.timestamp import Timestamp
from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import (
    WaitFunction,
)
from moto.stepfunctions.parser.asl.utils import json_path

from socialcare_tools.local import (
    moto_ast_clone,
    moto_ast_traversal,
    moto_conditions,
    moto_dynamo_json,
    moto_fast_updates,
    moto_index,
    moto_items,
    moto_programs,
    moto_query,
    moto_sqs_attributes,
    moto_sqs_receive,
    moto_update_expressions,
    parked_waits,
)

ORIGINAL_TRANSACT_WRITE_ITEMS = DynamoDBBackend.transact_write_items
UndoEntry = tuple[Any, DynamoType, DynamoType | None, Any]


def _restore(undo: list[UndoEntry]) -> None:
    for table, hash_value, range_value, before in reversed(undo):
        if range_value is None:
            if before is None:
                table.items.pop(hash_value, None)
            else:
                table.items[hash_value] = before
        elif before is None:
            table.items.get(hash_value, {}).pop(range_value, None)
        else:
            table.items[hash_value][range_value] = before


def _key_of(op_type: str, op: dict[str, Any], table: Any) -> dict[str, Any]:
    if op_type != "Put":
        return dict(op["Key"])
    attrs = op["Item"]
    key = {table.hash_key_attr: attrs[table.hash_key_attr]}
    if table.range_key_attr is not None:
        key[table.range_key_attr] = attrs[table.range_key_attr]
    return key


def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:  # noqa: PLR0912
    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    undo: list[UndoEntry] = []
    targets: set[tuple[str, str]] = set()
    errors: list[tuple[Any, Any, Any]] = []
    for item in transact_items:
        original_item: dict[str, Any] | None = None
        if len(list(item.keys())) > 1:
            raise TransactWriteSingleOpException
        try:
            op_type, op = next(iter(item.items()))
            if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                raise ValueError("Unsupported transaction operation")
            table_name = op["TableName"]
            names = op.get("ExpressionAttributeNames")
            values = op.get("ExpressionAttributeValues")
            condition = op.get("ConditionExpression")
            table = self.get_table(table_name)
            key = _key_of(op_type, op, table)
            target = (str(table_name), str(dict(sorted(key.items()))))
            if target in targets:
                raise MultipleTransactionsException()
            targets.add(target)

            current = self.get_item(table_name, key)
            failed = condition is not None and not get_filter_expression(
                condition, names, values
            ).expr(current)
            if failed:
                if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                    original_item = current.to_json()["Attributes"]
                raise ConditionalCheckFailed(item=original_item)
            if op_type != "ConditionCheck":
                range_value = (
                    DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
                )
                undo.append(
                    (
                        table,
                        DynamoType(key[table.hash_key_attr]),
                        range_value,
                        copy.deepcopy(current),
                    )
                )
            if op_type == "Put":
                self.put_item(
                    table_name,
                    op["Item"],
                    condition_expression=condition,
                    expression_attribute_names=names,
                    expression_attribute_values=values,
                )
            elif op_type == "Delete":
                self.delete_item(
                    table_name,
                    key,
                    condition_expression=condition,
                    expression_attribute_names=names,
                    expression_attribute_values=values,
                )
            elif op_type == "Update":
                self.update_item(
                    table_name,
                    key,
                    update_expression=op["UpdateExpression"],
                    condition_expression=condition,
                    expression_attribute_names=names,
                    expression_attribute_values=values,
                )
            errors.append((None, None, None))
        except (MultipleTransactionsException, MockValidationException):
            _restore(undo)
            raise
        except ConditionalCheckFailed as e:
            errors.append(("ConditionalCheckFailed", str(e.message), original_item))
        except Exception as e:
            errors.append((type(e).__name__, str(e), original_item))
    if any(code is not None for code, _, _ in errors):
        _restore(undo)
        raise TransactionCanceledException(errors)


ORIGINAL_WAIT_EVAL_BODY = WaitFunction._eval_body
ORIGINAL_SQS_VISIBLE = SqsMessage.visible
ORIGINAL_SQS_DELAYED = SqsMessage.delayed


def _now_ms() -> float:
    return time.time() * 1000


# moto's SQS reads queue.attributes (which counts visible, delayed and in-flight messages by
# asking each message) several times per SendMessage, and each message asks the time through
# a datetime round trip of several microseconds: a queue of a few hundred messages made
# every send cost 10-15 ms. The same instant from time.time() costs a fraction of that.
def _visible(self: SqsMessage) -> bool:
    return bool(_now_ms() > self.visible_at)


def _delayed(self: SqsMessage) -> bool:
    return bool(_now_ms() < self.delayed_until)


def _exact_wait_seconds(wait: WaitFunction, env: Any) -> float:
    """moto truncates a Timestamp wait to whole seconds, so a reply clock's step would run up
    to a second before its time; here it waits the exact remainder (as Step Functions does,
    never early). The parsing and the failure event are moto's own."""
    if not isinstance(wait, Timestamp):
        return float(wait._get_wait_seconds(env=env))
    wait.string.eval(env=env)
    raw = env.stack.pop()
    moment = wait._from_timestamp_string(timestamp=raw)
    if moment is None:
        raise FailureEventException(wait._create_failure_event(env, raw))
    return (moment - datetime.datetime.now()).total_seconds()


def compress_waits(factor: float) -> None:
    """Step Functions ``Wait`` states last ``1/factor`` of their time (the local stack's
    documented time compression). moto's own loop counts whole seconds and would spin on
    a fractional wait, so the wait is re-implemented here, still interruptible by a stop.
    An execution that runs on the wait scheduler leaves its thread for the wait
    (parked_waits); any other waits here, on its own thread."""

    def eval_body(self: WaitFunction, env: Any) -> None:
        deadline = time.monotonic() + max(0.0, _exact_wait_seconds(self, env) / factor)
        if deadline > time.monotonic() and parked_waits.may_park(env):
            raise parked_waits.Parked(deadline)
        while env.is_running():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            env.program_state_event.wait(left)

    WaitFunction._eval_body = eval_body  # type: ignore[method-assign]


ORIGINAL_VERIFY_ACTION_COUNTS = ActionCountValidator.verify_action_counts


# moto's parser nests one UpdateExpression node per clause, and the clause-count check
# searches the whole subtree again at every one of them: O(clauses^2), ~2 ms for the
# conversation upsert, twice per new item. The nested checks only ever see a subset of
# what the root check sees, so checking at the root gives the same errors in O(clauses).
def _verify_action_counts(self: ActionCountValidator, node: Any) -> Any:
    if isinstance(node.parent, UpdateExpression):
        return node
    return ORIGINAL_VERIFY_ACTION_COUNTS(self, node)


ORIGINAL_UPDATE_ITEM = DynamoDBBackend.update_item
ORIGINAL_VALIDATE = UpdateExpressionValidator.validate


# For an item that does not exist yet, moto validates the UpdateExpression twice: first
# against a throwaway item with no attributes at all (so that an invalid expression creates
# nothing), then against the item it created. Validation is most of an update's cost here.
# Same guarantee, one validation: skip the throwaway check, and if the real one fails,
# delete the item that the failed update created. The skipped check keeps the expression
# uncopied, and it is the parse every update shares (moto_update_expressions): _validate
# hands it back without running a processor over it.
ORIGINAL_VALIDATOR_INIT = UpdateExpressionValidator.__init__


def _validator_init(
    self: UpdateExpressionValidator, expression: Any, *args: Any, **kwargs: Any
) -> None:
    item = kwargs.get("item", args[2] if len(args) > 2 else None)
    if item is not None and not item.attrs:  # the throwaway pre-check: nothing to copy or set up
        self.item, self.node_to_validate = item, expression
        return
    ORIGINAL_VALIDATOR_INIT(self, expression, *args, **kwargs)


def _validate(self: UpdateExpressionValidator) -> Any:
    if not self.item.attrs:  # only moto's throwaway pre-check item has not even its keys
        return self.node_to_validate
    return ORIGINAL_VALIDATE(self)


def _update_item(
    self: DynamoDBBackend, table_name: str, key: dict[str, Any], *args: Any, **kwargs: Any
) -> Any:
    try:
        done = None if args else moto_fast_updates.update_item(self, table_name, key, **kwargs)
        if done is not None:
            return done
        existed = self.get_item(table_name, key) is not None
        try:
            return ORIGINAL_UPDATE_ITEM(self, table_name, key, *args, **kwargs)
        except Exception:
            if not existed and self.get_item(table_name, key) is not None:
                self.delete_item(table_name, key)
            raise
    finally:  # whatever the update left, the index queries' value index must know it
        moto_index.note_update(self, table_name, key)


ORIGINAL_LIST_OF_MOTO_MODULES = moto_backends.list_of_moto_modules
ORIGINAL_LAMBDA_CLIENT_FOR = lambda_eval_utils.boto_client_for  # type: ignore[attr-defined]


# moto's server finds the backend of every request by listing its own package directory
# (a listdir and ~150 stats), under the dispatcher's one lock: every request of every
# thread queued behind a filesystem scan. The package does not change while we run.
_MOTO_MODULES = tuple(ORIGINAL_LIST_OF_MOTO_MODULES())


def _list_of_moto_modules() -> Iterable[str]:
    return _MOTO_MODULES


# moto's Step Functions builds a new boto3 client (~10 ms of CPU) for every Lambda task;
# clients are thread-safe, so one per region, service and endpoint serves them all (moto's
# ignores the state's credentials: fixed fake keys).
_SFN_CLIENTS: dict[tuple[str, str, bool, str], Any] = {}


def _lambda_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
    key = (region, service, bool(botocore_stubber.enabled), str(moto_server_port()))
    if key not in _SFN_CLIENTS:
        _SFN_CLIENTS[key] = ORIGINAL_LAMBDA_CLIENT_FOR(region, service, state_credentials)
    return _SFN_CLIENTS[key]


ORIGINAL_DYNAMO_CALL_ACTION = DynamoHandler.call_action
# moto's DynamoDB is not safe for concurrent requests: a query iterates a table's items while
# another request inserts one ("dictionary changed size during iteration", a 500). With
# functions running side by side, requests are served one at a time, as the interpreter
# would run them anyway (they are pure Python).
_DYNAMO_LOCK = threading.RLock()


def _dynamo_call_action(self: DynamoHandler) -> Any:
    with _DYNAMO_LOCK:
        return ORIGINAL_DYNAMO_CALL_ACTION(self)


ORIGINAL_JSON_PATH_PARSE = json_path.parse  # type: ignore[attr-defined]
ORIGINAL_RESULT_PATH_PARSE = result_path.parse  # type: ignore[attr-defined]
# moto's Step Functions parses each JSONPath ($.next.at, $.Payload.done...) again at every
# evaluation, and jsonpath_ng builds a parser for each parse (~0.3 ms): a reply clock's step
# parsed about ten. The parsed expressions are immutable, so each path is parsed once.
_cached_json_path_parse = functools.lru_cache(maxsize=4096)(ORIGINAL_JSON_PATH_PARSE)
_cached_result_path_parse = functools.lru_cache(maxsize=4096)(ORIGINAL_RESULT_PATH_PARSE)


ORIGINAL_METHOD_NAMES = moto_responses.method_names_from_class  # type: ignore[attr-defined]
ORIGINAL_CAMELCASE = moto_responses.camelcase_to_underscores  # type: ignore[attr-defined]


# Every request asks which methods its response class has (inspect.getmembers over ~100
# members) and converts its action name character by character; both are pure functions of
# a class or a name that never change while the server runs, so each is worked out once.
@functools.cache
def _method_names(clazz: object) -> frozenset[str]:
    return frozenset(ORIGINAL_METHOD_NAMES(clazz))


_camelcase_to_underscores = functools.lru_cache(maxsize=4096)(ORIGINAL_CAMELCASE)


ORIGINAL_LAMBDA_INVOKE = LambdaFunction.invoke
ASYNC_ATTEMPTS = 3  # Lambda's asynchronous invocation: the first try and two retries
# Where Event invocations run: the local runtime's bounded pool while a stack runs (it ends
# with the stack, so no invocation outlives it), else a thread of their own.
_async_runner: Callable[[Callable[[], None]], None] | None = None


def run_event_invocations_with(runner: Callable[[Callable[[], None]], None] | None) -> None:
    global _async_runner  # noqa: PLW0603 - one runner for the process, like the patches
    _async_runner = runner


def _lambda_invoke(
    self: LambdaFunction, body: str, request_headers: Any, response_headers: Any
) -> str | bytes:
    if request_headers.get("x-amz-invocation-type") != "Event":
        return ORIGINAL_LAMBDA_INVOKE(self, body, request_headers, response_headers)

    def run() -> None:
        for _ in range(ASYNC_ATTEMPTS):
            _, errored, _ = self._invoke_lambda(event=body)  # the JSON text, as sent
            if not errored:
                return

    if _async_runner is not None:
        _async_runner(run)
    else:
        threading.Thread(target=run, name=f"event-{self.function_name}", daemon=True).start()
    return ""  # moto's Invoke answers 202 for an Event invocation with a payload


def install() -> None:
    """Idempotent; affects moto in this process (decorator mode and server mode alike)."""
    moto_responses.method_names_from_class = _method_names  # type: ignore[attr-defined, assignment]
    moto_responses.camelcase_to_underscores = _camelcase_to_underscores  # type: ignore[attr-defined]
    json_path.parse = _cached_json_path_parse  # type: ignore[attr-defined]
    DynamoHandler.call_action = _dynamo_call_action  # type: ignore[method-assign]
    result_path.parse = _cached_result_path_parse  # type: ignore[attr-defined]
    moto_backends.list_of_moto_modules = _list_of_moto_modules
    lambda_eval_utils.boto_client_for = _lambda_client_for  # type: ignore[attr-defined]
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    SqsMessage.visible = property(_visible)  # type: ignore[assignment, method-assign]
    SqsMessage.delayed = property(_delayed)  # type: ignore[assignment, method-assign]
    ActionCountValidator.verify_action_counts = _verify_action_counts  # type: ignore[method-assign]
    UpdateExpressionValidator.validate = _validate  # type: ignore[method-assign, assignment]
    UpdateExpressionValidator.__init__ = _validator_init  # type: ignore[method-assign, assignment]
    DynamoDBBackend.update_item = _update_item  # type: ignore[method-assign]
    LambdaFunction.invoke = _lambda_invoke  # type: ignore[method-assign]
    moto_index.install()  # after the update patch, which notes each update for it
    moto_query.install()
    moto_conditions.install()
    moto_programs.install()
    moto_dynamo_json.install()
    moto_update_expressions.install()
    moto_ast_clone.install()
    moto_ast_traversal.install()
    moto_sqs_attributes.install()
    moto_sqs_receive.install()
    moto_items.install()


def uninstall() -> None:
    moto_responses.method_names_from_class = ORIGINAL_METHOD_NAMES  # type: ignore[attr-defined]
    moto_responses.camelcase_to_underscores = ORIGINAL_CAMELCASE  # type: ignore[attr-defined]
    json_path.parse = ORIGINAL_JSON_PATH_PARSE  # type: ignore[attr-defined]
    DynamoHandler.call_action = ORIGINAL_DYNAMO_CALL_ACTION  # type: ignore[method-assign]
    result_path.parse = ORIGINAL_RESULT_PATH_PARSE  # type: ignore[attr-defined]
    moto_backends.list_of_moto_modules = ORIGINAL_LIST_OF_MOTO_MODULES
    lambda_eval_utils.boto_client_for = ORIGINAL_LAMBDA_CLIENT_FOR  # type: ignore[attr-defined]
    _SFN_CLIENTS.clear()  # they point at this run's port
    DynamoDBBackend.transact_write_items = ORIGINAL_TRANSACT_WRITE_ITEMS  # type: ignore[method-assign]
    WaitFunction._eval_body = ORIGINAL_WAIT_EVAL_BODY  # type: ignore[method-assign]
    SqsMessage.visible = ORIGINAL_SQS_VISIBLE  # type: ignore[method-assign]
    SqsMessage.delayed = ORIGINAL_SQS_DELAYED  # type: ignore[method-assign]
    ActionCountValidator.verify_action_counts = ORIGINAL_VERIFY_ACTION_COUNTS  # type: ignore[method-assign]
    UpdateExpressionValidator.validate = ORIGINAL_VALIDATE  # type: ignore[method-assign]
    UpdateExpressionValidator.__init__ = ORIGINAL_VALIDATOR_INIT  # type: ignore[method-assign]
    DynamoDBBackend.update_item = ORIGINAL_UPDATE_ITEM  # type: ignore[method-assign]
    LambdaFunction.invoke = ORIGINAL_LAMBDA_INVOKE  # type: ignore[method-assign]
    moto_index.uninstall()
    moto_query.uninstall()
    moto_conditions.uninstall()
    moto_programs.uninstall()
    moto_dynamo_json.uninstall()
    moto_update_expressions.uninstall()
    moto_ast_clone.uninstall()
    moto_ast_traversal.uninstall()
    moto_sqs_attributes.uninstall()
    moto_sqs_receive.uninstall()
    moto_items.uninstall()
