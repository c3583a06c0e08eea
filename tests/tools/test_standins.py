"""The stand-ins answer the REAL client libraries over HTTP on 127.0.0.1, like the platforms.

Nothing in tweepy, vk_api or slack_sdk is patched: each client is pointed at a stand-in
through its own configuration, so these tests also pin the wiring the local stack uses.
"""

import json
import re
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import requests
import tweepy
import vk_api
from slack_bolt import App, BoltRequest, Say
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier

from socialcare_tools.local.standins import PortInUse, Recorder, StandIns, vk_client, x_client
from socialcare_tools.local.standins_base import Reply
from socialcare_tools.local.standins_x import DM_WITH, REPLY_RESTRICTED, TWEETS

SIGNING_SECRET = "local-signing-secret"
X_AUTH = {
    "consumer_key": "ck",
    "consumer_secret": "cs",
    "access_token": "at",
    "access_token_secret": "ats",
}
TS = re.compile(r"^\d{10}\.\d{6}$")


@pytest.fixture
def standins() -> Iterator[StandIns]:
    with StandIns() as running:
        yield running


@pytest.fixture
def slack(standins: StandIns) -> WebClient:
    return WebClient(token="xoxb-local", base_url=standins.slack_url)


def methods(standins: StandIns, service: str) -> list[str]:
    return [call["method"] for call in standins.recorder.calls(service)]


def new_server_threads(before: set[threading.Thread]) -> list[str]:
    """Server threads started since ``before`` and still alive: our serve loops are named
    ``standin-*``; werkzeug's per-request threads carry socketserver's default name.
    Threads other test modules left behind are in ``before`` and do not count."""
    return [
        t.name
        for t in set(threading.enumerate()) - before
        if t.name.startswith("standin-") or "process_request_thread" in t.name
    ]


# --- Slack ---------------------------------------------------------------------------


def test_slack_thread_post_reply_update_and_read(standins: StandIns, slack: WebClient) -> None:
    root = slack.chat_postMessage(channel="C0SUPPORT", text="New X mention from @janeroe")
    reply = slack.chat_postMessage(channel="C0SUPPORT", thread_ts=root["ts"], text="Draft reply")
    slack.chat_update(channel="C0SUPPORT", ts=root["ts"], text="[answered] @janeroe")
    thread = slack.conversations_replies(channel="C0SUPPORT", ts=root["ts"])["messages"]

    assert TS.match(root["ts"]) and TS.match(reply["ts"])
    assert reply["ts"] > root["ts"]
    assert root["message"]["text"] == "New X mention from @janeroe"
    assert [m["text"] for m in thread] == ["[answered] @janeroe", "Draft reply"]
    assert thread[0]["reply_count"] == 1 and thread[1]["thread_ts"] == root["ts"]
    assert methods(standins, "slack") == [
        "chat.postMessage",
        "chat.postMessage",
        "chat.update",
        "conversations.replies",
    ]
    posted = standins.recorder.calls("slack")[1]
    assert posted["params"] == {
        "channel": "C0SUPPORT",
        "thread_ts": root["ts"],
        "text": "Draft reply",
    }


def test_slack_timestamps_are_unique_and_increasing(slack: WebClient) -> None:
    stamps = [slack.chat_postMessage(channel="C1", text=str(i))["ts"] for i in range(20)]
    assert stamps == sorted(set(stamps), key=lambda ts: tuple(map(int, ts.split("."))))


def test_slack_other_methods(standins: StandIns, slack: WebClient) -> None:
    root = slack.chat_postMessage(channel="C1", text="root")
    auth = slack.auth_test()
    assert (auth["team_id"], auth["user_id"], auth["bot_id"], auth["user"]) == (
        "T0ACMEWORK",
        "UBOT",
        "BLOCAL",
        "socialcare",
    )
    assert slack.chat_postEphemeral(channel="C1", user="U1", text="only you")["message_ts"]
    link = slack.chat_getPermalink(channel="C1", message_ts=root["ts"])["permalink"]
    assert link.endswith("/C1/p" + root["ts"].replace(".", ""))
    view = {
        "type": "modal",
        "callback_id": "reply_modal",
        "title": {"type": "plain_text", "text": "Reply"},
    }
    opened = slack.views_open(trigger_id="1334.5224.abc", view=view)["view"]
    assert opened["id"].startswith("V") and opened["callback_id"] == "reply_modal"
    assert slack.users_info(user="U024BE7LH")["user"]["id"] == "U024BE7LH"
    with pytest.raises(SlackApiError) as missing:
        slack.chat_update(channel="C1", ts="1.000001", text="x")
    assert missing.value.response["error"] == "message_not_found"


