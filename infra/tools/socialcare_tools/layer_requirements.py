"""``layers/deps/requirements.txt`` is generated from pyproject.toml's runtime
dependencies (``make layer-requirements``), less boto3, which the Lambda runtime provides,
so the deployed functions get exactly what the tests ran with; ``layers/reports/
requirements.txt`` likewise from the ``reports`` extra (the report function's own layer)."""

import sys
import tomllib
from pathlib import Path

PROVIDED_BY_LAMBDA = ("boto3",)
HEADER = "# Generated from pyproject.toml by `make layer-requirements`; do not edit.\n"


def render(pyproject: Path, extra: str | None = None) -> str:
    project = tomllib.loads(pyproject.read_text())["project"]
    dependencies = project["optional-dependencies"][extra] if extra else project["dependencies"]
    kept = [d for d in dependencies if not d.lower().startswith(PROVIDED_BY_LAMBDA)]
    return HEADER + "".join(f"{d}\n" for d in kept)


def main(root: str = ".") -> None:
    for layer, extra in (("deps", None), ("reports", "reports")):
        target = Path(root) / "layers" / layer / "requirements.txt"
        target.write_text(render(Path(root) / "pyproject.toml", extra))
        print(f"wrote {target}", file=sys.stderr)


if __name__ == "__main__":
    main(*sys.argv[1:])
