"""The Graph API sender at the HTTP boundary (``responses``): what each kind of reply posts,
and how Meta's answers become an outcome for the outbox."""

import json
import time
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
import responses
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from socialcare.adapters.meta_sender import GRAPH_VERSION, MetaSender
from socialcare.errors import (
    ConfigurationError,
    SendInterrupted,
    SendPostponed,
    SendRefused,
    StorageUnavailable,
)
from socialcare.models.common import Platform
from socialcare.models.message import MessageKind
from socialcare.models.reply import OutboundReply, ReplyRoute
from socialcare.platforms.publishing import PublishingSecrets
from socialcare_tools import local_secrets as local

FACEBOOK = f"https://graph.facebook.com/{GRAPH_VERSION}"
SECRETS = PublishingSecrets.model_validate(local.PUBLISHING_SECRET_VALUE)


def outbound(
    platform: Platform, route: ReplyRoute, kind: MessageKind, **extra: Any
) -> OutboundReply:
    account = local.META_INSTAGRAM_ID if platform is Platform.INSTAGRAM else local.META_PAGE_ID
    fields: dict[str, Any] = {
        "reply_id": "slack-event:Ev1",
        "conversation_id": "c1",
        "brand_id": "acme",
        "platform": platform,
        "account_id": account,
        "route": route,
        "text": "On its way!",
        "target_message_id": "104000000000001_900_1700",
        "target_kind": kind,
        "customer_id": "6100000000000042",
        "agent": "U0AGENT",
        "slack_channel": "C0ACMESUPPORT",
        "slack_thread_ts": "1.2",
        "queued_at": datetime(2026, 12, 7, tzinfo=UTC),
    }
    return OutboundReply.model_validate(fields | extra)


def sender() -> MetaSender:
    return MetaSender(lambda: SECRETS)


def sent_body(call: Any) -> Any:
    return json.loads(call.request.body)


@responses.activate
def test_a_direct_message_is_a_response_and_a_late_one_is_tagged() -> None:
    responses.post(
        f"{FACEBOOK}/me/messages", json={"recipient_id": "6100000000000042", "message_id": "m_1"}
    )
    dm = outbound(Platform.MESSENGER, ReplyRoute.PRIVATE, MessageKind.DIRECT)
    delivered = sender().send(dm)
    assert delivered.platform_message_id == "m_1" and delivered.link
    sender().send(dm.model_copy(update={"message_tag": "HUMAN_AGENT"}))
    first, second = (sent_body(c) for c in responses.calls)
    assert first == {
        "recipient": {"id": "6100000000000042"},
        "messaging_type": "RESPONSE",
        "message": {"text": "On its way!"},
    }
    assert second["messaging_type"] == "MESSAGE_TAG" and second["tag"] == "HUMAN_AGENT"
    assert responses.calls[0].request.headers["Authorization"] == "Bearer local-meta-page-token"
    assert "access_token" not in responses.calls[0].request.url  # never in a logged URL


@responses.activate
def test_comments_are_answered_on_their_edge_and_privately_by_comment_id() -> None:
    target = "104000000000001_900_1700"
    responses.post(f"{FACEBOOK}/{target}/comments", json={"id": f"{target}_1"})
    responses.post(f"{FACEBOOK}/{target}/replies", json={"id": "17870000000000001"})
    responses.post(f"{FACEBOOK}/me/messages", json={"recipient_id": "1", "message_id": "m_2"})
    sender().send(outbound(Platform.FACEBOOK, ReplyRoute.PUBLIC, MessageKind.COMMENT))
    sender().send(outbound(Platform.INSTAGRAM, ReplyRoute.PUBLIC, MessageKind.COMMENT))
    sender().send(outbound(Platform.FACEBOOK, ReplyRoute.PRIVATE, MessageKind.COMMENT))
    facebook, instagram, private = (sent_body(c) for c in responses.calls)
    assert facebook == instagram == {"message": "On its way!"}
    assert private == {"recipient": {"comment_id": target}, "message": {"text": "On its way!"}}


