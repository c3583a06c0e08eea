"""The local stack, started as `socialcare local` starts it: signed events through the
gateway land in DynamoDB, the classify queue is consumed, poison goes to the DLQ."""

import http.client
import json
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from socialcare_tools import local_secrets as local
from socialcare_tools.apigw import x_delivery
from socialcare_tools.local.stack import LocalStack
from socialcare_tools.samples import tweet, x_tweets
from tests.conftest import BRANDS_DIR, ROOT, load_event
from tests.integration.conftest import StackCli, stack_cli

pytestmark = pytest.mark.integration


def post(stack: LocalStack, name_or_event: str | dict[str, Any]) -> requests.Response:
    event = load_event(name_or_event) if isinstance(name_or_event, str) else name_or_event
    assert stack.gateway is not None
    return requests.post(
        stack.gateway.url + event["rawPath"],
        data=event["body"].encode(),
        headers=event["headers"],
        timeout=10,
    )


def table(stack: LocalStack) -> str:
    assert stack.deployment is not None
    return stack.deployment.physical["ConversationsTable"]


def items(stack: LocalStack, prefix: str) -> list[dict[str, Any]]:
    found = boto3.client("dynamodb").scan(TableName=table(stack))["Items"]
    return [i for i in found if i["sk"]["S"].startswith(prefix)]


def eventually(check: Any, timeout: float = 15) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.1)
    raise AssertionError("condition not reached in time")


def test_a_signed_mention_is_stored_and_taken_up_by_the_classifier(stack: LocalStack) -> None:
    payload = x_tweets(tweet("1980000000000000001", "@AcmeSupport where is parcel 77?"))
    response = post(stack, x_delivery(payload, local.X_CONSUMER_SECRET))
    assert (response.status_code, response.text) == (200, "")
    message = eventually(
        lambda: [
            m
            for m in items(stack, "MSG#")
            if "processed_at" in m and m["platform_message_id"]["S"] == "1980000000000000001"
        ]
    )
    conversation_pk = message[0]["pk"]["S"]
    [meta] = [i for i in items(stack, "META") if i["pk"]["S"] == conversation_pk]
    assert meta["status"]["S"] == "open"  # the classifier moved it on from "new"


def test_each_queue_consumer_runs_in_an_interpreter_of_its_own(stack: LocalStack) -> None:
    """Lambda gives each function its own CPU: the classifier is not queued behind the
    gateway's functions, or the desk's, on one interpreter lock. It ran, and not here."""
    assert stack.runtime is not None
    consumers = {name for c in stack.consumers for name in c.functions}
    assert consumers == {
        "ClassifyMessageFunction",
        "SlackThreadFunction",
        "SendReplyFunction",
        "EscalationSlackFunction",
        "ReadMentionsFunction",
    }
    assert all(len(c.functions) == 1 for c in stack.consumers)
    assert all(c.process is not None and c.process.poll() is None for c in stack.consumers)
    payload = x_tweets(tweet("1980000000000000009", "@AcmeSupport where is parcel 78?"))
    assert post(stack, x_delivery(payload, local.X_CONSUMER_SECRET)).status_code == 200
    eventually(
        lambda: [
            m
            for m in items(stack, "MSG#")
            if "processed_at" in m and m["platform_message_id"]["S"] == "1980000000000000009"
        ]
    )
    assert stack.runtime.environments["ClassifyMessageFunction"].peak == 0  # never here
    assert stack.runtime.environments["IngestXFunction"].peak >= 1
    log = stack.workspace / "logs" / "ClassifyMessageFunction.log"  # written by that process
    assert '"message taken"' in log.read_text()


def test_the_handshakes_of_x_vk_and_meta_work_through_the_gateway(stack: LocalStack) -> None:
    assert stack.gateway is not None
    crc = requests.get(
        stack.gateway.url + "/webhooks/x", params={"crc_token": "challenge_string"}, timeout=10
    )
    assert crc.status_code == 200 and crc.json()["response_token"].startswith("sha256=")
    confirmation = post(stack, "vk_confirmation")
    assert (confirmation.status_code, confirmation.text) == (200, local.VK_CONFIRMATION)
    handshake = requests.get(
        stack.gateway.url + "/webhooks/meta",
        params={
            "hub.mode": "subscribe",
            "hub.verify_token": local.META_VERIFY_TOKEN,
            "hub.challenge": "1158201444",
        },
        timeout=10,
    )
    assert (handshake.status_code, handshake.text) == (200, "1158201444")


