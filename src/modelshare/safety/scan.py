"""Scan a file, or every file under a folder, judging each by its content.

Example:
    >>> import zipfile
    >>> Path("downloads/bert").mkdir(parents=True)
    >>> _ = Path("downloads/bert/config.json").write_text('{"hidden_size": 8}')
    >>> with zipfile.ZipFile("downloads/bert/pytorch_model.bin", "w") as checkpoint:
    ...     checkpoint.writestr("archive/data.pkl", b"cos\\nsystem\\n(S'ls'\\ntR.")
    >>> report = scan_path(Path("downloads/bert"))
    >>> [(f.path, f.format, f.safe) for f in report.files]
    [('config.json', 'json', True), ('pytorch_model.bin', 'pytorch', False)]
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from modelshare.errors import InvalidInputError
from modelshare.safety.formats import scan_source
from modelshare.safety.report import FileScan, ScanReport
from modelshare.safety.sources import ScanLimits, Source

DEFAULT_LIMITS = ScanLimits()


def scan_file(
    path: str | Path, *, limits: ScanLimits = DEFAULT_LIMITS, trusted: Iterable[str] = ()
) -> FileScan:
    """What one file is and whether loading it could run code; it is never loaded.

    A skops file is safe only when every type it needs is trusted: on modelshare's default
    list or in ``trusted`` (:mod:`modelshare.safety.trust`).

    Example:
        >>> _ = Path("model.bin").write_bytes(b"cos\\nsystem\\n(S'ls'\\ntR.")  # runs os.system
        >>> scan = scan_file("model.bin")
        >>> scan.format, scan.safe, scan.unsafe_globals
        ('pickle', False, ['os.system'])

    Raises:
        InvalidInputError: ``path`` is not a file.
    """
    path = Path(path)
    if not path.is_file():
        raise InvalidInputError(f"no such file: {path}")
    scan = scan_source(Source.for_file(path, limits))
    scan.apply_trust(trusted)
    return scan


def scan_path(
    path: str | Path, *, limits: ScanLimits = DEFAULT_LIMITS, trusted: Iterable[str] = ()
) -> ScanReport:
    """Scan a file, or every file under a folder (paths in the report relative to it);
    ``trusted`` as for :func:`scan_file`.

    Example:
        >>> report = scan_path("releases/penguin-species")
        >>> report.safe, [f.path for f in report.files][-4:]
        (True, ['ood_thresholds.json', 'profiles/penguins-2009.json', ...])

    Raises:
        InvalidInputError: ``path`` does not exist.
    """
    path = Path(path)
    if path.is_file():
        files = [_scan_one(path, path.name, limits)]
    elif path.is_dir():
        files = [
            _scan_one(file, file.relative_to(path).as_posix(), limits) for file in _files(path)
        ]
    else:
        raise InvalidInputError(f"no such file or folder: {path}")
    for file in files:
        file.apply_trust(trusted)
    return ScanReport(path=str(path), files=files)


def _files(folder: Path) -> list[Path]:
    """Every file under the folder, links to folders not followed, in path order."""
    found = [Path(root, name) for root, _, names in os.walk(folder) for name in names]
    return sorted(found)


def _scan_one(path: Path, name: str, limits: ScanLimits) -> FileScan:
    if path.is_symlink():
        scan = FileScan(path=name, format="symbolic link")
        scan.add_problem("a symbolic link inside the folder; links are not followed")
        return scan
    if not path.is_file():
        scan = FileScan(path=name, format="not a regular file")
        scan.add_problem("not a regular file (a broken link, a pipe or a device); not inspected")
        return scan
    return scan_source(Source.for_file(path, limits, name))
