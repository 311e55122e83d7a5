"""A repository's security status, as the Hub reports it (``model_info(securityStatus=True)``),
computed by modelshare's own scanner and trust policy.

The server grants nothing: each file is judged with modelshare's default trust list only,
exactly as ``modelshare scan`` judges it on a receiver's machine. A file's verdict depends on
its content alone, so it is computed once per blob and kept.

Levels: ``danger`` for content that could run code or cannot be read completely (unsafe
pickle imports, polyglots, damaged archives); ``caution`` for a pickle that imports only
allowlisted names, or a skops file needing types nobody has trusted yet. Safe files are not
listed.

Example:
    >>> import os, pickle
    >>> from modelshare.server.storage import AddFile, RepoStore, StoredFile
    >>> store = RepoStore(Path("hub"))
    >>> _ = store.create_repo("lab/penguins", private=False)
    >>> data = pickle.dumps(os.system)
    >>> upload = AddFile("model.pkl", StoredFile.regular(data, store.blobs.put(data)))
    >>> commit = store.commit("lab/penguins", "main", [upload], summary="Upload a pickle")
    >>> status = SecurityScans(store.blobs).status(commit)
    >>> status["filesWithIssues"][0]["level"]
    'danger'
"""

from __future__ import annotations

import threading
from typing import Any

from modelshare.safety import FileScan, scan_file
from modelshare.server.storage import BlobStore, Commit


class SecurityScans:
    """Scan verdicts of stored blobs, by sha256, computed on first request.

    Example:
        >>> from modelshare.server.storage import RepoStore
        >>> store = RepoStore(Path("hub"))
        >>> _ = store.create_repo("lab/penguins", private=False)
        >>> commit = store.resolve("lab/penguins", "main")
        >>> SecurityScans(store.blobs).status(commit)["scansDone"]
        True
    """

    def __init__(self, blobs: BlobStore) -> None:
        self._blobs = blobs
        self._scans: dict[str, FileScan] = {}
        self._lock = threading.Lock()

    def status(self, commit: Commit) -> dict[str, Any]:
        """``securityRepoStatus`` of one commit: every file with an issue, with its level.

        Example:
            >>> from modelshare.server.storage import AddFile, RepoStore, StoredFile
            >>> store = RepoStore(Path("hub"))
            >>> _ = store.create_repo("lab/penguins", private=False)
            >>> data = Path("README.md").read_bytes()
            >>> card = AddFile("README.md", StoredFile.regular(data, store.blobs.put(data)))
            >>> commit = store.commit("lab/penguins", "main", [card], summary="Add the card")
            >>> SecurityScans(store.blobs).status(commit)["filesWithIssues"]
            []
        """
        issues = []
        for path, file in sorted(commit.files.items()):
            entry = _issue(path, self._scan(file.sha256))
            if entry is not None:
                issues.append(entry)
        return {"scansDone": True, "filesWithIssues": issues}

    def _scan(self, sha256: str) -> FileScan:
        with self._lock:
            known = self._scans.get(sha256)
        if known is None:
            known = scan_file(self._blobs.path(sha256))
            with self._lock:
                self._scans[sha256] = known
        return known


def _issue(path: str, scan: FileScan) -> dict[str, Any] | None:
    """The Hub's description of one file's issue, or None for a safe file."""
    if not scan.content_safe:
        level = "danger"
    elif scan.contains_pickle or scan.needs_trust:
        level = "caution"
    else:
        return None
    unsafe = set(scan.unsafe_globals)
    return {
        "path": path,
        "level": level,
        "format": scan.format,
        "pickleImports": [
            {
                "module": name.rpartition(".")[0],
                "name": name.rpartition(".")[2],
                "safety": "dangerous" if name in unsafe else "innocuous",
            }
            for name in scan.globals
        ],
        "problems": scan.problems,
        "needsTrust": scan.needs_trust,
    }
