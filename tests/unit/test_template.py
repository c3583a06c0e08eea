"""What an operator would notice about template.yaml, checked without AWS or network.

The template is read with samtranslator's YAML loader (it understands !Ref, !GetAtt, !Sub)
and, for the IAM checks, translated offline into plain CloudFormation.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from samtranslator.translator.transform import transform

from tests.support.template import (
    FUNCTION,
    ROOT,
    as_list,
    of_type,
    props,
    ref_target,
)

QUEUE = "AWS::SQS::Queue"
LOG_GROUP = "AWS::Logs::LogGroup"
SECRET = "AWS::SecretsManager::Secret"
ALARM = "AWS::CloudWatch::Alarm"
TABLE = "AWS::DynamoDB::Table"

# Added by SAM itself (logs, and X-Ray for Tracing: Active); nothing else may be attached.
ALLOWED_MANAGED_POLICIES = {
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
}


class NoIamPolicyLoader:
    """Managed-policy loader that never calls IAM (the translator falls back to its bundled map)."""

    def load(self) -> dict[str, str]:
        return {}


# ------------------------------------------------------------------ fixtures / helpers


@pytest.fixture(scope="module")
def translated(template: dict[str, Any]) -> dict[str, Any]:
    return translate(template)


def translate(template: dict[str, Any]) -> dict[str, Any]:
    """SAM -> CloudFormation, offline: local code paths become s3:// placeholders."""
    sam = copy.deepcopy(template)
    for name, resource in sam["Resources"].items():
        props = resource.get("Properties", {})
        for key in ("CodeUri", "ContentUri"):
            if isinstance(props.get(key), str):
                props[key] = f"s3://local-artifacts/{name}.zip"
        if isinstance(props.get("DefinitionUri"), str):  # as sam build inlines it
            props["Definition"] = json.loads((ROOT / props.pop("DefinitionUri")).read_text())
    with pytest.MonkeyPatch.context() as mp:
        # The translator needs a region for ARNs; it makes no AWS call.
        mp.setenv("AWS_DEFAULT_REGION", "eu-west-1")
        return transform(sam, {"Stage": "dev"}, NoIamPolicyLoader())


def dlq_names(resources: dict[str, Any]) -> set[str]:
    """Queues named *DLQ (style.md naming) or that some queue's RedrivePolicy points at."""
    queues = of_type(resources, QUEUE)
    found = {name for name in queues if name.endswith("DLQ")}
    for queue in queues.values():
        redrive = props(queue).get("RedrivePolicy")
        if redrive:
            found.add(ref_target(redrive["deadLetterTargetArn"]))
    return found


def function_env(template: dict[str, Any], function: dict[str, Any]) -> dict[str, Any]:
    glob = template.get("Globals", {}).get("Function", {}).get("Environment", {})
    own = props(function).get("Environment", {})
    return {**glob.get("Variables", {}), **own.get("Variables", {})}


def function_timeout(template: dict[str, Any], function: dict[str, Any]) -> int:
    default = template.get("Globals", {}).get("Function", {}).get("Timeout", 3)
    return int(props(function).get("Timeout", default))


def statements(value: Any) -> list[dict[str, Any]]:
    """A policy's statements; one under a condition (``Fn::If`` with ``AWS::NoValue``) is
    checked as it applies when its condition holds."""
    return [
        item["Fn::If"][1] if isinstance(item, dict) and "Fn::If" in item else item
        for item in as_list(value)
    ]


# ---------------------------------------------------------------------------- queues


def test_queues_every_work_queue_redrives_to_a_dlq(resources: dict[str, Any]) -> None:
    queues = of_type(resources, QUEUE)
    dlqs = dlq_names(resources)
    work_queues = set(queues) - dlqs
    assert work_queues, "expected at least one work queue"
    for name in work_queues:
        redrive = props(queues[name]).get("RedrivePolicy")
        assert redrive, f"{name} has no RedrivePolicy: poison messages would retry forever"
        target = ref_target(redrive["deadLetterTargetArn"])
        assert target in queues, f"{name} redrives to {target}, which is not a queue here"
        assert target != name, f"{name} redrives to itself"
        assert 1 <= int(redrive["maxReceiveCount"]) <= 10
        # SQS only accepts a FIFO DLQ for a FIFO queue (and standard for standard).
        fifo = bool(props(queues[name]).get("FifoQueue", False))
        assert bool(props(queues[target]).get("FifoQueue", False)) == fifo, name


