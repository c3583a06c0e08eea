"""The report as one e-mail: multipart/mixed holding multipart/alternative (plain text, then
HTML with its charts as related inline PNGs, ``cid:``) and the CSV attachment."""

from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from socialcare.reports import charts, render
from socialcare.reports.figures import Figures


def report_email(
    figures: Figures, brand_name: str, sender: str, recipients: tuple[str, ...]
) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = f"{brand_name} customer care: {figures.period.label}"
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1].strip(" >"))
    message.set_content(render.text(figures, brand_name))
    message.add_alternative(render.html(figures, brand_name), subtype="html")
    if not figures.empty:
        html_part = message.get_body(preferencelist=("html",))
        assert isinstance(html_part, EmailMessage)  # added just above
        for cid, png in charts.all_charts(figures).items():
            html_part.add_related(
                png, "image", "png", cid=f"<{cid}>", filename=f"{cid}.png", disposition="inline"
            )
    slug = brand_name.lower().replace(" ", "-")
    name = f"{slug}-{figures.period.kind}-{figures.period.first_day}.csv"
    message.add_attachment(
        render.csv_text(figures).encode("utf-8-sig"),  # with a BOM: Excel reads it as UTF-8
        maintype="text",
        subtype="csv",
        filename=name,
    )
    return message
