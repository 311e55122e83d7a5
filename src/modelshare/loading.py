"""``modelshare.load``: open a release and return its model, never running code from it.

Before anything is read, every file is checked against ``manifest.json`` (when the release has
one), and every file the loaders read (those at the top of the folder) is judged by its
content: a pickle is refused unless the caller passes ``allow_pickle=True``, and anything the
scanner finds unsafe is refused always. Models are then built only from formats that cannot
run code: skops with the recorded trust list, safetensors, JSON configurations; pickled
weights that were allowed are read only by ``torch.load(weights_only=True)``.

Example:
    >>> model = load("releases/penguin-species")
    >>> net = load("releases/seed-model", model_class=MyModel)
    >>> bert = load("releases/review-sentiment")
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from modelshare.bundle import Bundle
from modelshare.errors import ModelshareError
from modelshare.manifest import MANIFEST_FILE, verify_folder
from modelshare.safety import refuse_pickle


def load(
    path: str | Path,
    *,
    model_class: type | None = None,
    trusted: list[str] | None = None,
    allow_pickle: bool = False,
) -> Any:
    """The model of a release folder.

    - scikit-learn: loaded by skops trusting the recorded types; ``trusted`` may restrict
      them (``modelshare.json`` lists them under ``model.trusted_types``).
    - PyTorch: ``model_class`` is the class to build (not needed for a
      ``PyTorchModelHubMixin`` class, which is imported from the installed packages and
      loaded with its ``from_pretrained``).
    - transformers: the Auto class of the recorded architecture, local files only, no
      remote code.

    Example:
        >>> load("releases/seed-model", model_class=MyModel)(torch.rand(1, 3, 32)).shape
        torch.Size([1, 3, 10])
    """
    folder = Path(path)
    bundle = Bundle.open(folder)
    _verify(folder)
    facts = bundle.record.model
    scans = {
        file.name: refuse_pickle(file, allow_pickle=allow_pickle) for file in _read_files(folder)
    }
    if facts.file not in scans:
        raise ModelshareError(f"{folder} has no {facts.file}: the release is incomplete")
    weights_format = scans[facts.file].format
    if facts.framework == "scikit-learn":
        return bundle.load_model(trusted)
    if trusted is not None:
        raise ModelshareError("trusted= lists skops types; it applies to scikit-learn releases")
    if facts.framework == "pytorch":
        from modelshare.models.pytorch import load_network

        return load_network(folder, facts, model_class, weights_format)
    from modelshare.models.transformers import load_pretrained

    return load_pretrained(folder, facts, weights_format)


def _verify(folder: Path) -> None:
    """Refuse a release whose files differ from its manifest."""
    if (folder / MANIFEST_FILE).is_file():
        verify_folder(folder).require_match(
            "it was not loaded: get the release again from its publisher"
        )


def _read_files(folder: Path) -> list[Path]:
    """The files loaders read: every file at the top of the release folder."""
    return sorted(path for path in folder.iterdir() if path.is_file())
