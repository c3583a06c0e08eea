"""X Activity API deliveries through the real handler and resolver, with in-memory ports:
each XAA sample stores what its Account Activity twin stores, and bad input gets the same
answers as the Account Activity format."""

import io
import json
from typing import Any

import pytest

from functions.ingest_x import app as ingest_x
from socialcare.models import ChannelType, MessageKind
from socialcare.services.x_webhook import XWebhookDeps
from socialcare_tools import local_secrets as local
from socialcare_tools.apigw import x_delivery
from socialcare_tools.samples import JANE, MENTION_ID, xaa
from tests.conftest import LambdaContext, load_event
from tests.support.fakes import queue_of, store_of, x_deps

ACCOUNT = local.X_ACCOUNT_ID
TWINS = [
    ("x_xaa_mention", "x_tweet_mention"),
    ("x_xaa_reply", "x_tweet_reply"),
    ("x_xaa_quote", "x_tweet_quote"),
    ("x_xaa_reply_to_brand", "x_tweet_reply_to_brand"),
    ("x_xaa_dm_received", "x_dm"),
]


def call(event: dict[str, Any], deps: XWebhookDeps) -> dict[str, Any]:
    return ingest_x.lambda_handler(event, LambdaContext(), deps=deps)


def log_records(captured: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in captured.getvalue().splitlines()]


@pytest.mark.parametrize(("new", "old"), TWINS)
def test_each_xaa_sample_stores_the_same_conversation_and_message_as_its_aaa_twin(
    new: str, old: str
) -> None:
    by_xaa, by_aaa = x_deps(), x_deps()
    assert call(load_event(new), by_xaa)["statusCode"] == 200
    assert call(load_event(old), by_aaa)["statusCode"] == 200
    [message] = store_of(by_xaa).all_messages
    assert [message] == store_of(by_aaa).all_messages
    assert store_of(by_xaa).keys == store_of(by_aaa).keys
    assert store_of(by_xaa).refs == store_of(by_aaa).refs


@pytest.mark.parametrize(("new", "old"), TWINS)
def test_delivered_by_both_apis_a_message_is_stored_once(new: str, old: str) -> None:
    deps = x_deps()
    for name in (old, new, old):
        assert call(load_event(name), deps)["statusCode"] == 200
    assert len(store_of(deps).all_messages) == 1
    assert len(queue_of(deps).delivered) == 1


def test_mention_reply_and_quote_have_the_kinds_and_summons_of_the_aaa_path() -> None:
    deps = x_deps()
    for name in ("x_xaa_mention", "x_xaa_reply", "x_xaa_quote"):
        call(load_event(name), deps)
    mention, reply, quote = store_of(deps).all_messages
    assert (mention.kind, mention.summoned) == (MessageKind.MENTION, True)
    assert (reply.kind, reply.in_reply_to) == (MessageKind.REPLY, MENTION_ID)
    assert (quote.kind, quote.summoned) == (MessageKind.MENTION, True)
    # The reply joined the mention's conversation, as on the AAA path.
    assert (
        store_of(deps).refs[reply.ref].conversation_id
        == store_of(deps).refs[mention.ref].conversation_id
    )
    assert mention.customer.handle == "janeroe" and mention.customer.followers == 1532


def test_a_reply_to_the_brands_post_without_a_mention_is_a_stored_reply() -> None:
    """post.mention.create does not fire for it: only post.reply.create brings it."""
    deps = x_deps()
    assert call(load_event("x_xaa_reply_to_brand"), deps)["statusCode"] == 200
    [reply] = store_of(deps).all_messages
    assert (reply.kind, reply.in_reply_to) == (MessageKind.REPLY, "1960000000000000050")
    assert reply.text.startswith("Does the sale include the blue kettle?")
    assert reply.summoned is False  # X lets apps answer only a mention or a quote
    assert len(queue_of(deps).delivered) == 1


def test_our_own_posts_and_dms_never_open_a_conversation() -> None:
    deps = x_deps()
    for name in ("x_xaa_own_post", "x_xaa_dm_sent"):
        assert call(load_event(name), deps)["statusCode"] == 200
    assert store_of(deps).all_messages == [] and queue_of(deps).sent == []


def test_our_own_reply_joins_the_thread_it_answers_so_the_customers_answer_does_too() -> None:
    deps = x_deps()
    call(load_event("x_xaa_mention"), deps)
    call(load_event("x_xaa_own_post"), deps)  # our reply to the mention, posted on x.com
    store = store_of(deps)
    assert store.refs[f"x#{ACCOUNT}#1960000000000000400"] == store.refs[f"x#{ACCOUNT}#{MENTION_ID}"]
    assert len(store.all_messages) == 1


