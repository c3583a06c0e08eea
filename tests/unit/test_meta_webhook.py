"""Meta's webhook (services/meta_webhook.py) on in-memory ingest: the handshake, the
signature before anything is read, and what each kind of event becomes."""

import json
from typing import Any

import pytest

from socialcare.errors import (
    ForbiddenSender,
    InvalidSignature,
    MalformedPayload,
    StorageUnavailable,
)
from socialcare.models import ChannelType, MessageKind, Platform
from socialcare.platforms.meta.payloads import MetaSecrets
from socialcare.services.meta_webhook import MetaWebhookDeps, handshake, receive
from socialcare_tools import local_secrets as local
from tests.support.fakes import FakeQueue, FakeStore, fake_ingest
from tests.support.meta import (
    IGSID,
    INSTAGRAM,
    PAGE,
    PSID,
    VERIFY_TOKEN,
    FakeOutside,
    brands,
    delivery,
    direct,
    echo,
    entry,
    instagram_comment,
    page_comment,
    secrets,
    signed,
)


def deps() -> MetaWebhookDeps:
    return MetaWebhookDeps(ingest=fake_ingest(), brands=brands(), secrets=secrets)


def store_of(webhook: MetaWebhookDeps) -> FakeStore:
    assert isinstance(webhook.ingest.store, FakeStore)
    return webhook.ingest.store


def post(body: bytes, webhook: MetaWebhookDeps, signature: str | None = None) -> Any:
    return receive(body, signed(body) if signature is None else signature, webhook)


def test_the_handshake_echoes_the_challenge_only_for_our_verify_token() -> None:
    webhook = deps()
    assert handshake("subscribe", VERIFY_TOKEN, "1158201444", webhook) == "1158201444"
    with pytest.raises(ForbiddenSender):
        handshake("subscribe", "a guess", "1158201444", webhook)
    with pytest.raises(ForbiddenSender):
        handshake("unsubscribe", VERIFY_TOKEN, "1158201444", webhook)
    with pytest.raises(MalformedPayload):  # never reflects markup
        handshake("subscribe", VERIFY_TOKEN, "<script>alert(1)</script>", webhook)


def test_a_missing_or_forged_signature_stores_nothing() -> None:
    webhook = deps()
    body = delivery("page", entry(PAGE, messaging=[direct(PAGE, PSID, "m_1")]))
    with pytest.raises(InvalidSignature):
        receive(body, None, webhook)
    with pytest.raises(InvalidSignature):
        receive(body, "sha256=" + "0" * 64, webhook)
    forged = body.replace(b"where is my order?", b"refund me right now")
    with pytest.raises(InvalidSignature):
        receive(forged, signed(body), webhook)
    assert store_of(webhook).all_messages == []


def test_a_messenger_message_opens_a_private_conversation_with_the_page() -> None:
    webhook = deps()
    post(delivery("page", entry(PAGE, messaging=[direct(PAGE, PSID, "m_1")])), webhook)
    [message] = store_of(webhook).all_messages
    assert (message.platform, message.kind, message.channel_type) == (
        Platform.MESSENGER,
        MessageKind.DIRECT,
        ChannelType.PRIVATE,
    )
    assert message.thread_key == f"messenger:{PAGE}:{PSID}" and message.customer.id == PSID
    assert message.text == "where is my order?" and message.ref == f"messenger#{PAGE}#m_1"
    assert message.sent_at.isoformat() == "2026-08-24T10:15:02+00:00"


def test_echoes_of_our_own_messages_never_open_a_conversation() -> None:
    webhook = deps()
    result = post(
        delivery("page", entry(PAGE, messaging=[echo(PAGE, PSID, "m_9", "Hi!")])), webhook
    )
    assert store_of(webhook).all_messages == [] and result.stored == 0
    webhook, outside = outside_deps()  # with the app's id set: ours are still ours
    post(delivery("page", entry(PAGE, messaging=[direct(PAGE, PSID, "m_1")])), webhook)
    ours = echo(PAGE, PSID, "m_9", "Hi!")
    no_app = echo(PAGE, PSID, "m_10", "Hi again!")
    del no_app["message"]["app_id"]  # Instagram's echoes may name no app: taken for ours
    result = post(delivery("page", entry(PAGE, messaging=[ours, no_app])), webhook)
    assert result.answered_outside == 0 and outside.kept == []


