"""Deploy the real ``template.yaml`` into the embedded AWS.

The resources come from the template, never from a second list: aws-sam-translator turns
it into CloudFormation exactly as ``sam deploy`` would, moto's CloudFormation creates it,
and this module fills what moto skips (aws-local.md §6): secrets (with local values),
SNS subscriptions, TTL, state machines (recreated so they execute, with their
substitutions), and the environment variables that pointed at skipped resources.
What the functions need to run here (code folder, handler, environment, HTTP routes,
queue event sources, schedules) is read from the same template.
"""

import copy
import io
import json
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

from socialcare_tools import local_secrets as local

ARTIFACTS = "local-artifacts"
ACCOUNT = "123456789012"
LOCAL_SECRET_VALUES: dict[str, dict[str, Any]] = {
    "XWebhookSecret": local.X_SECRET_VALUE,
    "VkCallbackSecret": local.VK_SECRET_VALUE,
    "MetaWebhookSecret": local.META_SECRET_VALUE,
    "TelegramBotSecret": local.TELEGRAM_SECRET_VALUE,
    "SlackAppSecret": local.SLACK_SECRET_VALUE,
    "PublishingSecret": local.PUBLISHING_SECRET_VALUE,
}


class _NoIamPolicyLoader:
    """SAM resolves managed policy names from its bundled list; nothing to fetch offline."""

    def load(self) -> dict[str, str]:
        return {}


@dataclass(frozen=True)
class HttpRoute:
    method: str
    path: str  # as in the template: /webhooks/{platform}


@dataclass
class QueueSource:
    queue_logical_id: str
    queue_url: str
    batch_size: int
    report_failures: bool
    visibility_timeout: int
    batching_window: float = 0.0  # MaximumBatchingWindowInSeconds: wait to fill a batch


@dataclass
class FunctionSpec:
    logical_id: str
    name: str  # the physical name moto gave it
    code_dir: Path
    handler: str  # module.function
    environment: dict[str, str]
    timeout: int
    routes: list[HttpRoute] = field(default_factory=list)
    queues: list[QueueSource] = field(default_factory=list)
    schedules: list[str] = field(default_factory=list)
    schedule_zones: dict[str, str] = field(default_factory=dict)  # expression -> IANA zone
    reserved_concurrency: int | None = None  # ReservedConcurrentExecutions, when set


@dataclass
class Deployment:
    stack: str
    parameters: dict[str, str]
    physical: dict[str, str]  # logical id -> physical id (queue URL, table name, ARN…)
    functions: dict[str, FunctionSpec]
    secrets: dict[str, str]  # logical id -> ARN
    outputs: dict[str, str]


def _placeholder_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "# code runs in-process, see socialcare_tools.local.runtime\n")
    return buffer.getvalue()


def _for_translation(sam: dict[str, Any], root: Path) -> dict[str, Any]:
    """Local paths become the s3:// URIs the translator insists on; ASL files are inlined."""
    prepared = copy.deepcopy(sam)
    for logical_id, resource in prepared["Resources"].items():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::Serverless::Function":
            props["CodeUri"] = f"s3://{ARTIFACTS}/{logical_id}.zip"
        elif resource["Type"] == "AWS::Serverless::LayerVersion":
            props["ContentUri"] = f"s3://{ARTIFACTS}/{logical_id}.zip"
        elif resource["Type"] == "AWS::Serverless::StateMachine" and "DefinitionUri" in props:
            props["Definition"] = json.loads((root / props.pop("DefinitionUri")).read_text())
    return prepared


def _sub(text: str, values: dict[str, str]) -> str:
    return re.sub(r"\$\{([^}!]+)\}", lambda m: values.get(m.group(1), m.group(0)), text)


