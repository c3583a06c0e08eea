"""A conversation in the desk's Slack channel for the desk's tests, and what its agents
were told."""

import time
from typing import Any
from urllib.parse import urlencode

import boto3
from slack_sdk.signature import SignatureVerifier

from socialcare.services.x_webhook import XWebhookDeps
from socialcare_tools import local_secrets as local
from socialcare_tools.apigw import http_event
from socialcare_tools.local import standins_x
from socialcare_tools.local.standins import StandIns
from socialcare_tools.samples import tweet
from socialcare_tools.slack_requests import AGENT, TEAM
from socialcare_tools.template_resources import Backbone
from tests.integration.desk_support import slack_calls, to_the_desk
from tests.support.inspect import of_kind
from tests.support.queues import queued_records


def conversation_in_slack(
    backbone: Backbone, x_live: XWebhookDeps, queues: tuple[str, str], slack: StandIns, **kw: Any
) -> dict[str, Any]:
    records = queued_records(backbone, x_live, tweet("1960000000000000100", ORDER, **kw))
    to_the_desk(backbone, queues[0], slack, records)
    [meta] = of_kind(backbone.table, "META")
    return meta


def nothing_queued(backbone: Backbone, queues: tuple[str, str]) -> bool:
    """No reply recorded, none in the outbox."""
    return queued(queues[1]) == 0 and of_kind(backbone.table, "REPLY#") == []


def ephemerals(slack: StandIns) -> list[str]:
    return [str(p["text"]) for p in slack_calls(slack, "chat.postEphemeral")]


def tweets(slack: StandIns) -> list[dict[str, Any]]:
    return [c["params"] for c in slack.recorder.calls("x") if c["method"] == standins_x.TWEETS]


def command(
    text: str,
    channel: str = "C0ACMESUPPORT",
    *,
    user: str = AGENT,
    team: str = TEAM,
    **signing: Any,
) -> dict[str, Any]:
    body = urlencode(
        {
            "command": "/care",
            "text": text,
            "channel_id": channel,
            "user_id": user,
            "team_id": team,
            "response_url": "https://hooks.slack.com/commands/T0/1/x",
            "trigger_id": "1.2.3",
        }
    ).encode()
    timestamp = str(signing.get("timestamp", int(time.time())))
    secret = signing.get("secret", local.SLACK_SIGNING_SECRET)
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    headers = {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": timestamp,
        "x-slack-signature": signature,
    }
    return http_event("POST", "/slack/events", body, headers)


ORDER = "@AcmeSupport where is my order 4411? *bold* @here <!channel> <https://evil.example|bank.example>"


def queued(outbox: str) -> int:
    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=outbox, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"])
