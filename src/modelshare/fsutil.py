"""Filesystem writes that never leave anything half-written, and the lock writers share.

Example:
    >>> with atomic_directory(Path("releases/x")) as staging:
    ...     _ = (staging / "README.md").write_text("# x")
    >>> Path("releases/x/README.md").exists()
    True
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from modelshare.errors import InvalidInputError
from modelshare.layout import CONFIG_FILE, MANIFEST_FILE, RECORD_FILE, WEIGHTS_FILE

FREE_FOLDER_HINT = "choose an empty or new folder"
"""What every refused output folder tells the user to do instead."""


def ensure_free_target(target: Path, *, overwrite: bool, inputs: Iterable[Path] = ()) -> None:
    """Refuse an output folder that a command may not write, before anything is read or built.

    Free: a new path or an empty folder. With ``overwrite``, a folder modelshare wrote
    (:func:`is_modelshare_output`) may be replaced too. Never: a file or a symbolic link, the
    current folder or one of its parents (the filesystem root included), the home folder,
    or a folder holding one of ``inputs``, the files the command reads.

    Example:
        >>> ensure_free_target(Path("releases/new"), overwrite=False)
        >>> ensure_free_target(Path("."), overwrite=True)
        Traceback (most recent call last):
        modelshare.errors.InvalidInputError: . is the current folder or one of its parents; ...

    Raises:
        InvalidInputError: the target may not be written, or holds something only
            ``overwrite`` replaces.
    """
    target = Path(target)
    reason = _protected_reason(target, inputs)
    if reason is not None:
        raise InvalidInputError(f"{target} {reason}; {FREE_FOLDER_HINT}")
    if not target.is_dir() or not any(target.iterdir()):
        return
    if not is_modelshare_output(target):
        raise InvalidInputError(
            f"{target} is not empty and modelshare did not write it; {FREE_FOLDER_HINT} "
            "(--overwrite replaces only a release or a converted model)"
        )
    if not overwrite:
        raise InvalidInputError(
            f"{target} is not empty (an earlier modelshare output); {FREE_FOLDER_HINT}, "
            "or pass --overwrite (overwrite=True) to replace it"
        )


def is_modelshare_output(folder: Path) -> bool:
    """Whether ``folder`` looks like what modelshare writes, so ``overwrite`` may replace it: a
    release (``modelshare.json`` and ``manifest.json``) or a converted model (``model.safetensors``
    and at most a ``config.json`` beside it).

    Example:
        >>> is_modelshare_output(Path("releases/penguin-species"))
        True
        >>> is_modelshare_output(Path.home())
        False
    """
    names = {entry.name for entry in folder.iterdir()}
    release = {RECORD_FILE, MANIFEST_FILE} <= names
    conversion = WEIGHTS_FILE in names and names <= {WEIGHTS_FILE, CONFIG_FILE}
    return release or conversion


@contextmanager
def atomic_directory(
    target: Path, *, overwrite: bool = False, inputs: Iterable[Path] = ()
) -> Iterator[Path]:
    """Build a folder in a hidden sibling and rename it into place only when complete.

    If the block raises, the staging folder is removed and ``target`` is left as it was.
    With ``overwrite``, an existing ``target`` that modelshare wrote is replaced only after
    the new one is complete; :func:`ensure_free_target` says which targets are refused.

    Example:
        >>> with atomic_directory(Path("out"), overwrite=True) as staging:
        ...     _ = (staging / "a.txt").write_text("a")

    Raises:
        InvalidInputError: ``target`` may not be written (see :func:`ensure_free_target`).
    """
    ensure_free_target(target, overwrite=overwrite, inputs=inputs)
    target = Path(target).resolve()
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
        >>> with locked(Path("releases/.lock")):
        ...     print("one writer at a time")
        one writer at a time
    """
    with open(lock_file, "ab") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        yield


def fsync_directory(folder: Path) -> None:
    """Make the entries of ``folder`` (files created, renamed or removed in it) durable.

    Example:
        >>> folder = Path("releases/penguin-species")
        >>> _ = (folder / "README.md").rename(folder / "CARD.md")
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
        >>> fsync_tree(Path("releases/penguin-species"))
    """
    for folder, _, _ in os.walk(root, topdown=False):
        fsync_directory(Path(folder))


def write_file_durably(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically and durably: temporary file, fsync, rename.

    Example:
        >>> write_file_durably(Path("releases/penguin-species/notes.json"), b"{}")
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


def _protected_reason(target: Path, inputs: Iterable[Path]) -> str | None:
    """Why ``target`` may never be written, whatever it holds; ``None`` when it may be."""
    if target.is_symlink():
        return "is a symbolic link"
    if target.exists() and not target.is_dir():
        return "exists and is not a folder"
    resolved = target.resolve()
    current = Path.cwd().resolve()
    if resolved == current or resolved in current.parents:
        return "is the current folder or one of its parents"
    if resolved == Path(os.path.expanduser("~")).resolve():
        return "is the home folder"
    for given in inputs:
        read = Path(given).resolve()
        if read == resolved or resolved in read.parents:
            return f"holds {given}, which this command reads"
    return None
