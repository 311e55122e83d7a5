"""Filesystem writes that never leave anything half-written, and the lock writers share.

Example:
    >>> with atomic_directory(Path("releases/x")) as staging:
    ...     (staging / "README.md").write_text("# x")
    >>> Path("releases/x/README.md").exists()
    True
"""

from __future__ import annotations

import fcntl
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


@contextmanager
def locked(lock_file: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``lock_file``; the system releases it if the process dies.

    Example:
        >>> with locked(Path("registry/penguin-species/.lock")):
        ...     publish_one_version()
    """
    with open(lock_file, "ab") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        yield


def fsync_directory(folder: Path) -> None:
    """Make the entries of ``folder`` (files created, renamed or removed in it) durable.

    Example:
        >>> (folder / "a.txt").rename(folder / "b.txt")
        >>> fsync_directory(folder)
    """
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def fsync_tree(root: Path) -> None:
    """Make every folder under ``root``, and ``root`` itself, durable, deepest first.

    Files are not synced here: sync each one as it is written.

    Example:
        >>> fsync_tree(Path("registry/penguin-species/.1.0.0.x1y2.partial"))
    """
    for folder, _, _ in os.walk(root, topdown=False):
        fsync_directory(Path(folder))


def write_file_durably(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically and durably: temporary file, fsync, rename.

    Example:
        >>> write_file_durably(Path("releases/x/manifest.json"), b"{}")
    """
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    fsync_directory(path.parent)


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
