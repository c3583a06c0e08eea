"""Sample events for every trigger that is not a platform's webhook: the queue batches, the
clock's step input, the schedules, the erase request, the alarm SNS delivers and an agent's
button press in Slack. Written to events/ by ``make events`` with the webhook samples, and
checked against the models each handler reads (tests/unit/test_trigger_events.py), so
``sam local invoke <Function> -e events/<name>.json`` starts from what AWS would send.

The queue bodies are made by the code that makes them in the pipeline: the sample tweets go
through the X normaliser for the classify and desk requests, the clock's input is the one a
classifier starts with, and the notices are the alerts' own models.
"""

from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from socialcare.adapters.dynamo_codec import message_sk
from socialcare.config import load_brands
from socialcare.config.brands import Brand
from socialcare.deadlines.execution import execution_input
from socialcare.deadlines.plan import ClockKind, plan_clock
from socialcare.models import ClassifyRequest, DeskRequest, MentionRequest
from socialcare.models.common import Platform
from socialcare.models.escalation import EscalationNotice
from socialcare.models.message import InboundMessage, MessageKind, conversation_id_for
from socialcare.models.reply import OutboundReply, ReplyRoute
from socialcare.platforms.x.normalise import normalise
from socialcare.platforms.x.payloads import XWebhook
from socialcare_tools import local_secrets as local
from socialcare_tools.samples import JANE, sns_alarm, tweet, x_tweets
from socialcare_tools.slack_requests import button_press
from socialcare_tools.template_resources import ROOT

ACCOUNT = local.X_ACCOUNT_ID
RECEIVED = datetime(2026, 8, 24, 10, 15, 2, tzinfo=UTC)
SIGNED_AT = 1787566560  # 2026-08-24T10:16:00Z: Slack's five minutes are long over
QUEUE_ARN = "arn:aws:sqs:eu-west-1:123456789012:socialcare-{}.fifo"


@cache
def _acme() -> Brand:
    """The example brand, beside this package in the repository."""
    return load_brands(ROOT / "layers" / "config" / "brands").brands["acme"]


def _sample_messages() -> list[InboundMessage]:
    """A mention of the brand and the customer's follow-up, as the X normaliser makes them."""
    body = x_tweets(
        tweet("1960000000000000100", "@AcmeSupport where is my order #4411? 3 days now"),
        tweet(
            "1960000000000000200",
            "@AcmeSupport hello?? still waiting",
            reply_to="1960000000000000100",
        ),
    )
    payload = XWebhook.model_validate(body)
    return normalise(payload, payload.events(), _acme(), RECEIVED).messages


@cache
def _requests() -> tuple[ClassifyRequest, ...]:
    first, follow_up = _sample_messages()
    # The reply joins the conversation of the post it answers (ingest finds it by reference).
    conversation = conversation_id_for(first.thread_key)
    return tuple(
        ClassifyRequest(
            conversation_id=conversation,
            message_sk=message_sk(message),
            message_ref=message.ref,
            platform=message.platform,
            brand_id=message.brand_id,
            sent_at=message.sent_at,
        )
        for message in (first, follow_up)
    )


def sqs_batch(queue: str, bodies: list[tuple[str, str]]) -> dict[str, Any]:
    """Lambda's SQS event for a FIFO queue: (message group, body) per record."""
    sent = str(int(RECEIVED.timestamp() * 1000))
    return {
        "Records": [
            {
                "messageId": f"0b1c2d3e-0000-4000-8000-{index:012d}",
                "receiptHandle": f"AQEB{queue}{index}",
                "body": body,
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": sent,
                    "SenderId": "AROAEXAMPLE:socialcare",
                    "ApproximateFirstReceiveTimestamp": sent,
                    "MessageGroupId": group,
                    "MessageDeduplicationId": f"{queue}-{index}",
                    "SequenceNumber": f"1883000000000000{index:04d}",
                },
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": QUEUE_ARN.format(queue),
                "awsRegion": "eu-west-1",
            }
            for index, (group, body) in enumerate(bodies)
        ]
    }


def classify_batch() -> dict[str, Any]:
    return sqs_batch("classify", [(r.conversation_id, r.model_dump_json()) for r in _requests()])


def desk_batch() -> dict[str, Any]:
    """The card's request, and the news that the customer deleted the follow-up."""
    first, follow_up = (DeskRequest.to_show(r) for r in _requests())
    deleted = follow_up.model_copy(
        update={"message_ref": f"{follow_up.message_ref}#deleted", "notice": "deleted"}
    )
    return sqs_batch("desk", [(r.conversation_id, r.model_dump_json()) for r in (first, deleted)])


