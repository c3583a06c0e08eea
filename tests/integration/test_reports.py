"""The report, end to end on moto: conversations stored by the real pipeline, read by day
through the index, sent by SES; the test opens the raw message SES received and checks each
part. The figures themselves are checked by hand-worked numbers in tests/unit."""

import csv
import io
import json
from datetime import date

import boto3
import pytest

from functions.send_report import app as report_function
from socialcare.adapters.report_store import DynamoReportStore
from socialcare.config import load_brands
from socialcare.errors import StorageUnavailable
from socialcare.services.report_mail import ReportMailDeps
from socialcare.services.x_webhook import XWebhookDeps
from socialcare_tools.samples import tweet
from socialcare_tools.template_resources import Backbone
from tests.conftest import BRANDS_DIR, LambdaContext
from tests.support.inspect import dynamodb_calls
from tests.support.queues import consume, queued_records
from tests.support.reports import (
    ask,
    deps,
    parts,
    sent_messages,
)

pytestmark = pytest.mark.integration
HOSTILE = '=HYPERLINK("https://evil.example") <script>alert(1)</script> order 4411?'


@pytest.fixture
def verified(backbone: Backbone) -> None:
    boto3.client("ses").verify_email_identity(EmailAddress="reports@acme.example")


def test_the_days_report_goes_by_ses_with_html_text_charts_and_csv(
    backbone: Backbone, x_live: XWebhookDeps, verified: None
) -> None:
    consume(
        backbone,
        queued_records(
            backbone,
            x_live,
            tweet("100", "@AcmeSupport where is my order 4411?"),
            tweet(
                "200",
                f"@AcmeSupport {HOSTILE}",
                user={
                    "id_str": "77",
                    "name": "Eve",
                    "screen_name": "eve",
                    "followers_count": 3,
                    "verified": False,
                },
            ),
        ),
    )
    assert ask(backbone, period="day", date="2026-08-24")["sent"] == ["Mon 24 Aug 2026"]
    [message] = sent_messages()
    assert message["Subject"] == "Acme Store customer care: Mon 24 Aug 2026"
    assert message["To"] == "support-lead@acme.example"
    found = parts(message)
    [plain] = found["text/plain"]
    [html_part] = found["text/html"]
    [csv_part] = found["text/csv"]
    html = html_part.get_payload(decode=True).decode()  # type: ignore[union-attr]
    images = found["image/png"]
    assert len(images) == 3
    for image in images:
        assert image.get_payload(decode=True)[:8] == b"\x89PNG\r\n\x1a\n"  # type: ignore[index]
        assert f"cid:{image['Content-ID'].strip('<>')}" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "Conversations" in html and "Response rate" in html
    text = plain.get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert "Conversations        2" in text and "Response rate        0 %" in text
    assert csv_part.get_filename() == "acme-store-day-2026-08-24.csv"
    content = csv_part.get_payload(decode=True).decode("utf-8-sig")  # type: ignore[union-attr]
    rows = list(csv.reader(io.StringIO(content)))
    assert rows[0][:3] == ["conversation", "started_utc", "platform"] and len(rows) == 3
    cells = [cell for row in rows for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)  # no formulas
    assert any(
        cell.startswith("'@AcmeSupport =HYPERLINK") or "'=HYPERLINK" in cell for cell in cells
    )
    for image in images:  # shown in the body, not listed as attachments
        assert image["Content-Disposition"].startswith("inline")


def test_a_day_without_conversations_sends_a_short_report(
    backbone: Backbone, verified: None
) -> None:
    ask(backbone, period="day", date="2026-08-20")
    [message] = sent_messages()
    text = parts(message)["text/plain"][0].get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert "No customer wrote to Acme Store in this period" in text
    assert "image/png" not in parts(message)


def test_a_failed_send_fails_the_invocation_and_its_retry_sends_it_once(
    backbone: Backbone, x_live: XWebhookDeps
) -> None:
    with pytest.raises(StorageUnavailable, match="SES") as refused:
        ask(backbone, period="day", date="2026-08-24")  # the sender is not verified yet
    # the error says what to do: verify the identity, or leave SES's sandbox
    assert "ReportSenderIdentity" in str(refused.value)
    assert "Request production access" in str(refused.value)
    assert sent_messages() == []
    boto3.client("ses").verify_email_identity(EmailAddress="reports@acme.example")
    assert ask(backbone, period="day", date="2026-08-24")["sent"]  # Lambda's retry
    assert ask(backbone, period="day", date="2026-08-24")["sent"] == []  # and again: nothing
    assert len(sent_messages()) == 1