def outside_deps(app_id: str | None = "1517000000000000") -> tuple[MetaWebhookDeps, FakeOutside]:
    ingest = fake_ingest()
    assert isinstance(ingest.store, FakeStore)
    outside = FakeOutside(ingest.store)
    values = {k: v for k, v in local.META_SECRET_VALUE.items() if k != "app_id"}
    values |= {"app_id": app_id} if app_id else {}
    webhook = MetaWebhookDeps(
        ingest=ingest,
        brands=brands(),
        secrets=lambda: MetaSecrets.model_validate(values),
        outside=outside,
        desk=FakeQueue(),
    )
    return webhook, outside


def test_a_reply_typed_in_metas_inbox_is_kept_and_the_desk_told_but_ours_is_not() -> None:
    webhook, outside = outside_deps()
    post(delivery("page", entry(PAGE, messaging=[direct(PAGE, PSID, "m_1")])), webhook)
    ours = echo(PAGE, PSID, "m_ours", "Sent from Slack")  # app_id 1517000000000000: this app
    inbox = echo(PAGE, PSID, "m_inbox", "Answered in Business Suite")
    inbox["message"]["app_id"] = 263902037430900  # Meta's own inbox
    result = post(delivery("page", entry(PAGE, messaging=[ours, inbox])), webhook)
    assert result.answered_outside == 1
    [(conversation, brand, kept)] = outside.kept
    assert brand == "acme" and kept.mid == "m_inbox" and kept.route == "private"
    assert [conversation] == list(store_of(webhook).messages)  # the customer's conversation
    assert webhook.desk is not None
    [(request, _, _)] = webhook.desk.sent  # type: ignore[attr-defined]
    assert request.notice == "outside_reply" and request.conversation_id == conversation
    assert store_of(webhook).all_messages[0].text == "where is my order?"  # nothing new inbound


def test_without_the_apps_id_every_echo_is_taken_for_ours() -> None:
    webhook, outside = outside_deps(app_id=None)
    inbox = echo(PAGE, PSID, "m_inbox", "Answered in Business Suite")
    inbox["message"]["app_id"] = 263902037430900
    assert post(delivery("page", entry(PAGE, messaging=[inbox])), webhook).answered_outside == 0
    assert outside.kept == []


def test_a_batch_is_stored_event_by_event_and_a_redelivery_changes_nothing() -> None:
    webhook = deps()
    body = delivery(
        "page",
        entry(PAGE, messaging=[direct(PAGE, PSID, "m_1"), direct(PAGE, "6100000000000043", "m_2")]),
        entry(PAGE, changes=[page_comment(f"{PAGE}_1001"), page_comment(f"{PAGE}_1002")]),
    )
    assert post(body, webhook).stored == 4
    again = post(body, webhook)
    assert (again.stored, again.duplicates) == (0, 4)
    assert len(store_of(webhook).all_messages) == 4


def test_one_event_of_an_unknown_shape_costs_the_others_nothing() -> None:
    webhook = deps()
    odd = {"sender": {"id": PSID}, "recipient": {"id": PAGE}, "timestamp": "yesterday"}
    body = delivery("page", entry(PAGE, messaging=[odd, direct(PAGE, PSID, "m_1")]))
    result = post(body, webhook)
    assert result.stored == 1 and result.skipped == 1


