"""Reports in tests: one asked of the report function on moto, and the e-mails SES kept."""

import email
from email.message import Message
from typing import Any

from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from functions.send_report import app as report_function
from socialcare.adapters.mailer import SesMailer
from socialcare.adapters.report_store import DynamoReportStore
from socialcare.config import load_brands
from socialcare.services.report_mail import ReportMailDeps
from socialcare_tools.template_resources import Backbone
from tests.conftest import BRANDS_DIR, LambdaContext


def sent_messages() -> list[Message]:
    backend = ses_backends[DEFAULT_ACCOUNT_ID]["eu-west-1"]
    return [email.message_from_string(m.raw_data) for m in backend.sent_messages]


def deps(backbone: Backbone) -> ReportMailDeps:
    return ReportMailDeps(
        store=DynamoReportStore(backbone.table), mailer=SesMailer(), brands=load_brands(BRANDS_DIR)
    )


def ask(backbone: Backbone, **request: Any) -> dict[str, Any]:
    result: dict[str, Any] = report_function.lambda_handler(
        {"brand": "acme", **request}, LambdaContext(), deps=deps(backbone)
    )
    return result


def parts(message: Message) -> dict[str, list[Message]]:
    found: dict[str, list[Message]] = {}
    for part in message.walk():
        found.setdefault(part.get_content_type(), []).append(part)
    return found
