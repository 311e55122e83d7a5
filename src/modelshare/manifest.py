"""``manifest.json``: the size and sha256 of every file of a release, and its verification.

The manifest lists every file of the release folder except itself and the signature files
beside it (:data:`SIGNATURE_FILES`). Paths are relative, use ``/`` and never leave the folder.
A release holds regular files only: symbolic links are refused when the manifest is written
and never followed when a folder is verified.
Hashing reports its progress through :mod:`modelshare.progress` and prints nothing.

Example:
    >>> manifest = write_manifest(Path("releases/penguin-species"))
    >>> [entry.path for entry in manifest.files][:2]
    ['README.md', 'data_profile.json']
    >>> verify_folder(Path("releases/penguin-species")).ok
    True
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, BinaryIO, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from modelshare.errors import (
    IntegrityError,
    InvalidInputError,
    ModelshareError,
    first_validation_error,
)
from modelshare.fsutil import write_file_durably
from modelshare.layout import MANIFEST_FILE, SIGNATURE_FILES
from modelshare.progress import Advance, no_advance, tracked
from modelshare.release_folder import require_release
from modelshare.reports import Report

RESERVED_FILES = frozenset({MANIFEST_FILE, *SIGNATURE_FILES})
MANIFEST_SCHEMA_VERSION = "1.0"
CHUNK_SIZE = 1024 * 1024
"""Bytes read per call while hashing: memory stays bounded whatever the file size."""


def _discard(_: memoryview) -> None:
    """A writer that keeps nothing."""


def unsafe_path_reason(path: str) -> str | None:
    """Why ``path`` cannot name a file inside a release folder, or ``None`` when it can.

    Example:
        >>> unsafe_path_reason("images/confusion_matrix.png") is None
        True
        >>> unsafe_path_reason("../outside.txt")
        "has an empty, '.' or '..' component"
    """
    if not path:
        return "is empty"
    if "\x00" in path:
        return "contains a NUL character"
    if "\\" in path:
        return "contains a backslash; paths use '/'"
    if path.startswith("/"):
        return "is absolute"
    if any(part in ("", ".", "..") for part in path.split("/")):
        return "has an empty, '.' or '..' component"
    return None


class ManifestFile(BaseModel):
    """One file of a release: its relative path, size in bytes and sha256."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str = Field(description="path relative to the release folder, '/'-separated")
    size: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")

    @field_validator("path")
    @classmethod
    def _inside_the_release(cls, path: str) -> str:
        reason = unsafe_path_reason(path)
        if reason:
            raise ValueError(f"path {path!r} {reason}")
        if path in RESERVED_FILES:
            raise ValueError(f"path {path!r} is reserved for the manifest and its signature")
        return path


class Manifest(BaseModel):
    """``manifest.json``: every file of a release, sorted by path."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: str = MANIFEST_SCHEMA_VERSION
    algorithm: Literal["sha256"] = "sha256"
    files: tuple[ManifestFile, ...]

    @field_validator("files")
    @classmethod
    def _each_path_once(cls, files: tuple[ManifestFile, ...]) -> tuple[ManifestFile, ...]:
        seen: set[str] = set()
        for entry in files:
            if entry.path in seen:
                raise ValueError(f"path {entry.path!r} is listed twice")
            seen.add(entry.path)
        return files

    @property
    def total_size(self) -> int:
        """The size of all listed files together, in bytes."""
        return sum(entry.size for entry in self.files)

    def differences(self, other: Manifest) -> list[str]:
        """Paths whose entry differs between this manifest and ``other``, or is in one only.

        Example:
            >>> published = read_manifest(Path("releases/penguin-species"))
            >>> _ = Path("releases/penguin-species/README.md").write_text("# Penguins\\n")
            >>> candidate = write_manifest(Path("releases/penguin-species"))
            >>> published.differences(candidate)
            ['README.md']
        """
        mine = {entry.path: entry for entry in self.files}
        theirs = {entry.path: entry for entry in other.files}
        return sorted(p for p in mine.keys() | theirs.keys() if mine.get(p) != theirs.get(p))

    def to_json(self) -> bytes:
        """The manifest as written to ``manifest.json``."""
        return (self.model_dump_json(indent=2) + "\n").encode("utf-8")


class Digest(NamedTuple):
    """The size and sha256 of one file's content."""

    size: int
    sha256: str


