"""Content that is a pickle or carries one: raw pickles (protocols 0 to 5), joblib files,
legacy PyTorch checkpoints, the pickles inside PyTorch zip checkpoints and object ``.npy``.

A legacy PyTorch checkpoint is five pickles in a row (magic number, protocol version, system
info, the object, the storage keys) followed by raw storage bytes that torch reads without
unpickling. Anywhere else, bytes after a pickle's STOP are a problem: the file is not what
it claims to be.

Content of any other format is also read as the loaders that unpickle a file from its first
byte read it (:func:`pickle_from_first_byte`): when they would take it for a pickle, the file
is a polyglot (:func:`scan_polyglot`).

Example:
    >>> import pickle
    >>> from modelshare.safety import ScanLimits
    >>> payload = b"cos\\nsystem\\n(S'ls'\\ntR."
    >>> _ = Path("model.bin").write_bytes(pickle.dumps(TORCH_MAGIC, protocol=2) + payload)
    >>> scan = FileScan(path="model.bin", format="unknown")
    >>> scan_pickle_content(Source.for_file(Path("model.bin"), ScanLimits()), scan)
    True
    >>> scan.format, scan.unsafe_globals
    ('pytorch legacy', ['os.system'])
"""

from __future__ import annotations

import pickletools
import warnings
from collections.abc import Callable
from typing import BinaryIO

from modelshare.safety.pickles import PickleWalk, walk_pickle
from modelshare.safety.report import FileScan
from modelshare.safety.sources import (
    MAX_LINE_BYTES,
    READ_ERRORS,
    LimitExceeded,
    Reader,
    Source,
    failures_recorded,
)

TORCH_MAGIC = 0x1950A86A20F9469CFC6C
"""The number a legacy ``torch.save`` file pickles first."""

LEGACY_TORCH_PICKLES_AFTER_MAGIC = 4
"""Protocol version, system info, the object (the only one with persistent ids), storage keys."""

LEGACY_TORCH_OBJECT = 2
"""The position, after the magic number, of the pickle holding the saved object."""

PERSISTENT_ID_OPCODES = frozenset({"PERSID", "BINPERSID"})
PERSID = b"P"
NUMBER_LINE_OPCODES = frozenset({b"I", b"L", b"F", b"p", b"g"})
"""INT, LONG, FLOAT, PUT and GET: protocol 0 opcodes whose line is a number."""
NUMBER_TEXT = b" \t\r\x0b\x0c+-_.0123456789eEinfatyINFATYL"
"""Every byte the text of a number can hold (whitespace, sign, digits, exponent, inf, nan)."""

POLYGLOT_PROBLEM = (
    "the content also reads as a pickle (a polyglot): loaders that unpickle whatever they "
    "are given, such as pickle.load and joblib.load, would run it"
)


def scan_pickle_content(source: Source, scan: FileScan, *, probe: bool = False) -> bool:
    """Walk content that starts with a pickle and fill ``scan``.

    With ``probe``, the content is taken for a pickle only when
    :func:`pickle_from_first_byte` says a loader would read it as one; otherwise ``scan`` is
    left untouched and False returned.

    Example:
        >>> from modelshare.safety import ScanLimits
        >>> source = Source.for_file(Path("README.md"), ScanLimits())
        >>> scan = FileScan(path="README.md", format="unknown")
        >>> scan_pickle_content(source, scan, probe=True)  # a README that is plain text
        False
    """
    if probe and not _reads_as_pickle(source):
        return False
    with source.open() as stream:
        reader = Reader(stream)
        first = walk_pickle(reader, joblib_arrays=True)
        scan.contains_pickle = True
        _record(scan, first)
        with failures_recorded(scan.add_problem):
            if first.complete and first.value == TORCH_MAGIC:
                scan.format = "pytorch legacy"
                _walk_legacy_torch(reader, scan)
            else:
                scan.format = "joblib" if first.joblib_arrays else "pickle"
                _check_nothing_follows(reader, first, scan)
    return True


