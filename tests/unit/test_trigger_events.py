"""Every function has a sample of what triggers it in events/, and each sample is what its
handler reads: the models the handlers validate with accept them, the schedules' inputs are
the template's, and the Slack press is signed with the local signing secret."""

import json
from datetime import datetime
from typing import Any

import pytest
from aws_lambda_powertools.utilities.parser import envelopes, parse

from functions.send_report.app import ReportRequest
from functions.x_gap_fill.app import GapFillRequest
from socialcare.deadlines.execution import ClockWake
from socialcare.models import ClassifyRequest, DeskRequest
from socialcare.models.escalation import EscalationNotice
from socialcare.models.reply import OutboundReply
from socialcare.services.erasure import ErasureRequest
from socialcare.services.x_delivery_outage import AlarmChange
from socialcare.slack.verification import SlackPayload, admit
from socialcare_tools import local_secrets as local
from tests.conftest import EVENTS
from tests.support.template import FUNCTION, of_type, props

# What starts each function, by its sample events' names (webhook samples by prefix).
TRIGGERS = {
    "IngestXFunction": ["x_tweet_mention", "x_xaa_mention", "x_crc_challenge"],
    "IngestVkFunction": ["vk_message_new", "vk_confirmation"],
    "IngestMetaFunction": ["meta_messenger_message", "meta_handshake"],
    "IngestTelegramFunction": ["telegram_private_message"],
    "ReadMentionsFunction": ["sqs_mention_batch"],
    "ClassifyMessageFunction": ["sqs_classify_batch"],
    "ClockTaskFunction": ["sfn_clock_wake"],
    "SlackDeskFunction": ["slack_button_press"],
    "EraseCustomerFunction": ["invoke_erase_customer"],
    "SlackThreadFunction": ["sqs_desk_batch"],
    "SendReplyFunction": ["sqs_outbox_batch"],
    "SweepRepliesFunction": ["schedule_tick"],
    "XGapFillFunction": ["invoke_x_gap_fill", "schedule_tick"],
    "XWebhookHealthFunction": ["schedule_tick", "sns_x_delivery_alarm"],
    "ReportFunction": ["schedule_tick", "schedule_daily_report"],
    "EscalationSlackFunction": ["sqs_escalation_batch"],
}


def sample(name: str) -> Any:
    return json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))


def bodies(name: str) -> list[tuple[str, str]]:
    """(message group, body) of each record of a queue batch sample."""
    return [(r["attributes"]["MessageGroupId"], r["body"]) for r in sample(name)["Records"]]


def test_every_function_in_the_template_has_a_sample_of_its_trigger(
    resources: dict[str, Any],
) -> None:
    assert set(of_type(resources, FUNCTION)) == set(TRIGGERS)
    for names in TRIGGERS.values():
        for name in names:
            assert (EVENTS / f"{name}.json").is_file(), name


def test_the_classify_and_desk_batches_carry_requests_grouped_by_conversation() -> None:
    models: list[tuple[str, type[ClassifyRequest]]] = [
        ("sqs_classify_batch", ClassifyRequest),
        ("sqs_desk_batch", DeskRequest),
    ]
    for name, model in models:
        requests = [(group, model.model_validate_json(b)) for group, b in bodies(name)]
        assert len(requests) == 2
        assert all(group == r.conversation_id for group, r in requests)
        assert len({r.conversation_id for _, r in requests}) == 1  # a mention and its follow-up
    notices = [DeskRequest.model_validate_json(b).notice for _, b in bodies("sqs_desk_batch")]
    assert notices == [None, "deleted"]


def test_the_outbox_and_escalation_batches_are_the_models_their_consumers_read() -> None:
    [(group, body)] = bodies("sqs_outbox_batch")
    assert OutboundReply.model_validate_json(body).conversation_id == group
    kinds = [
        EscalationNotice.model_validate_json(b).kind for _, b in bodies("sqs_escalation_batch")
    ]
    assert kinds == ["warning", "overdue"]


def test_the_clock_wake_is_a_first_step_of_a_plan() -> None:
    wake = ClockWake.model_validate(sample("sfn_clock_wake"))
    [plan] = wake.clocks
    # Cursor.at is the Wait state's timestamp, a string Step Functions reads.
    waits_until = datetime.fromisoformat(wake.next.at)
    assert wake.next.steps == (0,) and waits_until == plan.steps[0].at
    assert [s.action for s in plan.steps][:2] == ["warn", "escalate"]


def test_the_invoke_payloads_are_what_the_functions_validate() -> None:
    assert ErasureRequest.model_validate(sample("invoke_erase_customer")).target == "@janeroe"
    window = GapFillRequest.model_validate(sample("invoke_x_gap_fill"))
    assert window.start < window.end
    report = ReportRequest.model_validate(sample("schedule_daily_report"))
    assert report.brand == "acme"


def test_every_schedule_sends_the_tick_sample(resources: dict[str, Any]) -> None:
    inputs = [
        json.loads(event["Properties"]["Input"])
        for function in of_type(resources, FUNCTION).values()
        for event in props(function).get("Events", {}).values()
        if event["Type"] == "ScheduleV2"
    ]
    assert inputs and all(i == sample("schedule_tick") for i in inputs)


def test_the_alarm_sample_parses_as_the_health_function_parses_it() -> None:
    [change] = parse(
        event=sample("sns_x_delivery_alarm"), model=AlarmChange, envelope=envelopes.SnsEnvelope
    )
    assert change.state == "ALARM"


def test_the_button_press_is_signed_at_its_time_and_is_a_block_action() -> None:
    event = sample("slack_button_press")
    signed_at = int(event["headers"]["x-slack-request-timestamp"])
    payload = SlackPayload.model_validate(admit(event, local.SLACK_SIGNING_SECRET, signed_at + 1))
    assert payload.type == "block_actions" and payload.actions[0].action_id == "assign_me"


@pytest.mark.parametrize("late", [301, 86400])
def test_the_button_press_sample_is_refused_once_its_five_minutes_are_over(late: int) -> None:
    """As Slack's own requests: replayed later, the desk refuses it (sign afresh to use it)."""
    event = sample("slack_button_press")
    signed_at = int(event["headers"]["x-slack-request-timestamp"])
    with pytest.raises(Exception, match="five minutes"):
        admit(event, local.SLACK_SIGNING_SECRET, now=signed_at + late)
