"""Instagram @mentions: the webhook queues the ids Meta sends, the reader fetches the comment or
caption from the Graph API (stopped at the HTTP boundary with ``responses``) and stores it as
a public mention; what cannot be read now stays queued, what is gone is passed over."""

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
import responses

from functions.read_mentions import app as reader_app
from socialcare.adapters.meta_graph import GRAPH_VERSION
from socialcare.adapters.meta_mentions import MetaMentions
from socialcare.errors import ConfigurationError, StorageUnavailable
from socialcare.models import ChannelType, MentionRequest, MessageKind, Platform
from socialcare.models.message import conversation_id_for
from socialcare.platforms.publishing import PublishingSecrets
from socialcare.services.instagram_mentions import MentionDeps, take_mention
from socialcare.services.meta_webhook import MetaWebhookDeps, receive
from socialcare_tools import local_secrets as local
from socialcare_tools.samples_meta import (
    MENTIONING_COMMENT,
    THEIR_MEDIA,
    instagram_mention,
    mentioned_comment,
    mentioned_media,
)
from tests.conftest import LambdaContext
from tests.support.fakes import FakeQueue, FakeStore, fake_ingest
from tests.support.meta import (
    INSTAGRAM,
    PAGE,
    PSID,
    brands,
    delivery,
    direct,
    entry,
    secrets,
    signed,
)
from tests.support.metrics import emf
from tests.support.queues import record

GRAPH = f"https://graph.facebook.com/{GRAPH_VERSION}/{INSTAGRAM}"
RECEIVED = datetime(2026, 8, 24, 10, 15, 2, tzinfo=UTC)


@dataclass
class FakeMentionQueue:
    sent: list[tuple[MentionRequest, str, str]] = field(default_factory=list)
    failures_left: int = 0

    def send(self, request: MentionRequest, *, group: str, dedup_id: str) -> None:
        if self.failures_left:
            self.failures_left -= 1
            raise StorageUnavailable("queue is down")
        self.sent.append((request, group, dedup_id))


def webhook(queue: FakeMentionQueue) -> MetaWebhookDeps:
    return MetaWebhookDeps(
        ingest=fake_ingest(),
        brands=brands(),
        secrets=secrets,
        mentions=queue,
        clock=lambda: RECEIVED,
    )


def post(body: bytes, deps: MetaWebhookDeps) -> Any:
    return receive(body, signed(body), deps)


def request(comment: str | None = MENTIONING_COMMENT) -> MentionRequest:
    return MentionRequest(
        account_id=INSTAGRAM,
        brand_id="acme",
        media_id=THEIR_MEDIA,
        comment_id=comment,
        received_at=RECEIVED,
    )


def reader() -> MetaMentions:
    return MetaMentions(lambda: PublishingSecrets.model_validate(local.PUBLISHING_SECRET_VALUE))


def mention_deps() -> MentionDeps:
    return MentionDeps(reader=reader(), ingest=fake_ingest())


def stored(deps: MentionDeps) -> FakeStore:
    assert isinstance(deps.ingest.store, FakeStore)
    return deps.ingest.store


def graph_answers(item: dict[str, Any], edge: str = "mentioned_comment") -> None:
    responses.get(GRAPH, json={edge: item, "id": INSTAGRAM})


# --- the webhook ------------------------------------------------------------------------------


def test_the_webhook_queues_each_mention_for_the_reader_and_stores_nothing_yet() -> None:
    queue = FakeMentionQueue()
    deps = webhook(queue)
    changes = [instagram_mention(THEIR_MEDIA, MENTIONING_COMMENT), instagram_mention(THEIR_MEDIA)]
    received = post(delivery("instagram", entry(INSTAGRAM, changes=changes)), deps)
    assert received.mentions == 2 and received.stored == 0
    assert [(r.media_id, r.comment_id, r.brand_id) for r, _, _ in queue.sent] == [
        (THEIR_MEDIA, MENTIONING_COMMENT, "acme"),
        (THEIR_MEDIA, None, "acme"),
    ]
    assert [dedup for _, _, dedup in queue.sent] == [
        f"instagram#{INSTAGRAM}#{MENTIONING_COMMENT}",
        f"instagram#{INSTAGRAM}#{THEIR_MEDIA}",
    ]
    assert {group for _, group, _ in queue.sent} == {f"{INSTAGRAM}:{THEIR_MEDIA}"}
    assert queue.sent[0][0].received_at == RECEIVED


def test_a_mention_that_cannot_be_queued_has_meta_send_the_delivery_again() -> None:
    """The Messenger message beside it is stored; the answer is 5xx (Meta redelivers), and
    the redelivery stores the message nothing twice and queues the mention."""
    queue = FakeMentionQueue(failures_left=1)
    deps = webhook(queue)
    body = delivery(
        "page", entry(PAGE, messaging=[direct(PAGE, PSID, "m_beside")])
    )  # one delivery per object: the mention comes in its own
    mention = delivery(
        "instagram", entry(INSTAGRAM, changes=[instagram_mention(THEIR_MEDIA, MENTIONING_COMMENT)])
    )
    assert post(body, deps).stored == 1
    with pytest.raises(StorageUnavailable):
        post(mention, deps)
    assert queue.sent == []
    assert post(mention, deps).mentions == 1
    assert len(queue.sent) == 1