def test_reads_deliveries_and_reactions_are_not_messages() -> None:
    webhook = deps()
    base = {"sender": {"id": PSID}, "recipient": {"id": PAGE}, "timestamp": 1787566502000}
    events = [
        base | {"read": {"watermark": 1787566502000}},
        base | {"delivery": {"mids": ["m_1"], "watermark": 1787566502000}},
        base | {"reaction": {"mid": "m_1", "action": "react", "reaction": "love"}},
    ]
    result = post(delivery("page", entry(PAGE, messaging=events)), webhook)
    assert result.stored == 0 and result.skipped == 3


def test_a_storage_failure_stores_the_rest_then_asks_meta_to_send_it_again() -> None:
    webhook = deps()
    store_of(webhook).failing_refs.add(f"messenger#{PAGE}#m_1")
    body = delivery(
        "page", entry(PAGE, messaging=[direct(PAGE, PSID, "m_1"), direct(PAGE, PSID, "m_2")])
    )
    with pytest.raises(StorageUnavailable, match="1 of the delivery's events"):
        post(body, webhook)
    assert [m.platform_message_id for m in store_of(webhook).all_messages] == ["m_2"]
    store_of(webhook).failing_refs.clear()
    again = post(body, webhook)  # Meta's redelivery
    assert (again.stored, again.duplicates) == (1, 1)


def test_page_comments_thread_per_top_level_comment_and_the_pages_own_are_passed_over() -> None:
    webhook = deps()
    top, reply, ours = f"{PAGE}_1001", f"{PAGE}_1002", f"{PAGE}_1003"
    body = delivery(
        "page",
        entry(
            PAGE,
            changes=[
                page_comment(top),
                page_comment(reply, parent_id=top, message="still nothing"),
                page_comment(ours, parent_id=top, author=PAGE, message="Sorry! DM us."),
            ],
        ),
    )
    result = post(body, webhook)
    # The Page's own answer is no customer message (whether it counts as an answer given
    # outside socialcare is the outside replies' test below).
    assert result.stored == 2 and result.answered_outside == 0
    store = store_of(webhook)
    [conversation] = store.messages  # the reply joined its top-level comment
    first, second = store.messages[conversation]
    assert first.kind is MessageKind.COMMENT and first.channel_type is ChannelType.PUBLIC
    assert first.platform is Platform.FACEBOOK and first.customer.name == "Jane Roe"
    assert second.in_reply_to == top and first.link == f"https://www.facebook.com/{top}"


def test_a_removed_or_hidden_comment_is_marked_deleted() -> None:
    webhook = deps()
    post(delivery("page", entry(PAGE, changes=[page_comment(f"{PAGE}_1001")])), webhook)
    result = post(
        delivery("page", entry(PAGE, changes=[page_comment(f"{PAGE}_1001", verb="remove")])),
        webhook,
    )
    assert result.deleted == 1
    assert list(store_of(webhook).deleted) == [f"facebook#{PAGE}#{PAGE}_1001"]


def message_edit(mid: str, text: str, at: int) -> dict[str, Any]:
    return {
        "sender": {"id": PSID},
        "recipient": {"id": PAGE},
        "timestamp": at,
        "message_edit": {"mid": mid, "text": text, "num_edit": 1},
    }


def test_edits_are_kept_beside_the_first_text_and_a_late_older_edit_changes_nothing() -> None:
    webhook = deps()
    post(
        delivery("page", entry(PAGE, messaging=[direct(PAGE, PSID, "m_e1", "order 4411")])), webhook
    )
    ref = f"messenger#{PAGE}#m_e1"
    later, earlier = (
        message_edit("m_e1", "order 4412", 1787566600000),
        message_edit("m_e1", "order 441", 1787566550000),
    )
    assert post(delivery("page", entry(PAGE, messaging=[later])), webhook).edited == 1
    post(delivery("page", entry(PAGE, messaging=[earlier])), webhook)  # Meta's order is not time's
    store = store_of(webhook)
    assert store.edited[ref][0] == "order 4412"
    assert [m.text for m in store.all_messages] == ["order 4411"]  # what was classified stays
    unknown = message_edit("m_never_stored", "hello", 1787566600000)
    assert post(delivery("page", entry(PAGE, messaging=[unknown])), webhook).edited == 0


