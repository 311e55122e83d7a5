"""What a scan reads: files, archive members and decompressed streams, within fixed limits.

A :class:`Source` is content to judge, openable as often as a format needs. Every source of
one scanned file shares a :class:`Budget`: what it unpacks (decompressed, or read out of an
archive) may not pass an absolute size nor, past a floor, a ratio to how far into the file
reading got, and its archives may not hold too many members; past any of these the scan of
that file ends, as unsafe, in one problem line, instead of filling the disk, the memory or
the hour.

Memory: a scan holds at most :data:`SCAN_MEMORY_BYTES` (512 MiB) with the default
:class:`ScanLimits`, whatever the file. Content is read in chunks of :data:`CHUNK_BYTES`,
never whole; a decompressor keeps only its window (an xz dictionary at most
:data:`XZ_MEMORY_BYTES`); content an archive must seek in, and the members of a tar read as a
stream, are spooled to temporary files (:func:`spooled`), charged to the budget; a zip's
member list is read only when short, a JSON document parsed only when small. Beyond the bound
comes only what a format needs whole: a pickle's walk (the unpickler's stack and memo) and a
safetensors header (up to ``max_safetensors_header`` bytes, as the library reads it).

Example:
    >>> source = Source.for_file(Path("releases/penguin-species/model.skops"), ScanLimits())
    >>> with source.open() as stream:
    ...     Reader(stream).read(2)
    b'PK'
"""

from __future__ import annotations

import io
import lzma
import os
import sys
import tarfile
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

CHUNK_BYTES = 1 << 20
"""Reads are done in chunks of this size, so a claimed length never allocates by itself."""

MAX_LINE_BYTES = 64 << 20
"""The longest line a protocol 0 pickle argument may have before the scan gives up."""

XZ_MEMORY_BYTES = 80 << 20
"""The most an xz or lzma decompressor may use: ``xz -9`` needs 65 MiB; a stream that asks
for more (a larger dictionary) cannot be read, so it is unsafe."""

SCAN_MEMORY_BYTES = 512 << 20
"""The most memory one scan holds with the default :class:`ScanLimits`, whatever the file,
besides a pickle's walk and a safetensors header. At most ``max_depth`` (4) streams and
archives are open inside one another, each holding at most some 82 MiB (an xz decompressor
of :data:`XZ_MEMORY_BYTES` and its chunks; a zip's member list is at most 50 MiB, a tar's one
header), and the innermost content may be a JSON document parsed whole (4 MiB of text, up to
some 26 times that as Python objects): 4 x 82 + 124 < 512 MiB. Bombs measure under 16 MiB."""


@dataclass(frozen=True)
class ScanLimits:
    """How far a scan goes; beyond any of these a file is reported unsafe, not inspected.

    Example:
        >>> from modelshare.safety import scan_file
        >>> skops_file = Path("releases/penguin-species/model.skops")  # a zip
        >>> scan_file(skops_file).safe, scan_file(skops_file, limits=ScanLimits(max_depth=0)).safe
        (True, False)
    """

    max_depth: int = 4
    """Archives and compressed streams inside one another."""
    max_unpacked_bytes: int = 16 << 30
    """Bytes decompressed or unpacked from archives while scanning one file."""
    max_unpack_ratio: int = 100
    """How many times as many bytes as the file holds up to the furthest point read in it
    the scan may unpack, once past ``unpack_ratio_floor``: weights and their JSON or pickles
    compress 1.1 to 10 times (a scan reads some twice), zeros 200 to a million times."""
    unpack_ratio_floor: int = 64 << 20
    """Bytes a file may unpack to whatever its ratio, so small honest files never trip it."""
    max_members: int = 100_000
    """Archive members in one file, archives inside archives included: each takes time to
    scan, however small."""
    max_safetensors_header: int = 100_000_000
    """The largest safetensors JSON header, as the safetensors library enforces it."""


class LimitExceeded(Exception):
    """Reading on would pass one of the :class:`ScanLimits`: the scan of the file ends."""