def test_a_platform_posting_again_reuses_its_connection(stack: LocalStack) -> None:
    """As on API Gateway: a burst of webhooks does not open a connection per delivery."""
    assert stack.gateway is not None
    connection = http.client.HTTPConnection("127.0.0.1", stack.gateway.port, timeout=10)
    sockets, statuses = [], []
    for _ in range(3):
        connection.request("GET", "/webhooks/x?crc_token=challenge_string")
        response = connection.getresponse()
        statuses.append((response.status, response.getheader("Connection")))
        response.read()
        sockets.append(connection.sock)
    assert statuses == [(200, None)] * 3
    assert sockets[0] is sockets[1] is sockets[2] is not None


def test_a_forged_request_is_refused_and_nothing_is_stored(stack: LocalStack) -> None:
    before = len(items(stack, "MSG#"))
    assert post(stack, "x_bad_signature").status_code == 401
    assert post(stack, "vk_bad_secret").status_code == 403
    assert post(stack, "meta_bad_signature").status_code == 401
    assert len(items(stack, "MSG#")) == before


def test_a_binary_body_reaches_the_function_base64_encoded_and_is_a_400(stack: LocalStack) -> None:
    assert stack.gateway is not None
    response = requests.post(
        stack.gateway.url + "/webhooks/vk", data=b"\xff\xfe\x00binary", timeout=10
    )
    assert response.status_code == 400 and "not valid JSON" in response.json()["message"]


def test_an_unknown_route_is_404_as_api_gateway_answers(stack: LocalStack) -> None:
    assert stack.gateway is not None
    assert requests.get(stack.gateway.url + "/webhooks/telegram", timeout=10).status_code == 404


def test_a_poison_message_ends_in_the_dead_letter_queue_after_the_receive_count(
    stack: LocalStack,
) -> None:
    assert stack.deployment is not None
    physical = stack.deployment.physical
    sqs = boto3.client("sqs")
    sqs.send_message(
        QueueUrl=physical["ClassifyQueue"],
        MessageBody='{"not": "a classify request"}',
        MessageGroupId="poison",
        MessageDeduplicationId="poison-1",
    )

    def dead_lettered() -> list[dict[str, Any]]:
        got = sqs.receive_message(
            QueueUrl=physical["ClassifyDLQ"], AttributeNames=["All"], WaitTimeSeconds=0
        )
        return got.get("Messages", [])

    [message] = eventually(dead_lettered, timeout=20)
    assert json.loads(message["Body"]) == {"not": "a classify request"}
    assert (
        int(message["Attributes"]["ApproximateReceiveCount"]) >= 5
    )  # maxReceiveCount in template.yaml


def test_the_state_file_tells_scripts_where_everything_is(
    stack: LocalStack, tmp_path: Path
) -> None:
    state = json.loads(stack.write_state(tmp_path / "local.json").read_text())
    assert state["webhooks"]["x"].endswith("/webhooks/x")
    assert state["secrets"]["x_consumer_secret"] == local.X_CONSUMER_SECRET
    assert requests.get(state["standins"]["slack"].removesuffix("/api/") + "/_calls", timeout=5).ok