def test_an_edited_page_comment_is_kept_and_the_pages_own_edit_is_not() -> None:
    webhook = deps()
    comment = f"{PAGE}_900000000000001_1001"
    post(delivery("page", entry(PAGE, changes=[page_comment(comment)])), webhook)
    edited = page_comment(comment, verb="edited", message="my parcel never came (order 4411)")
    assert post(delivery("page", entry(PAGE, changes=[edited])), webhook).edited == 1
    assert store_of(webhook).edited[f"facebook#{PAGE}#{comment}"][0].endswith("(order 4411)")
    own = page_comment(f"{PAGE}_900000000000001_1002", verb="edited", author=PAGE)
    assert post(delivery("page", entry(PAGE, changes=[own])), webhook).edited == 0


def test_instagram_direct_messages_with_stories_and_attachments_read_as_text() -> None:
    webhook = deps()
    story_reply = direct(
        INSTAGRAM,
        IGSID,
        "aWdfZAG1_1",
        "love this!",
        reply_to={"story": {"id": "18000000000000001", "url": "https://lookaside.example/story1"}},
    )
    mention = direct(
        INSTAGRAM,
        IGSID,
        "aWdfZAG1_2",
        "",
        attachments=[{"type": "story_mention", "payload": {"url": "https://lookaside.example/s2"}}],
    )
    photo = direct(
        INSTAGRAM,
        IGSID,
        "aWdfZAG1_3",
        "this arrived broken",
        attachments=[{"type": "image", "payload": {"url": "https://lookaside.example/p3"}}],
    )
    post(delivery("instagram", entry(INSTAGRAM, messaging=[story_reply, mention, photo])), webhook)
    by_id = {m.platform_message_id: m for m in store_of(webhook).all_messages}
    assert by_id["aWdfZAG1_1"].kind is MessageKind.STORY_REPLY
    assert "a reply to our story: https://lookaside.example/story1" in by_id["aWdfZAG1_1"].text
    assert by_id["aWdfZAG1_2"].kind is MessageKind.STORY_MENTION
    assert by_id["aWdfZAG1_3"].text == "this arrived broken\n[image: https://lookaside.example/p3]"
    assert {m.thread_key for m in by_id.values()} == {f"instagram:{INSTAGRAM}:{IGSID}"}


def test_an_unsent_instagram_message_is_marked_deleted() -> None:
    webhook = deps()
    post(
        delivery("instagram", entry(INSTAGRAM, messaging=[direct(INSTAGRAM, IGSID, "aWdf_1")])),
        webhook,
    )
    unsent = direct(INSTAGRAM, IGSID, "aWdf_1", "", is_deleted=True)
    assert post(delivery("instagram", entry(INSTAGRAM, messaging=[unsent])), webhook).deleted == 1


def test_instagram_comments_with_handles_and_the_accounts_own_passed_over() -> None:
    webhook = deps()
    body = delivery(
        "instagram",
        entry(
            INSTAGRAM,
            changes=[
                instagram_comment("17860000000000001"),
                instagram_comment(
                    "17860000000000002", author=INSTAGRAM, parent_id="17860000000000001"
                ),
            ],
        ),
    )
    result = post(body, webhook)
    assert result.stored == 1 and result.answered_outside == 0  # the account's own: no message
    [comment] = store_of(webhook).all_messages
    assert comment.customer.handle == "janeroe"
    assert comment.customer.profile_url == "https://www.instagram.com/janeroe/"
    assert comment.thread_key == f"instagram:{INSTAGRAM}:17900000000000001:17860000000000001"


