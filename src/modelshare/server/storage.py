"""What the server stores: content-addressed blobs, immutable commits and movable refs.

Layout under the server's root::

    blobs/ab/ab12…              file contents, named by their sha256; never changed once written
    cards/ab/ab12….json         what model_info reports of the card whose blob is ab12…, read
                                once when it is committed; derived again if missing
    tmp/                        uploads being received; renamed into blobs/ only when verified
    repos/ORG/NAME/
        repo.json               {"private": …, "created_at": …}
        commits/OID.json        one commit: parent, summary, description, date, and its files
                                (path -> sha256, size, git oid, whether it came through LFS)
        refs/heads/main         the commit the branch points at
        refs/tags/TAG           the commit a tag points at (tags never move)
        .lock                   held (flock) while a commit or a tag is written

Every file is written to a temporary name, synced and renamed into place; a commit is
written before the ref that points at it, so a reader sees the old commit or the new one.

Example:
    >>> store = RepoStore(Path("hub"))
    >>> store.create_repo("lab/penguins", private=False)
    True
    >>> store.resolve("lab/penguins", "main").files
    {}
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated

from pydantic import Field

from modelshare.fsutil import (
    atomic_directory,
    fsync_directory,
    fsync_tree,
    locked,
    write_file_durably,
)
from modelshare.manifest import unsafe_path_reason
from modelshare.record import is_hub_name
from modelshare.server.errors import (
    ApiError,
    bad_request,
    entry_not_found,
    repo_not_found,
    revision_not_found,
)

MAIN = "main"
SHA256 = re.compile(r"[0-9a-f]{64}")
COMMIT_OID = re.compile(r"[0-9a-f]{40}")
Sha256 = Annotated[str, Field(pattern=f"^{SHA256.pattern}$")]
"""A sha256 in a request body: 64 lowercase hex digits."""
CommitOid = Annotated[str, Field(pattern=f"^{COMMIT_OID.pattern}$")]
"""A commit id in a request body: 40 lowercase hex digits."""
_TAG = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._+-]{0,126}[A-Za-z0-9])?")
LFS_POINTER = "version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize {size}\n"


def utc_now() -> str:
    """The current time as the Hub writes it, e.g. ``2025-05-01T12:00:00.000Z``."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def git_blob_oid(data: bytes) -> str:
    """The git object id of a file's content, as git and the Hub compute it.

    Example:
        >>> git_blob_oid(b"")
        'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391'
    """
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def checked_path(path: str) -> str:
    """A file path inside a repository, or 400: no ``..``, absolute path, backslash or NUL.

    Example:
        >>> checked_path("images/confusion_matrix.png")
        'images/confusion_matrix.png'
    """
    reason = unsafe_path_reason(path)
    if reason:
        raise bad_request(f"invalid path {path!r}: it {reason}")
    return path


def checked_repo_id(repo_id: str) -> str:
    """``ORG/NAME``, each part letters, digits, ``.``, ``_`` or ``-``; else 400.

    Example:
        >>> checked_repo_id("lab/penguin-species")
        'lab/penguin-species'
    """
    parts = repo_id.split("/")
    valid = len(parts) == 2 and all(is_hub_name(part) for part in parts)
    if not valid:
        raise bad_request(
            f"invalid repository id {repo_id!r}: use ORG/NAME with letters, digits, '.', '_' "
            "or '-' (at most 96 characters each)"
        )
    return repo_id


def checked_tag(tag: str) -> str:
    """A tag name this server stores: letters, digits, ``.``, ``_``, ``+``, ``-``; else 400.

    Example:
        >>> checked_tag("1.0.0")
        '1.0.0'
    """
    if not _TAG.fullmatch(tag) or ".." in tag or COMMIT_OID.fullmatch(tag) or tag == MAIN:
        raise bad_request(
            f"invalid tag {tag!r}: use letters, digits, '.', '_', '+' or '-', "
            "neither 'main' nor a commit id"
        )
    return tag


