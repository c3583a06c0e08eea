"""X gap fill after an outage (services/x_gap_fill), invoked asynchronously:

* ``{"brand", "account_id", "from", "to", "reason"}``: fill that window (``from``/``to``:
  ISO 8601 with a zone, or X's ``yyyymmddhhmm`` in UTC), by the webhook health check or by
  hand (``socialcare x gapfill``);
* ``{}`` (the daily schedule, just after 00:00 UTC when the read budgets renew): resume every
  window a read cap stopped.

A failure fails the invocation: Lambda retries it twice, then the event waits in the gap
fill's dead-letter queue (alarmed). A retry is safe: what was stored is absorbed as a
duplicate, and the read budget only counts what X returned.
"""

from datetime import UTC, datetime
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from socialcare.adapters.secrets import secret_reader
from socialcare.adapters.x_gap_store import DynamoGapFillStore
from socialcare.adapters.x_timeline import TweepyMentions, XAppToken, XWebhookReplay
from socialcare.config import load_brands
from socialcare.errors import MalformedPayload
from socialcare.observability import logger, metrics
from socialcare.services.x_gap_fill import GapFillDeps, Window, fill, resume_all
from socialcare.settings import XGapFillSettings, load_settings
from socialcare.wiring import ingest_deps
from socialcare.wiring_slack import slack_poster


class GapFillRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    brand: str = Field(min_length=1)
    account_id: str = Field(pattern=r"^[0-9]{1,25}$")
    start: datetime = Field(alias="from")
    end: datetime = Field(alias="to")
    reason: str = Field(default="", max_length=200)

    @field_validator("start", "end", mode="before")
    @classmethod
    def _x_minutes(cls, value: Any) -> Any:
        """X's own ``yyyymmddhhmm`` (UTC) as well as ISO 8601."""
        if isinstance(value, str) and len(value) == 12 and value.isdigit():
            return datetime.strptime(value, "%Y%m%d%H%M").replace(tzinfo=UTC)
        return value

    def window(self) -> Window:
        return Window(self.brand, self.account_id, self.start, self.end, reason=self.reason)


@cache
def build_deps() -> GapFillDeps:
    settings = load_settings(XGapFillSettings)
    token = secret_reader(settings.X_SECRET_ARN, XAppToken, settings.SECRETS_MAX_AGE_SECONDS)
    x_url = settings.X_API_URL or None
    return GapFillDeps(
        ingest=ingest_deps(settings),
        brands=load_brands(settings.BRANDS_DIR),
        store=DynamoGapFillStore(settings.TABLE_NAME),
        mentions=TweepyMentions(token, x_url),
        replay=XWebhookReplay(token, settings.X_WEBHOOK_ID or None, x_url),
        slack=slack_poster(settings),
    )


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(
    event: dict[str, Any], context: LambdaContext, deps: GapFillDeps | None = None
) -> dict[str, Any]:
    wired = deps or build_deps()
    if not event:
        return {"results": [r.summary() for r in resume_all(wired)]}
    try:
        request = GapFillRequest.model_validate(event)
    except ValidationError as exc:
        fields = ", ".join(".".join(map(str, e["loc"])) for e in exc.errors())
        raise MalformedPayload(f"a gap fill needs brand, account_id, from, to: {fields}") from None
    logger.info("X gap fill asked", extra={"reason": request.reason})
    return {"results": [fill(request.window(), wired).summary()]}