class Resolver:
    """Just enough of CloudFormation's intrinsics for what moto leaves unresolved."""

    def __init__(self, deployment: Deployment, types: dict[str, str] | None = None) -> None:
        self.d = deployment
        self.types = types or {}  # logical id -> resource type
        self.values = {
            **deployment.parameters,
            **deployment.physical,
            **deployment.secrets,
            "AWS::StackName": deployment.stack,
            "AWS::Region": boto3.session.Session().region_name or "eu-west-1",
            "AWS::AccountId": ACCOUNT,
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::Partition": "aws",
        }

    def __call__(self, value: Any) -> Any:
        if isinstance(value, dict) and len(value) == 1:
            ((fn, arg),) = value.items()
            if fn == "Ref":
                return self.values.get(arg)
            if fn == "Fn::GetAtt":
                logical, attr = arg if isinstance(arg, list) else arg.split(".", 1)
                return self._attribute(logical, attr)
            if fn == "Fn::Join":
                separator, parts = arg
                return separator.join(str(self(part)) for part in parts)
            if fn == "Fn::Sub":
                text, extra = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
                return _sub(text, self.values | {k: str(self(v)) for k, v in extra.items()})
        return value

    def _attribute(self, logical: str, attr: str) -> str | None:
        physical = self.d.physical.get(logical) or self.d.secrets.get(logical)
        if physical is None:
            return None
        if physical.startswith("http") and "/" in physical:  # an SQS queue URL
            name = physical.rsplit("/", 1)[1]
            return {"QueueName": name, "Arn": f"arn:aws:sqs:eu-west-1:{ACCOUNT}:{name}"}.get(attr)
        function = self.types.get(logical) == "AWS::Lambda::Function"
        if attr == "Arn" and function and not physical.startswith("arn:"):
            # SNS subscribes a function by its ARN (moto splits it to find the region)
            return f"arn:aws:lambda:{self.values['AWS::Region']}:{ACCOUNT}:function:{physical}"
        return physical


def deploy(
    template_path: Path, stack: str = "socialcare-local", parameters: dict[str, str] | None = None
) -> Deployment:
    with warnings.catch_warnings():
        # moto names each resource type it skips, on every read; this module fills the gaps.
        warnings.filterwarnings("ignore", message=".*moto's CloudFormation|No Moto CloudFormation")
        return _deploy(template_path, stack, parameters)


def _deploy(template_path: Path, stack: str, parameters: dict[str, str] | None) -> Deployment:
    root = template_path.parent
    sam = yaml_parse(template_path.read_text())
    params = {"Stage": "local"} | (parameters or {})
    declared = sam.get("Parameters", {})
    params = {k: v for k, v in params.items() if k in declared}
    cfn = transform(_for_translation(sam, root), params, _NoIamPolicyLoader())

    s3 = boto3.client("s3")
    s3.create_bucket(
        Bucket=ARTIFACTS, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    for logical_id in sam["Resources"]:
        s3.put_object(Bucket=ARTIFACTS, Key=f"{logical_id}.zip", Body=_placeholder_zip())
    cloudformation = boto3.client("cloudformation")
    cloudformation.create_stack(
        StackName=stack,
        TemplateBody=json.dumps(cfn),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in params.items()],
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
    )
    summaries = cloudformation.list_stack_resources(StackName=stack)["StackResourceSummaries"]
    deployment = Deployment(
        stack=stack,
        parameters={k: str(v.get("Default", "")) for k, v in declared.items()} | params,
        physical={r["LogicalResourceId"]: r["PhysicalResourceId"] for r in summaries},
        functions={},
        secrets={},
        outputs={},
    )
    resources = cfn["Resources"]
    _create_secrets(resources, deployment)
    resolve = Resolver(deployment, {lid: r["Type"] for lid, r in resources.items()})
    _fill_gaps(resources, deployment, resolve)
    deployment.functions = _functions(sam, cfn, deployment, resolve, root)
    deployment.outputs = {
        name: str(resolve(out["Value"])) for name, out in cfn.get("Outputs", {}).items()
    }
    return deployment


def _create_secrets(resources: dict[str, Any], deployment: Deployment) -> None:
    client = boto3.client("secretsmanager")
    resolve = Resolver(deployment)
    for logical_id, resource in resources.items():
        if resource["Type"] != "AWS::SecretsManager::Secret":
            continue
        props = resource["Properties"]
        value = LOCAL_SECRET_VALUES.get(logical_id)
        secret = json.dumps(value) if value is not None else props.get("SecretString", "{}")
        name = str(resolve(props.get("Name", logical_id)))
        deployment.secrets[logical_id] = client.create_secret(Name=name, SecretString=secret)["ARN"]


