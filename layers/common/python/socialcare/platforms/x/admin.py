"""What X's webhook and X Activity API endpoints answer (adapters/x_admin.py calls them):
the shapes the setup and health services read, apart from the HTTP client."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class _Strictish(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Webhook(_Strictish):
    id: str = Field(min_length=1)
    url: str
    valid: bool
    created_at: datetime | None = None


class SubscriptionFilter(_Strictish):
    user_id: str = Field(min_length=1)
    direction: str | None = None


class Subscription(_Strictish):
    subscription_id: str = Field(min_length=1)
    event_type: str = Field(min_length=1)
    filter: SubscriptionFilter
    tag: str | None = None
    webhook_id: str | None = None
