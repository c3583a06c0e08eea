"""The common layer, built as `sam build` builds it, holds the runtime package and nothing of
the developer side: no local stack, no CLI, no samples, no packaging metadata, no caches."""

import ast
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUNTIME = ROOT / "layers" / "common" / "python" / "socialcare"


def build(into: Path) -> Path:
    subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-C",
            str(ROOT / "layers" / "common"),
            "build-CommonLayer",
            f"ARTIFACTS_DIR={into}",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return into / "python"


def test_the_built_layer_is_the_runtime_package_alone(tmp_path: Path) -> None:
    (RUNTIME / "__pycache__").mkdir(exist_ok=True)  # what any test run leaves in the source
    layer = build(tmp_path / "artifacts")
    assert [p.name for p in layer.iterdir()] == ["socialcare"]
    shipped = {
        p.relative_to(layer / "socialcare").as_posix() for p in (layer / "socialcare").rglob("*")
    }
    assert not {p for p in shipped if "__pycache__" in p or p.endswith((".pyc", ".egg-info"))}
    top = {p.split("/")[0] for p in shipped}
    assert not top & {"local", "devtools", "cli.py", "tools"}
    source = {
        p.relative_to(RUNTIME).as_posix()
        for p in RUNTIME.rglob("*")
        if "__pycache__" not in p.parts
    }
    assert shipped == source  # every runtime module and data file, nothing else


def imported(module: Path) -> set[str]:
    tree = ast.parse(module.read_text(encoding="utf-8"))
    names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    names |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    return {name.split(".")[0] for name in names}


def test_no_runtime_module_imports_the_developer_tools_or_the_emulator() -> None:
    offenders = {
        str(p.relative_to(RUNTIME)): found
        for p in RUNTIME.rglob("*.py")
        if (found := imported(p) & {"socialcare_tools", "moto", "werkzeug"})
    }
    assert offenders == {}
