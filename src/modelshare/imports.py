"""Nothing is imported from a release folder (``sys.path`` entries inside one are set aside).

Python puts the current folder first on ``sys.path`` for ``python -c``, ``python -m``,
notebooks and the interactive prompt. Run from inside a downloaded release, the first import
of a package the release ships a folder for (``safetensors/``, ``packaging/``, a model
class's package) would run the release's code instead of the installed package. While
modelshare reads a release, the ``sys.path`` entries that lie inside it are set aside.

Example:
    >>> with imports_outside(Path("downloads/penguin-species")):
    ...     import safetensors  # the installed package, whatever the folder holds
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from modelshare.layout import RECORD_FILE


@contextmanager
def imports_outside(folder: str | Path | None = None) -> Iterator[None]:
    """Set aside, for the duration of the block, the ``sys.path`` entries inside ``folder``
    and those inside any release folder (one holding ``modelshare.json``, or under one); the
    empty entry and ``.`` mean the current folder. They are put back afterwards.

    Example:
        >>> with imports_outside(Path(".")):
        ...     "" in sys.path
        False
    """
    root = Path(folder).resolve() if folder is not None else None
    before = list(sys.path)
    sys.path[:] = [entry for entry in before if not _set_aside(entry, root)]
    try:
        yield
    finally:
        added = [entry for entry in sys.path if entry not in before]
        sys.path[:] = before + added


def drop_release_folders_from_path() -> list[str]:
    """Remove, for good, the ``sys.path`` entries inside a release folder; return them. The
    command line calls this first, so ``python -m modelshare`` run from inside a downloaded
    release imports nothing from it.

    Example:
        >>> os.chdir("releases/penguin-species")
        >>> sys.path.insert(0, os.getcwd())  # as `python -m` does
        >>> drop_release_folders_from_path()
        ['/.../releases/penguin-species']
    """
    dropped = [entry for entry in sys.path if _set_aside(entry, None)]
    sys.path[:] = [entry for entry in sys.path if entry not in dropped]
    return dropped


def _set_aside(entry: str, root: Path | None) -> bool:
    try:
        resolved = Path(entry or os.curdir).resolve()
    except (OSError, RuntimeError):
        return False
    if root is not None and resolved.is_relative_to(root):
        return True
    return resolved.is_dir() and any(
        (folder / RECORD_FILE).is_file() for folder in (resolved, *resolved.parents)
    )