def test_slack_accepts_form_encoded_calls(standins: StandIns, slack: WebClient) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}]
    form = {"channel": "C1", "text": "hi", "blocks": json.dumps(blocks)}
    posted = slack.api_call("chat.postMessage", data=form)

    assert posted["message"]["blocks"] == blocks
    assert standins.recorder.calls("slack")[0]["params"] == {**form, "blocks": blocks}


def test_slack_auth_and_unknown_methods(standins: StandIns) -> None:
    with pytest.raises(SlackApiError) as no_token:
        WebClient(base_url=standins.slack_url).chat_postMessage(channel="C1", text="x")
    assert no_token.value.response["error"] == "not_authed"
    with pytest.raises(SlackApiError) as unknown:
        WebClient(token="xoxb-local", base_url=standins.slack_url).api_call("chat.teleport")
    assert unknown.value.response.status_code == 200
    assert unknown.value.response["error"] == "unknown_method"


def test_slack_scripted_rate_limit(standins: StandIns, slack: WebClient) -> None:
    standins.slack.fail_next("chat.postMessage", "ratelimited")
    with pytest.raises(SlackApiError) as limited:
        slack.chat_postMessage(channel="C1", text="x")
    assert limited.value.response.status_code == 429
    assert limited.value.response.headers["retry-after"] == "1"
    assert slack.chat_postMessage(channel="C1", text="x")["ok"]


def test_bolt_app_authorizes_against_the_standin(standins: StandIns) -> None:
    client = WebClient(token="xoxb-local", base_url=standins.slack_url)
    app = App(
        client=client,
        signing_secret=SIGNING_SECRET,
        token_verification_enabled=False,
        process_before_response=True,
    )

    @app.event("message")
    def answer(event: dict[str, str], say: Say) -> None:
        say(text="seen", thread_ts=event["thread_ts"])

    event = {"type": "message", "user": "U024BE7LH", "text": "hi", "channel": "C1"}
    event |= {"ts": "1787566700.000300", "thread_ts": "1787566510.000200"}
    body = json.dumps(
        {"type": "event_callback", "team_id": "T0LOCAL", "event_id": "Ev1", "event": event}
    )
    ts = str(int(time.time()))
    signature = SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=ts, body=body)
    assert signature is not None
    headers = {
        "content-type": "application/json",
        "x-slack-request-timestamp": ts,
        "x-slack-signature": signature,
    }
    response = app.dispatch(BoltRequest(body=body, headers=headers))

    assert response.status == 200
    assert methods(standins, "slack") == ["auth.test", "chat.postMessage"]
    assert standins.recorder.calls("slack")[1]["params"]["thread_ts"] == "1787566510.000200"


# --- X -------------------------------------------------------------------------------


def test_tweepy_reply_and_dm_land(standins: StandIns) -> None:
    client = x_client(standins.x_url, **X_AUTH)
    tweet = client.create_tweet(text="Sorry, Jane!", in_reply_to_tweet_id="1960000000000000123")
    dm = client.create_direct_message(participant_id="1400000000000000042", text="DM us")

    assert tweet.data["id"].isdigit() and tweet.data["text"] == "Sorry, Jane!"
    assert dm.data["dm_event_id"].isdigit() and dm.data["dm_conversation_id"]
    posted, sent = standins.recorder.calls("x")
    assert posted["method"] == TWEETS and posted["status"] == 201
    assert posted["params"]["reply"] == {"in_reply_to_tweet_id": "1960000000000000123"}
    assert sent["method"] == DM_WITH
    assert sent["params"] == {"participant_id": "1400000000000000042", "text": "DM us"}


def test_tweepy_rate_limited(standins: StandIns) -> None:
    client = x_client(standins.x_url, **X_AUTH)
    standins.x.fail_next(TWEETS, 429, reset_at=1_787_567_000)
    with pytest.raises(tweepy.errors.TooManyRequests) as limited:
        client.create_tweet(text="x")
    assert limited.value.reset_time == 1_787_567_000
    assert client.create_tweet(text="x").data["id"]  # only the next call was scripted


def test_tweepy_reply_restriction(standins: StandIns) -> None:
    client = x_client(standins.x_url, **X_AUTH)
    standins.x.fail_next(TWEETS, 403)
    with pytest.raises(tweepy.errors.Forbidden) as forbidden:
        client.create_tweet(text="x", in_reply_to_tweet_id="1")
    assert forbidden.value.api_messages == [REPLY_RESTRICTED]


# --- VK ------------------------------------------------------------------------------


def test_vk_send_deduplicates_random_id(standins: StandIns) -> None:
    api = vk_client(standins.vk_url, "local-group-token").get_api()
    first = api.messages.send(peer_id=512345678, random_id=77, message="Проверили заказ")
    again = api.messages.send(peer_id=512345678, random_id=77, message="Проверили заказ")

    assert isinstance(first, int) and again == first
    calls = standins.recorder.calls("vk")
    assert [c["duplicate"] for c in calls] == [False, True]
    assert calls[0]["params"] == {
        "peer_id": "512345678",
        "random_id": "77",
        "message": "Проверили заказ",
        "v": "5.199",
    }


