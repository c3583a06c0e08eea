"""The managers' Slack consumer on its sample trigger (events/sqs_escalation_batch.json: a
warning and the breach of one first-response clock), with Slack and its records in memory.
The same paths against moto and the Slack stand-in are in
tests/integration/test_escalation_slack.py."""

import json
from typing import Any

from functions.escalation_slack import app as escalation_slack
from socialcare.config import load_brands
from socialcare.services.escalation_slack import EscalationPostDeps
from tests.conftest import BRANDS_DIR, EVENTS, LambdaContext
from tests.support.fake_desk import FakePostedNotices, FakePostLog, FakeSlack

SUPPORT, MANAGERS = "C0ACMESUPPORT", "C0ACMEMANAGERS"  # the example brand's channels


def the_sample() -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / "sqs_escalation_batch.json").read_text("utf-8"))
    return event


def deps(slack: FakeSlack, notices: FakePostedNotices, log: FakePostLog) -> EscalationPostDeps:
    return EscalationPostDeps(
        brands=load_brands(BRANDS_DIR), poster=slack, posts=log, notices=notices
    )


def test_the_warning_goes_to_the_thread_and_the_breach_to_the_managers() -> None:
    slack, notices, log = FakeSlack(), FakePostedNotices(), FakePostLog()
    answer = escalation_slack.lambda_handler(
        the_sample(), LambdaContext(), deps(slack, notices, log)
    )
    assert answer == {"batchItemFailures": []}
    warning, breach = slack.posts
    assert (warning["channel"], warning["thread_ts"]) == (SUPPORT, "1787566510.000200")
    assert "Reply due soon" in warning["text"]
    assert breach["channel"] == MANAGERS and breach["thread_ts"] is None
    assert "Overdue reply · tier 1" in breach["text"] and "Jane Roe (@janeroe)" in breach["text"]
    [(conversation, channel, ts)] = log.posts  # erasure finds the managers' post
    assert channel == MANAGERS and ts == breach["ts"] and conversation


def test_a_batch_handed_over_again_posts_nothing() -> None:
    slack, notices, log = FakeSlack(), FakePostedNotices(), FakePostLog()
    escalation_slack.lambda_handler(the_sample(), LambdaContext(), deps(slack, notices, log))
    answer = escalation_slack.lambda_handler(
        the_sample(), LambdaContext(), deps(slack, notices, log)
    )
    assert answer == {"batchItemFailures": []} and len(slack.posts) == 2


def test_a_notice_that_does_not_parse_goes_back_to_the_queue_alone() -> None:
    event = the_sample()
    event["Records"][0]["body"] = '{"kind": "warning"}'
    slack = FakeSlack()
    answer = escalation_slack.lambda_handler(
        event, LambdaContext(), deps(slack, FakePostedNotices(), FakePostLog())
    )
    assert answer == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}
    [breach] = slack.posts
    assert breach["channel"] == MANAGERS
