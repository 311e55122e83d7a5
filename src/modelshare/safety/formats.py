"""Judge content by what it is, never by its name: sniff the first bytes, then hand it to
the reader of its format. Archives and compressed streams are scanned recursively.

Sniffing order: zip, tar, images (PNG, JPEG, GIF), formats that cannot be inspected
(7z, lz4, joblib's legacy zlib), compressed streams, numpy ``.npy``, safetensors, pickles
from protocol 2 up, JSON, pickles of protocols 0 and 1 (which are text), text, unknown binary.

First bytes name a format, not what every decoder makes of the content: ``pickle.load``,
``joblib.load``, ``numpy.load(allow_pickle=True)`` and ``torch.load`` unpickle a file from
byte 0 whatever it claims to be. So content of every format but pickle, JSON and text (which
are already read that way) is also walked as a pickle from byte 0, as those loaders read it
(:func:`~modelshare.safety.pickle_formats.pickle_from_first_byte`); if it reads as one, it
is a polyglot, unsafe whatever it imports. Which formats can start a pickle:

- GIF: ``G`` is BINFLOAT, which takes ``IF89a`` and three size bytes as its argument; the
  screen height's high byte is the next opcode, and the rest of the header, the colour table
  and comment blocks can hold any pickle.
- tar: a header starts with the first member's name, any bytes the archiver chose.
- safetensors: its first byte is the low byte of the header's length, an opcode for some
  lengths (``(``, ``0``, ``P``, ``X``, ``h``, ``p``, ``\x80``, ``\x88``, ``\x90``, ``\x98``
  among the multiples of 8 the library writes); a crafted length and header can go on.
- bz2: ``B`` is BINBYTES, whose length ``Zh`` + level + ``1`` (over 800 MB) skips into the
  compressed data.
- PNG (``\x89`` NEWFALSE, then ``P``) and zip (``P``) start with PERSID, a persistent id:
  no loader that reads from byte 0 resolves one, so they fail there. ``.npy`` (``\x93``,
  STACK_GLOBAL on an empty stack) and lzma (``]`` then NUL) fail at once; JPEG, gzip, xz,
  zlib, 7z, lz4 and joblib's ``ZF`` start with a byte that is no opcode. JSON never does
  (see :func:`_is_json`).

The walk ends at the first opcode the unpickler would refuse, so a benign file costs a few
bytes of reading (at most two passes over it). Where a limit of the scan ends the walk first
(a protocol 0 line over 64 MiB, the unpack budget), the file is unsafe: loaders read on.

Example:
    >>> from modelshare.safety import ScanLimits
    >>> _ = Path("model.safetensors").write_bytes(b"cos\\nsystem\\n(S'ls'\\ntR.")
    >>> scan = scan_source(Source.for_file(Path("model.safetensors"), ScanLimits()))
    >>> scan.format, scan.safe
    ('pickle', False)
"""

from __future__ import annotations

import ast
import codecs
import gc
import json
import math
from collections.abc import Callable
from functools import partial
from typing import Any

from modelshare.safety.archives import ScanMember, scan_tar, scan_zip
from modelshare.safety.compression import Compression, compression_of, unpacked
from modelshare.safety.pickle_formats import (
    scan_embedded_pickle,
    scan_pickle_content,
    scan_polyglot,
)
from modelshare.safety.report import FileScan
from modelshare.safety.safetensors import safetensors_problems
from modelshare.safety.sources import Budget, LimitExceeded, Reader, Source, failures_recorded

SNIFF_BYTES = 1 << 16
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
TAR_MAGIC_OFFSET, TAR_MAGIC = 257, b"ustar"
NPY_MAGIC = b"\x93NUMPY"
NPY_MAX_HEADER = 10_000
"""The largest ``.npy`` header ``numpy.load`` reads by default."""
NPY_HEADER_KEYS = {"descr", "fortran_order", "shape"}
PICKLE_PROTO = 0x80
SAFETENSORS_HEADER_OFFSET = 8
"""A safetensors file's JSON header starts after its 8-byte length."""
MAX_JSON_BYTES = 4 << 20
"""JSON files larger than this are reported as text: parsed, JSON takes up to some 26 times
its size as Python objects (a list of empty lists), and the scan's memory is bounded."""
OUT_OF_MEMORY = "the scan ran out of memory; not inspected"

