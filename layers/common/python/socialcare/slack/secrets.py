"""The Slack app's secret in Secrets Manager:
``{"bot_token": "xoxb-...", "signing_secret": "..."}``."""

from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, SecretStr

from socialcare.platforms.parsing import not_a_placeholder


class SlackSecrets(BaseModel):
    bot_token: Annotated[SecretStr, AfterValidator(not_a_placeholder)] = Field(min_length=1)
    signing_secret: Annotated[SecretStr, AfterValidator(not_a_placeholder)] = Field(min_length=1)
