"""The report as one e-mail: multipart/mixed holding multipart/alternative (plain text, then
HTML with its charts as related inline PNGs, ``cid:``) and the CSV attachment.

The CSV has one row per conversation (~250 bytes), so a busy week's passes what mail carries
(SES takes 10 MB, base64 makes attachments a third larger, and many inboxes refuse less). It
is attached as is up to ``CSV_PLAIN_LIMIT``, zipped above it, and left out (the e-mail says
so and where the rows are) when even zipped it passes ``CSV_ZIPPED_LIMIT``: the report is
always sent."""

import io
import zipfile
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from socialcare.reports import charts, render
from socialcare.reports.figures import Figures
from socialcare.reports.period import PeriodKind

CSV_PLAIN_LIMIT = 1_000_000  # bytes of CSV attached as they are
CSV_ZIPPED_LIMIT = 3_500_000  # bytes of zip: with base64 and the charts, under 5 MB of e-mail


@dataclass(frozen=True)
class CsvAttachment:
    """What the e-mail carries of the CSV, and the sentence that says so."""

    filename: str | None  # None: not attached
    data: bytes
    content_type: tuple[str, str]
    note: str


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def csv_attachment(figures: Figures, stem: str) -> CsvAttachment:
    rows = len(figures.conversations)
    data = render.csv_text(figures).encode("utf-8-sig")  # with a BOM: Excel reads it as UTF-8
    if len(data) <= CSV_PLAIN_LIMIT:
        note = f"Every conversation of the period ({rows}) is in the attached CSV."
        return CsvAttachment(f"{stem}.csv", data, ("text", "csv"), note)
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{stem}.csv", data)
    zipped = packed.getvalue()
    if len(zipped) <= CSV_ZIPPED_LIMIT:
        note = (
            f"Every conversation of the period ({rows}) is in the attached CSV, zipped"
            f" ({_megabytes(len(data))} unzipped)."
        )
        return CsvAttachment(f"{stem}.zip", zipped, ("application", "zip"), note)
    note = (
        f"The CSV of the period's {rows} conversations is {_megabytes(len(zipped))} zipped,"
        f" more than the {_megabytes(CSV_ZIPPED_LIMIT)} this e-mail carries, so it is not"
        " attached."
    )
    if figures.period.kind is PeriodKind.WEEK:
        note += " Daily reports (brand.yaml reports.daily) attach each day's rows."
    return CsvAttachment(None, b"", ("", ""), note)


def report_email(
    figures: Figures, brand_name: str, sender: str, recipients: tuple[str, ...]
) -> EmailMessage:
    slug = brand_name.lower().replace(" ", "-")
    table = csv_attachment(figures, f"{slug}-{figures.period.kind}-{figures.period.first_day}")
    message = EmailMessage()
    message["Subject"] = f"{brand_name} customer care: {figures.period.label}"
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1].strip(" >"))
    message.set_content(render.text(figures, brand_name, table.note))
    message.add_alternative(render.html(figures, brand_name, table.note), subtype="html")
    if not figures.empty:
        html_part = message.get_body(preferencelist=("html",))
        assert isinstance(html_part, EmailMessage)  # added just above
        for cid, png in charts.all_charts(figures).items():
            html_part.add_related(
                png, "image", "png", cid=f"<{cid}>", filename=f"{cid}.png", disposition="inline"
            )
    if table.filename:
        maintype, subtype = table.content_type
        message.add_attachment(
            table.data, maintype=maintype, subtype=subtype, filename=table.filename
        )
    return message
