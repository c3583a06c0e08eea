"""The report's HTML renders in a real browser engine: headless Chromium takes a screenshot
of the page written by the report (charts beside it) and the picture holds the charts' ink.
Skipped, saying why, only where no Chromium could be installed (`make browser`)."""

import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from socialcare.reports import charts, render
from socialcare.reports.figures import compute
from tests.support.report_cases import C1, C2, C3, C4, C5, CALENDAR, DAY, PREVIOUS

pytestmark = pytest.mark.integration
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ACCENT = (0x25, 0x63, 0xEB)  # the charts' bars


@pytest.mark.skipif(
    CHROMIUM is None,
    reason="no Chromium on this machine: `make browser` installs Debian's package as root",
)
def test_the_report_renders_in_chromium_with_its_charts(tmp_path: Path) -> None:
    figures = compute([C1, C2, C3, C4, C5], PREVIOUS, DAY, CALENDAR)
    page = render.html(figures, "Acme Store")
    for cid, png in charts.all_charts(figures).items():
        (tmp_path / f"{cid}.png").write_bytes(png)
        page = page.replace(f"cid:{cid}", f"{cid}.png")
    (tmp_path / "report.html").write_text(page)
    shot = tmp_path / "shot.png"
    subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=720,2400",
            f"--screenshot={shot}",
            (tmp_path / "report.html").as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    image = Image.open(shot).convert("RGB")
    assert image.size == (720, 2400)
    colours = image.getcolors(maxcolors=1 << 20) or []
    accent = sum(
        n for n, rgb in colours if all(abs(a - b) < 12 for a, b in zip(rgb, ACCENT, strict=True))
    )
    assert accent > 2000  # the three charts' bars were drawn: the images loaded
    dark = sum(n for n, rgb in colours if sum(rgb) < 200)
    assert dark > 5000  # and the text of the tables