@dataclass(frozen=True)
class StoredFile:
    """One file of a commit: its content's sha256 and size, git oid, and how it arrived."""

    sha256: str
    size: int
    git_oid: str
    lfs: bool = False

    @classmethod
    def regular(cls, data: bytes, sha256: str) -> StoredFile:
        """A file sent inline in a commit."""
        return cls(sha256, len(data), git_blob_oid(data))

    @classmethod
    def large(cls, sha256: str, size: int) -> StoredFile:
        """A file uploaded through LFS; its git oid is that of its LFS pointer."""
        pointer = LFS_POINTER.format(oid=sha256, size=size).encode()
        return cls(sha256, size, git_blob_oid(pointer), lfs=True)

    @property
    def upload_oid(self) -> str:
        """The id the client compares with its own to skip unchanged files."""
        return self.sha256 if self.lfs else self.git_oid

    @property
    def pointer_size(self) -> int:
        """The size of the file's LFS pointer."""
        return len(LFS_POINTER.format(oid=self.sha256, size=self.size))


@dataclass(frozen=True)
class Commit:
    """One immutable revision of a repository: every file by path."""

    oid: str
    parent: str | None
    summary: str
    description: str
    date: str
    files: dict[str, StoredFile] = field(default_factory=dict)

    def to_json(self) -> bytes:
        """The commit as stored in ``commits/OID.json``."""
        return json.dumps(asdict(self), indent=1, sort_keys=True).encode()

    @classmethod
    def from_json(cls, data: bytes) -> Commit:
        """Read a stored commit."""
        fields = json.loads(data)
        files = {path: StoredFile(**entry) for path, entry in fields.pop("files").items()}
        return cls(**fields, files=files)


@dataclass(frozen=True)
class AddFile:
    """Commit operation: add or replace the file at ``path``."""

    path: str
    file: StoredFile


@dataclass(frozen=True)
class DeleteFile:
    """Commit operation: delete the file at ``path``."""

    path: str


@dataclass(frozen=True)
class DeleteFolder:
    """Commit operation: delete every file under the folder ``path``."""

    path: str


Operation = AddFile | DeleteFile | DeleteFolder


@dataclass(frozen=True)
class RepoInfo:
    """A repository's own settings."""

    repo_id: str
    private: bool
    created_at: str


@dataclass(frozen=True)
class Refs:
    """A repository's branches and tags, each name -> commit oid."""

    branches: dict[str, str]
    tags: dict[str, str]


def _new_commit(
    parent: str | None, summary: str, description: str, files: dict[str, StoredFile]
) -> Commit:
    """A commit whose oid is the sha1 of everything it holds, so it can never change."""
    draft = Commit("", parent, summary, description, utc_now(), dict(sorted(files.items())))
    oid = hashlib.sha1(draft.to_json(), usedforsecurity=False).hexdigest()
    return Commit(oid, parent, summary, description, draft.date, draft.files)


def _check_no_file_folder_clash(paths: Iterable[str]) -> None:
    """Refuse a tree where one path is both a file and a folder (``a`` and ``a/b``)."""
    files = set(paths)
    for path in files:
        parts = path.split("/")
        for depth in range(1, len(parts)):
            if "/".join(parts[:depth]) in files:
                raise bad_request(f"{path!r} would be inside {'/'.join(parts[:depth])!r}, a file")


def apply_operations(
    repo_id: str, head: Commit, operations: Iterable[Operation]
) -> dict[str, StoredFile]:
    """The files of ``head`` after the operations, in order; a missing deletion is 404.

    Example:
        >>> file = StoredFile.regular(b"hi", hashlib.sha256(b"hi").hexdigest())
        >>> files = {"README.md": file, "notes.txt": file}
        >>> head = Commit("0" * 40, None, "start", "", utc_now(), files)
        >>> apply_operations("lab/penguins", head, [DeleteFile("notes.txt")]).keys()
        dict_keys(['README.md'])
    """
    files = dict(head.files)
    for operation in operations:
        if isinstance(operation, AddFile):
            files[operation.path] = operation.file
        elif isinstance(operation, DeleteFile):
            if files.pop(operation.path, None) is None:
                raise entry_not_found(repo_id, head.oid, operation.path)
        else:
            prefix = operation.path.rstrip("/") + "/"
            inside = [path for path in files if path.startswith(prefix)]
            if not inside:
                raise entry_not_found(repo_id, head.oid, operation.path)
            for path in inside:
                del files[path]
    _check_no_file_folder_clash(files)
    return files


