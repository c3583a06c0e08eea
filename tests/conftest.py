"""Safe environment for every test: fake AWS credentials, no tracing, no real endpoints."""

import io
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

for _name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
    os.environ.pop(_name, None)
os.environ.update(
    AWS_DEFAULT_REGION="eu-west-1",
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_SESSION_TOKEN="testing",
    POWERTOOLS_SERVICE_NAME="socialcare-tests",
    POWERTOOLS_METRICS_NAMESPACE="socialcare",
    POWERTOOLS_TRACE_DISABLED="1",
    POWERTOOLS_METRICS_DISABLED="1",
)

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"
BRANDS_DIR = ROOT / "layers" / "config" / "brands"


@dataclass
class LambdaContext:
    function_name: str = "socialcare-test"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:eu-west-1:123456789012:function:socialcare-test"
    aws_request_id: str = "00000000-0000-0000-0000-000000000000"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


@pytest.fixture
def lambda_context() -> LambdaContext:
    return LambdaContext()


def load_event(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))
    return event


@pytest.fixture
def captured_logs() -> Iterator[io.StringIO]:
    from socialcare.observability import logger

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logger.registered_formatter)
    logger.addHandler(handler)
    yield stream
    logger.removeHandler(handler)


@pytest.fixture(scope="module")
def moto_validation_path() -> Iterator[None]:
    """Plain updates skip moto's validator (socialcare_tools.local.moto_fast_updates); the tests of
    the validator's own shortcuts send plain updates too, so they turn that skip off."""
    from unittest.mock import patch

    from socialcare_tools.local import moto_fast_updates

    with patch.object(moto_fast_updates, "update_item", return_value=None):
        yield


@pytest.fixture
def metrics_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """Metrics printed as in Lambda (tests.support.metrics.emf reads them); a disabled run
    elsewhere may have left some unflushed."""
    from socialcare.observability import metrics

    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "0")
    metrics.clear_metrics()