@dataclass(frozen=True)
class Verification(Report):
    """How a folder compares with its manifest; ``ok`` when nothing differs.

    Example:
        >>> folder = Path("releases/penguin-species")
        >>> _ = (folder / "model.skops").write_bytes(b"tampered")
        >>> _ = (folder / "notes.txt").write_text("added")
        >>> (folder / "model.sig").symlink_to("model.skops")
        >>> result = verify_folder(folder)
        >>> result.modified, result.missing, result.extra, result.not_regular
        (('model.skops',), (), ('notes.txt',), ('model.sig',))
    """

    folder: Path
    manifest: Manifest
    modified: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()
    not_regular: tuple[str, ...] = ()
    """The manifest's or a signature's name held by a link, folder or special file: whatever
    it points at would be read or uploaded as part of the release."""

    @property
    def ok(self) -> bool:
        """True when every listed file is present and unchanged, no other file exists, and
        the manifest and signatures are regular files."""
        return not (self.modified or self.missing or self.extra or self.not_regular)

    def problems(self) -> list[tuple[str, str]]:
        """``(path, "modified" | "missing" | "extra" | "not a regular file")`` for every
        difference, by path."""
        found = [(path, "modified") for path in self.modified]
        found += [(path, "missing") for path in self.missing]
        found += [(path, "extra") for path in self.extra]
        found += [(path, "not a regular file") for path in self.not_regular]
        return sorted(found)

    def describe(self) -> str:
        """The differences in one line, e.g. ``model.skops modified, notes.txt extra``."""
        return ", ".join(f"{path} {status}" for path, status in self.problems())

    def require_match(self, outcome: str, *, name: str | None = None) -> None:
        """Refuse, in one line ending with ``outcome``, a folder that differs from its
        manifest; ``name`` is how the message calls it (default: the folder's path).

        Example:
            >>> _ = Path("releases/penguin-species/model.skops").write_bytes(b"tampered")
            >>> verify_folder(Path("releases/penguin-species")).require_match("nothing was signed")
            Traceback (most recent call last):
            ...
            modelshare.errors.IntegrityError: releases/penguin-species does not match its ...
        """
        if not self.ok:
            raise IntegrityError(
                f"{name or self.folder} does not match its manifest: {self.describe()}; {outcome}"
            )

    def to_dict(self) -> dict[str, Any]:
        """The verification as plain data, for ``--json`` output."""
        return {
            "path": str(self.folder),
            "ok": self.ok,
            "files": len(self.manifest.files),
            "bytes": self.manifest.total_size,
            "modified": list(self.modified),
            "missing": list(self.missing),
            "extra": list(self.extra),
            "not_regular": list(self.not_regular),
        }


@dataclass(frozen=True)
class _Listing:
    """What a folder holds: regular files by relative path with their size, and anything
    else that is not a folder (symbolic links, sockets, devices), which is never opened."""

    regular: dict[str, int]
    other: frozenset[str]


def _list_folder(folder: Path) -> _Listing:
    """Every non-folder entry under ``folder``, without following symbolic links."""
    regular: dict[str, int] = {}
    other: set[str] = set()
    for root, folders, files in os.walk(folder):
        base = Path(root)
        for name in [*files, *folders]:
            info = os.lstat(base / name)
            relative = (base / name).relative_to(folder).as_posix()
            if stat.S_ISREG(info.st_mode):
                regular[relative] = info.st_size
            elif not stat.S_ISDIR(info.st_mode):
                other.add(relative)
    return _Listing(regular, frozenset(other))


