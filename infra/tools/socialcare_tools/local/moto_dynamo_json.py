"""DynamoDB answers written as JSON directly, not through moto's generic serializer.

moto 5.2.5 turns every result into a response body by walking the operation's output shape
in the service model (``ResponseSerializer``): for each member of each structure, down to
every attribute value of every item, it builds a context, asks six alias providers where the
value might live and tries each key and its snake_case form. For DynamoDB that is a walk
over every attribute value of the answer, and it was a sixth of the embedded AWS's CPU in
the throughput benchmark.

Here the walk for each operation's output shape is worked out once (which key moto's picker
would read for each member, how each scalar is converted) and an answer costs one pass over
its data and ``json.dumps``. The body is byte for byte the one moto writes (same members in
the same order, same conversions), so the status, the headers and the CRC32 that moto adds
afterwards are the same too. Only the data operations are written here; anything the plan
does not cover exactly (errors, other operations, a value of an unexpected type, pretty
printing, response transformers) goes to moto's serializer as before.
"""

import base64
import functools
import json
from collections.abc import Callable
from enum import Enum
from typing import Any

from moto import settings
from moto.core.common_types import TYPE_RESPONSE
from moto.core.model import Shape
from moto.core.responses import ActionResult, BaseResponse
from moto.core.serialize import (
    AttributePickerContext,
    JSONSerializer,
    XFormedAttributePicker,
    get_serializer_class,
)
from moto.core.utils import get_service_model
from moto.dynamodb.responses import DynamoHandler, DynamoResult

ORIGINAL_SERIALIZED = BaseResponse.serialized

# Operations whose answers are items, keys and capacities (no timestamps, no descriptions).
ACTIONS = frozenset(
    {
        "BatchGetItem",
        "BatchWriteItem",
        "DeleteItem",
        "GetItem",
        "PutItem",
        "Query",
        "Scan",
        "TransactGetItems",
        "TransactWriteItems",
        "UpdateItem",
    }
)

Writer = Callable[[Any], Any]


class Unsupported(Exception):
    """A shape or value this module does not write exactly as moto does: moto writes it."""


def _string(value: Any) -> Any:
    if type(value) is str:
        return value
    if isinstance(value, Enum):  # as moto's _serialize_type_string
        value = value.value
    return str(value) if value not in [None, {}, []] else value


def _blob(value: Any) -> str:
    if isinstance(value, str):
        value = value.encode("utf-8")
    if not isinstance(value, bytes):
        raise Unsupported(type(value).__name__)
    return base64.b64encode(value).strip().decode("utf-8")


def _same(value: Any) -> Any:
    return value


_SCALARS: dict[str, Writer] = {
    "string": _string,
    "blob": _blob,
    "boolean": _same,  # moto's JSON serializer writes booleans as they are
    "integer": int,
    "long": int,
    "float": float,
    "double": float,
}


class _Structure:
    """Writes a dict as moto's serializer writes it for one structure shape.

    For each member moto reads the first of its candidate keys present in the dict (its own
    name, the shape's name, their snake_case forms...). A dict whose keys are all "simple"
    (a member's own name that is no other member's candidate) is written member by member
    without trying the other candidates: moto's picker would find exactly those values."""

    def __init__(self) -> None:
        self.members: list[tuple[tuple[str, ...], str, Writer]] = []
        self.simple: dict[str, Writer] = {}
        self.simple_keys: frozenset[str] = frozenset()

    def finish(self) -> None:
        for candidates, name, writer in self.members:
            elsewhere = any(name in other for other, n, _ in self.members if n != name)
            if name in candidates and not elsewhere:
                self.simple[name] = writer
        self.simple_keys = frozenset(self.simple)

    def write(self, obj: Any) -> dict[str, Any]:
        if type(obj) is not dict:
            raise Unsupported(type(obj).__name__)
        out: dict[str, Any] = {}
        if obj.keys() <= self.simple_keys:
            if len(obj) == 1:  # an attribute value: {"S": "..."}
                for key, value in obj.items():
                    if value is not None:
                        out[key] = self.simple[key](value)
                return out
            for _, name, writer in self.members:  # moto writes them in the shape's order
                value = obj.get(name)
                if value is not None:
                    out[name] = writer(value)
            return out
        for candidates, name, writer in self.members:
            value = None
            for candidate in candidates:
                if candidate in obj:
                    value = obj[candidate]
                    break
            if value is not None:
                out[name] = writer(value)
        return out


