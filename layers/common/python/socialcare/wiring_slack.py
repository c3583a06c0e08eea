"""Wiring for the functions that talk to Slack (kept apart from socialcare.wiring so the
webhooks never import slack_sdk)."""

from socialcare.adapters.secrets import secret_reader
from socialcare.adapters.slack import SlackPoster
from socialcare.settings import SlackSettings
from socialcare.slack.secrets import SlackSecrets


def slack_poster(settings: SlackSettings) -> SlackPoster:
    secrets = secret_reader(
        settings.SLACK_SECRET_ARN, SlackSecrets, settings.SECRETS_MAX_AGE_SECONDS
    )
    return SlackPoster(secrets, settings.SLACK_API_URL or None)
