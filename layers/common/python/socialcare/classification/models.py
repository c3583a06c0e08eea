"""The trained sentiment and topic models: small quantised fastText files in this package.

They load once per cold start. Before a byte reaches the C++ loader, each file is checked
against models.json (written by the training script): a missing file, a file whose checksum
does not match, or models trained for another version of the feature code fail the start
with an error that names the file and the fix, instead of a crash or silent nonsense.
"""

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from socialcare.classification import features
from socialcare.errors import ConfigurationError

MODELS = Path(__file__).resolve().parent / "models"
MANIFEST = "models.json"
NAMES = ("sentiment", "topic")
RETRAIN = "run `make models` to train them again"


@dataclass(frozen=True)
class Ranked:
    """Every label of a model with its probability, best first."""

    labels: tuple[tuple[str, float], ...]

    @property
    def best(self) -> tuple[str, float]:
        return self.labels[0]

    def probability(self, label: str) -> float:
        return next((p for name, p in self.labels if name == label), 0.0)


class TextModel:
    def __init__(self, name: str, model: Any) -> None:
        self.name = name
        self._model = model

    def rank(self, text: str) -> Ranked:
        labels, probabilities = self._model.predict(features.tokens(text), k=-1)
        return Ranked(
            tuple(
                (label.removeprefix("__label__"), min(1.0, max(0.0, float(p))))
                for label, p in zip(labels, probabilities, strict=True)
            )
        )


@dataclass(frozen=True)
class Models:
    sentiment: TextModel
    topic: TextModel


def feature_fingerprint(folder: Path = features.LEXICON) -> str:
    """The feature code and the lexicon the models were trained with."""
    digest = hashlib.sha256(Path(features.__file__).read_bytes())
    for path in sorted(folder.glob("*.txt")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def load_models(folder: Path = MODELS) -> Models:
    manifest_path = folder / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text())
        entries = {name: manifest["models"][name] for name in NAMES}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigurationError(
            f"{manifest_path} is missing or unreadable ({exc}); {RETRAIN}"
        ) from exc
    if manifest.get("features") != feature_fingerprint():
        raise ConfigurationError(
            "the models were trained with other features or another lexicon than this code"
            f" reads; {RETRAIN}"
        )
    return Models(**{name: _load(folder, name, entry) for name, entry in entries.items()})


def _load(folder: Path, name: str, entry: dict[str, Any]) -> TextModel:
    path = folder / str(entry.get("file", ""))
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigurationError(f"{name} model {path} cannot be read: {exc.strerror}") from exc
    if hashlib.sha256(data).hexdigest() != entry.get("sha256"):
        raise ConfigurationError(
            f"{name} model {path} is corrupt: its checksum differs from {MANIFEST}; {RETRAIN}"
        )
    import fasttext  # noqa: PLC0415 - fasttext-predict's C++ loader, only for a checked file

    try:
        return TextModel(name, fasttext.load_model(str(path)))
    except (ValueError, RuntimeError) as exc:
        raise ConfigurationError(f"{name} model {path} cannot be loaded: {exc}") from exc


@cache
def shipped() -> Models:
    """The package's models, loaded on first use (the classify function asks at cold start)."""
    return load_models()
