"""Slack -> the desk: Events API, interactivity and /care behind POST /slack/events.

slack_bolt verifies every request's signature and timestamp (a forged or stale one gets 401)
and, with process_before_response=True, finishes each listener before it answers Slack, as a
Lambda function must. The app's token and signing secret come from Secrets Manager once per
cold start."""

from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from slack_bolt import Ack, App
from slack_bolt.adapter.aws_lambda import SlackRequestHandler
from slack_sdk import WebClient

from socialcare.adapters.dynamodb import DynamoConversationStore
from socialcare.adapters.secrets import secret_reader
from socialcare.config import load_brands
from socialcare.observability import logger
from socialcare.settings import SlackSettings, load_settings
from socialcare.slack.desk import DeskDeps, care
from socialcare.slack.secrets import SlackSecrets


def build_app(secrets: SlackSecrets, deps: DeskDeps, api_url: str | None = None) -> App:
    client = WebClient(
        token=secrets.bot_token.get_secret_value(), base_url=api_url or WebClient.BASE_URL
    )
    app = App(
        client=client,
        signing_secret=secrets.signing_secret.get_secret_value(),
        process_before_response=True,
        token_verification_enabled=False,  # no auth.test call on every cold start
    )

    @app.command("/care")
    def care_command(ack: Ack, command: dict[str, Any]) -> None:
        answer = care(str(command.get("text", "")), str(command.get("channel_id", "")), deps)
        ack(response_type="ephemeral", text=answer)

    return app


@cache
def handler() -> SlackRequestHandler:
    settings = load_settings(SlackSettings)
    secrets = secret_reader(
        settings.SLACK_SECRET_ARN, SlackSecrets, settings.SECRETS_MAX_AGE_SECONDS
    )
    deps = DeskDeps(
        store=DynamoConversationStore(settings.TABLE_NAME), brands=load_brands(settings.BRANDS_DIR)
    )
    return SlackRequestHandler(build_app(secrets(), deps, settings.SLACK_API_URL or None))


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response: dict[str, Any] = handler().handle(event, context)
    return response