def pickle_from_first_byte(source: Source) -> PickleWalk | None:
    """The walk of the content as a loader reads it from its first byte, or None when no
    loader would take it for a pickle.

    ``pickle.load``, ``joblib.load``, ``numpy.load(allow_pickle=True)`` (on anything but
    ``.npy`` and zip) and ``torch.load`` (on anything but zip and tar; its first pickle is
    read by plain ``pickle.load``) unpickle from byte 0 with no ``persistent_load``: they
    fail at the first persistent id. So only the bytes before it are walked, and the content
    is a pickle when that walk reaches STOP or imports something (a protocol 0 pickle may be
    cut short after its payload ran). Linear: the walk ends at the first opcode that is
    unknown, or that the unpickler would refuse.

    Example:
        >>> from modelshare.safety import ScanLimits
        >>> png = Path("releases/penguin-species/images/distribution-05-island.png")
        >>> pickle_from_first_byte(Source.for_file(png, ScanLimits())) is None  # then PERSID
        True

    Raises:
        BeyondScanLimits: the walk reached the unpack budget, or a protocol 0 line longer
            than the scan reads that a loader could still accept, before the content ended
            it: the loaders read on, the scan cannot tell what they find.
    """
    with warnings.catch_warnings():  # pickletools warns on a protocol 0 string's bad escape
        warnings.simplefilter("ignore", DeprecationWarning)
        end = _loader_end(source)
        with source.open() as stream:
            walk = walk_pickle(_FirstByteReader(stream, end), joblib_arrays=True)
    return walk if walk.complete or walk.imports else None


def scan_polyglot(source: Source, scan: FileScan) -> None:
    """Record content of another format that a loader would also read as a pickle: its
    globals, and a problem whatever they are (a file that is two things is not what it
    claims to be).

    A pickle that names no global (a tar whose first member is ``N.txt`` is a pickle of None)
    is left alone: with nothing imported, the unpickler has nothing it could call.

    Example:
        >>> from modelshare.safety import ScanLimits
        >>> gif = b"GIF89a\\x01\\x00\\x01" + b"0cos\\nsystem\\n(S'ls'\\ntR."  # image and pickle
        >>> _ = Path("plot.gif").write_bytes(gif)
        >>> scan = FileScan(path="plot.gif", format="image (gif)")
        >>> scan_polyglot(Source.for_file(Path("plot.gif"), ScanLimits()), scan)
        >>> scan.contains_pickle, scan.unsafe_globals, scan.problems
        (True, ['os.system'], ['the content also reads as a pickle (a polyglot): ...'])
    """
    try:
        walk = pickle_from_first_byte(source)
    except BeyondScanLimits as error:
        scan.add_problem(f"the content may also read as a pickle (a polyglot): {error}")
        return
    if walk is None or not (walk.imports or walk.globals):
        return
    scan.contains_pickle = True
    for imported in walk.globals:
        scan.add_global(imported.dotted)
    scan.add_problem(POLYGLOT_PROBLEM)


def scan_embedded_pickle(reader: Reader, scan: FileScan) -> None:
    """Walk the pickle that follows a header (an object ``.npy``) up to the end of the file.

    Example:
        >>> np.save("objects.npy", np.array([{"weight": 0.5}], dtype=object), allow_pickle=True)
        >>> scan = FileScan(path="objects.npy", format="numpy")
        >>> with open("objects.npy", "rb") as stream:
        ...     _ = np.lib.format.read_magic(stream), np.lib.format.read_array_header_1_0(stream)
        ...     scan_embedded_pickle(Reader(stream), scan)  # just past the .npy header
        >>> scan.safe, scan.globals
        (True, ['numpy...multiarray._reconstruct', 'numpy.ndarray', 'numpy.dtype'])
    """
    walk = walk_pickle(reader)
    scan.contains_pickle = True
    _record(scan, walk)
    _check_nothing_follows(reader, walk, scan)


def scan_torch_pickle(source: Source) -> FileScan:
    """Scan a ``.pkl`` member of a PyTorch zip checkpoint (persistent ids allowed).

    Example:
        >>> import torch, zipfile
        >>> from modelshare.safety import ScanLimits
        >>> torch.save(torch.nn.Linear(3, 2).state_dict(), "state_dict.pt")
        >>> source = Source.for_file(Path("state_dict.pt"), ScanLimits())
        >>> archive = zipfile.ZipFile("state_dict.pt")
        >>> member = source.nested("data.pkl", lambda: archive.open("state_dict/data.pkl"), None)
        >>> scan_torch_pickle(member).globals
        ['collections.OrderedDict', 'torch._utils._rebuild_tensor_v2', 'torch.FloatStorage']
    """
    scan = FileScan(path=source.name, format="pickle", contains_pickle=True)
    with failures_recorded(scan.add_problem), source.open() as stream:
        reader = Reader(stream)
        walk = walk_pickle(reader, persistent_ids=True)
        _record(scan, walk)
        _check_nothing_follows(reader, walk, scan)
    return scan