@pytest.fixture
def cli(stack: LocalStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> StackCli:
    return stack_cli(stack, tmp_path, monkeypatch)


def test_cli_send_then_inbox_shows_the_new_conversation(cli: StackCli) -> None:
    sent = cli("send", "x", "my parcel is stuck in Hamburg", "--from", "hans")
    assert sent.code == 0 and "POST /webhooks/x -> 200" in sent.out
    assert cli("send", "vk", "Здравствуйте, где заказ?", "--from", "olga", "--dm").code == 0
    inbox = cli("inbox", "--json")
    assert inbox.code == 0
    handles = {r["customer"].get("handle") for r in json.loads(inbox.out)}
    assert "hans" in handles
    listed = cli("inbox")
    assert listed.code == 0
    assert (
        listed.out.splitlines()[0].split()[:3] == ["status", "platform", "channel"]
        and "@hans" in listed.out
    )


def test_cli_send_on_meta_networks_opens_conversations_signed_as_meta_signs(
    cli: StackCli,
) -> None:
    sent = cli("send", "messenger", "Where is order 4411?", "--from", "claire")
    assert sent.code == 0 and "POST /webhooks/meta -> 200" in sent.out
    assert cli("send", "facebook", "the app crashes at checkout", "--from", "Tom Smith").code == 0
    assert cli("send", "instagram", "¿tienen talla M?", "--from", "lucia.g").code == 0
    assert cli("send", "instagram", "and by DM", "--from", "lucia.g", "--dm").code == 0
    rows = json.loads(cli("inbox", "--json").out)
    kinds = {(r["platform"], r["channel_type"]) for r in rows}
    assert {
        ("messenger", "private"),
        ("facebook", "public"),
        ("instagram", "public"),
        ("instagram", "private"),
    } <= kinds
    assert "lucia.g" in {r["customer"].get("handle") for r in rows}


def test_cli_send_an_instagram_mention_is_read_from_the_stand_in_and_stored(
    cli: StackCli,
) -> None:
    """The webhook gets ids only; the mention reader (its own consumer process) reads the
    comment from the Meta stand-in's Graph API, and the conversation appears."""
    text = "@acme.store the zip broke on day two"
    sent = cli("send", "instagram", text, "--from", "mira.k", "--mention")
    assert sent.code == 0 and "POST /webhooks/meta -> 200" in sent.out
    caption = cli(
        "send", "instagram", "my haul from acme.store", "--from", "mira.k", "--mention", "caption"
    )
    assert caption.code == 0

    def mentions() -> list[dict[str, Any]]:
        rows = json.loads(cli("inbox", "--json").out)
        return [r for r in rows if ":mention:" in r["key"]]

    found = eventually(lambda: len(mentions()) == 2 and mentions())
    assert {r["customer"].get("handle") for r in found} == {"mira.k"}
    assert {r["channel_type"] for r in found} == {"public"}
    refused = cli("send", "vk", "hi", "--mention")
    assert refused.code != 0 and "Instagram" in refused.err


def test_cli_send_on_telegram_opens_private_group_and_business_conversations(
    cli: StackCli,
) -> None:
    sent = cli("send", "telegram", "Where is order 4411?", "--from", "ivan_p")
    assert sent.code == 0 and "POST /webhooks/telegram -> 200" in sent.out
    group = cli("send", "telegram", "@AcmeSupportBot is it open?", "--from", "olga", "--group")
    assert group.code == 0
    chatter = cli("send", "telegram", "who watched the match?", "--from", "olga", "--group")
    assert chatter.code == 0  # acknowledged, not a customer message
    business = cli("send", "telegram", "Do you ship to Minsk?", "--from", "katya", "--business")
    assert business.code == 0 and business.out.count("-> 200") == 2  # the connection, the message
    rows = [r for r in json.loads(cli("inbox", "--json").out) if r["platform"] == "telegram"]
    found = {
        (r["customer"].get("handle"), r["channel_type"], ":business:" in r["key"]) for r in rows
    }
    assert found == {
        ("ivan_p", "private", False),
        ("olga", "public", False),
        ("katya", "private", True),
    }


def test_cli_telegram_webhook_set_and_info_against_the_local_stack(cli: StackCli) -> None:
    """Telegram takes only HTTPS; the stand-in lets the local gateway's http URL through."""
    brands = ("--brand", "acme", "--brands-dir", str(BRANDS_DIR))
    set_ = cli("telegram", "webhook", "set", *brands)
    assert set_.code == 0 and "/webhooks/telegram" in set_.out, set_.err
    info = cli("telegram", "webhook", "info", *brands)
    assert info.code == 0 and "PROBLEM" not in info.out


def test_cli_send_a_sample_event_file(cli: StackCli) -> None:
    good = cli("send", str(ROOT / "events" / "vk_board_post_new.json"))
    assert good.code == 0 and "-> 200 ok" in good.out
    forged = cli("send", str(ROOT / "events" / "x_bad_signature.json"))
    assert forged.code == 1 and "-> 401" in forged.out


def test_cli_slack_and_outbox_show_what_reached_the_stand_ins(
    stack: LocalStack, cli: StackCli
) -> None:
    from slack_sdk import WebClient

    from socialcare_tools.local.standins import vk_client

    assert stack.standins is not None
    WebClient(token="xoxb-local", base_url=stack.standins.slack_url).chat_postMessage(
        channel="C0SUPPORT", text="New conversation from @janeroe"
    )
    vk_client(stack.standins.vk_url, "local-token").get_api().messages.send(
        peer_id=512345678, random_id=42, message="Проверили заказ"
    )
    slack = cli("slack")
    assert slack.code == 0
    assert "chat.postMessage" in slack.out and "New conversation from @janeroe" in slack.out
    outbox = cli("outbox", "--json")
    assert outbox.code == 0
    calls = json.loads(outbox.out)
    assert [c["params"]["message"] for c in calls if c["method"] == "messages.send"] == [
        "Проверили заказ"
    ]


def test_cli_without_a_running_stack_says_how_to_start_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from socialcare_tools.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(["inbox"]) == 2
    assert "start one with `socialcare local`" in capsys.readouterr().err


def test_an_urgent_unanswered_mention_escalates_tier_by_tier_on_the_compressed_clock(
    stack: LocalStack,
) -> None:
    """The real state machine: Wait states (an hour takes a second here), the clock task on
    each step, SNS with message attributes. The acme policy for P1: due in 15 minutes of
    calendar time, then tiers at 0, 30 minutes and 2 hours past due; being P1, the managers
    also hear of it at once."""
    assert stack.deployment is not None
    sns, sqs = boto3.client("sns"), boto3.client("sqs")
    queue = sqs.create_queue(QueueName="managers-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])
    sns.subscribe(
        TopicArn=stack.deployment.physical["EscalationTopic"],
        Protocol="sqs",
        Endpoint=queue_arn["Attributes"]["QueueArn"],
        Attributes={"RawMessageDelivery": "true"},
    )
    now_ms = int(time.time() * 1000)
    urgent = tweet(
        "1980000000000000777", "@AcmeSupport СРОЧНО! ужасный сервис, где мой заказ?", millis=now_ms
    )
    assert post(stack, x_delivery(x_tweets(urgent), local.X_CONSUMER_SECRET)).status_code == 200
    told: list[tuple[str, str]] = []  # (kind, tier)

    def all_tiers() -> bool:
        for message in sqs.receive_message(
            QueueUrl=queue, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
        ).get("Messages", []):
            attributes = message["MessageAttributes"]
            notice = json.loads(message["Body"])
            # Other tests' conversations on this stack escalate too, and this one's
            # resolution clock later: the first-response clock and the P1 notice only.
            ours = "1980000000000000777" in (notice.get("link") or "")
            if ours and notice.get("clock") in ("first_response", None):
                told.append((attributes["kind"]["StringValue"], attributes["tier"]["StringValue"]))
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
        return len(told) >= 5

    eventually(all_tiers, timeout=30)
    # Priority 1 is told at once; the thread is warned; then each overdue tier, once.
    assert sorted(told) == [
        ("overdue", "1"),
        ("overdue", "2"),
        ("overdue", "3"),
        ("priority", "1"),
        ("warning", "0"),
    ]
    events = {i["event"]["S"] for i in items(stack, "CLOCK#first_response")}
    assert events >= {"started", "warned", "breached", "escalated"}

    # The managers' channel (the Slack stand-in) got each of them, once.
    assert stack.standins is not None

    def posted() -> list[str]:
        return [
            str(call["params"]["text"])
            for call in stack.standins.recorder.calls("slack")  # type: ignore[union-attr]
            if call["method"] == "chat.postMessage"
            and call["params"]["channel"] == "C0ACMEMANAGERS"
            and "1980000000000000777" in str(call["params"]["text"])
        ]

    texts = eventually(lambda: (found := posted()) and len(found) >= 4 and found)
    assert sum(t.startswith("*Overdue reply · tier") for t in texts) == 3
    assert sum(t.startswith("*Priority 1 · tier 1*") for t in texts) == 1


def test_care_queue_answers_through_the_gateway_with_the_local_slack_app(
    stack: LocalStack,
) -> None:
    from urllib.parse import urlencode

    from slack_sdk.signature import SignatureVerifier

    from socialcare_tools.slack_requests import AGENT, TEAM

    # From a member of the brand's workspace (the Slack stand-in's), in its support channel.
    body = urlencode(
        {
            "command": "/care",
            "text": "queue",
            "channel_id": "C0ACMESUPPORT",
            "team_id": TEAM,
            "user_id": AGENT,
        }
    )
    timestamp = str(int(time.time()))
    signature = SignatureVerifier(local.SLACK_SIGNING_SECRET).generate_signature(
        timestamp=timestamp, body=body
    )
    assert stack.gateway is not None
    response = requests.post(
        stack.gateway.url + "/slack/events",
        data=body,
        headers={
            "content-type": "application/x-www-form-urlencoded",
            "x-slack-request-timestamp": timestamp,
            "x-slack-signature": signature,
        },
        timeout=10,
    )
    assert response.status_code == 200
    assert "Acme Store" in response.json()["text"]  # its queue, or that nothing waits


def test_care_forget_through_the_gateway_runs_in_the_erase_function(stack: LocalStack) -> None:
    """The Slack desk hands the erasure to the erase function (an asynchronous invoke, as
    in AWS); it erases the customer and tells the manager, ephemerally."""
    from urllib.parse import urlencode

    from slack_sdk.signature import SignatureVerifier

    from socialcare_tools.slack_requests import TEAM

    customer = {"id_str": "77000000000000001", "name": "Forget Me", "screen_name": "forgetme_77"}
    payload = x_tweets(tweet("1980000000000000913", "@AcmeSupport erase me", user=customer))
    assert post(stack, x_delivery(payload, local.X_CONSUMER_SECRET)).status_code == 200
    mine = eventually(lambda: [m for m in items(stack, "META") if "forgetme_77" in json.dumps(m)])
    body = urlencode(
        {
            "command": "/care",
            "text": "forget @forgetme_77",
            "channel_id": "C0ACMESUPPORT",
            "team_id": TEAM,
            "user_id": "U0ACMELEAD",  # the brand's manager (brand.yaml slack.managers)
        }
    )
    timestamp = str(int(time.time()))
    signature = SignatureVerifier(local.SLACK_SIGNING_SECRET).generate_signature(
        timestamp=timestamp, body=body
    )
    assert stack.gateway is not None and stack.standins is not None
    response = requests.post(
        stack.gateway.url + "/slack/events",
        data=body,
        headers={
            "content-type": "application/x-www-form-urlencoded",
            "x-slack-request-timestamp": timestamp,
            "x-slack-signature": signature,
        },
        timeout=10,
    )
    assert response.status_code == 200
    assert "I will tell you here what was erased" in response.json()["text"]

    def told() -> list[str]:
        return [
            str(c["params"].get("text"))
            for c in stack.standins.recorder.calls("slack")  # type: ignore[union-attr]
            if c["method"] == "chat.postEphemeral" and "forgetme_77" in str(c["params"])
        ]

    [answer] = eventually(told, timeout=60)
    assert answer.startswith("Erased @forgetme_77:") and "conversations 1," in answer
    pk = mine[0]["pk"]["S"]
    left = [i for i in items(stack, "") if i["pk"]["S"] == pk]
    assert [i for i in left if i["sk"]["S"] == "META" or i["sk"]["S"].startswith("MSG#")] == []
    said = ("forgetme_77", "Forget Me", "erase me", "77000000000000001")
    assert [w for w in said if w in json.dumps(items(stack, ""))] == []
    [record] = [i for i in items(stack, "") if i["pk"]["S"] == "ERASURE#acme"]
    assert record["status"]["S"] == "done" and record["requested_by"]["S"] == "U0ACMELEAD"