class Budget:
    """The unpacked bytes the scan of one file may still read: at most ``max_unpacked_bytes``
    in all and, once past ``unpack_ratio_floor``, at most ``max_unpack_ratio`` times as many
    bytes as the file holds up to the furthest point read in it (every reading of unpacked
    content counts, so a bomb shows as soon as it unpacks, not once it has all been read).

    Example:
        >>> budget = Budget(ScanLimits(unpack_ratio_floor=10, max_unpack_ratio=2))
        >>> budget.reach(4)
        >>> budget.charge(11)
        Traceback (most recent call last):
        ...
        modelshare.safety.sources.LimitExceeded: it unpacks to more than 10 bytes from its ...
    """

    def __init__(self, limits: ScanLimits) -> None:
        self.limits = limits
        self.unpacked = 0
        self.reached = 0
        self.members = 0
        self.exceeded: str | None = None
        """The problem, once the budget is spent (every later charge fails too)."""

    def reach(self, offset: int) -> None:
        """Note that reading the file itself got to ``offset``.

        Example:
            >>> budget = Budget(ScanLimits())
            >>> budget.reach(65536)
            >>> budget.reached
            65536
        """
        self.reached = max(self.reached, offset)

    def charge(self, size: int) -> None:
        """Count ``size`` more unpacked bytes.

        Example:
            >>> budget = Budget(ScanLimits())
            >>> budget.charge(1 << 20)
            >>> budget.unpacked
            1048576

        Raises:
            LimitExceeded: the budget is spent; the message is the file's one problem line.
        """
        self.unpacked += size
        problem = self._unpacking_problem()
        if problem is not None:
            self._spend(problem)

    def count_member(self) -> None:
        """Count one more archive member.

        Example:
            >>> budget = Budget(ScanLimits(max_members=1))
            >>> budget.count_member()
            >>> budget.count_member()
            Traceback (most recent call last):
            ...
            modelshare.safety.sources.LimitExceeded: it holds more than 1 archive members, ...

        Raises:
            LimitExceeded: the file holds more members than ``max_members``.
        """
        self.members += 1
        if self.members > self.limits.max_members:
            self._spend(
                f"it holds more than {self.limits.max_members} archive members, the scan "
                "limit; not inspected"
            )

    def _spend(self, problem: str) -> None:
        self.exceeded = self.exceeded or problem
        raise LimitExceeded(self.exceeded)

    def _unpacking_problem(self) -> str | None:
        limits = self.limits
        if self.unpacked > limits.max_unpacked_bytes:
            return (
                f"it unpacks to more than {limits.max_unpacked_bytes} bytes, the scan limit; "
                "not inspected"
            )
        allowed = max(limits.unpack_ratio_floor, limits.max_unpack_ratio * self.reached)
        if self.unpacked > allowed:
            ratio = self.unpacked // max(self.reached, 1)
            return (
                f"it unpacks to more than {allowed} bytes from its first {self.reached} "
                f"(ratio {ratio}, over {limits.max_unpack_ratio}): a decompression bomb; "
                "not inspected"
            )
        return None


@dataclass(frozen=True)
class Source:
    """Content to scan: a file on disk, an archive member or a decompressed stream.

    Example:
        >>> source = Source.for_file(Path("releases/penguin-species/model.skops"), ScanLimits())
        >>> archive = zipfile.ZipFile(source.path)
        >>> info = archive.getinfo("schema.json")
        >>> member = source.nested(info.filename, lambda: archive.open(info), info.file_size)
        >>> member.name, member.depth, member.path
        ('schema.json', 1, None)
    """

    name: str
    open: Callable[[], BinaryIO]
    size: int | None
    limits: ScanLimits
    budget: Budget
    depth: int = 0
    path: Path | None = None
    """The file on disk when the content is a whole file (the scanned one, or a spool)."""

    @classmethod
    def for_file(cls, path: Path, limits: ScanLimits, name: str | None = None) -> Source:
        """A file on disk, shown as ``name`` (its path by default), with a fresh budget that
        follows how far into the file reading goes.

        Example:
            >>> _ = Path("weights.bin").write_bytes(bytes(1357))
            >>> source = Source.for_file(Path("weights.bin"), ScanLimits())
            >>> source.name, source.size
            ('weights.bin', 1357)
        """
        budget = Budget(limits)
        return cls(
            name=name if name is not None else str(path),
            open=lambda: io.BufferedReader(WatchedFile(path, budget)),
            size=path.stat().st_size,
            limits=limits,
            budget=budget,
            path=path,
        )

    def nested(self, name: str, opener: Callable[[], BinaryIO], size: int | None) -> Source:
        """Content found inside this one: one level deeper, same limits and budget.

        Example:
            >>> import gzip
            >>> _ = Path("model.pkl.gz").write_bytes(gzip.compress(b"N."))
            >>> source = Source.for_file(Path("model.pkl.gz"), ScanLimits())
            >>> inner = source.nested("model.pkl", lambda: gzip.open(source.path), None)
            >>> inner.name, inner.depth, inner.open().read()
            ('model.pkl', 1, b'N.')
        """
        return replace(self, name=name, open=opener, size=size, depth=self.depth + 1, path=None)

    def on_disk(self, path: Path) -> Source:
        """The same content, spooled to ``path``: it can be opened again and sought in.

        Example:
            >>> import gzip
            >>> _ = Path("model.pkl.gz").write_bytes(gzip.compress(b"N."))
            >>> source = Source.for_file(Path("model.pkl.gz"), ScanLimits())
            >>> inner = source.nested("model.pkl", lambda: gzip.open(source.path), None)
            >>> with spooled(inner.open) as path, inner.on_disk(path).open() as stream:
            ...     stream.seekable(), stream.read()
            (True, b'N.')
        """
        return replace(self, open=lambda: path.open("rb"), size=path.stat().st_size, path=path)

    def head(self, size: int) -> bytes:
        """The first ``size`` bytes (fewer for a shorter content).

        Example:
            >>> source = Source.for_file(Path("releases/penguin-species/model.skops"), ScanLimits())
            >>> source.head(4)
            b'PK\\x03\\x04'
        """
        with self.open() as stream:
            return Reader(stream).read(size)


