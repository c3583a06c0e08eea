"""A brand's report written to files, to read without a mail client: the e-mail as sent
(``.eml``), its HTML (charts pointing at the PNG files beside it), the plain text and the
CSV. Used by ``socialcare report`` and at the end of ``make demo``."""

from datetime import UTC, date, datetime
from pathlib import Path

from socialcare.adapters.report_store import DynamoReportStore
from socialcare.config.brands import Brand
from socialcare.reports import charts, render
from socialcare.reports.email import report_email
from socialcare.reports.figures import Figures
from socialcare.reports.period import Period, PeriodKind
from socialcare.services.reports import ReportDeps, build_figures


def write_report(
    table: str, brand: Brand, kind: PeriodKind, day: date, out: Path
) -> tuple[Figures, list[Path], float]:
    """The files written, and the DynamoDB read units the report consumed."""
    store = DynamoReportStore(table)
    figures = build_figures(
        brand, Period.containing(kind, day, brand.zone), ReportDeps(store), as_of=datetime.now(UTC)
    )
    out.mkdir(parents=True, exist_ok=True)
    stem = f"{brand.id}-{kind}-{figures.period.first_day}"
    written: list[Path] = []

    def write(name: str, data: bytes) -> None:
        path = out / name
        path.write_bytes(data)
        written.append(path)

    page = render.html(figures, brand.name)
    if not figures.empty:
        for cid, png in charts.all_charts(figures).items():
            write(f"{stem}-{cid}.png", png)
            page = page.replace(f"cid:{cid}", f"{stem}-{cid}.png")
    write(f"{stem}.html", page.encode())
    write(f"{stem}.txt", render.text(figures, brand.name).encode())
    write(f"{stem}.csv", render.csv_text(figures).encode("utf-8-sig"))
    if brand.reports is not None:
        email = report_email(figures, brand.name, brand.reports.sender, brand.reports.recipients)
        write(f"{stem}.eml", email.as_bytes())
    return figures, written, store.read_units