def error(code: int, subcode: int | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {
        "message": "x",
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": "t",
    }
    if subcode:
        found["error_subcode"] = subcode
    return {"error": found}


@pytest.mark.parametrize(
    ("code", "subcode", "outcome"),
    [
        (10, 2018278, SendRefused),
        (551, None, SendRefused),
        (10900, None, SendRefused),
        (190, None, ConfigurationError),
        (230, None, ConfigurationError),
        (613, None, SendPostponed),
        (80006, None, SendPostponed),
        (80002, None, SendPostponed),  # Instagram's per-use-case throttle
        (2, None, StorageUnavailable),
        (1200, None, StorageUnavailable),
        (99999, None, SendRefused),  # understood and refused: sending again changes nothing
        (10, 2534022, SendRefused),  # Instagram's window
        (10, 1234567, SendRefused),  # a refusal of this reply we do not know by name
        (10, None, ConfigurationError),  # the app lacks the permission
    ],
)
@responses.activate
def test_metas_errors_become_an_outcome(code: int, subcode: int | None, outcome: type) -> None:
    responses.post(f"{FACEBOOK}/me/messages", json=error(code, subcode), status=400)
    with pytest.raises(outcome):
        sender().send(outbound(Platform.MESSENGER, ReplyRoute.PRIVATE, MessageKind.DIRECT))


@responses.activate
def test_a_rate_limit_waits_as_long_as_metas_usage_header_says() -> None:
    usage = {"104000000000001": [{"type": "messenger", "estimated_time_to_regain_access": 7}]}
    responses.post(
        f"{FACEBOOK}/me/messages",
        json=error(80006),
        status=400,
        headers={"X-Business-Use-Case-Usage": json.dumps(usage)},
    )
    with pytest.raises(SendPostponed) as postponed:
        sender().send(outbound(Platform.MESSENGER, ReplyRoute.PRIVATE, MessageKind.DIRECT))
    assert 6.9 * 60 < postponed.value.until - time.time() <= 7 * 60


@responses.activate
def test_a_window_refusal_names_the_window_for_the_agent() -> None:
    responses.post(f"{FACEBOOK}/me/messages", json=error(10, 2018278), status=400)
    with pytest.raises(SendRefused) as refused:
        sender().send(outbound(Platform.MESSENGER, ReplyRoute.PRIVATE, MessageKind.DIRECT))
    assert refused.value.code == "meta-10-2018278" and "24 hours" in refused.value.explanation


@responses.activate
def test_a_send_cut_off_after_the_call_or_accepted_without_an_id_is_uncertain() -> None:
    responses.post(f"{FACEBOOK}/me/messages", body=requests.ReadTimeout("read timed out"))
    dm = outbound(Platform.MESSENGER, ReplyRoute.PRIVATE, MessageKind.DIRECT)
    with pytest.raises(SendInterrupted):
        sender().send(dm)
    responses.replace(responses.POST, f"{FACEBOOK}/me/messages", body="OK", status=200)
    with pytest.raises(SendInterrupted):
        sender().send(dm)


@responses.activate
def test_a_private_reply_without_metas_recipient_id_links_nothing() -> None:
    responses.post(f"{FACEBOOK}/me/messages", json={"message_id": "m_3"})
    private = outbound(Platform.FACEBOOK, ReplyRoute.PRIVATE, MessageKind.COMMENT)
    delivered = sender().send(private)
    assert delivered.recipient_id is None and delivered.link is None  # never the commenter's id


@responses.activate
def test_an_html_error_page_or_no_answer_is_retried_through_the_queue() -> None:
    responses.post(f"{FACEBOOK}/me/messages", body="<html>502</html>", status=502)
    with pytest.raises(StorageUnavailable):
        sender().send(outbound(Platform.MESSENGER, ReplyRoute.PRIVATE, MessageKind.DIRECT))


def test_an_account_without_a_token_is_a_configuration_error() -> None:
    stranger = outbound(Platform.MESSENGER, ReplyRoute.PRIVATE, MessageKind.DIRECT, account_id="1")
    with pytest.raises(ConfigurationError):
        sender().send(stranger)


@responses.activate
def test_an_instagram_login_token_talks_to_graph_instagram_com() -> None:
    secrets = PublishingSecrets.model_validate(
        {"meta": {local.META_INSTAGRAM_ID: {"token": "ig-user-token", "login": "instagram"}}}
    )
    responses.post(
        f"https://graph.instagram.com/{GRAPH_VERSION}/me/messages",
        json={"recipient_id": "9100000000000042", "message_id": "aWdf"},
    )
    reply = outbound(Platform.INSTAGRAM, ReplyRoute.PRIVATE, MessageKind.DIRECT)
    assert MetaSender(lambda: secrets).send(reply).platform_message_id == "aWdf"


@responses.activate
def test_an_instagram_mention_is_answered_under_the_comment_or_the_caption_that_names_us() -> None:
    """``POST /{ig-user-id}/mentions``: the media, and the comment when the mention is one
    (the comment is someone else's: ``/{comment}/replies`` would be refused)."""
    account = local.META_INSTAGRAM_ID
    responses.post(f"{FACEBOOK}/{account}/mentions", json={"id": "17846319838228163"})
    in_comment = outbound(
        Platform.INSTAGRAM,
        ReplyRoute.PUBLIC,
        MessageKind.MENTION,
        target_message_id="17865000000000777",
        target_posted_under="17900000000000777",
        customer_id="@janeroe",
    )
    assert sender().send(in_comment).platform_message_id == "17846319838228163"
    in_caption = in_comment.model_copy(
        update={"target_message_id": "17900000000000777", "target_posted_under": None}
    )
    sender().send(in_caption)
    assert [sent_body(c) for c in responses.calls] == [
        {
            "media_id": "17900000000000777",
            "comment_id": "17865000000000777",
            "message": "On its way!",
        },
        {"media_id": "17900000000000777", "message": "On its way!"},
    ]


REFUSED_TO_CONNECT = requests.ConnectionError(
    MaxRetryError(None, "/x", NewConnectionError(None, "refused"))  # type: ignore[arg-type]
)


@pytest.mark.parametrize(
    ("failure", "outcome"),
    [
        (REFUSED_TO_CONNECT, StorageUnavailable),
        (requests.ConnectionError(ProtocolError("Connection aborted.")), SendInterrupted),
    ],
)
@responses.activate
def test_a_meta_reply_cut_off_mid_answer_is_uncertain_not_retried(
    failure: Exception, outcome: type[Exception]
) -> None:
    responses.post(f"{FACEBOOK}/me/messages", body=failure)
    with pytest.raises(outcome):
        sender().send(outbound(Platform.MESSENGER, ReplyRoute.PRIVATE, MessageKind.DIRECT))
