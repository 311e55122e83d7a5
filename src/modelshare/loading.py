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
    >>> model.predict(X_new.head(3))
    array(['Adelie', 'Adelie', 'Adelie'], dtype=object)
    >>> _ = Path("releases/penguin-species/README.md").write_text("changed after the release")
    >>> load("releases/penguin-species")
    Traceback (most recent call last):
    ...
    modelshare.errors.IntegrityError: ...: README.md modified; it was not loaded
"""

from __future__ import annotations

from collections.abc import Iterable
from os import PathLike
from typing import Any

from modelshare.bundle import Bundle, open_release


def load(
    path: str | PathLike[str] | Bundle,
    *,
    model_class: type | None = None,
    trusted: Iterable[str] = (),
    allow_pickle: bool = False,
    allow_unverified: bool = False,
    require_signature: str | PathLike[str] | None = None,
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
        >>> Path("releases/penguin-species/manifest.json").unlink()
        >>> load("releases/penguin-species")
        Traceback (most recent call last):
        ...
        modelshare.errors.IntegrityError: releases/penguin-species has no manifest.json, so ...
        >>> load("releases/penguin-species", allow_unverified=True).classes_
        array(['Adelie', 'Chinstrap', 'Gentoo'], dtype=object)

    Raises:
        NotAReleaseError: ``path`` is no folder, or holds no modelshare.json (also a
            :class:`FileNotFoundError`).
        IntegrityError: a file differs from the manifest, or there is none and
            ``allow_unverified`` is False, or the signature does not match.
        UnsafeContentError: a file could run code, or needs a type nobody trusted.
        InvalidInputError: an argument that does not fit the release (also a
            :class:`ValueError`), or an invalid record.
        ModelshareError: the model cannot be built.
    """
    return open_release(path).load_model(
        trusted,
        model_class=model_class,
        allow_pickle=allow_pickle,
        allow_unverified=allow_unverified,
        require_signature=require_signature,
    )
