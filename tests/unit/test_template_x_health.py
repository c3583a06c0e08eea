"""The X webhook health check in template.yaml: its tick, its narrow rights, its alarms."""

from typing import Any

from tests.support.template import as_list, props, ref_target


def test_the_x_health_check_ticks_reads_little_and_alarms_to_ops(
    resources: dict[str, Any],
) -> None:
    health = props(resources["XWebhookHealthFunction"])
    tick = health["Events"]["Tick"]
    assert tick["Type"] == "ScheduleV2"
    assert tick["Properties"]["ScheduleExpression"] == "rate(15 minutes)"
    assert ref_target(health["DeadLetterQueue"]["TargetArn"]) == "XWebhookHealthDLQ"
    assert ref_target(health["Environment"]["Variables"]["X_SECRET_ARN"]) == "XWebhookSecret"
    statements = health["Policies"][0]["Statement"]
    granted = {(a, str(s["Resource"])) for s in statements for a in as_list(s["Action"])}
    assert {a for a, _ in granted} == {
        "secretsmanager:GetSecretValue",
        "dynamodb:Query",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "lambda:InvokeFunction",
    }
    assert any("index/ByDay" in r for a, r in granted if a == "dynamodb:Query")
    # Its own items only: the fill marks and the 503 outage it keeps.
    [marks] = [s for s in statements if "dynamodb:PutItem" in as_list(s["Action"])]
    leading = marks["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
    assert sorted(leading) == ["XFILLED#*", "XOUTAGE#*"]
    # Our 503 answers to X: the alarm reaches ops and, through its topic, this function.
    outage = props(resources["XDeliveryUnavailableAlarm"])
    assert outage["MetricName"] == "DeliveryUnavailable"
    assert outage["Dimensions"] == [{"Name": "service", "Value": "ingest-x"}]
    assert [ref_target(a) for a in outage["OKActions"]] == ["XDeliveryOutageTopic"]
    assert ref_target(health["Events"]["DeliveryOutage"]["Properties"]["Topic"]) == (
        "XDeliveryOutageTopic"
    )
    # An outage goes to the gap fill, and to nothing else.
    invoked = [s for s in statements if "lambda:InvokeFunction" in as_list(s["Action"])]
    assert [ref_target(s["Resource"]) for s in invoked] == ["XGapFillFunction"]
    assert ref_target(health["Environment"]["Variables"]["GAP_FILL_FUNCTION"]) == "XGapFillFunction"
    for alarm, metric in (
        ("XWebhookInvalidAlarm", "XWebhookInvalid"),
        ("XAccountSilentAlarm", "XAccountsSilent"),
        ("XWebhookHealthDLQAlarm", "ApproximateNumberOfMessagesVisible"),
    ):
        spec = props(resources[alarm])
        assert spec["MetricName"] == metric
        assert [ref_target(a) for a in spec["AlarmActions"]] == ["OpsAlertTopic"]
    dimensions = props(resources["XWebhookInvalidAlarm"])["Dimensions"]
    assert dimensions == [{"Name": "service", "Value": "x-webhook-health"}]