def test_a_forged_or_unsigned_xaa_delivery_is_401_and_nothing_is_stored() -> None:
    deps = x_deps()
    unsigned = load_event("x_xaa_mention")
    unsigned["headers"] = {"content-type": "application/json"}
    for event in (load_event("x_xaa_bad_signature"), unsigned):
        response = call(event, deps)
        assert response["statusCode"] == 401
        assert json.loads(response["body"])["error"] == "invalid_signature"
    assert store_of(deps).all_messages == [] and queue_of(deps).sent == []


def test_a_malformed_xaa_event_is_a_400_naming_the_fields_and_nothing_is_stored() -> None:
    deps = x_deps()
    response = call(load_event("x_xaa_invalid_payload"), deps)
    body = json.loads(response["body"])
    assert response["statusCode"] == 400
    assert {"data.payload.id", "data.payload.author_id", "data.payload.created_at"} <= {
        p["field"] for p in body["problems"]
    }
    assert store_of(deps).all_messages == [] and queue_of(deps).sent == []


@pytest.mark.parametrize(
    "data",
    [
        "not an event",
        {"event_type": "post.mention.create"},
        {"event_uuid": "1", "event_type": "DROP TABLE", "payload": {}},
        [],
    ],
)
def test_an_envelope_that_is_not_xaas_is_a_400(data: Any) -> None:
    deps = x_deps()
    response = call(x_delivery({"data": data}, local.X_CONSUMER_SECRET), deps)
    assert response["statusCode"] == 400
    assert store_of(deps).all_messages == []


def test_an_unknown_xaa_event_type_is_acknowledged_and_logged_as_an_error(
    captured_logs: io.StringIO,
) -> None:
    deps = x_deps()
    assert call(load_event("x_xaa_unknown_type"), deps)["statusCode"] == 200
    [error] = [r for r in log_records(captured_logs) if r["level"] == "ERROR"]
    assert error["message"] == "X Activity event type we cannot read"
    assert error["event_type"] == "post.reaction.create"
    assert store_of(deps).all_messages == []


def test_a_documented_event_the_desk_does_not_need_is_acknowledged_quietly(
    captured_logs: io.StringIO,
) -> None:
    deps = x_deps()
    assert call(load_event("x_xaa_like"), deps)["statusCode"] == 200
    records = log_records(captured_logs)
    assert not [r for r in records if r["level"] == "ERROR"]
    assert {"message": "event not ingested", "reason": "like.create: not handled"}.items() <= (
        records[-1].items()
    )


def test_an_xaa_event_for_an_account_in_no_brand_is_acknowledged_and_not_stored() -> None:
    deps = x_deps()
    body = load_event("x_xaa_mention")["body"]
    event = json.loads(body)
    event["data"]["filter"]["user_id"] = "1999999999999999999"
    assert call(x_delivery(event, local.X_CONSUMER_SECRET), deps)["statusCode"] == 200
    assert store_of(deps).all_messages == []


def test_a_batch_of_events_is_read_one_by_one_and_a_bad_one_loses_no_good_one(
    captured_logs: io.StringIO,
) -> None:
    deps = x_deps()
    good = json.loads(load_event("x_xaa_mention")["body"])["data"]
    bad = json.loads(load_event("x_xaa_invalid_payload")["body"])["data"]
    response = call(x_delivery({"data": [bad, good]}, local.X_CONSUMER_SECRET), deps)
    assert response["statusCode"] == 200
    assert [m.platform_message_id for m in store_of(deps).all_messages] == [MENTION_ID]
    [error] = [r for r in log_records(captured_logs) if r["level"] == "ERROR"]
    assert error["problems"][0]["field"].startswith("data.0.payload")


@pytest.mark.parametrize("name", ["x_xaa_post_delete", "x_tweet_delete"])
def test_a_deletion_by_the_customer_marks_the_stored_message(name: str) -> None:
    deps = x_deps()
    call(load_event("x_tweet_mention"), deps)
    assert call(load_event(name), deps)["statusCode"] == 200
    assert set(store_of(deps).deleted) == {f"x#{ACCOUNT}#{MENTION_ID}"}
    assert len(store_of(deps).all_messages) == 1  # the message stays; it is marked


@pytest.mark.parametrize("name", ["x_xaa_post_delete", "x_tweet_delete"])
def test_a_deletion_of_a_message_we_never_stored_is_acknowledged(
    name: str, captured_logs: io.StringIO
) -> None:
    deps = x_deps()
    assert call(load_event(name), deps)["statusCode"] == 200
    assert store_of(deps).deleted == {} and store_of(deps).all_messages == []
    assert "deleted post is not stored here" in captured_logs.getvalue()


def emitted_metrics(out: str) -> dict[str, Any]:
    """The metrics the handler flushed (CloudWatch embedded metric format on stdout)."""
    found: dict[str, Any] = {}
    for line in out.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            record = json.loads(line)
            for definition in record["_aws"]["CloudWatchMetrics"]:
                found |= {m["Name"]: record[m["Name"]] for m in definition["Metrics"]}
    return found