def test_queues_dlqs_keep_messages_at_least_as_long_as_their_source(
    resources: dict[str, Any],
) -> None:
    queues = of_type(resources, QUEUE)
    for name, queue in queues.items():
        redrive = props(queue).get("RedrivePolicy")
        if not redrive:
            continue
        dlq = props(queues[ref_target(redrive["deadLetterTargetArn"])])
        source_retention = int(props(queue).get("MessageRetentionPeriod", 345600))
        assert int(dlq.get("MessageRetentionPeriod", 345600)) >= source_retention, name


def test_queues_all_encrypted_at_rest(resources: dict[str, Any]) -> None:
    for name, queue in of_type(resources, QUEUE).items():
        p = props(queue)
        assert p.get("SqsManagedSseEnabled") is True or p.get("KmsMasterKeyId"), name


def test_queues_every_dlq_has_an_alarm_that_notifies(resources: dict[str, Any]) -> None:
    alarms = of_type(resources, ALARM).values()
    for dlq in dlq_names(resources):
        watching = [
            props(a)
            for a in alarms
            if props(a).get("Namespace") == "AWS/SQS"
            and any(
                d["Name"] == "QueueName" and ref_target(d["Value"]) == dlq
                for d in props(a).get("Dimensions", [])
            )
        ]
        assert watching, f"no CloudWatch alarm watches dead-letter queue {dlq}"
        for alarm in watching:
            assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
            assert alarm.get("AlarmActions"), f"alarm on {dlq} notifies nobody"
            assert float(alarm["Threshold"]) <= 1


def test_queues_visibility_timeout_is_six_times_the_consumer_timeout(
    template: dict[str, Any], resources: dict[str, Any]
) -> None:
    mappings = of_type(resources, "AWS::Lambda::EventSourceMapping")
    assert mappings, "the classify queue needs a consumer"
    for name, mapping in mappings.items():
        function = resources[ref_target(props(mapping)["FunctionName"])]
        queue = props(resources[ref_target(props(mapping)["EventSourceArn"])])
        assert int(queue.get("VisibilityTimeout", 30)) >= 6 * function_timeout(
            template, function
        ), name
        assert "ReportBatchItemFailures" in props(mapping).get("FunctionResponseTypes", []), name


def test_no_function_uses_a_sam_sqs_event_and_its_broad_managed_policy(
    resources: dict[str, Any],
) -> None:
    for fname, function in of_type(resources, FUNCTION).items():
        kinds = {e["Type"] for e in props(function).get("Events", {}).values()}
        assert "SQS" not in kinds, f"{fname}: use an AWS::Lambda::EventSourceMapping instead"


# ----------------------------------------------------------------------------- table


def test_table_has_pitr_ttl_encryption_and_survives_stack_deletion(
    resources: dict[str, Any],
) -> None:
    table = resources["ConversationsTable"]
    assert table["Type"] == TABLE
    assert table.get("DeletionPolicy") == "Retain"
    assert table.get("UpdateReplacePolicy") == "Retain"
    p = props(table)
    assert p["BillingMode"] == "PAY_PER_REQUEST"
    pitr = p.get("PointInTimeRecoverySpecification", {})
    assert pitr.get("PointInTimeRecoveryEnabled") is True, "no point-in-time recovery"
    assert p.get("SSESpecification", {}).get("SSEEnabled") is True
    assert p.get("TimeToLiveSpecification") == {"AttributeName": "expires_at", "Enabled": True}
    assert {k["KeyType"]: k["AttributeName"] for k in p["KeySchema"]} == {
        "HASH": "pk",
        "RANGE": "sk",
    }


