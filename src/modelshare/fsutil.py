"""Filesystem writes that never leave anything half-written.

Example:
    >>> with atomic_directory(Path("releases/x")) as staging:
    ...     (staging / "README.md").write_text("# x")
    >>> Path("releases/x/README.md").exists()
    True
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from modelshare.errors import ModelshareError


def ensure_free_target(target: Path, *, overwrite: bool) -> None:
    """Refuse a target that is a file, or a non-empty folder unless ``overwrite``.

    Example:
        >>> ensure_free_target(Path("releases/new"), overwrite=False)
    """
    if target.exists() and not target.is_dir():
        raise ModelshareError(f"{target} exists and is not a folder; choose another output path")
    if target.is_dir() and any(target.iterdir()) and not overwrite:
        raise ModelshareError(
            f"{target} already exists and is not empty; choose another output folder "
            "or pass --overwrite (overwrite=True) to replace it"
        )


@contextmanager
def atomic_directory(target: Path, *, overwrite: bool = False) -> Iterator[Path]:
    """Build a folder in a hidden sibling and rename it into place only when complete.

    If the block raises, the staging folder is removed and ``target`` is left as it was.
    With ``overwrite``, an existing ``target`` is replaced only after the new one is complete.

    Example:
        >>> with atomic_directory(Path("out"), overwrite=True) as staging:
        ...     (staging / "a.txt").write_text("a")
    """
    target = Path(target)
    ensure_free_target(target, overwrite=overwrite)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(
        tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    )
    try:
        yield staging
        os.chmod(staging, 0o755)
        _swap_into_place(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _swap_into_place(staging: Path, target: Path) -> None:
    """Rename ``staging`` to ``target``, keeping the old ``target`` until the rename succeeded."""
    if not target.exists():
        staging.rename(target)
        return
    backup = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.old")
    target.rename(backup)
    try:
        staging.rename(target)
    except BaseException:
        backup.rename(target)
        raise
    shutil.rmtree(backup, ignore_errors=True)
