"""Archives: zip files (PyTorch checkpoints, skops files, ``.npz``, any other zip) and tar
files. Every member is scanned as content of its own, one level deeper; what is unpacked is
charged to the budget, so a bomb fails closed; every compressed zip member is read to its end
once, so one that unpacks past the budget is found even when its format's reader stops early.

Memory does not grow with the archive: a zip is read where it lies when it is the file on
disk, and otherwise spooled to a temporary file first (zip needs seeking, a decompressed
stream cannot seek, a compressed member only slowly); a tar that is not the file on disk is
read as a stream, each member spooled as it passes, and no member's header is kept once it
is scanned.

Two kinds of member are not sniffed: the ``.pkl`` members of a PyTorch checkpoint are always
walked as pickles (with the persistent ids torch resolves), and its ``data/N`` records are
raw tensor bytes that torch copies into storages without unpickling.

Example:
    >>> from modelshare.safety import ScanLimits
    >>> from modelshare.safety.formats import scan_source
    >>> with zipfile.ZipFile("wrapped.zip", "w") as archive:
    ...     archive.writestr("model.pkl", b"cos\\nsystem\\n(S'ls'\\ntR.")
    >>> scan = FileScan(path="wrapped.zip", format="unknown")
    >>> scan_zip(Source.for_file(Path("wrapped.zip"), ScanLimits()), scan, scan_source)
    >>> scan.format, scan.unsafe_globals
    ('zip', ['os.system'])
"""

from __future__ import annotations

import re
import tarfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import BinaryIO

from modelshare.safety.pickle_formats import scan_torch_pickle
from modelshare.safety.report import FileScan
from modelshare.safety.sources import Reader, Source, Unpacked, failures_recorded, spooled

ScanMember = Callable[[Source], FileScan]
"""Scans a member as a file of its own (the format dispatcher)."""

TORCH_DATA_PICKLE = re.compile(r"[^/]+/data\.pkl")
TORCH_STORAGE_RECORD = re.compile(r"[^/]+/data/\d+")
TORCHSCRIPT_MEMBER = re.compile(r"[^/]+/(constants\.pkl|code/.+)")
TORCH_ZIPS = frozenset({"pytorch", "torchscript"})
SKOPS_SCHEMA = "schema.json"
SKOPS_ERRORS = (KeyError, ValueError, TypeError, AttributeError, zipfile.BadZipFile)
"""What skops raises on a zip whose schema it cannot read."""
MAX_ZIP_DIRECTORY_BYTES = 4 << 20
"""The largest zip central directory read: zipfile holds some 600 bytes for every entry of
it, which can be 47 bytes long, so this bounds one zip's member list to some 50 MiB (a
PyTorch checkpoint of 10 000 tensors has a directory of about 1 MiB)."""
MAX_TAR_HEADER_BYTES = 1 << 20
"""The longest extended tar header (pax, GNU long name) read: tarfile holds one whole."""
TAR_EXTENDED_HEADERS = frozenset(
    {
        tarfile.GNUTYPE_LONGNAME,
        tarfile.GNUTYPE_LONGLINK,
        tarfile.XHDTYPE,
        tarfile.XGLTYPE,
        tarfile.SOLARIS_XHDTYPE,
    }
)


def scan_zip(source: Source, scan: FileScan, scan_member: ScanMember) -> None:
    """Name the kind of zip and scan every member.

    Example:
        >>> from modelshare.safety import ScanLimits
        >>> from modelshare.safety.formats import scan_source
        >>> source = Source.for_file(Path("releases/penguin-species/model.skops"), ScanLimits())
        >>> scan = FileScan(path="model.skops", format="unknown")
        >>> scan_zip(source, scan, scan_source)
        >>> scan.format, scan.safe, scan.untrusted_types
        ('skops', True, ['numpy.dtype'])

    Raises:
        LimitExceeded: what it unpacks passes the budget (a bomb).
    """
    with _on_disk(source) as local, local.open() as stream, _zip_file(stream) as archive:
        members = [info for info in archive.infolist() if not info.is_dir()]
        scan.format = zip_format([info.filename for info in members])
        if scan.format == "torchscript":
            scan.add_problem("a TorchScript archive holds code that torch.jit.load runs")
        if scan.format == "skops":
            _add_untrusted_types(local, stream, scan)
        for info in members:
            source.budget.count_member()
            scan.include(_scan_zip_member(local, archive, info, scan.format, scan_member))