def test_the_hourly_tick_sends_what_is_due_in_the_brands_zone(
    backbone: Backbone, verified: None
) -> None:
    from datetime import UTC, datetime

    wired = deps(backbone)
    monday_8_msk = datetime(2026, 8, 31, 5, 0, tzinfo=UTC)
    tick = ReportMailDeps(wired.store, wired.mailer, wired.brands, clock=lambda: monday_8_msk)
    result = report_function.lambda_handler({}, LambdaContext(), deps=tick)
    assert result["sent"] == ["acme day 2026-08-30", "acme week 2026-08-24"]
    nine = ReportMailDeps(
        wired.store, wired.mailer, wired.brands, clock=lambda: monday_8_msk.replace(hour=6)
    )
    assert report_function.lambda_handler({}, LambdaContext(), deps=nine)["sent"] == []
    seven = ReportMailDeps(
        wired.store, wired.mailer, wired.brands, clock=lambda: monday_8_msk.replace(hour=4)
    )  # 07:00 Moscow: Saturday's report, owed since Sunday 08:00 (no tick sent it), goes now
    assert report_function.lambda_handler({}, LambdaContext(), deps=seven)["sent"] == [
        "acme day 2026-08-29"
    ]
    subjects = sorted(m["Subject"] for m in sent_messages())
    assert subjects == [
        "Acme Store customer care: Sat 29 Aug 2026",
        "Acme Store customer care: Sun 30 Aug 2026",
        "Acme Store customer care: week 24 Aug - 30 Aug 2026",
    ]
    assert json.dumps(result)


def test_an_unfinished_period_is_refused_on_demand(backbone: Backbone, verified: None) -> None:
    from datetime import UTC, datetime

    from socialcare.errors import ConfigurationError

    wired = deps(backbone)
    wednesday = ReportMailDeps(
        wired.store, wired.mailer, wired.brands, clock=lambda: datetime(2026, 8, 26, 9, tzinfo=UTC)
    )
    with pytest.raises(ConfigurationError, match="has not ended yet"):
        report_function.lambda_handler(
            {"brand": "acme", "period": "week", "date": "2026-08-26"},
            LambdaContext(),
            deps=wednesday,
        )
    assert sent_messages() == []


def test_one_brand_failing_does_not_keep_the_others_reports_back(
    backbone: Backbone, verified: None
) -> None:
    from datetime import UTC, datetime

    from socialcare.config.brands import BrandDirectory
    from socialcare.services.report_mail import ReportsFailed

    acme = load_brands(BRANDS_DIR).brands["acme"]
    assert acme.reports is not None
    other = acme.model_copy(
        update={
            "id": "beta",
            "name": "Beta",
            "accounts": type(acme.accounts).model_validate({"x": [{"id": "42"}]}),
            "reports": acme.reports.model_copy(update={"sender": "reports@not-verified.example"}),
        }
    )
    wired = deps(backbone)
    tick = ReportMailDeps(
        wired.store,
        wired.mailer,
        BrandDirectory([other, acme]),  # the failing brand first
        clock=lambda: datetime(2026, 8, 25, 5, 0, tzinfo=UTC),  # 08:00 in Moscow
    )
    with pytest.raises(ReportsFailed, match="beta"):
        report_function.lambda_handler({}, LambdaContext(), deps=tick)
    assert [m["Subject"] for m in sent_messages()] == ["Acme Store customer care: Mon 24 Aug 2026"]


def test_a_report_reads_by_day_through_the_index_and_never_scans(
    backbone: Backbone, x_live: XWebhookDeps
) -> None:
    from socialcare.reports.period import Period, PeriodKind
    from socialcare.services.reports import ReportDeps, build_figures

    consume(backbone, queued_records(backbone, x_live, tweet("100", "@AcmeSupport order?")))
    dynamodb = boto3.client("dynamodb")
    store = DynamoReportStore(backbone.table, client=dynamodb)
    calls = dynamodb_calls(dynamodb)
    brand = load_brands(BRANDS_DIR).brands["acme"]
    week = Period(PeriodKind.WEEK, date(2026, 8, 24), brand.zone)
    figures = build_figures(brand, week, ReportDeps(store))
    assert figures.headline.conversations == 1
    assert not [c for c in calls if c[0] == "Scan"]
    days = [c for c in calls if c == ("Query", "ByDay")]
    assert len(days) == 16  # the week and the week before, 8 UTC days each (UTC+3)
    assert ("Query", None) not in calls  # its items come by the day (test_report_reads.py)
    assert store.read_units > 0


def test_a_weekly_report_asked_for_without_a_date_is_the_last_whole_week(
    backbone: Backbone, verified: None
) -> None:
    from datetime import UTC, datetime

    wired = deps(backbone)
    thursday = ReportMailDeps(
        wired.store, wired.mailer, wired.brands, clock=lambda: datetime(2026, 9, 3, 9, tzinfo=UTC)
    )
    result = report_function.lambda_handler(
        {"brand": "acme", "period": "week"}, LambdaContext(), deps=thursday
    )
    assert result["sent"] == ["week 24 Aug - 30 Aug 2026"]