def test_vk_comment_guid_and_users(standins: StandIns) -> None:
    api = vk_client(standins.vk_url, "local-group-token").get_api()
    args = {"owner_id": -218000000, "post_id": 1043, "from_group": 218000000, "guid": "out-1"}
    first = api.wall.createComment(message="Ответили в ЛС", reply_to_comment=8812, **args)
    again = api.wall.create_comment(message="Ответили в ЛС", reply_to_comment=8812, **args)
    users = api.users.get(user_ids=[1, 2], fields="followers_count")

    assert first["comment_id"] == again["comment_id"]
    assert [u["id"] for u in users] == [1, 2]
    assert {"first_name", "last_name", "followers_count"} <= users[0].keys()


def test_vk_scripted_error_raises_api_error(standins: StandIns) -> None:
    api = vk_client(standins.vk_url, "local-group-token").get_api()
    standins.vk.fail_next("messages.send", 901)
    with pytest.raises(vk_api.exceptions.ApiError) as failed:
        api.messages.send(peer_id=1, random_id=1, message="x")
    assert failed.value.code == 901
    assert api.messages.send(peer_id=1, random_id=1, message="x")


# --- Recording, lifecycle ------------------------------------------------------------


def test_calls_endpoint_serves_records_to_other_processes(
    standins: StandIns, slack: WebClient
) -> None:
    slack.chat_postMessage(channel="C1", text="hi")
    x_client(standins.x_url, **X_AUTH).create_tweet(text="hello")
    base = {name: f"http://127.0.0.1:{port}" for name, port in standins.ports.items()}

    slack_calls = requests.get(f"{base['slack']}/_calls", timeout=2).json()["calls"]
    x_calls = requests.get(f"{base['x']}/_calls", timeout=2).json()["calls"]
    assert [(c["service"], c["method"]) for c in slack_calls] == [("slack", "chat.postMessage")]
    assert [(c["service"], c["method"]) for c in x_calls] == [("x", TWEETS)]
    assert x_calls[0]["response"]["data"]["text"] == "hello" and x_calls[0]["at"]

    fail = {"method": TWEETS, "status": 503, "body": {"title": "Service Unavailable"}}
    assert requests.post(f"{base['x']}/_fail", json=fail, timeout=2).ok
    with pytest.raises(tweepy.errors.TwitterServerError):
        x_client(standins.x_url, **X_AUTH).create_tweet(text="again")
    requests.delete(f"{base['x']}/_calls", timeout=2)
    assert standins.recorder.calls("x") == [] and len(standins.recorder.calls()) == 1


def test_recorder_is_thread_safe_and_clears_by_service() -> None:
    recorder = Recorder()

    def record_many(service: str) -> None:
        for i in range(100):
            recorder.record(service, "m", {"i": i}, Reply({"response": i}))
            if i % 10 == 0:
                recorder.calls(service)  # readers interleave with writers

    workers = [threading.Thread(target=record_many, args=(s,)) for s in ["vk", "x"] * 4]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(recorder.calls("vk")) == len(recorder.calls("x")) == 400
    recorder.clear("vk")
    assert recorder.calls("vk") == [] and len(recorder.calls()) == 400
    recorder.clear()
    assert recorder.calls() == []


def test_stop_frees_ports_and_threads() -> None:
    before = set(threading.enumerate())
    first = StandIns().start()
    WebClient(token="xoxb-local", base_url=first.slack_url).auth_test()
    x_client(first.x_url, **X_AUTH).create_tweet(text="hi")
    vk_client(first.vk_url, "local-group-token").method("users.get", {"user_ids": "1"})
    ports = dict(first.ports)
    first.stop()
    assert new_server_threads(before) == []

    again = StandIns(
        slack_port=ports["slack"],
        x_port=ports["x"],
        vk_port=ports["vk"],
        meta_port=ports["meta"],
        telegram_port=ports["telegram"],
    ).start()
    try:
        assert again.ports == ports
        assert WebClient(token="xoxb-local", base_url=again.slack_url).auth_test()["ok"]
    finally:
        again.stop()
    assert new_server_threads(before) == []


def test_port_in_use_is_a_clear_error() -> None:
    before = set(threading.enumerate())
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = holder.getsockname()[1]
        with pytest.raises(PortInUse) as clash:
            StandIns(x_port=taken).start()
    assert (clash.value.port, clash.value.service) == (taken, "x stand-in")
    assert str(taken) in str(clash.value) and "x stand-in" in str(clash.value)
    assert new_server_threads(before) == []  # the slack stand-in started first was stopped again