def _subscribe_function_by_arn(
    logical_id: str, props: dict[str, Any], deployment: Deployment, resolve: Resolver
) -> None:
    """moto's CloudFormation subscribes a function by its name; its SNS then fails every
    publish to the topic (it splits the endpoint as an ARN). Subscribe it by ARN instead."""
    sns = boto3.client("sns")
    if existing := deployment.physical.get(logical_id):
        sns.unsubscribe(SubscriptionArn=existing)
    deployment.physical[logical_id] = sns.subscribe(
        TopicArn=resolve(props["TopicArn"]),
        Protocol="lambda",
        Endpoint=str(resolve(props["Endpoint"])),
    )["SubscriptionArn"]


def _fill_gaps(resources: dict[str, Any], deployment: Deployment, resolve: Resolver) -> None:
    for logical_id, resource in resources.items():
        props = resource.get("Properties", {})
        kind = resource["Type"]
        if kind == "AWS::DynamoDB::Table" and "TimeToLiveSpecification" in props:
            boto3.client("dynamodb").update_time_to_live(
                TableName=deployment.physical[logical_id],
                TimeToLiveSpecification=props["TimeToLiveSpecification"],
            )
        elif kind == "AWS::SNS::Subscription" and props.get("Protocol") == "lambda":
            _subscribe_function_by_arn(logical_id, props, deployment, resolve)
        elif kind == "AWS::SNS::Subscription" and logical_id not in deployment.physical:
            if "Condition" in resource:
                continue  # conditions are off with the local parameters (no e-mail)
            arn = boto3.client("sns").subscribe(
                TopicArn=resolve(props["TopicArn"]),
                Protocol=props["Protocol"],
                Endpoint=str(resolve(props["Endpoint"])),
                Attributes={
                    k: (str(v).lower() if isinstance(v, bool) else json.dumps(v))
                    if not isinstance(v, str)
                    else v
                    for k, v in props.items()
                    if k in ("RawMessageDelivery", "FilterPolicy")
                },
            )["SubscriptionArn"]
            deployment.physical[logical_id] = arn
        elif kind == "AWS::StepFunctions::StateMachine":
            _recreate_state_machine(logical_id, props, deployment, resolve)
        elif kind == "AWS::Lambda::EventSourceMapping":
            # moto would invoke one message at a time inside SendMessage and ignore
            # batchItemFailures; our pollers do it the way Lambda does (pollers.py).
            boto3.client("lambda").update_event_source_mapping(
                UUID=deployment.physical[logical_id], Enabled=False
            )


def _recreate_state_machine(
    logical_id: str, props: dict[str, Any], deployment: Deployment, resolve: Resolver
) -> None:
    """moto's CloudFormation puts state machines where they cannot execute: recreate them
    under the same name (so the ARN in every environment is unchanged), substituted."""
    client = boto3.client("stepfunctions")
    arn = deployment.physical[logical_id]
    raw = props.get("DefinitionString") or json.dumps(props.get("Definition", {}))
    definition = str(resolve(raw)) if isinstance(raw, dict) else str(raw)
    substitutions = {
        k: str(resolve(v)) for k, v in props.get("DefinitionSubstitutions", {}).items()
    }
    definition = _sub(definition, substitutions)
    name = arn.rsplit(":", 1)[1]
    existing = {
        m["name"]: m["stateMachineArn"] for m in client.list_state_machines()["stateMachines"]
    }
    if name in existing:
        client.delete_state_machine(stateMachineArn=existing[name])
    created = client.create_state_machine(
        name=name, definition=definition, roleArn=f"arn:aws:iam::{ACCOUNT}:role/local"
    )
    deployment.physical[logical_id] = created["stateMachineArn"]


def _layer_path(value: str, sam: dict[str, Any], root: Path) -> str:
    """``/opt/...`` is where Lambda unpacks layers; locally it is the layer's own folder."""
    if not value.startswith("/opt/"):
        return value
    rest = value.removeprefix("/opt/")
    for resource in sam["Resources"].values():
        if resource["Type"] == "AWS::Serverless::LayerVersion":
            candidate = root / resource["Properties"]["ContentUri"] / rest
            if candidate.exists():
                return str(candidate)
    return value