@pytest.mark.parametrize(
    "value",
    [{}, {"comment_id": "1"}, {"media_id": "../../me"}, {"media_id": 5}, {"media_id": "x" * 200}],
)
def test_a_mention_of_an_unknown_shape_is_acknowledged_and_logged(value: object) -> None:
    queue = FakeMentionQueue()
    deps = webhook(queue)
    change = {"field": "mentions", "value": value}
    received = post(delivery("instagram", entry(INSTAGRAM, changes=[change])), deps)
    assert received.skipped == 1 and queue.sent == []


def test_a_page_delivery_never_reads_mentions() -> None:
    queue = FakeMentionQueue()
    change = instagram_mention(THEIR_MEDIA, MENTIONING_COMMENT)
    received = post(delivery("page", entry(PAGE, changes=[change])), webhook(queue))
    assert received.skipped == 1 and queue.sent == []


# --- the reader -------------------------------------------------------------------------------


@responses.activate
def test_a_comment_mention_becomes_a_public_mention_on_their_media() -> None:
    graph_answers(mentioned_comment())
    deps = mention_deps()
    assert take_mention(request(), deps) == "stored"
    [message] = stored(deps).all_messages
    assert (message.platform, message.kind, message.channel_type) == (
        Platform.INSTAGRAM,
        MessageKind.MENTION,
        ChannelType.PUBLIC,
    )
    assert message.text == "@acme.store my order 5521 never came, two weeks now"
    assert message.platform_message_id == MENTIONING_COMMENT
    assert message.posted_under == THEIR_MEDIA  # the reply names both
    assert message.thread_key == f"instagram:{INSTAGRAM}:mention:{THEIR_MEDIA}:{MENTIONING_COMMENT}"
    assert message.customer.handle == "janeroe" and message.customer.id == "@janeroe"
    assert message.customer.profile_url == "https://www.instagram.com/janeroe/"
    assert message.link is not None and message.link.startswith("https://www.instagram.com/p/")
    assert message.sent_at == datetime(2026, 8, 24, 10, 14, 40, tzinfo=UTC)
    [call] = responses.calls
    url = requests.utils.unquote(str(call.request.url))
    assert f"mentioned_comment.comment_id({MENTIONING_COMMENT})" in url
    assert "{id,text,timestamp,username,media{id,permalink}}" in url
    assert "token" not in url and call.request.headers["Authorization"].startswith("Bearer ")


@responses.activate
def test_a_caption_mention_is_the_conversation_of_their_post() -> None:
    graph_answers(mentioned_media(), "mentioned_media")
    deps = mention_deps()
    take_mention(request(comment=None), deps)
    [message] = stored(deps).all_messages
    assert message.platform_message_id == THEIR_MEDIA and message.posted_under is None
    assert message.text.startswith("unboxing my new kettle")
    assert message.thread_key == f"instagram:{INSTAGRAM}:mention:{THEIR_MEDIA}"
    assert f"mentioned_media.media_id({THEIR_MEDIA})" in requests.utils.unquote(
        str(responses.calls[0].request.url)
    )


@responses.activate
def test_a_mention_read_twice_is_stored_once_and_queued_for_classification_again() -> None:
    graph_answers(mentioned_comment())
    deps = mention_deps()
    assert take_mention(request(), deps) == "stored"
    assert take_mention(request(), deps) == "duplicate"
    assert len(stored(deps).all_messages) == 1
    queue = deps.ingest.queue
    assert isinstance(queue, FakeQueue)
    assert len(queue.sent) == 2  # queued again: the first send may have failed
    assert len(queue.delivered) == 1  # the same deduplication id both times


@responses.activate
def test_without_a_username_or_a_time_the_mention_is_still_kept() -> None:
    item = mentioned_comment() | {"username": None, "timestamp": None}
    graph_answers(item)
    deps = mention_deps()
    take_mention(request(), deps)
    [message] = stored(deps).all_messages
    assert (
        message.customer.id == f"mention:{MENTIONING_COMMENT}" and message.customer.handle is None
    )
    assert message.sent_at == RECEIVED and message.platform_sent_at is None


@responses.activate
def test_a_caption_mention_is_dated_on_arrival_a_caption_can_be_edited_to_add_it() -> None:
    graph_answers(mentioned_media(timestamp="2024-01-01T00:00:00+0000"), "mentioned_media")
    deps = mention_deps()
    take_mention(request(comment=None), deps)
    [message] = stored(deps).all_messages
    assert message.sent_at == RECEIVED and message.platform_sent_at is None


@responses.activate
def test_an_odd_username_or_link_costs_only_itself() -> None:
    item = mentioned_comment() | {
        "username": "<script>",
        "media": {"id": THEIR_MEDIA, "permalink": "https://evil.example/p/1"},
    }
    graph_answers(item)
    deps = mention_deps()
    take_mention(request(), deps)
    [message] = stored(deps).all_messages
    assert message.customer.handle is None and message.link is None
    assert message.text.startswith("@acme.store my order")