CANNOT_INSPECT = (
    (b"7z\xbc\xaf\x27\x1c", "7z", "a 7z archive"),
    (b"\x04\x22\x4d\x18", "lz4", "an lz4 stream (joblib's lz4 compression)"),
    (b"ZF0x", "joblib (legacy zlib)", "joblib's pre-0.10 compressed format"),
)
"""Formats whose content cannot be read with the standard library: unsafe, as unread."""

IMAGE_MAGICS = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
)
"""Image formats (the card's plots); a GIF can also be a pickle (see the module)."""

Handler = Callable[[Source, bytes, FileScan], None]


def scan_source(source: Source) -> FileScan:
    """What the content of a file is and whether it is safe; a failure to read is a problem,
    not an error. Content its format's reader does not read as a pickle is also walked as one
    from byte 0, as pickle loaders read it: a polyglot is unsafe.

    A file that unpacks past its budget (a bomb), or that the scan runs out of memory on, is
    not inspected further and gets one problem line saying so, whatever part of it tripped.

    Example:
        >>> import gzip, joblib
        >>> from modelshare.safety import ScanLimits
        >>> _ = joblib.dump({"weight": np.zeros(3)}, "model.joblib", compress="zlib")
        >>> scan_source(Source.for_file(Path("model.joblib"), ScanLimits())).format
        'joblib (zlib)'
        >>> _ = Path("bomb.gz").write_bytes(gzip.compress(bytes(2 << 20)))
        >>> bomb = Source.for_file(Path("bomb.gz"), ScanLimits(unpack_ratio_floor=1 << 20))
        >>> scan_source(bomb).problems
        ['it unpacks to more than 1048576 bytes from its first ...: a decompression bomb; ...']
    """
    scan = FileScan(path=source.name, format="unknown")
    if not _filled_in_memory(source, scan):
        gc.collect()  # what the abandoned scan built lies in reference cycles: free it now
        scan.add_problem(OUT_OF_MEMORY)
    _record_spent_budget(source.budget, scan)
    return scan


def _filled_in_memory(source: Source, scan: FileScan) -> bool:
    """Fill ``scan``; False when memory ran out. A spent budget ends the filling too: the
    budget keeps its problem."""
    try:
        _fill(source, scan)
    except LimitExceeded:
        pass
    except MemoryError:
        return False
    return True


def _scan_part(source: Source) -> FileScan:
    """Scan content found inside a file (an archive member, a decompressed body) as a file of
    its own; a spent budget or exhausted memory ends the scan of the whole file."""
    scan = FileScan(path=source.name, format="unknown")
    _fill(source, scan)
    return scan


def _fill(source: Source, scan: FileScan) -> None:
    if source.depth > source.limits.max_depth:
        scan.format = "not inspected"
        scan.add_problem(
            f"nested more than {source.limits.max_depth} archives or compressed streams deep"
        )
        return
    with failures_recorded(scan.add_problem):
        head = source.head(SNIFF_BYTES)
        handler = _handler_for(head)
        with failures_recorded(scan.add_problem):  # a damaged format is still probed below
            handler(source, head, scan)
        if handler not in READ_AS_PICKLE:
            scan_polyglot(source, scan)


def _record_spent_budget(budget: Budget, scan: FileScan) -> None:
    """Once the budget is spent, its problem is the only one it causes: readings it cut
    short (a polyglot walk, a member) are not reported again in their own words."""
    if budget.exceeded is None:
        return
    scan.problems = [problem for problem in scan.problems if budget.exceeded not in problem]
    scan.add_problem(budget.exceeded)


def _handler_for(head: bytes) -> Handler:
    """The reader of the format the first bytes announce."""
    if not head:
        return _empty
    if head.startswith(ZIP_MAGICS):
        return partial(_archive, scan_zip)
    if head[TAR_MAGIC_OFFSET:].startswith(TAR_MAGIC):
        return partial(_archive, scan_tar)
    for magic, image_format in IMAGE_MAGICS:
        if head.startswith(magic):
            return partial(_image, image_format)
    for magic, format_name, description in CANNOT_INSPECT:
        if head.startswith(magic):
            return partial(_cannot_inspect, format_name, description)
    compression = compression_of(head)
    if compression is not None:
        return partial(_compressed, compression)
    if head.startswith(NPY_MAGIC):
        return _npy
    if head[SAFETENSORS_HEADER_OFFSET:].startswith(b"{"):
        return _safetensors
    if head[0] == PICKLE_PROTO:
        return _pickle
    return _json_pickle_or_text


