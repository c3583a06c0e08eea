"""Turning untrusted bytes into typed payloads, with errors that say what is wrong."""

import json
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, SecretStr, ValidationError

from socialcare.errors import MalformedPayload

M = TypeVar("M", bound=BaseModel)


def _encodable(text: str) -> str:
    # JSON may carry lone surrogates (\ud800); they cannot be stored as UTF-8 anywhere.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("text is not valid Unicode (lone surrogate)") from exc
    return text


SafeText = Annotated[str, AfterValidator(_encodable)]


def describe(error: ValidationError) -> list[dict[str, str]]:
    """Field paths and problems, without echoing the input values back."""
    return [
        {"field": ".".join(str(p) for p in e["loc"]) or "(body)", "problem": e["msg"]}
        for e in error.errors(include_url=False, include_input=False)
    ]


def parse_json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise MalformedPayload(f"body is not valid JSON: {exc}") from None
    except RecursionError:
        raise MalformedPayload("body is nested too deeply to be a platform payload") from None


def not_a_placeholder(value: SecretStr) -> SecretStr:
    """template.yaml creates the secrets with REPLACE_ME values: until an operator fills them,
    nothing may be signed with or checked against a value everybody can read on GitHub."""
    if "REPLACE_ME" in value.get_secret_value().upper():
        raise ValueError("still the placeholder from template.yaml: fill in the real secret")
    return value


Filled = Annotated[SecretStr, AfterValidator(not_a_placeholder)]  # a secret, filled in


def validate(model: type[M], data: Any, what: str) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise MalformedPayload(
            f"{what} does not match the documented shape", describe(exc)
        ) from None
