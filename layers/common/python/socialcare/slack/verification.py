"""What every request to POST /slack/events passes before slack_bolt sees it: its size, its
signature and timestamp, then its encoding and shape.

slack_bolt parses the body before it checks the signature, and its parsing and matching
assume Slack's shapes: ``{``, invalid UTF-8, ``payload=%7Bbad``, ``{"authorizations":5}`` or
a timestamp that is not a number made it answer 500, unsigned requests included. Here the
order is size (413), signature and timestamp (401), then UTF-8, form and JSON encoding and
the shapes Bolt and the desk's listeners read (400); Bolt only ever sees a signed,
well-formed request (and still checks the signature itself).
"""

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from socialcare.errors import InvalidSignature, MalformedPayload
from socialcare.slack.events import SlackMessageEvent
from socialcare.webhooks import raw_body

# Slack sends small requests: an event or a slash command is a few kilobytes; the largest
# are message edits (``message_changed`` carries the message twice; a message holds at most
# 40,000 characters, up to 240 KB when JSON escapes every character) and view submissions
# (the whole view: its blocks and state, form-encoded JSON, so non-Latin text weighs up to 8
# bytes a character; the reply modal holds two 3,000-character texts, under 50 KB). 512 KB
# covers these, and keeps Bolt's lazy self-invocation (the same event, base64 adds a third)
# under Lambda's 1 MB limit for an asynchronous invocation's payload.
MAX_BODY_BYTES = 512 * 1024
MAX_AGE_SECONDS = 300  # Slack's replay window (platforms.md 5.2)
TIMESTAMP, SIGNATURE = "x-slack-request-timestamp", "x-slack-signature"
FORM = "application/x-www-form-urlencoded"


class _Shape(BaseModel):
    """Fields may be absent, and Slack adds new ones; what is there has the type Bolt and
    our listeners assume (strict: no numbers for strings, no null for an object)."""

    model_config = ConfigDict(extra="allow", strict=True)


class _Id(_Shape):
    id: str | None = None
    team_id: str | None = None
    enterprise_id: str | None = None


class _Authorization(_Shape):
    team_id: str | None = None
    enterprise_id: str | None = None
    user_id: str | None = None
    is_enterprise_install: bool | None = None


class _Item(_Shape):
    """``event.message``, ``event.previous_message``, ``event.item``: read for ids."""

    user: str | _Id | None = None
    channel: str | _Id | None = None
    thread_ts: str | None = None


class _Event(_Shape):
    type: str
    subtype: str | None = None
    channel: str | _Id | None = None
    user: str | None = None
    user_team: str | None = None
    team: str | None = None
    ts: str | None = None
    thread_ts: str | None = None
    text: str | None = None
    bot_id: str | None = None
    message: _Item | None = None
    previous_message: _Item | None = None
    item: _Item | None = None


class SlackView(_Shape):
    """A modal as Slack sends it back (``view``): checked at admission, read by the desk."""

    id: str | None = None
    type: str | None = None
    callback_id: str | None = None
    private_metadata: str | None = None
    hash: str | None = None
    team_id: str | None = None
    app_installed_team_id: str | None = None
    state: dict[str, dict[str, dict[str, dict[str, Any]]]] | None = None

    @field_validator("private_metadata")
    @classmethod
    def _metadata_is_an_object(cls, value: str | None) -> str | None:
        if value:
            try:
                parsed = json.loads(value)
            except ValueError:
                raise ValueError("view.private_metadata is not JSON") from None
            if not isinstance(parsed, dict):
                raise ValueError("view.private_metadata is not a JSON object")
        return value

    @model_validator(mode="after")
    def _typed_when_named(self) -> "SlackView":
        # Bolt reads view["type"] of every view that has a callback_id (is it a workflow
        # step?): without one it raised KeyError, a 500. Slack always sends both.
        if self.callback_id is not None and self.type is None:
            raise ValueError("view.type is missing")
        return self

    def typed(self, block: str, element: str) -> str:
        """What the user typed into an input of the modal ("" if nothing)."""
        found = (self.state or {}).get("values", {}).get(block, {}).get(element, {})
        value = found.get("value")
        return value if isinstance(value, str) else ""

    def metadata(self, key: str) -> str:
        """One value of the JSON object the app put in the modal (checked above)."""
        found = json.loads(self.private_metadata) if self.private_metadata else {}
        return str(found.get(key, ""))


class _Action(_Shape):
    action_id: str
    type: str | None = None
    block_id: str | None = None
    value: str | None = None
    action_ts: str | None = None


class _Container(_Shape):
    type: str | None = None
    message_ts: str | None = None
    channel_id: str | None = None


class _ResponseUrl(_Shape):
    response_url: str | None = None


class SlackPayload(_Shape):
    """The envelope of every kind of Slack request (event, interactivity, slash command)."""

    type: str | None = None
    command: str | None = None
    text: str | None = None
    callback_id: str | None = None
    action_id: str | None = None
    team: str | _Id | None = None
    team_id: str | None = None
    enterprise: str | _Id | None = None
    enterprise_id: str | None = None
    is_enterprise_install: bool | str | None = None
    is_ext_shared_channel: bool | None = None
    authorizations: list[_Authorization] | None = None
    user: _Id | None = None  # interactivity: an object (slash commands have user_id)
    user_id: str | None = None
    channel: str | _Id | None = None
    channel_id: str | None = None
    thread_ts: str | None = None
    event: _Event | None = None
    event_id: str | None = None
    view: SlackView | None = None
    # Bolt reads actions[0] of every block action: an empty list was an IndexError, a 500.
    actions: list[_Action] | None = Field(default=None, min_length=1)
    container: _Container | None = None
    message: _Item | None = None
    previous_message: _Item | None = None
    item: _Item | None = None
    response_url: str | None = None
    response_urls: list[_ResponseUrl] | None = None
    trigger_id: str | None = None
    function_execution_id: str | None = None
    function_data: dict[str, Any] | None = None
    assistant_thread: _Item | None = None


