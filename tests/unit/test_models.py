"""The trained models: loaded once per cold start, refused clearly when missing or broken."""

import json
import shutil
from pathlib import Path

import pytest

from functions.classify_message import app as classify
from socialcare.classification import models
from socialcare.errors import ConfigurationError
from socialcare.settings import load_settings
from tests.conftest import BRANDS_DIR


@pytest.fixture
def copied(tmp_path: Path) -> Path:
    target = tmp_path / "models"
    shutil.copytree(models.MODELS, target)
    return target


def test_the_shipped_models_load_and_rank_every_label() -> None:
    loaded = models.load_models()
    ranked = loaded.sentiment.rank("thank you so much, the courier was lovely")
    assert {label for label, _ in ranked.labels} == {"negative", "neutral", "positive"}
    assert abs(sum(p for _, p in ranked.labels) - 1.0) < 0.01
    assert ranked.best[0] == "positive"


def test_the_manifest_describes_the_models_as_trained() -> None:
    manifest = json.loads((models.MODELS / models.MANIFEST).read_text())
    sentiment, topic = manifest["models"]["sentiment"], manifest["models"]["topic"]
    assert sentiment["labels"] == ["negative", "neutral", "positive"]
    assert "spam" in topic["labels"] and "order_status" in topic["labels"]
    assert manifest["own_messages"]["held_out"] > 0
    allowed = ("own", "bitext", "lexicon", "cedr-twitter", "cedr-lj", "cedr-lenta")
    assert set(sentiment["trained_on"]) <= set(allowed)  # never an evaluation-only set


def test_a_missing_model_file_fails_with_its_name(copied: Path) -> None:
    (copied / "topic.ftz").unlink()
    with pytest.raises(ConfigurationError, match=r"topic model .*topic\.ftz cannot be read"):
        models.load_models(copied)


def test_a_corrupt_model_file_is_refused_before_it_is_loaded(copied: Path) -> None:
    model = copied / "sentiment.ftz"
    model.write_bytes(model.read_bytes()[:1000])
    with pytest.raises(ConfigurationError, match=r"sentiment model .* is corrupt"):
        models.load_models(copied)


def test_a_missing_manifest_says_how_to_get_the_models_back(copied: Path) -> None:
    (copied / models.MANIFEST).unlink()
    with pytest.raises(ConfigurationError, match="make models"):
        models.load_models(copied)


def test_models_trained_with_other_features_are_refused(copied: Path) -> None:
    manifest = json.loads((copied / models.MANIFEST).read_text())
    manifest["features"] = "0" * 64
    (copied / models.MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(ConfigurationError, match="other features or another lexicon"):
        models.load_models(copied)


def test_the_classify_function_cold_start_fails_when_a_model_is_broken(
    copied: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (copied / "sentiment.ftz").write_bytes(b"not a model")
    monkeypatch.setenv("MODELS_DIR", str(copied))
    monkeypatch.setenv("TABLE_NAME", "conversations")
    monkeypatch.setenv("BRANDS_DIR", str(BRANDS_DIR))
    classify.build_deps.cache_clear()
    load_settings.cache_clear()  # read the environment again, as a new cold start does
    try:
        with pytest.raises(ConfigurationError, match=r"sentiment model .* is corrupt"):
            classify.build_deps()
    finally:
        classify.build_deps.cache_clear()
        load_settings.cache_clear()
