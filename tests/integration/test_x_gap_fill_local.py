"""`socialcare x gapfill` against the local stack: the CLI asks the stack's x-gap-fill
function (the template's), which reads the X stand-in's mentions and stores through the
same table and classify queue as the webhook."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest

from socialcare_tools import local_secrets as local
from socialcare_tools.local.stack import LocalStack, Ports
from tests.conftest import ROOT
from tests.integration.conftest import StackCli, stack_cli

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    work = tmp_path_factory.mktemp("stack")
    with LocalStack(ROOT, Ports.any_free(), time_factor=3600, work_dir=work) as running:
        yield running


@pytest.fixture
def cli(stack: LocalStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> StackCli:
    return stack_cli(stack, tmp_path, monkeypatch)


def test_cli_gapfill_stores_the_missed_mentions_through_the_stack(
    stack: LocalStack, cli: StackCli
) -> None:
    assert stack.standins is not None and stack.deployment is not None
    now = datetime.now(UTC).replace(microsecond=0)
    start, end = now - timedelta(minutes=40), now - timedelta(minutes=10)
    for n in range(3):
        at = start + timedelta(minutes=5 + n)
        stack.standins.x.timeline.add_mention(
            local.X_ACCOUNT_ID,
            {
                "id": str(1990000000000200000 + n),
                "text": f"@AcmeSupport parcel {n} never came",
                "author_id": str(1400000000000000300 + n),
                "created_at": at.isoformat().replace("+00:00", "Z"),
                "entities": {"mentions": [{"username": "AcmeSupport", "id": local.X_ACCOUNT_ID}]},
            },
            {"id": str(1400000000000000300 + n), "name": f"Buyer {n}", "username": f"buyer{n}"},
        )
    brands = str(ROOT / "layers" / "config" / "brands")
    argv = ["x", "gapfill", "--brand", "acme", "--brands-dir", brands]
    window = ["--from", start.isoformat(), "--to", end.isoformat()]

    first = cli(*argv, *window)
    assert first.code == 0
    assert "mentions: 3 read, 3 new, 0 already stored; complete" in first.out
    again = cli(*argv, *window)  # all absorbed
    assert again.code == 0 and "3 read, 0 new, 3 already stored" in again.out
    table = stack.deployment.physical["ConversationsTable"]
    refs = [
        i["pk"]["S"]
        for i in boto3.client("dynamodb").scan(TableName=table)["Items"]
        if i["pk"]["S"].startswith(f"REF#x#{local.X_ACCOUNT_ID}#19900000000002")
    ]
    assert len(refs) == 3
    refused = cli(*argv, "--from", "tomorrow", "--to", end.isoformat())
    assert refused.code == 2 and "the gap fill failed" in refused.err
    assert json.loads((cli.folder / ".socialcare" / "local.json").read_text())["gateway"]
