"""The conversation's Slack thread: the card on its first message, the customer's follow-ups
in the thread, once each; spam stays out. moto for AWS, the Slack stand-in for Slack."""

import json
from collections.abc import Iterator
from typing import Any

import pytest

from functions.classify_message import app as classify
from functions.slack_thread import app as thread
from socialcare.adapters.classify_store import DynamoClassifyStore
from socialcare.adapters.slack import SlackPoster
from socialcare.adapters.thread_store import DynamoThreadStore
from socialcare.config import load_brands
from socialcare.services.classify import ClassifyDeps, Knowledge
from socialcare.services.slack_thread import ThreadDeps
from socialcare.services.x_webhook import XWebhookDeps
from socialcare.slack.secrets import SlackSecrets
from socialcare_tools import local_secrets as local
from socialcare_tools.local.standins import StandIns
from socialcare_tools.samples import JANE, tweet
from socialcare_tools.template_resources import Backbone, create_queue
from tests.conftest import BRANDS_DIR, LambdaContext
from tests.integration.desk_support import to_the_desk
from tests.support.inspect import of_kind
from tests.support.queues import queued_records

pytestmark = pytest.mark.integration
SECRETS = SlackSecrets.model_validate(local.SLACK_SECRET_VALUE)


@pytest.fixture
def desk(backbone: Backbone) -> Iterator[str]:
    yield create_queue("DeskQueue")


def through_the_desk(
    backbone: Backbone, x_live: XWebhookDeps, desk: str, slack: StandIns, *tweets: Any
) -> list[dict[str, Any]]:
    """Ingest, classify (which hands on to the desk queue), then the thread poster."""
    return to_the_desk(backbone, desk, slack, queued_records(backbone, x_live, *tweets))


def posts(slack: StandIns) -> list[dict[str, Any]]:
    return [
        c["params"]
        for c in slack.recorder.calls("slack")
        if c["method"] == "chat.postMessage" and c["status"] == 200
    ]


def test_the_first_message_posts_its_card_and_the_thread_is_kept(
    backbone: Backbone, x_live: XWebhookDeps, desk: str, slack: StandIns
) -> None:
    hostile = "@AcmeSupport where is my order 4411? <!channel> <https://evil.example|bank.com>"
    through_the_desk(backbone, x_live, desk, slack, tweet("100", hostile))
    [card] = posts(slack)
    assert card["channel"] == "C0ACMESUPPORT" and not card.get("thread_ts")
    shown = json.dumps(card["blocks"], ensure_ascii=False)
    assert "<!channel>" not in shown and "&lt;!channel&gt;" in shown
    assert "<https://evil.example|bank.com>" not in shown
    assert "Jane Roe" in shown and "Suggested answer" in shown and "order_status" in shown
    [meta] = of_kind(backbone.table, "META")
    assert meta["slack_thread"]["channel"] == "C0ACMESUPPORT"
    assert meta["thread_key"] == f"C0ACMESUPPORT#{meta['slack_thread']['ts']}"


def test_a_follow_up_goes_into_the_thread_and_a_redelivery_posts_nothing(
    backbone: Backbone, x_live: XWebhookDeps, desk: str, slack: StandIns
) -> None:
    through_the_desk(backbone, x_live, desk, slack, tweet("100", "@AcmeSupport where is my order?"))
    records = through_the_desk(
        backbone,
        x_live,
        desk,
        slack,
        tweet("101", "@AcmeSupport hello?? still waiting", reply_to="100"),
    )
    card, follow_up = posts(slack)
    assert follow_up["thread_ts"] == card["thread_ts"] if "thread_ts" in card else True
    [meta] = of_kind(backbone.table, "META")
    assert follow_up["thread_ts"] == meta["slack_thread"]["ts"]
    assert "still waiting" in follow_up["text"]
    deps = ThreadDeps(
        store=DynamoThreadStore(backbone.table),
        poster=SlackPoster(lambda: SECRETS, slack.slack_url),
        brands=load_brands(BRANDS_DIR),
    )
    thread.lambda_handler({"Records": records}, LambdaContext(), deps=deps)  # redelivered
    assert len(posts(slack)) == 2
    copies = {m["platform_message_id"]: m["desk_copy"] for m in of_kind(backbone.table, "MSG")}
    assert copies == {
        "100": {"channel": "C0ACMESUPPORT", "ts": meta["slack_thread"]["ts"]},
        "101": {"channel": "C0ACMESUPPORT", "ts": follow_up_ts(slack)},
    }


def follow_up_ts(slack: StandIns) -> str:
    [answer] = [
        c["response"]
        for c in slack.recorder.calls("slack")
        if c["method"] == "chat.postMessage" and c["params"].get("thread_ts")
    ]
    return str(answer["ts"])


