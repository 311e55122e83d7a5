"""What a scan reads: files, archive members and decompressed streams, within fixed limits.

A :class:`Source` is content to judge, openable as often as a format needs. Every source of
one scanned file shares a :class:`Budget` of decompressed bytes, so a bomb ends the scan of
that file (as unsafe) instead of filling the disk or the memory.

Example:
    >>> source = Source.for_file(Path("model.pt"), ScanLimits())
    >>> with source.open() as stream:
    ...     Reader(stream).read(2)
    b'PK'
"""

from __future__ import annotations

import io
import lzma
import sys
import tarfile
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


@dataclass(frozen=True)
class ScanLimits:
    """How far a scan goes; beyond any of these a file is reported unsafe, not inspected.

    Example:
        >>> scan_file(Path("nested.zip"), limits=ScanLimits(max_depth=2)).safe
        False
    """

    max_depth: int = 4
    """Archives and compressed streams inside one another."""
    max_unpacked_bytes: int = 16 << 30
    """Bytes decompressed or unpacked from archives while scanning one file."""
    max_safetensors_header: int = 100_000_000
    """The largest safetensors JSON header, as the safetensors library enforces it."""


class LimitExceeded(Exception):
    """Reading on would pass one of the :class:`ScanLimits`."""


class Budget:
    """The unpacked bytes the scan of one file may still read.

    Example:
        >>> Budget(10).charge(11)
        Traceback (most recent call last):
        ...
        modelshare.safety.sources.LimitExceeded: it unpacks to more than 10 bytes, ...
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def charge(self, size: int) -> None:
        """Count ``size`` more unpacked bytes; raise :class:`LimitExceeded` past the limit."""
        self.used += size
        if self.used > self.limit:
            raise LimitExceeded(
                f"it unpacks to more than {self.limit} bytes, the scan limit; not inspected"
            )


@dataclass(frozen=True)
class Source:
    """Content to scan: a file on disk, an archive member or a decompressed stream.

    Example:
        >>> member = source.nested("archive/data.pkl", lambda: archive.open(info), info.file_size)
        >>> member.depth
        1
    """

    name: str
    open: Callable[[], BinaryIO]
    size: int | None
    limits: ScanLimits
    budget: Budget
    depth: int = 0
    path: Path | None = None
    """The file on disk when the content is a whole file."""

    @classmethod
    def for_file(cls, path: Path, limits: ScanLimits, name: str | None = None) -> Source:
        """A file on disk, shown as ``name`` (its path by default), with a fresh budget.

        Example:
            >>> Source.for_file(Path("model.pt"), ScanLimits()).size
            1357
        """
        return cls(
            name=name if name is not None else str(path),
            open=lambda: path.open("rb"),
            size=path.stat().st_size,
            limits=limits,
            budget=Budget(limits.max_unpacked_bytes),
            path=path,
        )

    def nested(self, name: str, opener: Callable[[], BinaryIO], size: int | None) -> Source:
        """Content found inside this one: one level deeper, same limits and budget.

        Example:
            >>> source.nested("model.pkl", opener, None).name
            'model.pkl'
        """
        return replace(self, name=name, open=opener, size=size, depth=self.depth + 1, path=None)

    def head(self, size: int) -> bytes:
        """The first ``size`` bytes (fewer for a shorter content).

        Example:
            >>> source.head(4)
            b'PK\\x03\\x04'
        """
        with self.open() as stream:
            return Reader(stream).read(size)


class Reader:
    """A binary stream read exactly and safely, as :mod:`pickletools` expects a file.

    ``read(n)`` returns ``n`` bytes unless the content ends first and never allocates more
    than the content holds; lines are bounded; ``tell()`` counts the bytes consumed.

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
        parts: list[bytes] = []
        while wanted > 0:
            part = self._stream.read(min(wanted, CHUNK_BYTES))
            if not part:
                break
            parts.append(part)
            wanted -= len(part)
        data = b"".join(parts)
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
    LimitExceeded,
)
"""What reading damaged, encrypted, unsupported or oversized content raises (zipfile raises
UnicodeDecodeError on member names that a damaged directory garbles)."""


@contextmanager
def failures_recorded(problems: Callable[[str], None]) -> Iterator[None]:
    """Turn a failure to read into a recorded problem: what cannot be read is unsafe.

    Example:
        >>> with failures_recorded(scan.add_problem):
        ...     scan_zip(source, scan, scan_source)
    """
    try:
        yield
    except READ_ERRORS as error:
        problems(f"cannot read completely: {error}")


class ChargedStream(io.RawIOBase):
    """A stream whose every byte read is charged to a budget (archive members are unpacked
    as they are read: this is where a zip bomb stops).

    Example:
        >>> stream = io.BufferedReader(ChargedStream(archive.open(info), budget))
    """

    def __init__(self, inner: BinaryIO, budget: Budget) -> None:
        super().__init__()
        self._inner = inner
        self._budget = budget

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._inner.read(len(buffer))
        self._budget.charge(len(data))
        buffer[: len(data)] = data
        return len(data)

    def seekable(self) -> bool:
        return self._inner.seekable()

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._inner.seek(offset, whence)

    def tell(self) -> int:
        return self._inner.tell()

    def close(self) -> None:
        self._inner.close()
        super().close()
