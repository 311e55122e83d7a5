"""Compressed streams (gzip, bz2, xz, lzma, zlib: the compressions joblib writes), read
incrementally, concatenated streams included, every decompressed byte charged to the budget.
Memory stays small whatever the stream unpacks to: input is read in chunks of
:data:`PACKED_CHUNK_BYTES`, output produced a chunk at a time, and an xz or lzma stream may use
at most :data:`~modelshare.safety.sources.XZ_MEMORY_BYTES`.

Example:
    >>> import joblib
    >>> from modelshare.safety import ScanLimits
    >>> _ = joblib.dump({"weight": [0.5, 1.5]}, "model.joblib", compress="zlib")
    >>> source = Source.for_file(Path("model.joblib"), ScanLimits())
    >>> compression = compression_of(source.head(64))
    >>> compression.name
    'zlib'
    >>> with unpacked(source, compression).open() as body:
    ...     body.read(2)  # a pickle
    b'\\x80\\x04'
"""

from __future__ import annotations

import bz2
import io
import lzma
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO, Protocol

from modelshare.safety.sources import XZ_MEMORY_BYTES, Source, Unpacked

PACKED_CHUNK_BYTES = 1 << 16
"""Compressed input is read this much at a time, so the bytes read from a file keep pace
with what they unpack to (the budget's ratio is judged on both)."""

DECOMPRESSION_ERRORS = (zlib.error, lzma.LZMAError, OSError, EOFError, ValueError)
"""What a decompressor raises on data that is not what its magic bytes promise."""
LZMA_MEMORY_LIMIT = "Memory usage limit exceeded"
"""What :class:`lzma.LZMADecompressor` says of a stream that needs more than its memlimit."""


class Decompressor(Protocol):
    """The interface of :class:`bz2.BZ2Decompressor` and :class:`lzma.LZMADecompressor`."""

    eof: bool
    unused_data: bytes
    needs_input: bool

    def decompress(self, data: bytes, max_length: int = -1) -> bytes: ...


class ZlibDecompressor:
    """zlib's decompressor with the interface bz2 and lzma decompressors share.

    Example:
        >>> ZlibDecompressor(15).decompress(zlib.compress(b"abc"))
        b'abc'
    """

    def __init__(self, wbits: int) -> None:
        self._inner = zlib.decompressobj(wbits)

    @property
    def eof(self) -> bool:
        return self._inner.eof

    @property
    def unused_data(self) -> bytes:
        return self._inner.unused_data

    @property
    def needs_input(self) -> bool:
        return not self._inner.unconsumed_tail

    def decompress(self, data: bytes, max_length: int = -1) -> bytes:
        return self._inner.decompress(self._inner.unconsumed_tail + data, max(max_length, 0))


@dataclass(frozen=True)
class Compression:
    """A compression recognised by its magic bytes.

    A weak magic (one or three bytes that text or data may also start with) counts only
    when the start of the content really decompresses.
    """

    name: str
    magic: bytes
    new_decompressor: Callable[[], Decompressor]
    strong_magic: bool


def _lzma_decompressor() -> Decompressor:
    """An xz or lzma decompressor that refuses to use more than ``XZ_MEMORY_BYTES``."""
    return lzma.LZMADecompressor(memlimit=XZ_MEMORY_BYTES)


COMPRESSIONS = (
    Compression("gzip", b"\x1f\x8b", lambda: ZlibDecompressor(31), strong_magic=True),
    Compression("bz2", b"BZh", bz2.BZ2Decompressor, strong_magic=True),
    Compression("xz", b"\xfd7zXZ\x00", _lzma_decompressor, strong_magic=True),
    Compression("lzma", b"]\x00\x00", _lzma_decompressor, strong_magic=False),
    Compression("zlib", b"\x78", lambda: ZlibDecompressor(15), strong_magic=False),
)


SNIFF_OUTPUT = 1 << 16
"""Bytes a head may decompress to while its compression is sniffed."""


def compression_of(head: bytes) -> Compression | None:
    """The compression the content starts with, if any.

    Example:
        >>> import gzip
        >>> compression_of(gzip.compress(b"{}")).name
        'gzip'
        >>> compression_of(b"x-ray images") is None  # text that starts like zlib
        True
        >>> compression_of(b"x^2 is a square") is None  # a valid zlib header, then no stream
        True
    """
    for compression in COMPRESSIONS:
        if head.startswith(compression.magic) and (
            compression.strong_magic or _starts_decompressing(compression, head)
        ):
            return compression
    return None


def unpacked(source: Source, compression: Compression) -> Unpacked:
    """The source's decompressed content, openable as often as a scan needs, every byte
    charged to the source's budget.

    Example:
        >>> import gzip, pickle
        >>> from modelshare.safety import ScanLimits
        >>> _ = Path("model.pkl.gz").write_bytes(gzip.compress(pickle.dumps([0.5], protocol=4)))
        >>> source = Source.for_file(Path("model.pkl.gz"), ScanLimits())
        >>> with unpacked(source, compression_of(source.head(64))).open() as body:
        ...     body.read(2)
        b'\\x80\\x04'
    """
    return Unpacked(lambda: DecompressedStream(source.open(), compression), source.budget)


def _starts_decompressing(compression: Compression, head: bytes) -> bool:
    """Whether the head starts a stream of this compression: all of it decompresses (up to
    :data:`SNIFF_OUTPUT` bytes out, so text that merely starts like zlib is not taken for it),
    or it is an lzma header asking for more memory than the scan grants (joblib still reads
    it)."""
    try:
        compression.new_decompressor().decompress(head, SNIFF_OUTPUT)
    except lzma.LZMAError as error:
        return str(error) == LZMA_MEMORY_LIMIT
    except DECOMPRESSION_ERRORS:
        return False
    return True


class DecompressedStream(io.RawIOBase):
    """A raw stream decompressing ``raw`` as it is read; concatenated streams are read on,
    as gzip, bz2, xz and joblib's zlib files do; a truncated stream raises :class:`EOFError`.

    Example:
        >>> import gzip
        >>> compression = compression_of(gzip.compress(b"abc"))
        >>> DecompressedStream(io.BytesIO(gzip.compress(b"abc") * 2), compression).read()
        b'abcabc'
    """

    def __init__(self, raw: BinaryIO, compression: Compression) -> None:
        super().__init__()
        self._raw = raw
        self._compression = compression
        self._decompressor = compression.new_decompressor()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._next_block(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._raw.close()
        super().close()

    def _next_block(self, size: int) -> bytes:
        while True:
            if self._decompressor.eof:
                rest = self._decompressor.unused_data or self._raw.read(PACKED_CHUNK_BYTES)
                if not rest:
                    return b""
                self._decompressor = self._compression.new_decompressor()
                data = self._decompressor.decompress(rest, size)
            elif self._decompressor.needs_input:
                block = self._raw.read(PACKED_CHUNK_BYTES)
                data = self._decompressor.decompress(block, size)
                if not block and not data and not self._decompressor.eof:
                    raise EOFError(f"the {self._compression.name} stream ends before its end")
            else:
                data = self._decompressor.decompress(b"", size)
            if data:
                return data