def _open_no_follow(path: Path) -> BinaryIO:
    """Open a file for reading, refusing a symbolic link in its last component."""
    no_follow = getattr(os, "O_NOFOLLOW", 0)
    return open(
        path, "rb", buffering=0, opener=lambda name, flags: os.open(name, flags | no_follow)
    )


@contextmanager
def _copy_sink(target: Path | None) -> Iterator[Callable[[memoryview], object]]:
    """A writer into a new file at ``target`` that is synced to disk on close; or a no-op."""
    if target is None:
        yield _discard
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "xb") as file:
        yield file.write
        file.flush()
        os.fsync(file.fileno())


def hash_file(path: Path, *, copy_to: Path | None = None, advance: Advance = no_advance) -> Digest:
    """The size and sha256 of a file, read in :data:`CHUNK_SIZE` chunks into one buffer.

    With ``copy_to``, the bytes are also written to that new file (synced to disk) as they
    are read, so a copy and its hash come from one read. ``advance`` is called with the
    number of bytes of each chunk.

    Example:
        >>> hash_file(Path("releases/penguin-species/model.skops")).size
        184856
    """
    digest = hashlib.sha256()
    buffer = bytearray(CHUNK_SIZE)
    view = memoryview(buffer)
    size = 0
    with _open_no_follow(path) as source, _copy_sink(copy_to) as write:
        while count := source.readinto(buffer):
            chunk = view[:count]
            digest.update(chunk)
            write(chunk)
            size += count
            advance(count)
    return Digest(size, digest.hexdigest())