class BlobWriter:
    """Receives one blob in chunks into a temporary file, hashing as it goes."""

    def __init__(self, blobs: BlobStore) -> None:
        self._blobs = blobs
        blobs.scratch.mkdir(parents=True, exist_ok=True)
        descriptor, name = tempfile.mkstemp(prefix="upload-", dir=blobs.scratch)
        self._file = os.fdopen(descriptor, "wb")
        self._path = Path(name)
        self._digest = hashlib.sha256()
        self.size = 0

    def write(self, chunk: bytes) -> None:
        """Append a chunk."""
        self._file.write(chunk)
        self._digest.update(chunk)
        self.size += len(chunk)

    def finish(self, expected_sha256: str | None = None, expected_size: int | None = None) -> str:
        """Sync and move the blob into place; 400 if it is not the content announced."""
        try:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            sha256 = self._digest.hexdigest()
            if expected_sha256 not in (None, sha256) or expected_size not in (None, self.size):
                raise bad_request(
                    f"the upload has sha256 {sha256} and {self.size} bytes, not the announced "
                    f"{expected_sha256} and {expected_size} bytes"
                )
            self._blobs.adopt(self._path, sha256)
            return sha256
        finally:
            self.discard()

    def discard(self) -> None:
        """Drop whatever was received and not moved into place."""
        self._file.close()
        self._path.unlink(missing_ok=True)


class BlobStore:
    """File contents by sha256 under ``ROOT/blobs``, received through ``ROOT/tmp``."""

    def __init__(self, root: Path) -> None:
        self.folder = root / "blobs"
        self.scratch = root / "tmp"

    def path(self, sha256: str) -> Path:
        """Where the blob with this sha256 is stored."""
        return self.folder / sha256[:2] / sha256

    def has(self, sha256: str, size: int) -> bool:
        """Whether a blob with this sha256 and size is stored."""
        path = self.path(sha256)
        return path.is_file() and path.stat().st_size == size

    def put(self, data: bytes) -> str:
        """Store bytes, returning their sha256.

        Example:
            >>> BlobStore(Path("hub")).put(b"hello")[:12]
            '2cf24dba5fb0'
        """
        writer = BlobWriter(self)
        writer.write(data)
        return writer.finish()

    def adopt(self, temporary: Path, sha256: str) -> None:
        """Rename a complete, synced temporary file into place as the blob ``sha256``."""
        target = self.path(sha256)
        if target.is_file():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temporary, target)
        fsync_directory(target.parent)


class CardCache:
    """The card fields of ``model_info`` (JSON), by the sha256 of the card's blob.

    A card's blob never changes, so neither do its fields: each is written once, under
    ``ROOT/cards``, and read on every ``model_info`` instead of parsing the card again.

    Example:
        >>> cache, sha256 = CardCache(Path("hub")), hashlib.sha256(b"# Penguins\\n").hexdigest()
        >>> cache.get(sha256) is None
        True
        >>> cache.put(sha256, b'{"cardData":null}')
        >>> cache.get(sha256)
        b'{"cardData":null}'
    """

    def __init__(self, root: Path) -> None:
        self.folder = root / "cards"

    def _path(self, sha256: str) -> Path:
        return self.folder / sha256[:2] / f"{sha256}.json"

    def get(self, sha256: str) -> bytes | None:
        """The fields stored for the card blob ``sha256``, or None if none are yet."""
        try:
            return self._path(sha256).read_bytes()
        except FileNotFoundError:
            return None

    def put(self, sha256: str, fields: bytes) -> None:
        """Store the fields of the card blob ``sha256``; a concurrent writer writes the same."""
        path = self._path(sha256)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_file_durably(path, fields)


