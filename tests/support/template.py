"""template.yaml as the tests read it: samtranslator's YAML loader (it understands !Ref,
!GetAtt, !Sub), and the small helpers every template test uses."""

from pathlib import Path
from typing import Any

from samtranslator.yaml_helper import yaml_parse

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_PATH = ROOT / "template.yaml"
FUNCTION = "AWS::Serverless::Function"


def load_template() -> dict[str, Any]:
    parsed: dict[str, Any] = yaml_parse(TEMPLATE_PATH.read_text(encoding="utf-8"))
    return parsed


def of_type(resources: dict[str, Any], resource_type: str) -> dict[str, Any]:
    return {name: r for name, r in resources.items() if r["Type"] == resource_type}


def props(resource: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = resource.get("Properties", {})
    return found


def ref_target(value: Any) -> str | None:
    """Logical id behind !Ref X or !GetAtt X.Attr, else None."""
    if isinstance(value, dict) and len(value) == 1:
        ((fn, arg),) = value.items()
        if fn == "Ref" and isinstance(arg, str):
            return arg
        if fn == "Fn::GetAtt":
            return arg[0] if isinstance(arg, list) else str(arg).split(".")[0]
    return None


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