# Keys whose value Bolt dereferences whenever the key is present: null breaks it.
_NOT_NULL = ("event", "view", "authorizations", "actions", "container", "response_urls")
# The kinds of request Slack sends to an app's request URL.
_KINDS = frozenset(
    {
        "url_verification",
        "event_callback",
        "app_rate_limited",
        "block_actions",
        "block_suggestion",
        "view_submission",
        "view_closed",
        "shortcut",
        "message_action",
        "interactive_message",
        "dialog_submission",
        "dialog_cancellation",
        "dialog_suggestion",
        "workflow_step_edit",
    }
)


def header(headers: Mapping[str, Any] | None, name: str) -> str | None:
    """A header by name, whatever its case (HTTP API lower-cases names; REST APIs do not)."""
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return value if isinstance(value, str) else None
    return None


def admit(
    event: Mapping[str, Any], signing_secret: str, now: float | None = None
) -> dict[str, Any]:
    """The parsed body of a request Slack signed and shaped as Slack does; otherwise
    ``PayloadTooLarge`` (413), ``InvalidSignature`` (401) or ``MalformedPayload`` (400)."""
    raw = raw_body(APIGatewayProxyEventV2(dict(event)), MAX_BODY_BYTES)
    verify(raw, event.get("headers"), signing_secret, now)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedPayload("the body is not UTF-8") from None
    return parse(text, header(event.get("headers"), "content-type"))


def verify(
    raw: bytes, headers: Mapping[str, Any] | None, signing_secret: str, now: float | None = None
) -> None:
    """Slack's signature over ``v0:<timestamp>:<body>`` (compared in constant time), with a
    numeric timestamp no more than five minutes away from now."""
    timestamp, signature = header(headers, TIMESTAMP), header(headers, SIGNATURE)
    if not timestamp or not signature:
        raise InvalidSignature("the Slack signature or its timestamp is missing")
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        raise InvalidSignature("the Slack request timestamp is not a number")
    clock = time.time() if now is None else now
    if abs(clock - int(timestamp)) > MAX_AGE_SECONDS:
        raise InvalidSignature("the Slack request timestamp is more than five minutes away")
    # Compared as bytes: compare_digest refuses str with non-ASCII characters (a TypeError).
    expected = sign(signing_secret, timestamp, raw).encode()
    if not hmac.compare_digest(expected, signature.encode("utf-8", "surrogatepass")):
        raise InvalidSignature("the Slack signature does not match")


def sign(signing_secret: str, timestamp: str, raw: bytes) -> str:
    """``v0=`` + HMAC-SHA256 of ``v0:<timestamp>:<body>``, as Slack signs (slack_sdk's
    SignatureVerifier computes the same, but decodes the body as UTF-8 first and raises on
    bytes that are not)."""
    base = b"v0:" + timestamp.encode() + b":" + raw
    return "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()


def parse(text: str, content_type: str | None) -> dict[str, Any]:
    """The body as Bolt reads it (JSON for events; a form for slash commands; a form whose
    ``payload`` field is JSON for interactivity), checked for the shapes Bolt assumes."""
    if not text:
        raise MalformedPayload("the body is empty")
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind == "application/json" or text.startswith("{"):
        body = _json(text, "the body")
    elif "payload" in text:  # interactivity: a form whose payload field is JSON
        body = _json(_form(text).get("payload", "{}"), "the payload field")
    else:  # a slash command, an ssl_check
        body = _form(text)
    if not isinstance(body, dict):
        raise MalformedPayload("the body is not a JSON object")
    nulls = [key for key in _NOT_NULL if key in body and body[key] is None]
    if nulls:
        raise MalformedPayload(f"{', '.join(nulls)} must not be null")
    try:
        SlackPayload.model_validate(body)
    except ValidationError as exc:
        raise MalformedPayload("the body is not shaped as Slack sends it", _problems(exc)) from None
    event = body.get("event") or {}
    if event.get("type") == "message":
        _as_message(event)
    if body.get("type") not in _KINDS and "command" not in body and "ssl_check" not in body:
        raise MalformedPayload("not a Slack event, interaction or slash command")
    return body


def _json(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nested thousands deep
        raise MalformedPayload(f"{what} is not valid JSON") from None


def _form(text: str) -> dict[str, str]:
    try:
        # Bolt parses the same way: the last of repeated fields wins.
        return dict(parse_qsl(text, keep_blank_values=True, strict_parsing=False, errors="strict"))
    except (ValueError, UnicodeDecodeError):
        raise MalformedPayload("the body is not valid form encoding") from None


def _as_message(event: dict[str, Any]) -> None:
    """A message event must be one the desk's thread listener can read."""
    try:
        SlackMessageEvent.model_validate(event)
    except ValidationError as exc:
        raise MalformedPayload("the message event is incomplete", _problems(exc)) from None


def _problems(exc: ValidationError) -> list[dict[str, str]]:
    # Field names and pydantic's message only: never the values sent.
    return [
        {"field": ".".join(map(str, e["loc"])) or "body", "problem": e["msg"]}
        for e in exc.errors(include_input=False, include_url=False)
    ]
