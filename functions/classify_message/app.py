"""SQS classify queue → one record at a time, partial batch failures, FIFO order kept."""

from dataclasses import replace
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from socialcare.adapters.alert_store import DynamoAlertStore
from socialcare.adapters.classify_store import DynamoClassifyStore
from socialcare.adapters.dynamo_table import ConversationTable
from socialcare.adapters.escalations import SnsEscalations
from socialcare.adapters.retention_store import DynamoRetentionStore
from socialcare.adapters.sqs import SqsClassifyQueue
from socialcare.adapters.stepfunctions import StepFunctionsClocks
from socialcare.classification import language, models
from socialcare.config import load_brands
from socialcare.models import ClassifyRequest
from socialcare.observability import MetricUnit, logger, metrics
from socialcare.services.alerts import AlertDeps
from socialcare.services.batch_reads import queued_keys
from socialcare.services.classify import ClassifyDeps, Knowledge, PrefetchedStore, process
from socialcare.services.hand_off import BatchedHandOff, with_retries
from socialcare.settings import ClassifySettings, load_settings

# A failure holds back only the rest of its own conversation (message group). The body is
# read with our own model in the record handler: the parser's event models would cost the
# cold start ~45 ms for one field.
processor = SqsFifoPartialProcessor(skip_group_on_error=True)


@cache
def build_deps() -> ClassifyDeps:
    settings = load_settings(ClassifySettings)
    # Models load once per cold start; a missing or broken one fails it, clearly.
    language.load()
    loaded = models.load_models(settings.MODELS_DIR) if settings.MODELS_DIR else models.shipped()
    brands = load_brands(settings.BRANDS_DIR).brands.values()
    machine, topic = settings.CLOCK_STATE_MACHINE_ARN, settings.ESCALATION_TOPIC_ARN
    table = ConversationTable(settings.TABLE_NAME)  # one client for both stores
    return ClassifyDeps(
        store=DynamoClassifyStore(table),
        brands={brand.id: Knowledge.of(brand) for brand in brands},
        models=loaded,
        clocks=StepFunctionsClocks(machine) if machine else None,
        alerts=AlertDeps(DynamoAlertStore(table), SnsEscalations(topic)) if topic else None,
        desk=SqsClassifyQueue(settings.DESK_QUEUE_URL, what="the Slack desk")
        if settings.DESK_QUEUE_URL
        else None,
        retention=DynamoRetentionStore(settings.TABLE_NAME),
    )


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(
    event: dict[str, Any], context: LambdaContext, deps: ClassifyDeps | None = None
) -> PartialItemFailureResponse:
    wired = deps or build_deps()
    # The batch's hand-offs to the desk go in one SendMessageBatch per ten, at the end.
    desk = BatchedHandOff(wired.desk) if wired.desk is not None else None
    store = PrefetchedStore(wired.store, queued_keys(event))  # one read for the batch
    batch = replace(wired, store=store, desk=desk)

    def handle(record: SQSRecord) -> None:
        if desk is not None:
            desk.for_record(record.message_id)
        try:
            process(ClassifyRequest.model_validate_json(record.body), batch)
        except Exception:
            # The batch processor reports it to SQS (retried after the visibility timeout,
            # then the dead-letter queue) but logs it only at DEBUG: said here, once a try.
            logger.exception("message not classified this time", extra={"sqs": record.message_id})
            metrics.add_metric(name="ClassifyFailed", unit=MetricUnit.Count, value=1)
            raise

    response = process_partial_response(
        event=event, record_handler=handle, processor=processor, context=context
    )
    return with_retries(response, desk.flush() if desk is not None else [])
