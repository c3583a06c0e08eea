"""The report's HTML, text and CSV: customer text escaped or defused, numbers shown as
people read them."""

import csv
import io
from dataclasses import replace

from socialcare.reports import formats, render
from socialcare.reports.figures import compute
from tests.support.report_cases import C1, C3, C5, CALENDAR, DAY

EVIL = '<img src=x onerror=alert(1)> "quoted" & <a href="https://evil.example">bank</a>'


def test_customer_text_is_escaped_in_the_html_and_plain_in_the_text() -> None:
    figures = compute([replace(C5, first_text=EVIL, customer="<b>eve</b>")], [], DAY, CALENDAR)
    html = render.html(figures, "Acme <Store>")
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert '<a href="https://evil.example">' not in html and "<b>eve</b>" not in html
    assert "Acme &lt;Store&gt;" in html
    text = render.text(figures, "Acme")
    assert "&lt;" not in text  # the plain-text part is not HTML


def test_csv_cells_that_would_run_as_formulas_are_defused() -> None:
    for danger in ("=1+1", "+cmd", "-2+3", "@SUM(A1)", "\r=x"):
        assert render.safe_cell(danger) == "'" + danger
    assert render.safe_cell("\t=x") == "'\t'=x"
    assert render.safe_cell("plain text: 2 + 2 = 4") == "plain text: 2 + 2 = 4"
    # Opened where the list separator is ";" (Russian Excel), this would be two cells.
    assert render.safe_cell('hi;=HYPERLINK("https://evil")') == 'hi;\'=HYPERLINK("https://evil")'
    assert render.safe_cell("ok, -1 day") == "ok, '-1 day"
    figures = compute(
        [replace(C1, first_text='=HYPERLINK("https://evil.example")')], [], DAY, CALENDAR
    )
    text = render.csv_text(figures)
    assert text.startswith('"conversation","started_utc"')  # every cell quoted
    [header, row] = list(csv.reader(io.StringIO(text)))
    assert row[header.index("first_message")] == '\'=HYPERLINK("https://evil.example")'
    assert row[header.index("first_response_minutes")] == "30.0"


def test_durations_and_shares_read_naturally() -> None:
    assert formats.duration(None) == "-"
    assert formats.duration(59) == "1 min"
    assert formats.duration(4500) == "1 h 15 min"
    assert formats.duration(7200) == "2 h"
    assert formats.duration(3 * 86400) == "3.0 days"
    assert formats.percent(0.256) == "26 %"
    assert formats.change(0.5, 0.25) == "+25 pts"
    assert formats.change(3600, 4500, "min") == "-15 min"


def test_the_html_shows_the_headline_and_links_the_backlog() -> None:
    figures = compute([C1, C3, C5], [], DAY, CALENDAR)
    html = render.html(figures, "Acme")
    assert "cid:volume" in html and "cid:response" in html and "cid:topics" in html
    assert 'href="https://x.com/c5/status/1"' in html  # the unanswered one, linked
    assert "67 %" in html  # 2 of 3 answered


def test_the_email_says_how_many_encrypted_chats_were_unreadable_here() -> None:
    from socialcare.reports.facts import MessageFact
    from tests.support.report_cases import at, conversation

    chat = conversation("c9", at(12), messages=(MessageFact(True, at(12), encrypted=True),))
    figures = compute([C1, chat], [], DAY, CALENDAR)
    assert "Encrypted chats      1 (unreadable here" in render.text(figures, "Acme")
    assert "Encrypted chats (unreadable here: X keeps the keys; agents read them in X): 1." in (
        render.html(figures, "Acme")
    )


def test_the_text_gives_each_figure_a_line_of_its_own() -> None:
    figures = compute([C1, C3, C5], [], DAY, CALENDAR)
    lines = render.text(figures, "Acme").splitlines()
    [channels] = [line for line in lines if line.startswith("Channels")]
    assert "Response rate" not in channels  # it once ran on into the next line
    assert any(line.startswith("Response rate") for line in lines)
