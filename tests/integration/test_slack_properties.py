"""POST /slack/events under arbitrary and mutated requests, signed and not: the answer is
always a deliberate one (200, 400, 401, 413), never a 5xx, and a request without a valid
signature changes nothing: nothing stored, nothing queued, no Slack call, no lazy
self-invocation. The real Bolt app on moto and the Slack stand-in, with one conversation
in Slack that valid requests may act on."""

import base64
import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlencode

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socialcare.services.x_webhook import XWebhookDeps
from socialcare.slack.verification import MAX_BODY_BYTES
from socialcare_tools import local_secrets as local
from socialcare_tools.apigw import http_event
from socialcare_tools.local.standins import StandIns
from socialcare_tools.slack_requests import button_press
from socialcare_tools.template_resources import Backbone, create_queue
from tests.integration.desk_support import (
    Desk,
    a_desk,
    message_event,
    signed,
    view_submission,
)
from tests.support.desk_cases import command, conversation_in_slack
from tests.support.mutations import mutate

pytestmark = pytest.mark.integration
DELIBERATE = {200, 400, 401, 413}
FORM, JSON = "application/x-www-form-urlencoded", "application/json"
EXAMPLES = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SIGNINGS = ("valid", "none", "forged", "not-a-number", "stale", "wrong-secret")


@pytest.fixture
def world(
    backbone: Backbone, x_live: XWebhookDeps, slack: StandIns
) -> Iterator[tuple[Desk, dict[str, Any], StandIns, Backbone]]:
    queues = create_queue("DeskQueue"), create_queue("OutboxQueue")
    meta = conversation_in_slack(backbone, x_live, queues, slack)
    yield a_desk(backbone, slack, queues[1]), meta, slack, backbone


def samples(meta: dict[str, Any]) -> dict[str, tuple[str, Any]]:
    """Valid bodies of each kind, decoded: (how it is encoded, the value)."""
    ts = meta["slack_thread"]["ts"]

    def form_payload(event: dict[str, Any]) -> Any:
        return json.loads(dict(parse_qsl(event["body"]))["payload"])

    return {
        "event": ("json", json.loads(message_event("It ships today.", ts)["body"])),
        "button": ("payload", form_payload(button_press("assign_me", meta["id"]))),
        "modal": ("payload", form_payload(view_submission(meta["id"], "It ships today."))),
        "command": ("form", dict(parse_qsl(command(f"show {meta['id']}")["body"]))),
    }


def encode(how: str, value: Any) -> tuple[bytes, str]:
    if how == "json":
        return json.dumps(value).encode(), JSON
    if how == "payload":
        return urlencode({"payload": json.dumps(value)}).encode(), FORM
    return urlencode(
        {k: v if isinstance(v, str) else json.dumps(v) for k, v in value.items()}
    ).encode(), FORM


def request(body: bytes, content_type: str, signing: str, base64_body: bool) -> dict[str, Any]:
    now = int(time.time())
    timestamp = {"not-a-number": "12ab", "stale": str(now - 3600)}.get(signing, str(now))
    event = signed(
        body,
        content_type,
        secret="not-the-secret" if signing == "wrong-secret" else local.SLACK_SIGNING_SECRET,
        base64_body=True,
    )
    if signing == "valid":
        headers = event["headers"]
    elif signing == "none":
        headers = {"content-type": content_type}
    else:
        signature = (
            "v0=" + "0" * 64 if signing == "forged" else event["headers"]["x-slack-signature"]
        )
        headers = event["headers"] | {
            "x-slack-request-timestamp": timestamp,
            "x-slack-signature": signature,
        }
    return http_event("POST", "/slack/events", body, headers, base64_body=base64_body)


def snapshot(world: tuple[Desk, dict[str, Any], StandIns, Backbone]) -> tuple[Any, ...]:
    desk, _, slack, backbone = world
    items = boto3.client("dynamodb").scan(TableName=backbone.table)["Items"]
    outbox = boto3.client("sqs").get_queue_attributes(
        QueueUrl=desk.outbox, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]["ApproximateNumberOfMessages"]
    calls = len(slack.recorder.calls("slack")) + len(slack.recorder.calls("x"))
    return json.dumps(items, sort_keys=True, default=str), outbox, calls


def deliver(
    world: tuple[Desk, dict[str, Any], StandIns, Backbone], event: dict[str, Any], signing: str
) -> None:
    desk = world[0]
    before = snapshot(world)
    response = desk.answer(event)
    assert response["statusCode"] in DELIBERATE, response
    if signing != "valid":
        assert response["statusCode"] == 401, response
        assert desk.lazy.payloads == []
        assert snapshot(world) == before
    pending, desk.lazy.payloads = desk.lazy.payloads, []
    for payload in pending:  # Lambda runs Bolt's self-invocations: they never fail either
        lazy = desk.answer(payload)
        assert lazy["statusCode"] in DELIBERATE, lazy


