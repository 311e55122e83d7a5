"""The one check that a path holds a release, and the one message when it does not.

Every reader of a release folder (opening, loading, verifying, publishing, auditing, drift and
out-of-distribution references, the card page) asks :func:`require_release`; a hub that finds
no release at a reference says so with :func:`not_a_release`.

Example:
    >>> require_release("releases/penguin-species")
    PosixPath('releases/penguin-species')
    >>> Path("downloads").mkdir()
    >>> require_release("downloads")
    Traceback (most recent call last):
    ...
    modelshare.errors.NotAReleaseError: downloads is not a modelshare release: modelshare.json ...
"""

from __future__ import annotations

from collections.abc import Iterable
from os import PathLike
from pathlib import Path

from modelshare.errors import NotAReleaseError
from modelshare.layout import RECORD_FILE

RELEASE_HINT = "give a folder written by `modelshare release`, Release.save or `modelshare pull`"
"""What every "not a release" message tells the user to do instead."""


def not_a_release(where: object, reason: str) -> NotAReleaseError:
    """The error for a path or reference ``where`` that holds no release, and why.

    Example:
        >>> print(not_a_release("lab/penguins on http://127.0.0.1:8000", "manifest.json not found"))
        lab/penguins on http://127.0.0.1:8000 is not a modelshare release: manifest.json not ...
    """
    return NotAReleaseError(f"{where} is not a modelshare release: {reason}; {RELEASE_HINT}")


def require_release(path: str | PathLike[str], holding: Iterable[str] = (RECORD_FILE,)) -> Path:
    """``path`` as a folder that holds a release: a folder with each file of ``holding`` (the
    record by default; nothing more is read).

    Example:
        >>> require_release("releases/penguin-species", holding=["modelshare.json", "README.md"])
        PosixPath('releases/penguin-species')

    Raises:
        NotAReleaseError: ``path`` is no folder, or lacks one of ``holding``.
    """
    folder = Path(path)
    if not folder.is_dir():
        raise not_a_release(folder, "not a folder" if folder.exists() else "no such folder")
    for name in holding:
        if not (folder / name).is_file():
            raise not_a_release(folder, f"{name} not found")
    return folder
