"""The report as people read it: an HTML body (inline CSS, tables, the charts by ``cid:``), a
plain-text alternative, and a CSV with one row per conversation. Jinja2 escapes everything
in the HTML; CSV cells that a spreadsheet would run as a formula are defused."""

import csv
import io
import re
from datetime import UTC
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from socialcare.reports.figures import Durations, Figures, first_wait
from socialcare.reports.formats import change, duration, percent

CSV_COLUMNS = (
    "conversation",
    "started_utc",
    "platform",
    "channel",
    "customer",
    "status",
    "topic",
    "sentiment",
    "priority",
    "first_response_minutes",
    "first_responder",
    "resolved_utc",
    "link",
    "first_message",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_AFTER_SEPARATOR = re.compile(r"([;,\t|]\s*)([=+\-@])")


def times(d: Durations) -> dict[str, str]:
    return {"median": duration(d.median), "p90": duration(d.p90), "mean": duration(d.mean)}


_env = Environment(
    loader=PackageLoader("socialcare.reports", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def https_only(url: Any) -> str | None:
    """Links in the e-mail are the platforms' (we build them); anything else is dropped."""
    text = str(url or "")
    return text if text.startswith("https://") else None


_env.filters.update(duration=duration, percent=percent, times=times, https_only=https_only)
_env.globals.update(change=change)


CSV_ATTACHED = "Every conversation of the period is in the attached CSV."


def context(figures: Figures, brand_name: str, csv_note: str) -> dict[str, Any]:
    return {
        "f": figures,
        "brand": brand_name,
        "h": figures.headline,
        "p": figures.previous,
        "csv_note": csv_note,
    }


def html(figures: Figures, brand_name: str, csv_note: str = CSV_ATTACHED) -> str:
    return _env.get_template("report.html.j2").render(context(figures, brand_name, csv_note))


def text(figures: Figures, brand_name: str, csv_note: str = CSV_ATTACHED) -> str:
    return _env.get_template("report.txt.j2").render(context(figures, brand_name, csv_note))


def safe_cell(value: Any) -> str:
    """A cell a spreadsheet shows as text: one that starts like a formula gets a quote, and
    so does a formula after a separator (a spreadsheet set to split on ``;`` or tabs would
    start a new cell there)."""
    shown = "" if value is None else str(value)
    shown = _AFTER_SEPARATOR.sub(r"\1'\2", shown)
    return "'" + shown if shown.startswith(FORMULA_STARTS) else shown


def csv_text(figures: Figures) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writerow(CSV_COLUMNS)
    for f in figures.conversations:
        answered = figures.answered(f)
        row = (
            f.id,
            f.created_at.astimezone(UTC).isoformat(),
            f.platform,
            f.channel_type,
            f.customer,
            f.status,
            f.topic or "",
            f.sentiment or "",
            f.priority or "",
            f"{first_wait(f).total_seconds() / 60:.1f}" if answered else "",
            f.first_responder or "",
            f.resolved_at.astimezone(UTC).isoformat() if f.resolved_at else "",
            f.link or "",
            f.first_text[:500],
        )
        writer.writerow([safe_cell(v) for v in row])
    return out.getvalue()