def write_manifest(folder: str | Path) -> Manifest:
    """Hash every file of ``folder`` and write its ``manifest.json`` (atomically, durably).

    Refuses symbolic links and other special files: a release holds regular files only.

    Example:
        >>> len(write_manifest(Path("releases/penguin-species")).files)
        17

    Raises:
        InvalidInputError: no such folder, or it holds a link, a special file or a file name
            a release cannot hold.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InvalidInputError(f"cannot write the manifest of {folder}: no such folder")
    listing = _list_folder(folder)
    if listing.other:
        raise InvalidInputError(
            f"cannot write the manifest of {folder}: {min(listing.other)} is a symbolic link or "
            "special file; a release holds regular files only: replace it with the file itself"
        )
    paths = sorted(path for path in listing.regular if path not in RESERVED_FILES)
    for path in paths:
        reason = unsafe_path_reason(path)
        if reason:
            raise InvalidInputError(f"cannot write the manifest of {folder}: {path!r} {reason}")
    total = sum(listing.regular[p] for p in paths)
    with tracked(total, f"hashing {folder.name}") as advance:
        files = [
            ManifestFile(path=path, **hash_file(folder / path, advance=advance)._asdict())
            for path in paths
        ]
    manifest = Manifest(files=tuple(files))
    write_file_durably(folder / MANIFEST_FILE, manifest.to_json())
    return manifest


def _read_manifest_bytes(folder: Path) -> tuple[bytes, Manifest]:
    """The bytes of ``folder/manifest.json`` and the manifest they hold."""
    path = require_release(folder, holding=()) / MANIFEST_FILE
    if path.is_symlink() or (path.exists() and not path.is_file()):
        raise IntegrityError(f"{path} is not a regular file; a manifest is never a link")
    if not path.exists():
        raise IntegrityError(_no_manifest(folder, "nothing was checked"))
    with _open_no_follow(path) as file:
        data = file.read()
    try:
        manifest = Manifest.model_validate_json(data)
    except ValidationError as error:
        raise IntegrityError(
            f"{path} is not a valid manifest: {first_validation_error(error)}"
        ) from error
    if manifest.schema_version.split(".")[0] != MANIFEST_SCHEMA_VERSION.split(".")[0]:
        raise ModelshareError(
            f"{path} has schema version {manifest.schema_version}; this modelshare reads "
            f"{MANIFEST_SCHEMA_VERSION}: upgrade modelshare"
        )
    return data, manifest


def read_manifest(folder: str | Path) -> Manifest:
    """Read and validate ``folder/manifest.json``; a path leaving the folder is refused.

    Example:
        >>> len(read_manifest(Path("releases/penguin-species")).files)
        17

    Raises:
        NotAReleaseError: ``folder`` is no folder.
        IntegrityError: the manifest is missing, a link, or invalid.
        ModelshareError: the manifest is of a newer schema than this modelshare reads.
    """
    return _read_manifest_bytes(Path(folder))[1]


def unverified_files(folder: str | Path, paths: list[str]) -> list[str]:
    """Which of ``paths`` do not match ``folder``'s manifest: modified, missing or not listed
    (each as ``"path (status)"``).

    Example:
        >>> _ = Path("releases/penguin-species/data_profile.json").write_text("{}")
        >>> unverified_files(Path("releases/penguin-species"), ["data_profile.json"])
        ['data_profile.json (modified)']

    Raises:
        IntegrityError: the folder has no manifest, so nothing in it can be checked.
    """
    folder = Path(folder)
    if not (folder / MANIFEST_FILE).is_file():
        raise IntegrityError(_no_manifest(folder, "it was not used"))
    listed = {entry.path: entry for entry in read_manifest(folder).files}
    listing = _list_folder(folder)
    problems = []
    for path in paths:
        entry = listed.get(path)
        status = (
            "not listed"
            if entry is None
            else _entry_status(folder, entry, listing, None, no_advance)
        )
        if status is not None:
            problems.append(f"{path} ({status})")
    return problems


def refuse_unverified(folder: str | Path, paths: list[str]) -> None:
    """Refuse, in one line, a release whose files among ``paths`` differ from its manifest,
    or that has no manifest at all.

    Example:
        >>> _ = Path("releases/penguin-species/data_profile.json").write_text("{}")
        >>> refuse_unverified(Path("releases/penguin-species"), ["data_profile.json"])
        Traceback (most recent call last):
        ...
        modelshare.errors.IntegrityError: releases/penguin-species does not match its ...

    Raises:
        IntegrityError: a file differs, is missing or is not listed; or there is no manifest.
    """
    problems = unverified_files(folder, paths)
    if problems:
        raise IntegrityError(
            f"{folder} does not match its manifest: {', '.join(problems)}; get the release "
            "again from its publisher"
        )


def require_verified(
    folder: str | Path, outcome: str, *, allow_unverified: bool = False
) -> Verification | None:
    """Check a received release against its manifest before anything of it is used.

    Without a manifest nothing can be checked: refused, unless ``allow_unverified`` (the
    caller vouches for the folder, e.g. one they built), and then None is returned. A
    listed file that is modified or missing is always refused; files the manifest does not
    list are refused unless ``allow_unverified``. ``outcome`` ends the message, e.g.
    ``"it was not loaded"``.

    Example:
        >>> require_verified(Path("releases/penguin-species"), "it was not loaded").ok
        True

    Raises:
        IntegrityError: the folder differs from its manifest or has none.
    """
    folder = Path(folder)
    manifest = folder / MANIFEST_FILE
    if not manifest.exists() and not manifest.is_symlink():
        if allow_unverified:
            return None
        raise IntegrityError(
            f"{_no_manifest(folder, outcome)}, or pass allow_unverified=True only for a "
            "folder you made yourself"
        )
    verification = verify_folder(folder)
    if allow_unverified:
        verification = replace(verification, extra=())
    verification.require_match(outcome)
    return verification


def require_manifest(folder: str | Path, outcome: str) -> None:
    """Refuse a folder that has no manifest: none of its files can be checked.

    Example:
        >>> Path("downloads/unknown").mkdir(parents=True)
        >>> require_manifest(Path("downloads/unknown"), "it was not loaded")
        Traceback (most recent call last):
        ...
        modelshare.errors.IntegrityError: downloads/unknown has no manifest.json, so none ...

    Raises:
        NotAReleaseError: ``folder`` is no folder.
        IntegrityError: ``folder/manifest.json`` does not exist; a manifest that exists but
            is not a regular file is refused by :func:`read_manifest`.
    """
    manifest = require_release(folder, holding=()) / MANIFEST_FILE
    if not manifest.exists() and not manifest.is_symlink():
        raise IntegrityError(_no_manifest(Path(folder), outcome))


def _no_manifest(folder: Path, outcome: str) -> str:
    return (
        f"{folder} has no {MANIFEST_FILE}, so none of its files can be checked; {outcome}: "
        "get the release again from its publisher"
    )


def _entry_status(
    folder: Path, entry: ManifestFile, listing: _Listing, copy_to: Path | None, advance: Advance
) -> str | None:
    """``"modified"`` or ``"missing"`` for one listed file, ``None`` when it matches."""
    size = listing.regular.get(entry.path)
    if entry.path in listing.other or (size is not None and size != entry.size):
        return "modified"
    if size is None:
        return "missing"
    target = copy_to / entry.path if copy_to else None
    digest = hash_file(folder / entry.path, copy_to=target, advance=advance)
    return None if digest == (entry.size, entry.sha256) else "modified"


def _compare(folder: Path, manifest: Manifest, copy_to: Path | None = None) -> Verification:
    """Compare ``folder`` with ``manifest``, hashing every listed file once; with
    ``copy_to``, copy each listed file there while hashing it."""
    listing = _list_folder(folder)
    with tracked(manifest.total_size, f"verifying {folder.name}") as advance:
        statuses = {
            entry.path: _entry_status(folder, entry, listing, copy_to, advance)
            for entry in manifest.files
        }
    listed = statuses.keys() | RESERVED_FILES
    return Verification(
        folder,
        manifest,
        modified=tuple(path for path, status in statuses.items() if status == "modified"),
        missing=tuple(path for path, status in statuses.items() if status == "missing"),
        extra=tuple(sorted((listing.regular.keys() | listing.other) - listed)),
        not_regular=tuple(name for name in sorted(RESERVED_FILES) if _is_special(folder / name)),
    )


def _is_special(path: Path) -> bool:
    """Whether ``path`` exists as anything but a regular file (a link is not followed)."""
    try:
        return not stat.S_ISREG(os.lstat(path).st_mode)
    except FileNotFoundError:
        return False


def verify_folder(folder: str | Path) -> Verification:
    """Re-hash every file of ``folder`` and compare it with the folder's manifest.

    Example:
        >>> _ = Path("releases/penguin-species/model.skops").write_bytes(b"tampered")
        >>> result = verify_folder(Path("releases/penguin-species"))
        >>> result.ok, result.describe()
        (False, 'model.skops modified')
    """
    folder = Path(folder)
    return _compare(folder, read_manifest(folder))


def copy_verified(source: str | Path, destination: str | Path) -> Verification:
    """Copy the release at ``source`` into the empty folder ``destination``, hashing each
    file as it is read; every copied file is synced to disk.

    Only the files the manifest lists are copied, with the manifest itself and any signature
    file. The caller discards ``destination`` unless the result is ``ok``.

    Example:
        >>> copy_verified(Path("releases/penguin-species"), Path("staging")).ok
        True
    """
    source, destination = Path(source), Path(destination)
    data, manifest = _read_manifest_bytes(source)
    verification = _compare(source, manifest, copy_to=destination)
    for name in SIGNATURE_FILES:
        if (source / name).is_file() and not (source / name).is_symlink():
            hash_file(source / name, copy_to=destination / name)
    write_file_durably(destination / MANIFEST_FILE, data)
    return verification