class RepoStore:
    """Repositories, their commits and refs under a root folder (see the module for the layout).

    Example:
        >>> store = RepoStore(Path("hub"))
        >>> _ = store.create_repo("lab/penguins", private=False)
        >>> _ = store.tag("lab/penguins", "1.0.0", "main")
        >>> store.refs("lab/penguins").tags
        {'1.0.0': '...'}
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.blobs = BlobStore(self.root)
        self.cards = CardCache(self.root)
        self._repos = self.root / "repos"

    def create_repo(self, repo_id: str, *, private: bool) -> bool:
        """Create a repository with an empty first commit on ``main``; False if it exists.

        Example:
            >>> store = RepoStore(Path("hub"))
            >>> store.create_repo("lab/penguins", private=True)
            True
            >>> store.create_repo("lab/penguins", private=True)
            False
        """
        folder = self._folder(checked_repo_id(repo_id))
        folder.parent.mkdir(parents=True, exist_ok=True)
        with locked(folder.parent / ".lock"):
            if folder.exists():
                return False
            with atomic_directory(folder) as staging:
                info = {"private": private, "created_at": utc_now()}
                (staging / "commits").mkdir()
                write_file_durably(staging / "repo.json", json.dumps(info).encode())
                first = _new_commit(None, "initial commit", "", {})
                self._write_commit(staging, first)
                self._write_ref(staging, "heads", MAIN, first.oid)
                fsync_tree(staging)
            fsync_directory(folder.parent)
        return True

    def info(self, repo_id: str) -> RepoInfo:
        """A repository's settings; 404 ``RepoNotFound`` when there is none."""
        try:
            settings = json.loads(
                (self._folder(checked_repo_id(repo_id)) / "repo.json").read_bytes()
            )
        except FileNotFoundError as error:
            raise repo_not_found(repo_id) from error
        return RepoInfo(repo_id, bool(settings["private"]), settings["created_at"])

    def refs(self, repo_id: str) -> Refs:
        """Every branch and tag of a repository."""
        folder = self._folder(repo_id) / "refs"
        return Refs(self._read_refs(folder / "heads"), self._read_refs(folder / "tags"))

    def resolve(self, repo_id: str, revision: str) -> Commit:
        """The commit a branch, tag or commit oid names; 404 ``RevisionNotFound`` if none.

        Example:
            >>> store = RepoStore(Path("hub"))
            >>> _ = store.create_repo("lab/penguins", private=False)
            >>> summary = "Publish penguin-species 1.0.0"
            >>> _ = store.commit("lab/penguins", "main", [], summary=summary)
            >>> _ = store.tag("lab/penguins", "1.0.0", "main")
            >>> store.resolve("lab/penguins", "1.0.0").summary
            'Publish penguin-species 1.0.0'
        """
        refs = self.refs(repo_id)
        oid = refs.branches.get(revision) or refs.tags.get(revision)
        if oid is None and COMMIT_OID.fullmatch(revision):
            oid = revision
        commit = self._read_commit(repo_id, oid) if oid else None
        if commit is None:
            raise revision_not_found(repo_id, revision)
        return commit

    def commit(
        self,
        repo_id: str,
        branch: str,
        operations: list[Operation],
        *,
        summary: str,
        description: str = "",
        parent: str | None = None,
    ) -> Commit:
        """Apply operations on top of ``branch`` as one new commit and move the branch to it.

        With ``parent``, the commit is refused (412) unless the branch still points there.

        Example:
            >>> store = RepoStore(Path("hub"))
            >>> _ = store.create_repo("lab/penguins", private=False)
            >>> data = b"# Penguins\\n"
            >>> card = AddFile("README.md", StoredFile.regular(data, store.blobs.put(data)))
            >>> commit = store.commit("lab/penguins", "main", [card], summary="Add the card")
            >>> list(commit.files), store.refs("lab/penguins").branches["main"] == commit.oid
            (['README.md'], True)
        """
        folder = self._folder(repo_id)
        with locked(folder / ".lock"):
            head_oid = self.refs(repo_id).branches.get(branch)
            if head_oid is None:
                raise revision_not_found(repo_id, branch)
            if parent is not None and parent != head_oid:
                raise ApiError(412, f"{branch} has moved since {parent}: fetch it again and retry")
            head = self.resolve(repo_id, head_oid)
            files = apply_operations(repo_id, head, operations)
            commit = _new_commit(head.oid, summary, description, files)
            self._write_commit(folder, commit)
            self._write_ref(folder, "heads", branch, commit.oid)
        return commit

    def tag(self, repo_id: str, tag: str, revision: str) -> Commit:
        """Point a new tag at the commit ``revision`` names; 409 if the tag exists.

        Example:
            >>> store = RepoStore(Path("hub"))
            >>> _ = store.create_repo("lab/penguins", private=False)
            >>> store.tag("lab/penguins", "1.0.0", "main").summary
            'initial commit'
        """
        folder = self._folder(repo_id)
        checked_tag(tag)
        with locked(folder / ".lock"):
            if tag in self.refs(repo_id).tags:
                raise ApiError(409, f"tag {tag!r} already exists in {repo_id}; tags never move")
            commit = self.resolve(repo_id, revision)
            self._write_ref(folder, "tags", tag, commit.oid)
        return commit

    def _folder(self, repo_id: str) -> Path:
        return self._repos / repo_id

    def _read_commit(self, repo_id: str, oid: str) -> Commit | None:
        try:
            return Commit.from_json(
                (self._folder(repo_id) / "commits" / f"{oid}.json").read_bytes()
            )
        except FileNotFoundError:
            return None

    @staticmethod
    def _read_refs(folder: Path) -> dict[str, str]:
        if not folder.is_dir():
            return {}
        return {
            ref.name: ref.read_text().strip()
            for ref in sorted(folder.iterdir())
            if not ref.name.startswith(".")
        }

    @staticmethod
    def _write_commit(folder: Path, commit: Commit) -> None:
        write_file_durably(folder / "commits" / f"{commit.oid}.json", commit.to_json())

    @staticmethod
    def _write_ref(folder: Path, kind: str, name: str, oid: str) -> None:
        refs = folder / "refs" / kind
        refs.mkdir(parents=True, exist_ok=True)
        write_file_durably(refs / name, oid.encode())


