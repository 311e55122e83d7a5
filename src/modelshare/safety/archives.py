"""Archives: zip files (PyTorch checkpoints, skops files, ``.npz``, any other zip) and tar
files. Every member is scanned as content of its own, one level deeper; what is unpacked is
charged to the budget, so a bomb fails closed.

Two kinds of member are not sniffed: the ``.pkl`` members of a PyTorch checkpoint are always
walked as pickles (with the persistent ids torch resolves), and its ``data/N`` records are
raw tensor bytes that torch copies into storages without unpickling.

Example:
    >>> scan = FileScan(path="wrapped.zip", format="zip")
    >>> scan_zip(source, scan, scan_source)
    >>> scan.unsafe_globals
    ['tests.malicious.canary']
"""

from __future__ import annotations

import io
import re
import tarfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import BinaryIO

from modelshare.safety.pickle_formats import scan_torch_pickle
from modelshare.safety.report import FileScan
from modelshare.safety.sources import ChargedStream, Reader, Source

ScanMember = Callable[[Source], FileScan]
"""Scans a member as a file of its own (the format dispatcher)."""

TORCH_DATA_PICKLE = re.compile(r"[^/]+/data\.pkl")
TORCH_STORAGE_RECORD = re.compile(r"[^/]+/data/\d+")
TORCHSCRIPT_MEMBER = re.compile(r"[^/]+/(constants\.pkl|code/.+)")
TORCH_ZIPS = frozenset({"pytorch", "torchscript"})
SKOPS_SCHEMA = "schema.json"
SKOPS_ERRORS = (KeyError, ValueError, TypeError, AttributeError, zipfile.BadZipFile)
"""What skops raises on a zip whose schema it cannot read."""


def scan_zip(source: Source, scan: FileScan, scan_member: ScanMember) -> None:
    """Name the kind of zip and scan every member.

    Example:
        >>> scan_zip(source, scan, scan_source)
        >>> scan.format, scan.safe
        ('pytorch', True)
    """
    with _seekable(source) as stream, zipfile.ZipFile(stream) as archive:
        members = [info for info in archive.infolist() if not info.is_dir()]
        scan.format = zip_format([info.filename for info in members])
        if scan.format == "torchscript":
            scan.add_problem("a TorchScript archive holds code that torch.jit.load runs")
        if scan.format == "skops":
            _add_untrusted_types(source, stream, scan)
        for info in members:
            if scan.format in TORCH_ZIPS and TORCH_STORAGE_RECORD.fullmatch(info.filename):
                continue
            member = source.nested(
                info.filename, _zip_member_opener(archive, info, source), info.file_size
            )
            torch_pickle = scan.format in TORCH_ZIPS and info.filename.endswith(".pkl")
            scan.include(scan_torch_pickle(member) if torch_pickle else scan_member(member))


def scan_tar(source: Source, scan: FileScan, scan_member: ScanMember) -> None:
    """Scan every regular file of an (uncompressed) tar archive.

    Example:
        >>> scan_tar(source, scan, scan_source)
        >>> scan.format
        'tar'
    """
    scan.format = "tar"
    with _seekable(source) as stream, tarfile.open(fileobj=stream, mode="r:") as archive:
        for info in archive:
            if info.isfile():
                opener = _tar_member_opener(archive, info)
                scan.include(scan_member(source.nested(info.name, opener, info.size)))


def zip_format(names: list[str]) -> str:
    """What a zip is, from its member names.

    Example:
        >>> zip_format(["archive/data.pkl", "archive/data/0", "archive/version"])
        'pytorch'
        >>> zip_format(["weights.npy", "bias.npy"])
        'numpy npz'
    """
    if any(TORCH_DATA_PICKLE.fullmatch(name) for name in names):
        torchscript = any(TORCHSCRIPT_MEMBER.fullmatch(name) for name in names)
        return "torchscript" if torchscript else "pytorch"
    if SKOPS_SCHEMA in names:
        return "skops"
    if names and all(name.endswith(".npy") for name in names):
        return "numpy npz"
    return "zip"


def _add_untrusted_types(source: Source, stream: BinaryIO, scan: FileScan) -> None:
    """The types skops would need trusted to load the file (read from its schema only)."""
    from modelshare.skopsio import skops_io

    try:
        if source.path is not None:
            types = skops_io().get_untrusted_types(file=source.path)
        else:
            stream.seek(0)
            types = skops_io().get_untrusted_types(data=stream.read())
    except SKOPS_ERRORS as error:
        scan.add_problem(f"not a readable skops file: {error}")
    else:
        scan.untrusted_types = sorted(types)


@contextmanager
def _seekable(source: Source) -> Iterator[BinaryIO]:
    """The source's stream, read into memory when it cannot seek (a decompressed stream)."""
    with source.open() as stream:
        yield stream if stream.seekable() else io.BytesIO(Reader(stream).read())


def _zip_member_opener(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, source: Source
) -> Callable[[], BinaryIO]:
    return lambda: io.BufferedReader(ChargedStream(archive.open(info), source.budget))


def _tar_member_opener(archive: tarfile.TarFile, info: tarfile.TarInfo) -> Callable[[], BinaryIO]:
    def opener() -> BinaryIO:
        member = archive.extractfile(info)
        if member is None:
            raise tarfile.ReadError(f"{info.name} cannot be read")
        return member

    return opener
