"""`socialcare classify`: what a support lead runs to see how a message is read."""

import io
import json

import pytest

from socialcare_tools.cli import main


def test_one_message_prints_its_classification_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["classify", "Калі будзе дастаўка ў Мінск?"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["text"] == "Калі будзе дастаўка ў Мінск?" and printed["language"]["code"] == "be"


def test_standard_input_gives_one_line_of_json_per_message(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("Gdje je moja narudžba?\n🔥🔥\n"))
    assert main(["classify", "-"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["language"]["code"] for line in lines] == ["hr", "other"]