def _list(member: Writer) -> Writer:
    def write(value: Any) -> list[Any]:
        if type(value) is not list:
            raise Unsupported(type(value).__name__)
        out = []
        for item in value:
            if item is None:
                raise Unsupported("None in a list")
            out.append(member(item))
        return out

    return write


def _map(value_writer: Writer) -> Writer:
    def write(value: Any) -> dict[Any, Any]:
        if type(value) is not dict:
            raise Unsupported(type(value).__name__)
        out = {}
        for key, item in value.items():
            if item is None:
                raise Unsupported("None in a map")
            out[key] = value_writer(item)
        return out

    return write


def _candidates(shape: Shape, key: str, member: Shape) -> tuple[str, ...]:
    """The keys moto's picker tries, in order, for this member of a dict: asked of moto's own
    picker (for a dict, they depend on the shapes only). moto sets ``parent`` on the member
    shape before picking, as here."""
    member.parent = shape  # type: ignore[attr-defined]
    context = AttributePickerContext(obj={}, key=key, shape=member)
    keys = tuple(dict.fromkeys(XFormedAttributePicker().get_possible_keys(context)))
    if any("." in k for k in keys):  # moto would read a dotted key as a path
        raise Unsupported(key)
    return keys


def _writer(shape: Shape, structures: dict[str, _Structure]) -> Writer:
    if shape.serialization.get("name"):
        raise Unsupported(shape.name)
    kind = shape.type_name
    if kind in _SCALARS:
        return _SCALARS[kind]
    if kind == "list":
        return _list(_writer(shape.member, structures))  # type: ignore[attr-defined]
    if kind == "map":
        return _map(_writer(shape.value, structures))  # type: ignore[attr-defined]
    if kind != "structure" or shape.is_document_type:  # type: ignore[attr-defined]
        raise Unsupported(f"{shape.name}: {kind}")
    if shape.name not in structures:  # AttributeValue contains itself (M, L)
        structure = structures[shape.name] = _Structure()
        for key, member in shape.members.items():  # type: ignore[attr-defined]
            candidates = _candidates(shape, key, member)
            structure.members.append((candidates, key, _writer(member, structures)))
        structure.finish()
    return structures[shape.name].write


@functools.cache
def plan(action: str) -> tuple[int, str, Writer] | None:
    """Status, content type and body writer of an operation's answer, or None: moto writes it."""
    if action not in ACTIONS:
        return None
    service = get_service_model("dynamodb")
    operation = service.operation_model(action)
    output = operation.output_shape
    if output is None or operation.has_event_stream_output:
        return None
    try:
        writer = _writer(output, {})
    except Unsupported:
        return None
    content_type = JSONSerializer(operation)._get_protocol_specific_content_type()
    return (
        operation.http.get("responseCode", JSONSerializer.DEFAULT_RESPONSE_CODE),
        content_type,
        writer,
    )


def _serialized(self: DynamoHandler, action_result: ActionResult) -> TYPE_RESPONSE:
    answer = action_result.result
    if (
        type(action_result) in (ActionResult, DynamoResult)
        and type(answer) is dict
        and not settings.PRETTIFY_RESPONSES
        and not getattr(self, "RESPONSE_KEY_PATH_TO_TRANSFORMER", None)
    ):
        known = plan(self._get_action())
        if known is not None and _writes_json(self):
            status, content_type, writer = known
            try:
                body = json.dumps(writer(answer))
            except Unsupported:
                pass
            else:
                headers = {"Content-Type": content_type}
                headers.update(self.response_headers)
                return status, headers, body
    return ORIGINAL_SERIALIZED(self, action_result)


def _writes_json(handler: DynamoHandler) -> bool:
    """moto picks its serializer by the request's content type; the plan is its JSON one."""
    try:
        protocol = handler.determine_response_protocol(get_service_model("dynamodb"))
    except Exception:
        return False
    return get_serializer_class("dynamodb", protocol) is JSONSerializer


def install() -> None:
    DynamoHandler.serialized = _serialized  # type: ignore[method-assign, assignment]


def uninstall() -> None:
    if "serialized" in vars(DynamoHandler):  # moto's DynamoHandler inherits BaseResponse's
        del DynamoHandler.serialized