@responses.activate
def test_a_date_from_the_future_is_stored_at_receipt_with_metas_value_kept() -> None:
    graph_answers(mentioned_comment(timestamp="2031-01-01T00:00:00+0000"))
    deps = mention_deps()
    take_mention(request(), deps)
    [message] = stored(deps).all_messages
    assert message.sent_at == RECEIVED and message.platform_sent_at is not None


@pytest.mark.parametrize(
    "answer",
    [
        {"json": {"error": {"code": 100, "error_subcode": 33, "message": "gone"}}, "status": 400},
        {"json": {"id": INSTAGRAM}},  # answered without the mention
    ],
)
@responses.activate
def test_a_mention_deleted_before_it_was_read_is_passed_over_and_counted(
    answer: dict[str, Any], metrics_on: None, capsys: pytest.CaptureFixture[str]
) -> None:
    responses.get(GRAPH, **answer)
    deps = mention_deps()
    assert take_mention(request(), deps) == "gone"
    assert stored(deps).all_messages == []
    from socialcare.observability import metrics

    metrics.flush_metrics()
    assert emf(capsys.readouterr().out)["MentionUnreadable"][0][0] == 1


@pytest.mark.parametrize(
    ("answer", "raised"),
    [
        ({"json": {"error": {"code": 4, "message": "limit"}}, "status": 400}, StorageUnavailable),
        # Instagram's own throttle: never taken for a deletion.
        (
            {"json": {"error": {"code": 80002, "message": "too many"}}, "status": 400},
            StorageUnavailable,
        ),
        # A field Meta refuses, or any error we do not know: kept, not dropped.
        (
            {"json": {"error": {"code": 100, "message": "nonexisting field"}}, "status": 400},
            StorageUnavailable,
        ),
        (
            {
                "json": {"error": {"code": 10, "error_subcode": 2207051, "message": "x"}},
                "status": 400,
            },
            StorageUnavailable,
        ),
        ({"body": "<html>a proxy</html>", "status": 200}, StorageUnavailable),
        ({"json": {}}, StorageUnavailable),
        ({"json": {"error": {"code": 2, "message": "later"}}, "status": 500}, StorageUnavailable),
        ({"body": "<html>bad gateway</html>", "status": 502}, StorageUnavailable),
        ({"body": requests.ReadTimeout("slow")}, StorageUnavailable),
        ({"json": {"mentioned_comment": {"id": "not an id!"}}}, StorageUnavailable),
        (
            {"json": {"error": {"code": 190, "message": "expired"}}, "status": 401},
            ConfigurationError,
        ),
        (
            {"json": {"error": {"code": 10, "message": "no permission"}}, "status": 403},
            ConfigurationError,
        ),
    ],
)
@responses.activate
def test_a_mention_that_cannot_be_read_now_is_kept_for_another_try(
    answer: dict[str, Any], raised: type[Exception]
) -> None:
    responses.get(GRAPH, **answer)
    deps = mention_deps()
    with pytest.raises(raised):
        take_mention(request(), deps)
    assert stored(deps).all_messages == []


def test_an_account_without_a_token_is_a_configuration_error() -> None:
    unknown = request().model_copy(update={"account_id": "17841499999999999"})
    with pytest.raises(ConfigurationError):
        take_mention(unknown, mention_deps())


@responses.activate
def test_the_reader_function_fails_only_the_mention_it_could_not_read() -> None:
    """Lambda's partial batch response: the unreadable mention comes back, the other is
    stored (on another media: a group of its own)."""
    graph_answers(mentioned_comment())
    responses.get(GRAPH, json={"error": {"code": 4, "message": "limit"}}, status=400)
    deps = mention_deps()
    first, other = (
        request(),
        request().model_copy(
            update={"media_id": "17900000000000888", "comment_id": "17865000000000888"}
        ),
    )
    records = [
        record(r.model_dump_json(), f"{r.account_id}:{r.media_id}", f"id{i}")
        for i, r in enumerate((first, other))
    ]
    result = reader_app.lambda_handler({"Records": records}, LambdaContext(), deps=deps)
    assert result["batchItemFailures"] == [{"itemIdentifier": "id1"}]
    [message] = stored(deps).all_messages
    assert message.platform_message_id == MENTIONING_COMMENT
    assert conversation_id_for(message.thread_key) in stored(deps).messages


def test_the_queued_request_is_the_sample_the_reader_reads() -> None:
    """events/sqs_mention_batch.json: what the webhook queues is what the reader validates."""
    from tests.conftest import EVENTS

    batch = json.loads((EVENTS / "sqs_mention_batch.json").read_text(encoding="utf-8"))
    found = [MentionRequest.model_validate_json(r["body"]) for r in batch["Records"]]
    assert [m.item_id for m in found] == [MENTIONING_COMMENT, THEIR_MEDIA]