@st.composite
def mutated(draw: st.DrawFn, meta: dict[str, Any]) -> tuple[bytes, str]:
    """A valid body of some kind, one value replaced by anything or one key removed."""
    how, value = draw(st.sampled_from(sorted(samples(meta).values(), key=str)))
    return encode(how, mutate(draw, value))


def test_mutated_requests_signed_or_not(
    world: tuple[Desk, dict[str, Any], StandIns, Backbone],
) -> None:
    @EXAMPLES
    @given(mutated(world[1]), st.sampled_from(SIGNINGS), st.booleans())
    def check(body: tuple[bytes, str], signing: str, base64_body: bool) -> None:
        deliver(world, request(*body, signing, base64_body), signing)

    check()


def test_arbitrary_bytes_and_headers_signed_or_not(
    world: tuple[Desk, dict[str, Any], StandIns, Backbone],
) -> None:
    @EXAMPLES
    @given(
        st.binary(max_size=2048)
        | st.builds(lambda t: t.encode("utf-8", "surrogatepass"), st.text(max_size=300)),
        st.sampled_from([JSON, FORM, "text/plain", ""]),
        st.sampled_from(SIGNINGS),
        st.dictionaries(
            st.sampled_from(["x-slack-signature", "x-slack-request-timestamp", "content-type"]),
            st.text(max_size=40),
            max_size=2,
        ),
    )
    def check(body: bytes, content_type: str, signing: str, headers: dict[str, str]) -> None:
        event = request(body, content_type, signing, base64_body=True)
        if headers and signing != "valid":
            event["headers"] |= headers  # anything in Slack's headers, still unsigned
        deliver(world, event, signing)

    check()


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"{", JSON, 400),
        (b"\xff\xfe{}", JSON, 400),  # not UTF-8
        (b"payload=%7Bbad", FORM, 400),
        (b'{"authorizations":5}', JSON, 400),
        (b'{"type":"event_callback","event":null}', JSON, 400),
        (b'{"type":"event_callback","event":{"type":"message"}}', JSON, 400),  # no channel
        (b"payload=%5B1%2C2%5D", FORM, 400),  # a JSON list
        (b'{"type":"block_actions","user":5}', JSON, 400),
        (b"token=x&text=hello", FORM, 400),  # neither event, interaction nor command
        (b"[" * 100_000, JSON, 400),  # nested too deep for the JSON parser
    ],
)
def test_signed_but_malformed_requests_get_400_saying_why(
    world: tuple[Desk, dict[str, Any], StandIns, Backbone],
    body: bytes,
    content_type: str,
    status: int,
) -> None:
    before = snapshot(world)
    response = world[0].answer(signed(body, content_type, base64_body=True))
    assert response["statusCode"] == status, response
    assert json.loads(response["body"])["error"] == "malformed_payload"
    assert snapshot(world) == before and world[0].lazy.payloads == []


@pytest.mark.parametrize(
    "headers",
    [
        {"x-slack-request-timestamp": "soon"},
        {"x-slack-request-timestamp": "１７００"},  # digits, but not ASCII ones
        {"x-slack-signature": "v0=ünïcode"},
        {"x-slack-signature": ""},
    ],
)
def test_bad_signature_headers_get_401(
    world: tuple[Desk, dict[str, Any], StandIns, Backbone], headers: dict[str, str]
) -> None:
    event = signed(b"{", JSON)
    event["headers"] |= headers
    response = world[0].answer(event)
    assert response["statusCode"] == 401, response
    assert json.loads(response["body"])["error"] == "invalid_signature"


def test_a_body_over_the_limit_gets_413_signed_or_not(
    world: tuple[Desk, dict[str, Any], StandIns, Backbone],
) -> None:
    padding = "x" * (MAX_BODY_BYTES + 1)
    body = json.dumps({"type": "event_callback", "padding": padding}).encode()
    for event in (signed(body, JSON), http_event("POST", "/slack/events", body)):
        response = world[0].answer(event)
        assert response["statusCode"] == 413, response
    six_megabytes = signed(b"{" + b" " * 6_000_000 + b"}", JSON)
    assert world[0].answer(six_megabytes)["statusCode"] == 413


def test_a_base64_encoded_request_still_works(
    world: tuple[Desk, dict[str, Any], StandIns, Backbone],
) -> None:
    event = command("queue")
    event["body"] = base64.b64encode(event["body"].encode()).decode()
    event["isBase64Encoded"] = True
    response = world[0].answer(event)
    assert response["statusCode"] == 200
    assert "1 waiting" in json.loads(response["body"])["text"]