def _functions(
    sam: dict[str, Any], cfn: dict[str, Any], deployment: Deployment, resolve: Resolver, root: Path
) -> dict[str, FunctionSpec]:
    lam = boto3.client("lambda")
    globals_ = sam.get("Globals", {}).get("Function", {})
    specs: dict[str, FunctionSpec] = {}
    for logical_id, resource in sam["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        props = resource["Properties"]
        name = deployment.physical[logical_id]
        configured = lam.get_function_configuration(FunctionName=name)
        environment = configured.get("Environment", {}).get("Variables", {})
        # moto drops a variable whose !Ref names a resource it skipped: resolve those here.
        wanted = (
            cfn["Resources"][logical_id]["Properties"].get("Environment", {}).get("Variables", {})
        )
        for key, value in wanted.items():
            if key not in environment and resolve(value) is not None:
                environment[key] = str(resolve(value))
        spec = FunctionSpec(
            logical_id=logical_id,
            name=name,
            code_dir=root / props["CodeUri"],
            handler=props.get("Handler", globals_.get("Handler", "app.lambda_handler")),
            environment={k: _layer_path(str(v), sam, root) for k, v in environment.items()},
            timeout=int(props.get("Timeout", globals_.get("Timeout", 3))),
            reserved_concurrency=_reserved_concurrency(props, globals_, resolve),
        )
        for event in props.get("Events", {}).values():
            _attach_event(spec, event, deployment, resolve)
        specs[logical_id] = spec
    for resource in sam["Resources"].values():
        if resource["Type"] == "AWS::Lambda::EventSourceMapping":
            props = resource["Properties"]
            target = (
                props["FunctionName"].get("Ref")
                if isinstance(props["FunctionName"], dict)
                else None
            )
            if target in specs:
                sqs_event = {
                    "Queue": props["EventSourceArn"],
                    "BatchSize": props.get("BatchSize", 10),
                }
                sqs_event["FunctionResponseTypes"] = props.get("FunctionResponseTypes", [])
                if "MaximumBatchingWindowInSeconds" in props:
                    sqs_event["MaximumBatchingWindowInSeconds"] = props[
                        "MaximumBatchingWindowInSeconds"
                    ]
                _attach_event(
                    specs[target], {"Type": "SQS", "Properties": sqs_event}, deployment, resolve
                )
    return specs


def _reserved_concurrency(
    props: dict[str, Any], globals_: dict[str, Any], resolve: Resolver
) -> int | None:
    value = props.get("ReservedConcurrentExecutions", globals_.get("ReservedConcurrentExecutions"))
    resolved = resolve(value) if value is not None else None
    return int(resolved) if resolved is not None and int(resolved) > 0 else None


def _attach_event(
    spec: FunctionSpec, event: dict[str, Any], deployment: Deployment, resolve: Resolver
) -> None:
    kind, props = event["Type"], event.get("Properties", {})
    if kind in ("HttpApi", "Api"):
        spec.routes.append(HttpRoute(method=props.get("Method", "ANY").upper(), path=props["Path"]))
    elif kind == "SQS":
        queue = props["Queue"]
        logical = queue["Fn::GetAtt"][0] if isinstance(queue, dict) else queue
        url = deployment.physical[logical]
        attributes = boto3.client("sqs").get_queue_attributes(
            QueueUrl=url, AttributeNames=["VisibilityTimeout"]
        )
        spec.queues.append(
            QueueSource(
                queue_logical_id=logical,
                queue_url=url,
                batch_size=int(props.get("BatchSize", 10)),
                report_failures="ReportBatchItemFailures" in props.get("FunctionResponseTypes", []),
                visibility_timeout=int(attributes["Attributes"]["VisibilityTimeout"]),
                batching_window=float(props.get("MaximumBatchingWindowInSeconds", 0)),
            )
        )
    elif kind in ("Schedule", "ScheduleV2"):
        expression = str(
            resolve(props["Schedule"] if kind == "Schedule" else props["ScheduleExpression"])
        )
        spec.schedules.append(expression)
        if props.get("ScheduleExpressionTimezone"):
            spec.schedule_zones[expression] = str(resolve(props["ScheduleExpressionTimezone"]))