def outbox_batch() -> dict[str, Any]:
    """An agent's public answer to the mention, queued by the desk."""
    first, _ = _requests()
    reply = OutboundReply(
        reply_id="slack-event:Ev0AB1C2D3",
        conversation_id=first.conversation_id,
        brand_id="acme",
        platform=Platform.X,
        account_id=ACCOUNT,
        route=ReplyRoute.PUBLIC,
        text="Hi Jane, sorry for the wait: order 4411 left our warehouse today.",
        target_message_id="1960000000000000100",
        target_kind=MessageKind.MENTION,
        customer_id=JANE["id_str"],
        agent="U0AGENT01",
        slack_channel="C0ACMESUPPORT",
        slack_thread_ts="1787566510.000200",
        queued_at=RECEIVED + timedelta(minutes=9),
    )
    return sqs_batch("outbox", [(reply.conversation_id, reply.model_dump_json())])


def escalation_batch() -> dict[str, Any]:
    """Two notices as SNS hands them to the managers' queue (raw delivery): a warning and
    the breach of the same first-response clock."""
    first, _ = _requests()
    due = RECEIVED + timedelta(minutes=60)
    common = {
        "brand_id": "acme",
        "conversation_id": first.conversation_id,
        "clock": "first_response",
        "due_at": due,
        "policy": "public posts",
        "policy_version": "2026-08-01",
        "platform": "x",
        "priority": "P3",
        "topic": "order_status",
        "link": "https://x.com/janeroe/status/1960000000000000100",
        "customer": {"id": JANE["id_str"], "name": JANE["name"], "handle": JANE["screen_name"]},
        "slack_thread": {"channel": "C0ACMESUPPORT", "ts": "1787566510.000200"},
    }
    notices = [
        EscalationNotice(kind="warning", tier=0, reason="75% of the first-response time", **common),
        EscalationNotice(kind="overdue", tier=1, reason="first response overdue", **common),
    ]
    return sqs_batch("escalation", [("acme", n.model_dump_json()) for n in notices])


def clock_wake() -> dict[str, Any]:
    """What a reply clock's execution starts with: the mention's first-response clock under
    the example brand's policy for public posts, at its first step."""
    policies = _acme().policies
    [policy] = [p for p in policies.policies if p.name == "public posts"]
    first, _ = _requests()
    plan = plan_clock(
        conversation_id=first.conversation_id,
        brand_id="acme",
        clock=ClockKind.FIRST_RESPONSE,
        started_at=first.sent_at,
        targets=policy,
        calendar=policies.calendar,
        platform=Platform.X,
        policy=policy.name,
        policy_version=policies.version,
    )
    return execution_input((plan,))


def erase_request() -> dict[str, Any]:
    """`/care forget @janeroe`, as the desk hands it to the erase function."""
    return {
        "brand": "acme",
        "target": f"@{JANE['screen_name']}",
        "requested_by": "U0MANAGER1",
        "via": "slack",
        "answer_to": {"channel": "C0ACMESUPPORT", "user": "U0MANAGER1"},
    }


def mention_batch() -> dict[str, Any]:
    """Two Instagram @mentions the Meta webhook queued: a comment and a caption."""
    requests = [
        MentionRequest(
            account_id=local.META_INSTAGRAM_ID,
            brand_id="acme",
            media_id="17900000000000777",
            comment_id=comment,
            received_at=RECEIVED,
        )
        for comment in ("17865000000000777", None)
    ]
    return sqs_batch(
        "mentions", [(f"{r.account_id}:{r.media_id}", r.model_dump_json()) for r in requests]
    )


def gap_fill_request() -> dict[str, Any]:
    """A window the webhook missed (an outage), handed to the gap fill."""
    return {
        "brand": "acme",
        "account_id": ACCOUNT,
        "start": "2026-08-24T09:40:00Z",
        "end": "2026-08-24T10:10:00Z",
        "reason": "delivery outage",
    }


def trigger_events() -> dict[str, dict[str, Any]]:
    return {
        "sqs_classify_batch": classify_batch(),
        "sqs_desk_batch": desk_batch(),
        "sqs_outbox_batch": outbox_batch(),
        "sqs_escalation_batch": escalation_batch(),
        "sqs_mention_batch": mention_batch(),
        "sfn_clock_wake": clock_wake(),
        "invoke_erase_customer": erase_request(),
        "invoke_x_gap_fill": gap_fill_request(),
        "schedule_tick": {},  # every schedule's input in template.yaml
        "schedule_daily_report": {"brand": "acme", "period": "day", "date": "2026-08-24"},
        "sns_x_delivery_alarm": sns_alarm("ALARM", "2026-08-24T09:41:00.000+0000"),
        "slack_button_press": button_press(
            "assign_me", _requests()[0].conversation_id, "C0ACMESUPPORT", at=SIGNED_AT
        ),
    }