def test_one_request_twice_in_a_batch_is_posted_once(
    backbone: Backbone, x_live: XWebhookDeps, slack: StandIns
) -> None:
    """The classifier hands a message on again when its retry finds it taken up; a copy the
    queue did not deduplicate can land in the same desk batch as the first, where both were
    read before either was posted."""
    records = queued_records(
        backbone,
        x_live,
        tweet("100", "@AcmeSupport where is my order?"),
        tweet("101", "@AcmeSupport hello?? still waiting", reply_to="100"),
    )
    brands = load_brands(BRANDS_DIR)
    knowledge = {b.id: Knowledge.of(b) for b in brands.brands.values()}
    classify.lambda_handler(
        {"Records": records},
        LambdaContext(),
        deps=ClassifyDeps(store=DynamoClassifyStore(backbone.table), brands=knowledge),
    )
    # The desk queue carries what the classify queue did (services.hand_off).
    twice = [{**r, "messageId": f"{r['messageId']}-{copy}"} for r in records for copy in ("a", "b")]
    deps = ThreadDeps(
        store=DynamoThreadStore(backbone.table),
        poster=SlackPoster(lambda: SECRETS, slack.slack_url),
        brands=brands,
    )
    answer = thread.lambda_handler({"Records": twice}, LambdaContext(), deps=deps)
    assert answer == {"batchItemFailures": []}
    card, follow_up = posts(slack)  # each once
    assert not card.get("thread_ts") and follow_up["thread_ts"]


def test_a_card_for_a_conversation_with_a_thread_still_records_the_messages_copy(
    backbone: Backbone, x_live: XWebhookDeps
) -> None:
    """Two cards for one conversation (a thread stored meanwhile by another run): the
    thread stays the first; the second message still knows it was posted."""
    queued_records(
        backbone,
        x_live,
        tweet("100", "@AcmeSupport where is my order?"),
        tweet("101", "@AcmeSupport hello?? still waiting", reply_to="100"),
    )
    store = DynamoThreadStore(backbone.table)
    [meta] = of_kind(backbone.table, "META")
    conversation = str(meta["pk"]).removeprefix("CONV#")
    first, second = sorted(str(m["sk"]) for m in of_kind(backbone.table, "MSG"))
    assert store.record_card(conversation, first, "C0ACMESUPPORT", "1.1") is True
    assert store.record_card(conversation, second, "C0ACMESUPPORT", "2.2") is False
    [meta] = of_kind(backbone.table, "META")
    assert meta["slack_thread"] == {"channel": "C0ACMESUPPORT", "ts": "1.1"}
    copies = [
        m["desk_copy"]["ts"] for m in sorted(of_kind(backbone.table, "MSG"), key=lambda m: m["sk"])
    ]
    assert copies == ["1.1", "2.2"]


def test_a_spoofing_name_and_a_multi_line_follow_up_stay_inside_their_field_and_quote(
    backbone: Backbone, x_live: XWebhookDeps, desk: str, slack: StandIns
) -> None:
    spoofer = JANE | {"name": "Jane\n*P1* · refund \u202e:rotating_light:"}
    first = tweet("100", "@AcmeSupport where is my order?", user=spoofer)
    through_the_desk(backbone, x_live, desk, slack, first)
    text = "@AcmeSupport hello??\n*P1* · refund · :rage: negative\n<\u200b!channel>"
    through_the_desk(backbone, x_live, desk, slack, tweet("101", text, reply_to="100"))
    card, follow_up = posts(slack)
    header = card["blocks"][0]["text"]["text"].split("\n")[0]
    assert header.startswith("*Jane ∗P1∗ · refund ꞉rotating_light:* (@janeroe")
    assert follow_up["text"].split("\n") == [
        "*The customer writes:*",
        ">@AcmeSupport hello??",
        ">∗P1∗ · refund · ꞉rage: negative",
        ">&lt;!channel&gt;",
    ]


def test_spam_never_reaches_the_desk(
    backbone: Backbone, x_live: XWebhookDeps, desk: str, slack: StandIns
) -> None:
    through_the_desk(
        backbone, x_live, desk, slack, tweet("100", "@AcmeSupport WIN a free iPhone https://x.co/a")
    )
    assert posts(slack) == []


def test_a_batch_reads_once_and_a_follow_up_behind_its_card_goes_into_the_new_thread(
    backbone: Backbone, x_live: XWebhookDeps, desk: str, slack: StandIns
) -> None:
    """The conversation's first and second messages reach the desk in one batch: the card
    posted for the first is where the second goes, though both were read before either."""
    reads: list[str] = []
    records = queued_records(
        backbone,
        x_live,
        tweet("100", "@AcmeSupport where is my order?"),
        tweet("101", "@AcmeSupport hello?? still waiting", reply_to="100"),
        tweet("200", "@AcmeSupport my parcel is lost", user={**JANE, "id_str": "9100"}),
    )
    to_the_desk(backbone, desk, slack, records, on_read=reads.append)
    posted = posts(slack)
    assert len(posted) == 3
    cards = [p for p in posted if not p.get("thread_ts")]
    [follow_up] = [p for p in posted if p.get("thread_ts")]
    metas = {m["pk"]: m for m in of_kind(backbone.table, "META")}
    assert len(cards) == 2 and len(metas) == 2
    assert follow_up["thread_ts"] in {m["slack_thread"]["ts"] for m in metas.values()}
    assert "still waiting" in follow_up["text"]
    assert reads.count("BatchGetItem") == 1  # the desk's one read for the batch of three
