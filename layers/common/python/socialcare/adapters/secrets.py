"""Secrets Manager through Powertools parameters: fetched once, cached for ``max_age``."""

from collections.abc import Callable
from typing import Any, TypeVar

from aws_lambda_powertools.utilities import parameters
from aws_lambda_powertools.utilities.parameters.exceptions import (
    GetParameterError,
    TransformParameterError,
)
from pydantic import BaseModel, ValidationError

from socialcare.errors import ConfigurationError

M = TypeVar("M", bound=BaseModel)


def secret_reader(arn: str, model: type[M], max_age: int = 300) -> Callable[[], M]:
    """A callable that returns the secret as ``model``; the value itself is never logged."""

    def read() -> M:
        try:
            raw: Any = parameters.get_secret(arn, transform="json", max_age=max_age)
        except (GetParameterError, TransformParameterError) as exc:
            raise ConfigurationError(f"cannot read secret {arn}: {type(exc).__name__}") from None
        try:
            return model.model_validate(raw)
        except ValidationError as exc:
            fields = ", ".join(".".join(map(str, e["loc"])) for e in exc.errors())
            # The error names fields only: pydantic's message would echo the input values.
            raise ConfigurationError(
                f"secret {arn} does not match {model.__name__}: {fields}"
            ) from None

    return read
