"""Environment settings as validated models: a missing variable fails the cold start."""

import os
from functools import cache
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from socialcare.errors import ConfigurationError

DEFAULT_MAX_BODY_BYTES = 256 * 1024  # largest real payloads (X batches) are a few KiB


class Settings(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class IngestSettings(Settings):
    TABLE_NAME: str
    CLASSIFY_QUEUE_URL: str
    BRANDS_DIR: Path
    MAX_BODY_BYTES: int = Field(default=DEFAULT_MAX_BODY_BYTES, gt=0)
    SECRETS_MAX_AGE_SECONDS: int = Field(default=300, ge=0)


class ClassifySettings(Settings):
    TABLE_NAME: str
    BRANDS_DIR: Path
    MODELS_DIR: Path | None = None  # unset: the models shipped in the package
    CLOCK_STATE_MACHINE_ARN: str | None = None  # unset: no reply clocks are started
    ESCALATION_TOPIC_ARN: str | None = None  # unset: no priority-1 or spike escalations
    DESK_QUEUE_URL: str | None = None  # unset: nothing goes to the Slack desk


class ClockTaskSettings(Settings):
    TABLE_NAME: str
    ESCALATION_TOPIC_ARN: str


class SlackSettings(Settings):
    """Every function that talks to Slack: the desk, the thread poster, the escalation poster."""

    TABLE_NAME: str
    BRANDS_DIR: Path
    SLACK_SECRET_ARN: str
    SLACK_API_URL: str | None = None  # unset or empty: Slack itself
    SECRETS_MAX_AGE_SECONDS: int = Field(default=300, ge=0)


class DeskSettings(SlackSettings):
    """The Slack desk: it also queues replies and may call the managers."""

    OUTBOX_QUEUE_URL: str
    ESCALATION_TOPIC_ARN: str | None = None  # unset: the Escalate button says so
    ERASE_FUNCTION_NAME: str | None = None  # unset or empty: /care forget says it is not set up


class SweepSettings(SlackSettings):
    """The reply sweeper: it puts stuck replies into the outbox again and tells the thread."""

    OUTBOX_QUEUE_URL: str


class ThreadSettings(SlackSettings):
    """The desk poster: Slack, and Meta's profiles for the cards of direct messages."""

    PUBLISHING_SECRET_ARN: str | None = None  # unset: Meta customers are named by their id
    META_API_URL: str | None = None  # unset or empty: Meta's Graph API itself


class SendSettings(SlackSettings):
    """The outbox's sender: it posts on the platforms and reports back in Slack."""

    PUBLISHING_SECRET_ARN: str
    OUTBOX_QUEUE_URL: str
    OUTBOX_MAX_RECEIVES: int = Field(default=10, gt=0)  # the queue's maxReceiveCount
    X_API_URL: str | None = None  # unset or empty: X itself (a local stand-in otherwise)
    VK_API_URL: str | None = None  # unset or empty: VK itself
    META_API_URL: str | None = None  # unset or empty: Meta's Graph API itself
    TELEGRAM_SECRET_ARN: str | None = None  # the bots' tokens (unset: no Telegram replies)
    TELEGRAM_API_URL: str | None = None  # unset or empty: Telegram's Bot API itself


class ReportSettings(Settings):
    TABLE_NAME: str
    BRANDS_DIR: Path


class XIngestSettings(IngestSettings):
    X_SECRET_ARN: str  # an ARN, never the secret
    DESK_QUEUE_URL: str | None = None  # unset: deletions are marked, the desk is not told


class XHealthSettings(Settings):
    """The X webhook health check: X's webhooks, the stored events, the brands."""

    TABLE_NAME: str
    BRANDS_DIR: Path
    X_SECRET_ARN: str
    X_API_URL: str | None = None  # unset or empty: X itself (a local stand-in otherwise)
    GAP_FILL_FUNCTION: str | None = None  # unset: outages are logged, not filled


class VkIngestSettings(IngestSettings):
    VK_SECRET_ARN: str


class MetaIngestSettings(IngestSettings):
    META_SECRET_ARN: str
    DESK_QUEUE_URL: str | None = None  # unset: replies given outside are kept, not shown
    MENTION_QUEUE_URL: str | None = None  # unset: Instagram mentions are logged, not read


class TelegramIngestSettings(IngestSettings):
    TELEGRAM_SECRET_ARN: str  # each bot's token and webhook secret token
    DESK_QUEUE_URL: str | None = None  # unset: edits and deletions are marked, not shown
    TELEGRAM_API_URL: str | None = None  # unset or empty: Telegram's Bot API itself


class MentionSettings(IngestSettings):
    """The mention reader: the Graph API with the account's token, then the intake."""

    PUBLISHING_SECRET_ARN: str
    META_API_URL: str | None = None  # unset or empty: Meta's Graph API itself


class XGapFillSettings(IngestSettings, SlackSettings):
    """The X gap fill: it reads X with the app's token, stores like the webhook, tells Slack."""

    X_SECRET_ARN: str  # the X app secret: its bearer_token
    X_API_URL: str | None = None  # unset or empty: X itself (a local stand-in otherwise)
    X_WEBHOOK_ID: str | None = None  # for replays (brand.yaml x.replay): GET /2/webhooks


S = TypeVar("S", bound=Settings)


@cache
def load_settings(model: type[S]) -> S:
    try:
        return model.model_validate(dict(os.environ))
    except ValidationError as exc:
        missing = ", ".join(str(e["loc"][0]) for e in exc.errors(include_url=False))
        raise ConfigurationError(
            f"{model.__name__}: bad or missing environment: {missing}"
        ) from exc