def list_tree(
    repo_id: str, commit: Commit, path: str, *, recursive: bool
) -> list[tuple[str, StoredFile | None]]:
    """The entries under ``path`` (``""`` for the top) by path: ``(path, file)`` for files,
    ``(path, None)`` for folders; 404 ``EntryNotFound`` when ``path`` is no folder.

    Example:
        >>> file = StoredFile.regular(b"hi", hashlib.sha256(b"hi").hexdigest())
        >>> paths = ["README.md", "images/confusion_matrix_penguins-test.png", "images/roc.png"]
        >>> commit = Commit("0" * 40, None, "start", "", utc_now(), dict.fromkeys(paths, file))
        >>> [path for path, _ in list_tree("lab/penguins", commit, "", recursive=False)]
        ['README.md', 'images']
        >>> list_tree("lab/penguins", commit, "images", recursive=False)[0][0]
        'images/confusion_matrix_penguins-test.png'
    """
    prefix = f"{path.strip('/')}/" if path.strip("/") else ""
    inside = [p for p in commit.files if p.startswith(prefix)]
    if prefix and not inside:
        raise entry_not_found(repo_id, commit.oid, path)
    entries: dict[str, StoredFile | None] = {}
    for file_path in inside:
        parts = file_path[len(prefix) :].split("/")
        depths = range(1, len(parts)) if recursive else range(1, min(2, len(parts)))
        entries.update({prefix + "/".join(parts[:depth]): None for depth in depths})
        if recursive or len(parts) == 1:
            entries[file_path] = commit.files[file_path]
    return sorted(entries.items())
