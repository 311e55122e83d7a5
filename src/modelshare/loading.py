"""``modelshare.load``: open a release and return its model, never running code from it.

The receiver decides what a release may do; nothing the release says about itself grants
anything. Before a model is built:

1. every file is checked against ``manifest.json``; a release without one is refused unless
   the caller passes ``allow_unverified=True``;
2. with ``require_signature``, the release must be signed by that public key;
3. every file the loaders read (those at the top of the folder) is judged by its content: a
   pickle is refused unless the caller passes ``allow_pickle=True``, anything the scanner
   finds unsafe is refused always, and a skops file may build only the types modelshare
   trusts by default plus those the caller names in ``trusted``
   (:mod:`modelshare.safety.trust`).

Models are then built only from formats that cannot run code: skops, safetensors, JSON
configurations; pickled weights that were allowed are read only by
``torch.load(weights_only=True)``. Nothing is imported from the release folder, even when it
is the current folder (:mod:`modelshare.imports`).

Example:
    >>> model = load("releases/penguin-species")
    >>> net = load("releases/seed-model", model_class=MyModel)
    >>> forest = load("releases/forest", trusted=["sklearn.tree._tree.Tree"])
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from modelshare.bundle import Bundle
from modelshare.errors import ModelshareError, UsageError
from modelshare.imports import imports_outside
from modelshare.manifest import require_verified
from modelshare.safety import refuse_pickle

NOT_LOADED = "it was not loaded"


def load(
    path: str | Path,
    *,
    model_class: type | None = None,
    trusted: Iterable[str] = (),
    allow_pickle: bool = False,
    allow_unverified: bool = False,
    require_signature: str | Path | None = None,
) -> Any:
    """The model of a release folder, after the checks above.

    - scikit-learn: loaded by skops; ``trusted`` names the types you grant beyond
      modelshare's default list (``modelshare scan`` and ``modelshare show`` list what a
      model needs, and why each type is risky).
    - PyTorch: ``model_class`` is the class to build (not needed for a
      ``PyTorchModelHubMixin`` class, which is imported from the installed packages, never
      from the release folder, and loaded with its ``from_pretrained``).
    - transformers: the Auto class of the recorded architecture, local files only, no
      remote code.

    Example:
        >>> load("releases/seed-model", model_class=MyModel)(torch.rand(1, 3, 32)).shape
        torch.Size([1, 3, 10])

    Raises:
        IntegrityError: a file differs from the manifest, or there is none and
            ``allow_unverified`` is False.
        UnsafeContentError: a file could run code, or needs a type nobody trusted.
        ModelshareError: not a release, a wrong signature, or a model that cannot be built.
    """
    folder = Path(path)
    with imports_outside(folder):
        return _load(
            folder,
            model_class=model_class,
            trusted=list(trusted),
            allow_pickle=allow_pickle,
            allow_unverified=allow_unverified,
            require_signature=require_signature,
        )


def _load(
    folder: Path,
    *,
    model_class: type | None,
    trusted: list[str],
    allow_pickle: bool,
    allow_unverified: bool,
    require_signature: str | Path | None,
) -> Any:
    bundle = Bundle.open(folder)
    require_verified(folder, NOT_LOADED, allow_unverified=allow_unverified)
    if require_signature is not None:
        from modelshare.signing import verify_signature

        verify_signature(folder, require_signature)
    facts = bundle.record.model
    scans = {
        file.name: refuse_pickle(file, allow_pickle=allow_pickle, trusted=trusted)
        for file in _read_files(folder)
    }
    if facts.file not in scans:
        raise ModelshareError(f"{folder} has no {facts.file}: the release is incomplete")
    weights_format = scans[facts.file].format
    if facts.framework == "scikit-learn":
        from modelshare.models.sklearn import load_model

        return load_model(folder / facts.file, trusted)
    if trusted:
        raise UsageError("trusted= lists skops types; it applies to scikit-learn releases")
    if facts.framework == "pytorch":
        from modelshare.models.pytorch import load_network

        return load_network(folder, facts, model_class, weights_format)
    from modelshare.models.transformers import load_pretrained

    return load_pretrained(folder, facts, weights_format)


def _read_files(folder: Path) -> list[Path]:
    """The files loaders read: every regular file at the top of the release folder (the
    manifest check has refused links and special files)."""
    return sorted(path for path in folder.iterdir() if path.is_file() and not path.is_symlink())