def scan_tar(source: Source, scan: FileScan, scan_member: ScanMember) -> None:
    """Scan every regular file of an (uncompressed) tar archive: in place when it is the file
    on disk, else as a stream, each member spooled to a temporary file as it passes.

    Example:
        >>> from modelshare.safety import ScanLimits
        >>> from modelshare.safety.formats import scan_source
        >>> with tarfile.open("release.tar", "w") as archive:
        ...     archive.add("releases/penguin-species", arcname="penguin-species")
        >>> scan = FileScan(path="release.tar", format="unknown")
        >>> scan_tar(Source.for_file(Path("release.tar"), ScanLimits()), scan, scan_source)
        >>> scan.format, scan.safe, scan.untrusted_types
        ('tar', True, ['numpy.dtype'])

    Raises:
        LimitExceeded: what it unpacks passes the budget (a bomb).
    """
    scan.format = "tar"
    mode = "r|" if source.path is None else "r:"
    with (
        source.open() as stream,
        tarfile.open(fileobj=stream, mode=mode, tarinfo=_BoundedTarInfo) as archive,
    ):
        while (info := archive.next()) is not None:
            source.budget.count_member()
            archive.members.clear()  # scanned members are not remembered: memory stays flat
            if info.isfile():
                with _tar_member(source, archive, info) as member:
                    scan.include(scan_member(member))
        if source.path is None:
            Reader(stream).skip()  # what follows the archive's end: the stream is read once


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


def _zip_file(stream: BinaryIO) -> zipfile.ZipFile:
    """The zip, once its central directory is known to be small enough to hold (its end
    record read as zipfile reads it, so both agree on the size)."""
    end = zipfile._EndRecData(stream)
    if end is not None and end[zipfile._ECD_SIZE] > MAX_ZIP_DIRECTORY_BYTES:
        raise zipfile.BadZipFile(
            f"its central directory of {end[zipfile._ECD_SIZE]} bytes, over the "
            f"{MAX_ZIP_DIRECTORY_BYTES} the scan reads, lists too many members; not inspected"
        )
    return zipfile.ZipFile(stream)


def _scan_zip_member(
    source: Source,
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    zip_kind: str,
    scan_member: ScanMember,
) -> FileScan:
    """Scan one member (a torch storage record is not sniffed), then read a compressed one
    to its end if the scan did not: a failure to do so is the member's problem."""
    body = Unpacked(lambda: archive.open(info), source.budget)
    member = source.nested(info.filename, body.open, info.file_size)
    torch = zip_kind in TORCH_ZIPS
    if torch and TORCH_STORAGE_RECORD.fullmatch(info.filename):
        found = FileScan(path=info.filename, format="tensor data")
    elif torch and info.filename.endswith(".pkl"):
        found = scan_torch_pickle(member)
    else:
        found = scan_member(member)
    if info.compress_type != zipfile.ZIP_STORED:
        with failures_recorded(found.add_problem):
            body.finish()
    return found


@contextmanager
def _on_disk(source: Source) -> Iterator[Source]:
    """The source when it is a file on disk, else its content spooled to a temporary file."""
    if source.path is not None:
        yield source
        return
    with spooled(source.open) as path:
        yield source.on_disk(path)


@contextmanager
def _tar_member(
    source: Source, archive: tarfile.TarFile, info: tarfile.TarInfo
) -> Iterator[Source]:
    """A regular member, read in place from a tar on disk, else spooled as it streams past."""
    opener = _tar_member_opener(archive, info)
    member = source.nested(info.name, opener, info.size)
    if source.path is not None:
        yield member
        return
    with spooled(opener) as path:
        yield member.on_disk(path)


def _tar_member_opener(archive: tarfile.TarFile, info: tarfile.TarInfo) -> Callable[[], BinaryIO]:
    def opener() -> BinaryIO:
        member = archive.extractfile(info)
        if member is None:
            raise tarfile.ReadError(f"{info.name} cannot be read")
        return member

    return opener


class _BoundedTarInfo(tarfile.TarInfo):
    """A tar header that refuses an extended header too long to hold (tarfile reads pax and
    GNU long-name headers whole, and builds one entry per pax record)."""

    def _proc_member(self, tarfile_: tarfile.TarFile) -> tarfile.TarInfo:
        if self.type in TAR_EXTENDED_HEADERS and self.size > MAX_TAR_HEADER_BYTES:
            raise tarfile.HeaderError(
                f"an extended header of {self.size} bytes, over {MAX_TAR_HEADER_BYTES}"
            )
        return super()._proc_member(tarfile_)