def test_objects_fields_and_accounts_we_do_not_serve_are_acknowledged() -> None:
    webhook = deps()
    assert (
        post(
            delivery("user", entry("1", changes=[{"field": "email", "value": {}}])), webhook
        ).stored
        == 0
    )
    assert (
        post(delivery("page", entry("999", messaging=[direct("999", PSID, "m_1")])), webhook).stored
        == 0
    )
    insights = {"field": "story_insights", "value": {"media_id": "1", "reach": 2}}
    assert post(delivery("instagram", entry(INSTAGRAM, changes=[insights])), webhook).skipped == 1
    assert store_of(webhook).all_messages == []


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        json.dumps({"object": "page"}).encode(),
        json.dumps({"object": "page", "entry": []}).encode(),
    ],
)
def test_a_body_that_is_not_a_meta_delivery_is_refused_as_malformed(body: bytes) -> None:
    with pytest.raises(MalformedPayload):
        post(body, deps())


def test_an_instagram_app_secret_signs_as_well_when_it_is_set() -> None:
    from socialcare.platforms.meta.payloads import MetaSecrets
    from socialcare.platforms.meta.signature import sign

    both = MetaSecrets.model_validate(
        {
            "app_secret": "the-meta-app-secret",
            "instagram_app_secret": "the-instagram-secret",
            "verify_token": VERIFY_TOKEN,
        }
    )
    webhook = MetaWebhookDeps(ingest=fake_ingest(), brands=brands(), secrets=lambda: both)
    body = delivery("instagram", entry(INSTAGRAM, changes=[instagram_comment("17860000000000001")]))
    assert receive(body, sign("the-instagram-secret", body), webhook).stored == 1
    with pytest.raises(InvalidSignature):
        receive(body, sign("another-apps-secret", body), webhook)


def test_a_placeholder_secret_is_refused_before_anything_is_checked_against_it() -> None:
    from pydantic import ValidationError

    from socialcare.platforms.meta.payloads import MetaSecrets

    with pytest.raises(ValidationError, match="placeholder"):
        MetaSecrets.model_validate({"app_secret": "REPLACE_ME", "verify_token": VERIFY_TOKEN})


def test_instagram_comments_in_either_login_shape_and_dashboard_test_messages_are_read() -> None:
    webhook = deps()
    facebook_login = instagram_comment("17860000000000005")
    value = facebook_login["value"]
    value["comment_id"] = value.pop("id")  # Facebook Login names it comment_id
    as_change = {"field": "messages", "value": direct(INSTAGRAM, IGSID, "aWdf_test", "test")}
    body = delivery("instagram", entry(INSTAGRAM, changes=[facebook_login, as_change]))
    assert post(body, webhook).stored == 2
    assert {m.platform_message_id for m in store_of(webhook).all_messages} == {
        "17860000000000005",
        "aWdf_test",
    }


def test_a_comment_answered_in_metas_tools_is_kept_and_our_own_reply_is_not() -> None:
    webhook, outside = outside_deps()
    top = f"{PAGE}_900000000000001_1700"
    post(delivery("page", entry(PAGE, changes=[page_comment(top)])), webhook)
    ours = page_comment(f"{PAGE}_900000000000001_1701", author=PAGE, parent_id=top, message="DM us")
    store_of(webhook).refs[f"facebook#{PAGE}#{PAGE}_900000000000001_1701"] = store_of(webhook).refs[
        f"facebook#{PAGE}#{top}"
    ]  # the outbox's reference of our sent reply
    theirs = page_comment(
        f"{PAGE}_900000000000001_1702",
        author=PAGE,
        parent_id=top,
        message="Typed in Business Suite",
    )
    elsewhere = page_comment(f"{PAGE}_900000000000001_1703", author=PAGE, parent_id="unknown_1")
    result = post(delivery("page", entry(PAGE, changes=[ours, theirs, elsewhere])), webhook)
    assert result.answered_outside == 1
    [(conversation, _, kept)] = outside.kept
    assert kept.text == "Typed in Business Suite" and kept.route == "public"
    assert [conversation] == list(store_of(webhook).messages)