def _empty(source: Source, head: bytes, scan: FileScan) -> None:
    scan.format = "empty"


def _archive(
    scan_archive: Callable[[Source, FileScan, ScanMember], None],
    source: Source,
    head: bytes,
    scan: FileScan,
) -> None:
    scan_archive(source, scan, _scan_part)


def _image(image_format: str, source: Source, head: bytes, scan: FileScan) -> None:
    scan.format = f"image ({image_format})"


def _cannot_inspect(
    format_name: str, description: str, source: Source, head: bytes, scan: FileScan
) -> None:
    scan.format = format_name
    scan.add_problem(f"{description} cannot be inspected: unpack it and scan what it holds")


def _compressed(compression: Compression, source: Source, head: bytes, scan: FileScan) -> None:
    scan.format = compression.name
    body = unpacked(source, compression)
    inner = _scan_part(source.nested(source.name, body.open, None))
    with failures_recorded(inner.add_problem):
        body.finish()  # read to its end once, even when its format's reader stopped early
    scan.format = f"{inner.format} ({compression.name})"
    scan.include(inner)


def _pickle(source: Source, head: bytes, scan: FileScan) -> None:
    scan_pickle_content(source, scan)


def _npy(source: Source, head: bytes, scan: FileScan) -> None:
    scan.format = "numpy"
    with source.open() as stream:
        reader = Reader(stream)
        header = _npy_header(reader)
        if isinstance(header, str):
            scan.add_problem(header)
        elif header[0]:
            scan_embedded_pickle(reader, scan)
        elif (found := _bytes_left(source, reader)) != header[1]:
            scan.add_problem(f"the header announces {header[1]} bytes of data; {found} follow")


def _npy_header(reader: Reader) -> tuple[bool, int] | str:
    """Whether the array holds objects (a pickle follows) and its data size, or a problem."""
    import numpy as np

    prefix = reader.read(len(NPY_MAGIC) + 2)
    major = prefix[-2] if len(prefix) == len(NPY_MAGIC) + 2 else 0
    if major not in (1, 2, 3):
        return f"unknown .npy format version {major}"
    length = int.from_bytes(reader.read(2 if major == 1 else 4), "little")
    if length > NPY_MAX_HEADER:
        return f"the .npy header announces {length} bytes, over numpy.load's {NPY_MAX_HEADER}"
    try:
        header = ast.literal_eval(reader.read(length).decode("latin1" if major < 3 else "utf8"))
        shape = header["shape"]
        if set(header) != NPY_HEADER_KEYS or not _is_shape(shape):
            return f"the .npy header is not one numpy writes: {header!r:.200}"
        dtype = np.lib.format.descr_to_dtype(header["descr"])
    except (ValueError, SyntaxError, TypeError, KeyError, RecursionError, MemoryError) as error:
        return f"unreadable .npy header: {error}"
    return dtype.hasobject, math.prod(shape) * dtype.itemsize


def _is_shape(shape: Any) -> bool:
    return isinstance(shape, tuple) and all(
        isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape
    )


def _safetensors(source: Source, head: bytes, scan: FileScan) -> None:
    scan.format = "safetensors"
    with source.open() as stream:
        reader = Reader(stream)
        limit = source.limits.max_safetensors_header
        for problem in safetensors_problems(reader, lambda: _bytes_left(source, reader), limit):
            scan.add_problem(problem)


def _json_pickle_or_text(source: Source, head: bytes, scan: FileScan) -> None:
    if _is_json(source):
        scan.format = "json"
    elif not scan_pickle_content(source, scan, probe=True):
        scan.format = "text" if _is_text(head) else "unknown"


def _is_json(source: Source) -> bool:
    """Whether the whole content parses as JSON (no JSON document runs as a pickle: its first
    byte is never an opcode that can succeed on an empty stack)."""
    with source.open() as stream:
        data = Reader(stream).read(MAX_JSON_BYTES + 1)
    if len(data) > MAX_JSON_BYTES:
        return False
    try:
        json.loads(data)
    except (ValueError, RecursionError):
        return False
    return True


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _bytes_left(source: Source, reader: Reader) -> int:
    """Bytes after the reader's position: from the known size, or by reading to the end."""
    return source.size - reader.tell() if source.size is not None else reader.skip()


READ_AS_PICKLE: frozenset[Handler] = frozenset({_pickle, _json_pickle_or_text})
"""The handlers that already read the content from byte 0 as a pickle."""
