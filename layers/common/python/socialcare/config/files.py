"""Reading one configuration file into its model, with errors that name the file and field."""

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from socialcare.errors import ConfigurationError

M = TypeVar("M", bound=BaseModel)


def read_model(path: Path, model: type[M], what: str, *, required: bool = False) -> M:
    """The file as ``model``; an absent optional file is the model's defaults."""
    if not required and not path.exists():
        return model()
    try:
        return model.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigurationError(f"{path}: cannot read: {exc}") from exc
    except ValidationError as exc:
        fields = "\n".join(
            f"  {'.'.join(str(p) for p in e['loc']) or '(file)'}: {e['msg']}"
            for e in exc.errors(include_url=False)
        )
        raise ConfigurationError(f"{path}: invalid {what}\n{fields}") from exc
