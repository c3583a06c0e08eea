"""The report e-mail always goes: its CSV is attached as is, zipped when large, and left out
(the e-mail says so) when even zipped it would pass what mail carries (issue 14)."""

import csv
import io
import random
import zipfile
from datetime import date, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from html import unescape

import pytest

from socialcare.reports import email as report_email_module
from socialcare.reports import render
from socialcare.reports.email import CSV_PLAIN_LIMIT, report_email
from socialcare.reports.figures import Figures, compute
from socialcare.reports.period import Period, PeriodKind
from tests.support.report_cases import C1, C5, CALENDAR, DAY, MSK, at, conversation

WEEK = Period(PeriodKind.WEEK, date(2026, 8, 24), MSK)
WORDS = ("hello", "parcel", "late", "refund", "colour", "shoes", "courier", "box", "twice")


def busy(period: Period, n: int) -> Figures:
    """``n`` conversations with varied customer text (so the CSV compresses as a real one)."""
    pick = random.Random(7)
    step = (period.end - period.start) / n
    facts = [
        conversation(
            f"c{i:06d}",
            period.start + step * i,
            first_text=" ".join(pick.choice(WORDS) for _ in range(pick.randint(8, 30)))
            + f" #{pick.randrange(10**9)}",
            topic="delivery",
        )
        for i in range(n)
    ]
    return compute(facts, [], period, CALENDAR, as_of=period.end + timedelta(hours=8))


def sent(message: EmailMessage) -> EmailMessage:
    """The message as a mail client reads it back from the wire."""
    parsed = message_from_bytes(message.as_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def attachments(message: EmailMessage) -> list[EmailMessage]:
    return list(message.iter_attachments())  # type: ignore[arg-type]


def bodies(message: EmailMessage) -> tuple[str, str]:
    text, html = (message.get_body(preferencelist=(kind,)) for kind in ("plain", "html"))
    assert text is not None and html is not None
    return str(text.get_content()), unescape(str(html.get_content()))  # as the reader sees it


def test_a_usual_report_attaches_its_csv_as_is() -> None:
    figures = compute([C1, C5], [], DAY, CALENDAR)
    message = sent(report_email(figures, "Acme", "r@acme.example", ("lead@acme.example",)))
    [table] = attachments(message)
    assert table.get_content_type() == "text/csv"
    assert table.get_filename() == "acme-day-2026-08-24.csv"
    rows = list(csv.reader(io.StringIO(table.get_content().lstrip("\ufeff"))))
    assert [r[0] for r in rows[1:]] == ["c1", "c5"]
    for body in bodies(message):
        assert "Every conversation of the period (2) is in the attached CSV." in body


def test_a_large_csv_is_zipped_and_unzips_to_every_row() -> None:
    figures = busy(WEEK, 6_000)
    raw = render.csv_text(figures).encode("utf-8-sig")
    assert len(raw) > CSV_PLAIN_LIMIT  # the case under test: too large to attach as is
    message = sent(report_email(figures, "Acme", "r@acme.example", ("lead@acme.example",)))
    [table] = attachments(message)
    assert table.get_content_type() == "application/zip"
    assert table.get_filename() == "acme-week-2026-08-24.zip"
    archive = zipfile.ZipFile(io.BytesIO(table.get_content()))
    assert archive.namelist() == ["acme-week-2026-08-24.csv"]
    assert archive.read("acme-week-2026-08-24.csv") == raw
    assert len(table.get_content()) < len(raw) / 2
    for body in bodies(message):
        assert "Every conversation of the period (6000) is in the attached CSV, zipped" in body


def test_a_csv_too_large_even_zipped_is_left_out_and_the_report_still_goes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The limit lowered, rather than a week of a million conversations in a unit test.
    monkeypatch.setattr(report_email_module, "CSV_ZIPPED_LIMIT", 100_000)
    figures = busy(WEEK, 6_000)
    message = sent(report_email(figures, "Acme", "r@acme.example", ("lead@acme.example",)))
    assert attachments(message) == []
    text, html = bodies(message)
    for body in (text, html):
        assert "The CSV of the period's 6000 conversations is" in body
        assert "more than the 0.1 MB this e-mail carries, so it is not attached." in body
        assert "Daily reports (brand.yaml reports.daily) attach each day's rows." in body
    assert "Response rate" in text  # the figures are all there
    day = busy(DAY, 6_000)
    text, _ = bodies(sent(report_email(day, "Acme", "r@acme.example", ("l@acme.example",))))
    assert "so it is not attached." in text and "Daily reports" not in text


def test_the_customer_text_in_a_zipped_csv_is_defused_like_a_plain_one() -> None:
    figures = busy(DAY, 5_000)
    evil = conversation("evil", at(12), first_text='=HYPERLINK("https://evil.example")')
    figures = compute([*figures.conversations, evil], [], DAY, CALENDAR)
    message = sent(report_email(figures, "Acme", "r@acme.example", ("lead@acme.example",)))
    [table] = attachments(message)
    [name] = zipfile.ZipFile(io.BytesIO(table.get_content())).namelist()
    text = zipfile.ZipFile(io.BytesIO(table.get_content())).read(name).decode("utf-8-sig")
    [row] = [r for r in csv.reader(io.StringIO(text)) if r[0] == "evil"]
    assert row[-1] == '\'=HYPERLINK("https://evil.example")'
