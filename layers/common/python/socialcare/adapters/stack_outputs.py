"""A deployed stack's CloudFormation outputs (the CLI's way to find an AWS stack's parts)."""

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from socialcare.errors import ConfigurationError


def stack_outputs(stack: str) -> dict[str, str]:
    try:
        found = boto3.client("cloudformation").describe_stacks(StackName=stack)["Stacks"]
    except (BotoCoreError, ClientError) as exc:
        raise ConfigurationError(f"cannot read stack {stack}: {type(exc).__name__}") from None
    outputs = found[0].get("Outputs", []) if found else []
    return {o["OutputKey"]: o["OutputValue"] for o in outputs}