def test_table_indexes_match_storage_doc(resources: dict[str, Any]) -> None:
    p = props(resources["ConversationsTable"])
    indexes = {
        i["IndexName"]: (
            {k["KeyType"]: k["AttributeName"] for k in i["KeySchema"]},
            i["Projection"]["ProjectionType"],
        )
        for i in p["GlobalSecondaryIndexes"]
    }
    assert indexes == {
        "ByDueTime": ({"HASH": "queue_pk", "RANGE": "queue_sk"}, "ALL"),
        "ByDay": ({"HASH": "day_pk", "RANGE": "day_sk"}, "ALL"),
        "DayStats": ({"HASH": "day_pk", "RANGE": "day_sk"}, "INCLUDE"),
        "ByActivityDay": ({"HASH": "activity_pk", "RANGE": "activity_sk"}, "INCLUDE"),
        "BySlackThread": ({"HASH": "thread_key"}, "KEYS_ONLY"),
        "ByCustomer": ({"HASH": "customer_pk", "RANGE": "customer_sk"}, "KEYS_ONLY"),
        "PendingReplies": ({"HASH": "pending_pk", "RANGE": "pending_sk"}, "KEYS_ONLY"),
    }
    key_attributes = {"pk", "sk"} | {a for keys, _ in indexes.values() for a in keys.values()}
    defined = {a["AttributeName"]: a["AttributeType"] for a in p["AttributeDefinitions"]}
    assert defined == dict.fromkeys(key_attributes, "S")


# -------------------------------------------------------------------------- logging


def test_functions_log_to_their_own_group_with_retention(resources: dict[str, Any]) -> None:
    functions = of_type(resources, FUNCTION)
    assert functions
    groups = []
    for name, function in functions.items():
        config = props(function).get("LoggingConfig", {})
        assert config.get("LogFormat") == "JSON", name
        group = ref_target(config.get("LogGroup"))
        assert group in resources, f"{name}: LoggingConfig.LogGroup is not a !Ref to a resource"
        assert resources[group]["Type"] == LOG_GROUP, name
        assert "RetentionInDays" in props(resources[group]), f"{group} keeps logs forever"
        groups.append(group)
    assert len(groups) == len(set(groups)), "two functions share one log group"


def test_log_groups_all_have_retention(resources: dict[str, Any]) -> None:
    for name, group in of_type(resources, LOG_GROUP).items():
        assert "RetentionInDays" in props(group), f"{name} keeps logs forever"


def test_functions_each_have_a_service_name(
    template: dict[str, Any], resources: dict[str, Any]
) -> None:
    names = [
        function_env(template, f).get("POWERTOOLS_SERVICE_NAME")
        for f in of_type(resources, FUNCTION).values()
    ]
    assert all(names)
    assert len(names) == len(set(names))


# ------------------------------------------------------------------------------ IAM


def test_function_policies_have_no_wildcard_resource_or_action(
    resources: dict[str, Any], translated: dict[str, Any]
) -> None:
    cfn = translated["Resources"]
    for name in of_type(resources, FUNCTION):
        role = ref_target(cfn[name]["Properties"]["Role"])
        role_props = cfn[role]["Properties"]
        extra = set(role_props.get("ManagedPolicyArns", [])) - ALLOWED_MANAGED_POLICIES
        assert not extra, f"{name} has broad managed policies {extra}"
        for policy in role_props.get("Policies", []):
            for statement in statements(policy["PolicyDocument"]["Statement"]):
                where = f"{name} {statement.get('Sid', '')}"
                assert statement["Effect"] == "Allow", where
                assert "NotAction" not in statement and "NotResource" not in statement, where
                for action in as_list(statement["Action"]):
                    assert "*" not in action, f"{where}: wildcard action {action}"
                for resource in as_list(statement["Resource"]):
                    assert resource != "*", f"{where}: Resource '*'"
                    if isinstance(resource, str):
                        assert not resource.endswith(":*"), f"{where}: {resource}"