class Reader:
    """A binary stream read exactly and safely, as :mod:`pickletools` expects a file.

    ``read(n)`` returns ``n`` bytes unless the content ends first and never allocates more
    than the content holds (it reads in chunks); lines are bounded; ``tell()`` counts the
    bytes consumed.

    Example:
        >>> reader = Reader(io.BytesIO(b"abc\\ndef"))
        >>> reader.readline(), reader.read(10), reader.tell()
        (b'abc\\n', b'def', 7)
    """

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._position = 0

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes (everything left when negative)."""
        wanted = sys.maxsize if size < 0 else size
        gathered = io.BytesIO()  # grows in place; getvalue() then shares its buffer
        while wanted > 0:
            part = self._stream.read(min(wanted, CHUNK_BYTES))
            if not part:
                break
            gathered.write(part)
            wanted -= len(part)
        data = gathered.getvalue()
        self._position += len(data)
        return data

    def readline(self, size: int = -1) -> bytes:
        """One line, at most :data:`MAX_LINE_BYTES` long."""
        limit = MAX_LINE_BYTES if size < 0 else min(size, MAX_LINE_BYTES)
        line = self._stream.readline(limit)
        self._position += len(line)
        return line

    def skip(self, size: int = -1) -> int:
        """Discard up to ``size`` bytes (everything left when negative); return how many."""
        skipped = 0
        while size < 0 or skipped < size:
            wanted = CHUNK_BYTES if size < 0 else min(CHUNK_BYTES, size - skipped)
            part = self._stream.read(wanted)
            if not part:
                break
            skipped += len(part)
        self._position += skipped
        return skipped

    def tell(self) -> int:
        """Bytes consumed so far."""
        return self._position


READ_ERRORS = (
    OSError,
    EOFError,
    zlib.error,
    lzma.LZMAError,
    zipfile.BadZipFile,
    tarfile.TarError,
    NotImplementedError,
    RuntimeError,
    UnicodeDecodeError,
)
"""What reading damaged, encrypted or unsupported content raises (zipfile raises
UnicodeDecodeError on member names that a damaged directory garbles). :class:`LimitExceeded`
is not among them: it ends the scan of the whole file, not one reading."""


@contextmanager
def failures_recorded(problems: Callable[[str], None]) -> Iterator[None]:
    """Turn a failure to read into a recorded problem: what cannot be read is unsafe.

    Example:
        >>> problems = []
        >>> with failures_recorded(problems.append):
        ...     raise EOFError("the stream ends before its end")
        >>> problems
        ['cannot read completely: the stream ends before its end']
    """
    try:
        yield
    except READ_ERRORS as error:
        problems(f"cannot read completely: {error}")


@contextmanager
def spooled(open_stream: Callable[[], BinaryIO]) -> Iterator[Path]:
    """Copy a stream to a temporary file, a chunk at a time, close it and yield the file's
    path; the file is deleted afterwards. What is copied is charged to the budget as the
    stream is read, so the disk it takes is bounded as the unpacking is.

    Example:
        >>> packed = io.BytesIO()
        >>> with zipfile.ZipFile(packed, "w") as archive:
        ...     archive.writestr("weights.npy", b"")
        >>> with spooled(lambda: io.BytesIO(packed.getvalue())) as path:
        ...     zipfile.ZipFile(path).namelist()
        ['weights.npy']

    Raises:
        LimitExceeded: the stream unpacks past the budget (nothing is left on disk).
    """
    descriptor, name = tempfile.mkstemp(prefix="modelshare-scan-")
    path = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as out, open_stream() as stream:
            while chunk := stream.read(CHUNK_BYTES):
                out.write(chunk)
        yield path
    finally:
        path.unlink(missing_ok=True)


class WatchedFile(io.FileIO):
    """A file on disk, read unbuffered, that tells the budget how far into it reading got.

    Example:
        >>> import gzip
        >>> _ = Path("model.gz").write_bytes(gzip.compress(b"model"))
        >>> budget = Budget(ScanLimits())
        >>> with io.BufferedReader(WatchedFile(Path("model.gz"), budget)) as stream:
        ...     stream.read(4), budget.reached
        (b'\\x1f\\x8b\\x08\\x00', 25)
    """

    def __init__(self, path: Path, budget: Budget) -> None:
        super().__init__(path, "r")
        self._budget = budget

    def readinto(self, buffer: bytearray | memoryview) -> int | None:  # type: ignore[override]
        size = super().readinto(buffer)
        self._budget.reach(self.tell())
        return size

    def readall(self) -> bytes:
        data = super().readall()
        self._budget.reach(self.tell())
        return data


class ChargedStream(io.RawIOBase):
    """A stream whose every byte read is charged to a budget (archive members and compressed
    streams unpacked as they are read: this is where a bomb stops); ``ended`` is called when
    a read finds the end of the content.

    Example:
        >>> budget = Budget(ScanLimits())
        >>> charged = ChargedStream(io.BytesIO(b"weights"), budget, lambda: print("the end"))
        >>> io.BufferedReader(charged).read(), budget.unpacked
        the end
        (b'weights', 7)
    """

    def __init__(self, inner: BinaryIO, budget: Budget, ended: Callable[[], None]) -> None:
        super().__init__()
        self._inner = inner
        self._budget = budget
        self._ended = ended

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._inner.read(len(buffer))
        if not data and len(buffer):
            self._ended()
        self._budget.charge(len(data))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._inner.close()
        super().close()


class Unpacked:
    """Content unpacked as it is read (a decompressed stream, a compressed archive member),
    openable as often as a scan needs, every byte charged to the budget. :meth:`finish` reads
    it to its end once if no reading did, so a bomb, or a damaged stream, never goes unseen
    because the format's reader stopped early.

    Example:
        >>> import gzip
        >>> budget = Budget(ScanLimits())
        >>> body = Unpacked(lambda: gzip.open(io.BytesIO(gzip.compress(b"weights"))), budget)
        >>> with body.open() as stream:
        ...     stream.read(3)
        b'wei'
        >>> body.read_to_end
        False
        >>> body.finish()
        >>> body.read_to_end, budget.unpacked
        (True, 14)
    """

    def __init__(self, open_packed: Callable[[], BinaryIO], budget: Budget) -> None:
        self._open_packed = open_packed
        self._budget = budget
        self.read_to_end = False

    def open(self) -> BinaryIO:
        """A buffered stream of the unpacked content.

        Example:
            >>> import gzip
            >>> packed = gzip.compress(b"weights")
            >>> body = Unpacked(lambda: gzip.open(io.BytesIO(packed)), Budget(ScanLimits()))
            >>> with body.open() as stream:
            ...     stream.read(3)
            b'wei'
        """
        charged = ChargedStream(self._open_packed(), self._budget, self._reached_end)
        return io.BufferedReader(charged, CHUNK_BYTES)

    def finish(self) -> None:
        """Read the content to its end, unless a reading already did.

        Example:
            >>> import gzip
            >>> bomb = gzip.compress(bytes(1000))
            >>> budget = Budget(ScanLimits(unpack_ratio_floor=100))
            >>> Unpacked(lambda: gzip.open(io.BytesIO(bomb)), budget).finish()
            Traceback (most recent call last):
            ...
            modelshare.safety.sources.LimitExceeded: it unpacks to more than 100 bytes from ...

        Raises:
            LimitExceeded: the content unpacks past the budget (a bomb).
            OSError: or another of :data:`READ_ERRORS`: the content is damaged.
        """
        if not self.read_to_end:
            with self.open() as stream:
                Reader(stream).skip()

    def _reached_end(self) -> None:
        self.read_to_end = True
