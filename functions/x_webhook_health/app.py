"""Every 15 minutes (EventBridge Scheduler): X's webhooks valid (revalidated once per run
when not) and each X support account's silence measured (services/x_health). Also, through
SNS, the alarm on our own 503 answers to X: when it clears, the outage goes to the gap fill
(services/x_delivery_outage). A failure fails the invocation: Lambda retries it twice, then
the event waits in the function's dead-letter queue (alarmed); the next tick looks again
anyway."""

from functools import cache
from typing import Any, cast

from aws_lambda_powertools.utilities.parser import envelopes, parse
from aws_lambda_powertools.utilities.typing import LambdaContext

from socialcare.adapters.outage_handoff import LambdaOutageHandoff
from socialcare.adapters.secrets import secret_reader
from socialcare.adapters.x_activity import DynamoLastEvents
from socialcare.adapters.x_admin import XAdmin
from socialcare.clock import utc_now
from socialcare.config import load_brands
from socialcare.observability import logger, metrics
from socialcare.services.x_delivery_outage import AlarmChange, OutageMarks, on_alarm
from socialcare.services.x_health import HealthDeps, XOutage, check
from socialcare.services.x_setup import XAdminSecrets
from socialcare.settings import XHealthSettings, load_settings


@cache
def build_deps() -> HealthDeps:
    settings = load_settings(XHealthSettings)
    secrets = secret_reader(settings.X_SECRET_ARN, XAdminSecrets)  # cached, re-read when old

    def bearer() -> str:  # at each call to X, so a rotated token is picked up
        return secrets().bearer_token.get_secret_value()

    handoff = LambdaOutageHandoff(settings.GAP_FILL_FUNCTION)
    brands = list(load_brands(settings.BRANDS_DIR).brands.values())

    def fill_the_gap(outage: XOutage) -> None:
        for request in outage.gap_fills(brands):  # one fill per account, each retried alone
            handoff(request)

    return HealthDeps(
        admin=XAdmin(bearer, settings.X_API_URL or None),
        events=DynamoLastEvents(settings.TABLE_NAME),
        brands=brands,
        now=utc_now,
        on_outage=fill_the_gap,
    )


@cache
def build_marks() -> OutageMarks:
    return DynamoLastEvents(load_settings(XHealthSettings).TABLE_NAME)


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(
    event: dict[str, Any],
    context: LambdaContext,
    deps: HealthDeps | None = None,
    marks: OutageMarks | None = None,
) -> dict[str, Any]:
    deps = deps or build_deps()
    if "Records" in event:  # the 503 alarm's state changes, through SNS
        # The SNS envelope gives one parsed message per record (a list).
        changes = cast(
            list[AlarmChange | None],
            parse(event=event, model=AlarmChange, envelope=envelopes.SnsEnvelope),
        )
        handed = 0
        for change in filter(None, changes):
            outage = on_alarm(change, marks or build_marks())
            if outage is not None:
                deps.on_outage(outage)
                handed += 1
        return {"outages_handed_over": handed}
    health = check(deps)
    logger.info("x health checked", extra=vars(health))
    return vars(health)