DELETING = {"dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}


def _statements(cfn: dict[str, Any], function: str) -> list[dict[str, Any]]:
    role = cfn[ref_target(cfn[function]["Properties"]["Role"])]["Properties"]
    return [
        statement
        for policy in role.get("Policies", [])
        for statement in statements(policy["PolicyDocument"]["Statement"])
    ]


# The one exception: erasing a customer (/care forget) deletes their items, in batches.
# It is invoked by the Slack desk, never reached from the internet.
ERASER = "EraseCustomerFunction"


def test_no_function_but_the_erase_function_may_delete(
    resources: dict[str, Any], translated: dict[str, Any]
) -> None:
    cfn = translated["Resources"]
    deleting = {
        name
        for name in of_type(resources, FUNCTION)
        for statement in _statements(cfn, name)
        if set(as_list(statement["Action"])) & DELETING
    }
    assert deleting == {ERASER}


def test_only_the_erase_function_may_delete_in_bulk(
    resources: dict[str, Any], translated: dict[str, Any]
) -> None:
    cfn = translated["Resources"]
    bulk = {
        name
        for name in of_type(resources, FUNCTION)
        for statement in _statements(cfn, name)
        if "dynamodb:BatchWriteItem" in as_list(statement["Action"])
    }
    assert bulk == {ERASER}
    eraser = props(resources[ERASER])
    assert "Events" not in eraser  # no route, queue or schedule reaches it
    deleting = [s for s in _statements(cfn, ERASER) if set(as_list(s["Action"])) & DELETING]
    assert [set(as_list(s["Action"])) & DELETING for s in deleting] == [{"dynamodb:BatchWriteItem"}]
    assert deleting[0]["Resource"] == {"Fn::GetAtt": ["ConversationsTable", "Arn"]}


def _lambda_arn(name: str) -> dict[str, str]:
    return {
        "Fn::Sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}"
        f":function:${{AWS::StackName}}-{name}"
    }


def test_the_slack_desk_cannot_delete_and_invokes_only_itself_and_the_erase_function(
    resources: dict[str, Any], translated: dict[str, Any]
) -> None:
    statements = _statements(translated["Resources"], "SlackDeskFunction")
    actions = {a for s in statements for a in as_list(s["Action"])}
    assert not actions & (DELETING | {"dynamodb:PartiQLDelete"}), actions
    invoked = [
        resource
        for s in statements
        if any(a.startswith("lambda:") for a in as_list(s["Action"]))
        for resource in as_list(s["Resource"])
    ]
    assert {a for a in actions if a.startswith("lambda:")} == {"lambda:InvokeFunction"}
    assert sorted(invoked, key=str) == [_lambda_arn("erase-customer"), _lambda_arn("slack-desk")]
    names = {props(resources[f])["FunctionName"]["Fn::Sub"] for f in ("SlackDeskFunction", ERASER)}
    assert names == {"${AWS::StackName}-slack-desk", "${AWS::StackName}-erase-customer"}
    env = function_env({}, resources["SlackDeskFunction"])
    assert env["ERASE_FUNCTION_NAME"] == {"Fn::Sub": "${AWS::StackName}-erase-customer"}


def test_the_erase_function_retries_then_waits_in_a_watched_dlq(
    resources: dict[str, Any],
) -> None:
    eraser = props(resources[ERASER])
    assert eraser["EventInvokeConfig"]["MaximumRetryAttempts"] == 2
    assert ref_target(eraser["DeadLetterQueue"]["TargetArn"]) == "EraseCustomerDLQ"
    alarm = props(resources["EraseCustomerDLQAlarm"])
    assert ref_target(alarm["Dimensions"][0]["Value"]) == "EraseCustomerDLQ"
    assert alarm["AlarmActions"]


def test_function_policies_are_explicit_statements(resources: dict[str, Any]) -> None:
    # Managed policies and SAM policy templates (e.g. DynamoDBCrudPolicy adds Scan and
    # DeleteItem) grant more than a function needs; write the actions out instead.
    for name, function in of_type(resources, FUNCTION).items():
        for policy in props(function).get("Policies", []):
            assert isinstance(policy, dict) and "Statement" in policy, (
                f"{name}: use explicit statements, not {policy}"
            )


# -------------------------------------------------------------------------- secrets

SECRETISH_NAME = re.compile(r"SECRET|TOKEN|PASSWORD|PASSWD|API_KEY|PRIVATE|CREDENTIAL")
SECRETISH_VALUE = re.compile(r"[A-Za-z0-9+/=_\-]{24,}")


def test_secrets_reach_functions_only_as_arns(
    template: dict[str, Any], resources: dict[str, Any]
) -> None:
    for name, function in of_type(resources, FUNCTION).items():
        env = function_env(template, function)
        granted = {
            ref_target(r)
            for policy in props(function).get("Policies", [])
            if isinstance(policy, dict)
            for s in statements(policy.get("Statement", []))
            if "secretsmanager:GetSecretValue" in as_list(s["Action"])
            for r in as_list(s["Resource"])
        }
        for var, value in env.items():
            if SECRETISH_NAME.search(var):
                assert var.endswith("_SECRET_ARN"), f"{name}.{var}: secrets go in as *_SECRET_ARN"
            if var.endswith("_SECRET_ARN"):
                target = ref_target(value)
                assert target in resources and resources[target]["Type"] == SECRET, (
                    f"{name}.{var} must be !Ref to a Secrets Manager secret"
                )
                assert target in granted, f"{name} cannot read {target}"
        secret_vars = {ref_target(v) for k, v in env.items() if k.endswith("_SECRET_ARN")}
        assert granted <= secret_vars, f"{name} may read secrets it is not given: {granted}"


def test_no_env_var_holds_a_literal_secret(
    template: dict[str, Any], resources: dict[str, Any]
) -> None:
    for name, function in of_type(resources, FUNCTION).items():
        for var, value in function_env(template, function).items():
            if isinstance(value, str):
                assert not SECRETISH_VALUE.search(value), f"{name}.{var} looks like a secret"


def test_secrets_ship_only_placeholders(resources: dict[str, Any]) -> None:
    secrets = of_type(resources, SECRET)
    assert secrets
    for name, secret in secrets.items():
        p = props(secret)
        assert p.get("Description"), f"{name}: tell the operator what to fill in"
        assert "GenerateSecretString" in p or "SecretString" in p, name
        if "SecretString" in p:
            values = _leaves(json.loads(p["SecretString"]))
            assert values and all(v.startswith("REPLACE") for v in values), name


def _leaves(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [leaf for v in node.values() for leaf in _leaves(v)]
    return [str(node)]


# ----------------------------------------------------------------- API and outputs


def test_webhook_routes_and_urls(template: dict[str, Any], resources: dict[str, Any]) -> None:
    routes = {
        (e["Properties"]["Method"].upper(), e["Properties"]["Path"], name)
        for name, f in of_type(resources, FUNCTION).items()
        for e in props(f).get("Events", {}).values()
        if e["Type"] == "HttpApi"
    }
    assert {
        ("GET", "/webhooks/x", "IngestXFunction"),
        ("POST", "/webhooks/x", "IngestXFunction"),
        ("POST", "/webhooks/vk", "IngestVkFunction"),
        ("GET", "/webhooks/meta", "IngestMetaFunction"),
        ("POST", "/webhooks/meta", "IngestMetaFunction"),
        ("POST", "/webhooks/telegram", "IngestTelegramFunction"),
    } <= routes
    api = props(resources["HttpApi"])
    assert ref_target(api["AccessLogSettings"]["DestinationArn"]) == "HttpApiAccessLogs"
    assert api["DefaultRouteSettings"]["ThrottlingRateLimit"] > 0
    outputs = template["Outputs"]
    assert outputs["XWebhookUrl"]["Value"]["Fn::Sub"].endswith("/webhooks/x")
    assert outputs["VkWebhookUrl"]["Value"]["Fn::Sub"].endswith("/webhooks/vk")
    assert outputs["MetaWebhookUrl"]["Value"]["Fn::Sub"].endswith("/webhooks/meta")


def test_email_subscriptions_are_optional(resources: dict[str, Any]) -> None:
    subscriptions = of_type(resources, "AWS::SNS::Subscription")
    expected = {
        "OpsAlertEmailSubscription": ("HasOpsAlertEmail", "OpsAlertTopic"),
        "EscalationEmailSubscription": ("HasManagersEmail", "EscalationTopic"),
    }
    subscriptions.pop("EscalationSlackSubscription")  # the Slack poster's queue: always
    assert set(subscriptions) == set(expected)
    for name, sub in subscriptions.items():
        condition, topic = expected[name]
        assert sub.get("Condition") == condition, name
        assert ref_target(props(sub)["TopicArn"]) == topic
    # Managers get escalations; deadline warnings are for the agents' threads.
    managers = props(subscriptions["EscalationEmailSubscription"])
    assert managers["FilterPolicy"] == {"kind": ["overdue", "priority", "spike", "requested"]}


def test_the_clock_machine_invokes_only_the_clock_task_and_is_started_by_classify(
    resources: dict[str, Any],
) -> None:
    machine = props(resources["ClockStateMachine"])
    definition = json.loads((ROOT / machine["DefinitionUri"]).read_text())
    assert "QueryLanguage" not in definition  # JSONPath: moto runs no JSONata
    task = definition["States"]["RunStep"]
    assert task["Retry"] and task["Retry"][0]["BackoffRate"] > 1
    [statement] = machine["Policies"][0]["Statement"]
    assert statement["Action"] == "lambda:InvokeFunction"
    classify = props(resources["ClassifyMessageFunction"])["Policies"][0]["Statement"]
    start = next(s for s in classify if s["Action"] == "states:StartExecution")
    assert ref_target(start["Resource"]) == "ClockStateMachine"


# ------------------------------------------------------------------------ translate


def test_template_translates_offline(translated: dict[str, Any]) -> None:
    cfn = translated["Resources"]
    assert "Transform" not in translated
    assert not [r for r in cfn.values() if r["Type"].startswith("AWS::Serverless::")]
    assert cfn["IngestXFunction"]["Type"] == "AWS::Lambda::Function"
    assert cfn["IngestXFunction"]["Properties"]["Architectures"] == ["arm64"]
    assert len(cfn["IngestXFunction"]["Properties"]["Layers"]) == 3


def test_the_deps_layer_installs_what_pyproject_declares() -> None:
    from socialcare_tools.layer_requirements import render

    root = Path(__file__).resolve().parents[2]
    current = (root / "layers" / "deps" / "requirements.txt").read_text()
    assert current == render(root / "pyproject.toml"), "run `make layer-requirements`"


def test_the_report_layer_installs_the_reports_extra() -> None:
    from socialcare_tools.layer_requirements import render

    root = Path(__file__).resolve().parents[2]
    current = (root / "layers" / "reports" / "requirements.txt").read_text()
    assert current == render(root / "pyproject.toml", "reports"), "run `make layer-requirements`"


def test_reports_tick_hourly_retry_then_wait_in_a_watched_dlq_and_send_only_as_the_identity(
    resources: dict[str, Any], translated: dict[str, Any]
) -> None:
    report = props(resources["ReportFunction"])
    tick = report["Events"]["HourlyTick"]
    assert tick["Type"] == "ScheduleV2"
    assert tick["Properties"]["ScheduleExpression"] == "cron(0 * * * ? *)"
    assert report["EventInvokeConfig"]["MaximumRetryAttempts"] == 2
    assert ref_target(report["DeadLetterQueue"]["TargetArn"]) == "ReportDLQ"
    assert ref_target(props(resources["ReportDLQAlarm"])["Dimensions"][0]["Value"]) == "ReportDLQ"
    [guarded] = [s for s in report["Policies"][0]["Statement"] if "ses:SendRawEmail" in str(s)]
    condition, ses, otherwise = guarded["Fn::If"]
    assert "identity/${ReportSenderIdentity}" in str(ses["Resource"])
    # no identity, no permission at all (not one on the ARN "identity/")
    assert condition == "HasReportSender" and otherwise == {"Ref": "AWS::NoValue"}
    # Only the report function carries the report layer (matplotlib): the others stay lean.
    carriers = [
        name
        for name, resource in translated["Resources"].items()
        if resource["Type"] == "AWS::Lambda::Function"
        and "ReportDepsLayer" in str(resource["Properties"].get("Layers"))
    ]
    assert carriers == ["ReportFunction"]


def test_the_reply_sweeper_ticks_reads_only_its_index_and_waits_in_a_watched_dlq(
    resources: dict[str, Any],
) -> None:
    sweeper = props(resources["SweepRepliesFunction"])
    tick = sweeper["Events"]["Tick"]
    assert tick["Type"] == "ScheduleV2"
    assert tick["Properties"]["ScheduleExpression"] == "rate(5 minutes)"
    assert sweeper["EventInvokeConfig"]["MaximumRetryAttempts"] == 2
    assert ref_target(sweeper["DeadLetterQueue"]["TargetArn"]) == "SweepRepliesDLQ"
    alarm = props(resources["SweepRepliesDLQAlarm"])
    assert ref_target(alarm["Dimensions"][0]["Value"]) == "SweepRepliesDLQ"
    statements = sweeper["Policies"][0]["Statement"]
    actions = {
        a
        for s in statements
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert actions == {
        "secretsmanager:GetSecretValue",
        "dynamodb:Query",
        "dynamodb:GetItem",
        "dynamodb:UpdateItem",
        "sqs:SendMessage",
    }
    [query] = [s for s in statements if s["Action"] == "dynamodb:Query"]
    assert "/index/PendingReplies" in str(query["Resource"])
    unrecovered = props(resources["RepliesUnrecoveredAlarm"])
    assert unrecovered["MetricName"] == "RepliesUnrecovered"
    assert unrecovered["Dimensions"] == [{"Name": "service", "Value": "sweep-replies"}]


def test_mentions_are_queued_by_the_meta_webhook_and_read_with_the_publishing_tokens_only(
    resources: dict[str, Any],
) -> None:
    """The webhook holds no account token: it queues the mention's ids; the reader reads the
    tokens, stores like the webhooks (no delete, no query) and sends only to classification."""
    webhook = props(resources["IngestMetaFunction"])
    assert ref_target(webhook["Environment"]["Variables"]["MENTION_QUEUE_URL"]) == "MentionQueue"
    [send] = [s for s in webhook["Policies"][0]["Statement"] if s["Sid"] == "MentionQueueSend"]
    assert ref_target(send["Resource"]) == "MentionQueue"
    assert "PublishingSecret" not in str(webhook["Policies"])
    reader = props(resources["ReadMentionsFunction"])
    statements = {s["Sid"]: s for s in reader["Policies"][0]["Statement"]}
    assert ref_target(statements["MetaTokensReadForMentions"]["Resource"]) == "PublishingSecret"
    assert statements["ConversationsTableReadWrite"]["Action"] == [
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
    ]
    assert ref_target(statements["ClassifyQueueSend"]["Resource"]) == "ClassifyQueue"
    assert ref_target(statements["MentionQueueConsume"]["Resource"]) == "MentionQueue"
    source = props(resources["ReadMentionsEventSource"])
    assert ref_target(source["EventSourceArn"]) == "MentionQueue"
    assert source["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_telegram_tokens_reach_only_its_webhook_and_the_outbox_which_sends_at_a_bounded_rate(
    resources: dict[str, Any],
) -> None:
    """The bot tokens are in the Telegram secret: its webhook (getBusinessConnection) and the
    outbox read it, nothing else. The outbox's senders are capped, so together they stay under
    Telegram's ~30 messages a second per bot."""
    readers = {
        name
        for name, resource in resources.items()
        if resource["Type"] == "AWS::Serverless::Function"
        and "TelegramBotSecret" in str(props(resource).get("Policies"))
    }
    assert readers == {"IngestTelegramFunction", "SendReplyFunction"}
    webhook = props(resources["IngestTelegramFunction"])
    statements = {s["Sid"]: s for s in webhook["Policies"][0]["Statement"]}
    assert ref_target(statements["DeskQueueSend"]["Resource"]) == "DeskQueue"
    assert statements["ConversationsTableReadWrite"]["Action"] == [
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
    ]
    source = props(resources["SendReplyEventSource"])
    assert 2 <= source["ScalingConfig"]["MaximumConcurrency"] <= 5


def test_reports_may_query_both_day_indexes(resources: dict[str, Any]) -> None:
    # The e-mailed report and /care report read days, never a conversation's partition: a
    # grant that lost an index would fail in AWS only (moto checks no IAM).
    for name in ("ReportFunction", "SlackDeskFunction"):
        statements = props(resources[name])["Policies"][0]["Statement"]
        queries = [s for s in statements if "dynamodb:Query" in str(s.get("Action"))]
        resources_named = " ".join(str(s["Resource"]) for s in queries)
        assert "/index/ByDay" in resources_named, name
        assert "/index/ByActivityDay" in resources_named, name


# ------------------------------------------------------------------ two stacks, one account

# The properties that must be unique in an account and region, per resource type (after
# SAM's transform, so that the schedules SAM creates from function events are included).
ACCOUNT_UNIQUE_NAMES = {
    "AWS::SecretsManager::Secret": "Name",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::SQS::Queue": "QueueName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::Scheduler::Schedule": "Name",
    "AWS::SNS::Topic": "TopicName",
    "AWS::DynamoDB::Table": "TableName",
    "AWS::StepFunctions::StateMachine": "StateMachineName",
    "AWS::CloudWatch::Alarm": "AlarmName",
}


def _rendered(value: Any, stack: str, stage: str) -> str | None:
    """A name as CloudFormation would write it for ``stack``; None when CloudFormation
    generates it from the stack (no name given, or a reference to another resource)."""
    if value is None or (isinstance(value, dict) and ("Ref" in value or "Fn::GetAtt" in value)):
        return None
    text = value["Fn::Sub"] if isinstance(value, dict) else value
    assert isinstance(text, str), f"a name built in a way this test cannot read: {value}"
    return text.replace("${AWS::StackName}", stack).replace("${Stage}", stage)


def test_two_stacks_in_one_account_never_name_a_resource_alike(
    translated: dict[str, Any],
) -> None:
    """socialcare-dev and socialcare-prod (infra/samconfig.toml) in one account and region,
    even with one Stage: every name given must differ (SAM names a schedule after its logical
    id unless told otherwise, and the second deploy failed with "already exists")."""
    names: dict[str, set[str]] = {}
    for stack in ("socialcare-dev", "socialcare-prod"):
        found = set()
        for resource in translated["Resources"].values():
            prop = ACCOUNT_UNIQUE_NAMES.get(resource["Type"])
            if prop is None:
                continue
            name = _rendered(resource.get("Properties", {}).get(prop), stack, "prod")
            if name is not None:
                found.add(f"{resource['Type']} {name}")
        names[stack] = found
    assert names["socialcare-dev"], "no named resource found: the test reads nothing"
    assert names["socialcare-dev"].isdisjoint(names["socialcare-prod"]), sorted(
        names["socialcare-dev"] & names["socialcare-prod"]
    )


def test_the_functions_that_post_bursts_to_one_slack_channel_are_bounded(
    resources: dict[str, Any],
) -> None:
    """Slack takes about one message a second per channel: the card poster and the
    escalation poster never run more than two at once."""
    cards = props(resources["SlackThreadEventSource"])
    assert cards["ScalingConfig"] == {"MaximumConcurrency": 2}
    escalations = props(resources["EscalationSlackEventSource"])
    assert escalations["ScalingConfig"] == {"MaximumConcurrency": 2}


def test_escalations_reach_slack_through_a_queue_read_a_minute_at_a_time(
    resources: dict[str, Any],
) -> None:
    """A burst of breaches is read in batches (a minute's worth) and posted as digests;
    what Slack refuses comes again, then waits in the dead-letter queue, alarmed."""
    source = props(resources["EscalationSlackEventSource"])
    assert ref_target(source["EventSourceArn"]) == "EscalationSlackQueue"
    assert ref_target(source["FunctionName"]) == "EscalationSlackFunction"
    assert source["MaximumBatchingWindowInSeconds"] == 60 and source["BatchSize"] >= 50
    assert source["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    subscription = props(resources["EscalationSlackSubscription"])
    assert subscription["Protocol"] == "sqs" and subscription["RawMessageDelivery"] is True
    assert ref_target(subscription["TopicArn"]) == "EscalationTopic"
    queue = props(resources["EscalationSlackQueue"])
    assert ref_target(queue["RedrivePolicy"]["deadLetterTargetArn"]) == "EscalationSlackDLQ"
    [allow, deny] = props(resources["EscalationSlackQueuePolicy"])["PolicyDocument"]["Statement"]
    assert allow["Principal"] == {"Service": "sns.amazonaws.com"}
    assert ref_target(allow["Condition"]["ArnEquals"]["aws:SourceArn"]) == "EscalationTopic"
    assert deny["Effect"] == "Deny" and deny["Condition"]["Bool"]["aws:SecureTransport"] == "false"


def test_functions_run_on_a_supported_runtime_with_layers_built_for_it(
    template: dict[str, Any], resources: dict[str, Any]
) -> None:
    """python3.11 (Amazon Linux 2) was deprecated on 2026-06-30; python3.13 runs on Amazon
    Linux 2023. Every layer is made for that runtime and its wheels are fetched for it, and
    no function needs that Python to be built (each copies its code with its Makefile)."""
    assert template["Globals"]["Function"]["Runtime"] == "python3.13"
    for name, layer in of_type(resources, "AWS::Serverless::LayerVersion").items():
        assert props(layer)["CompatibleRuntimes"] == ["python3.13"], name
    for directory in ("layers/deps", "layers/reports"):
        assert "--python-version 3.13" in (ROOT / directory / "Makefile").read_text()
    for name, function in of_type(resources, FUNCTION).items():
        assert function["Metadata"]["BuildMethod"] == "makefile", name
        makefile = ROOT / props(function)["CodeUri"] / "Makefile"
        assert 'cp *.py "$(ARTIFACTS_DIR)/"' in makefile.read_text(), name