@pytest.mark.parametrize("name", ["x_xaa_oauth_revoke", "x_user_event_revoke"])
def test_a_revoked_authorisation_is_an_error_and_a_metric(
    name: str,
    captured_logs: io.StringIO,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from socialcare.observability import metrics

    metrics.clear_metrics()  # left unflushed by earlier tests (metrics are off in tests)
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "0")  # flushed as in Lambda
    assert call(load_event(name), x_deps())["statusCode"] == 200
    [error] = [r for r in log_records(captured_logs) if r["level"] == "ERROR"]
    assert error["message"].startswith("X subscription changed (revoked)")
    assert emitted_metrics(capsys.readouterr().out)["XSubscriptionRevoked"] in (1, 1.0, [1.0])
    metrics.clear_metrics()


def test_an_encrypted_chat_is_stored_without_text_in_the_customers_private_conversation() -> None:
    deps = x_deps()
    call(load_event("x_xaa_dm_received"), deps)
    call(load_event("x_xaa_chat_received"), deps)
    dm, chat = store_of(deps).all_messages
    assert chat.kind is MessageKind.ENCRYPTED_CHAT and chat.text == ""
    assert chat.channel_type is ChannelType.PRIVATE
    assert chat.thread_key == dm.thread_key == f"x:{ACCOUNT}:dm:{JANE['id_str']}"
    assert chat.link == f"https://x.com/i/chat/{JANE['id_str']}:{ACCOUNT}"
    assert chat.platform_message_id == "e4f4d3fc-8bbf-4928-92eb-e5058d6bb6f6"
    assert len(queue_of(deps).delivered) == 2


def test_a_revoke_with_an_empty_filter_and_no_user_is_a_400() -> None:
    event = xaa("oauth.revoke", {"app_id": "1"}, "42", account=None)
    response = call(x_delivery(event, local.X_CONSUMER_SECRET), x_deps())
    assert response["statusCode"] == 400


def test_store_posts_takes_timeline_posts_the_way_a_delivery_does() -> None:
    """The gap fill's entry: v2 posts and their includes, as X's timelines return them."""
    from socialcare.platforms.x.xaa import XaaIncludes, XaaPost
    from socialcare.services.x_webhook import store_posts

    deps = x_deps()
    call(load_event("x_tweet_mention"), deps)  # the webhook had it already
    own = json.loads(load_event("x_xaa_own_post")["body"])["data"]["payload"]
    reply = json.loads(load_event("x_xaa_reply")["body"])["data"]
    posts = [XaaPost.model_validate(p) for p in (own, reply["payload"])]
    mention = json.loads(load_event("x_xaa_mention")["body"])["data"]["payload"]
    posts.append(XaaPost.model_validate(mention))
    report = store_posts(posts, XaaIncludes.model_validate(reply["includes"]), ACCOUNT, deps)
    assert report.stored == [f"x#{ACCOUNT}#1960000000000000200"]
    assert report.duplicates == [f"x#{ACCOUNT}#{MENTION_ID}"]
    assert len(store_of(deps).all_messages) == 2  # our own post never became one


def test_store_posts_for_an_account_in_no_brand_stores_nothing() -> None:
    from socialcare.platforms.x.xaa import XaaIncludes, XaaPost
    from socialcare.services.x_webhook import store_posts

    deps = x_deps()
    mention = json.loads(load_event("x_xaa_mention")["body"])["data"]["payload"]
    report = store_posts(
        [XaaPost.model_validate(mention)], XaaIncludes(), "1999999999999999999", deps
    )
    assert report.stored == [] and store_of(deps).all_messages == []


@pytest.mark.parametrize("api", ["xaa", "aaa"])
def test_deleting_our_own_reply_never_marks_the_customers_message_it_answers(api: str) -> None:
    deps = x_deps()
    call(load_event("x_xaa_mention"), deps)
    call(load_event("x_xaa_own_post"), deps)  # our reply, linked to the mention's thread
    own = "1960000000000000400"
    if api == "xaa":
        body: dict[str, Any] = xaa("post.delete", {"id": own, "author_id": ACCOUNT}, "9")
    else:
        body = {
            "for_user_id": ACCOUNT,
            "tweet_delete_events": [{"status": {"id": own, "user_id": ACCOUNT}}],
        }
    assert call(x_delivery(body, local.X_CONSUMER_SECRET), deps)["statusCode"] == 200
    assert store_of(deps).deleted == {}


def test_a_deletion_naming_a_linked_reply_with_another_author_marks_nothing() -> None:
    """X's author field is not our only guard: a link in the store is never a message."""
    deps = x_deps()
    call(load_event("x_xaa_mention"), deps)
    call(load_event("x_xaa_own_post"), deps)
    body = xaa("post.delete", {"id": "1960000000000000400", "author_id": JANE["id_str"]}, "9")
    assert call(x_delivery(body, local.X_CONSUMER_SECRET), deps)["statusCode"] == 200
    assert store_of(deps).deleted == {}
