"""Each function imports with only the layers the template gives it: the report layer's
libraries (jinja2, matplotlib) exist for the report function alone, and none imports the
developer tools (socialcare_tools), which no layer carries."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = sorted(p.parent.name for p in (ROOT / "functions").glob("*/app.py"))
BLOCKED = ("jinja2", "matplotlib", "socialcare_tools")  # report libraries; developer tools


@pytest.mark.parametrize("function", [f for f in FUNCTIONS if f != "send_report"])
def test_a_function_imports_without_the_report_layer(function: str) -> None:
    code = (
        "import sys\n"
        + "".join(f"sys.modules[{name!r}] = None\n" for name in BLOCKED)
        + f"import functions.{function}.app\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ | {"PYTHONPATH": f"{ROOT}:{ROOT / 'layers/common/python'}"},
        check=False,
    )
    assert done.returncode == 0, done.stderr[-1500:]