class BeyondScanLimits(Exception):
    """A walk from byte 0 reached a limit of the scan before the content ended it."""


def _reads_as_pickle(source: Source) -> bool:
    """Whether a loader that reads from byte 0 takes the content for a pickle; when the scan
    cannot tell, it does (the full walk then reports where it stopped)."""
    try:
        return pickle_from_first_byte(source) is not None
    except BeyondScanLimits:
        return True


def _loader_end(source: Source) -> int | None:
    """Where a loader reading from byte 0 stops at the latest: at the first pickle's first
    persistent id, else at the end of the content (None when its size is unknown)."""
    with source.open() as stream:
        try:
            for opcode, _, position in pickletools.genops(_FirstByteReader(stream, source.size)):
                if opcode.name in PERSISTENT_ID_OPCODES:
                    return position
        except (ValueError, *READ_ERRORS):  # genops: unknown opcode, short argument, no STOP
            pass
    return source.size


class _FirstByteReader(Reader):
    """The content as a loader that unpickles from byte 0 reads it, up to ``end`` (the first
    persistent id, or the end of a file). A read past ``end`` comes back empty at once: the
    loader fails there, and so does the walk, without gathering what it asked for. Where a
    limit of the scan, not the content, would end the walk, raises :class:`BeyondScanLimits`.
    """

    def __init__(self, stream: BinaryIO, end: int | None) -> None:
        super().__init__(stream)
        self._end = end
        self._opcode = b""

    def read(self, size: int = -1) -> bytes:
        left = self._left()
        if left is not None and size > left:
            return b""  # past the end: the loader fails there; nothing is gathered
        data = self._guarded(super().read, size if left is None or size >= 0 else left)
        if size == 1:
            self._opcode = data  # genops reads each opcode alone, then its argument
        return data

    def readline(self, size: int = -1) -> bytes:
        if self._opcode == PERSID:  # a line is read right after its opcode
            return b""  # whatever the persistent id, the loader fails on it
        limit = MAX_LINE_BYTES if size < 0 else min(size, MAX_LINE_BYTES)
        left = self._left()
        line = self._guarded(super().readline, limit if left is None else min(limit, left))
        if len(line) == limit and not line.endswith(b"\n") and _line_may_go_on(self._opcode, line):
            raise BeyondScanLimits(
                f"a protocol 0 line runs past {limit} bytes, where the scan stops"
            )
        return line

    def _left(self) -> int | None:
        """Bytes before ``end``, when there is one."""
        return None if self._end is None else max(self._end - self.tell(), 0)

    def _guarded(self, read: Callable[[int], bytes], size: int) -> bytes:
        try:
            return read(size)
        except LimitExceeded as error:
            raise BeyondScanLimits(str(error)) from None


def _line_may_go_on(opcode: bytes, line: bytes) -> bool:
    """Whether a loader could still accept a line argument of ``opcode`` that starts with
    ``line``: any but a number holding a byte no number holds."""
    return opcode not in NUMBER_LINE_OPCODES or not line.translate(None, NUMBER_TEXT)


def _walk_legacy_torch(reader: Reader, scan: FileScan) -> None:
    for index in range(LEGACY_TORCH_PICKLES_AFTER_MAGIC):
        walk = walk_pickle(reader, persistent_ids=index == LEGACY_TORCH_OBJECT)
        _record(scan, walk)
        if not walk.complete:
            return


def _check_nothing_follows(reader: Reader, walk: PickleWalk, scan: FileScan) -> None:
    if not walk.complete:
        return
    end = reader.tell()
    extra = reader.skip()
    if extra:
        scan.add_problem(f"{extra} bytes follow the end of the pickle at byte {end}")


def _record(scan: FileScan, walk: PickleWalk) -> None:
    for imported in walk.globals:
        scan.add_global(imported.dotted)
    for problem in walk.problems:
        scan.add_problem(problem)
