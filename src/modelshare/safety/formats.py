"""Judge content by what it is, never by its name: sniff the first bytes, then hand it to
the reader of its format. Archives and compressed streams are scanned recursively.

Sniffing order: zip, tar, images (PNG, JPEG, GIF), formats that cannot be inspected
(7z, lz4, joblib's legacy zlib), compressed streams, numpy ``.npy``, safetensors, pickles
from protocol 2 up, JSON, pickles of protocols 0 and 1 (which are text), text, unknown binary.

Example:
    >>> scan = scan_source(Source.for_file(Path("model.safetensors"), ScanLimits()))
    >>> scan.format, scan.safe
    ('pickle', False)
"""

from __future__ import annotations

import ast
import codecs
import json
import math
from collections.abc import Callable
from functools import partial
from typing import Any

from modelshare.safety.archives import ScanMember, scan_tar, scan_zip
from modelshare.safety.compression import Compression, compression_of, decompressed
from modelshare.safety.pickle_formats import scan_embedded_pickle, scan_pickle_content
from modelshare.safety.report import FileScan
from modelshare.safety.safetensors import safetensors_problems
from modelshare.safety.sources import Reader, Source, failures_recorded

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
MAX_JSON_BYTES = 64 << 20
"""JSON files larger than this are reported as text."""

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
"""Image formats (the card's plots): their first byte is no pickle opcode, so no unpickler
gets past it."""

Handler = Callable[[Source, bytes, FileScan], None]


def scan_source(source: Source) -> FileScan:
    """What the content is and whether it is safe; a failure to read is a problem, not an error.

    Example:
        >>> scan_source(source).format
        'joblib (zlib)'
    """
    scan = FileScan(path=source.name, format="unknown")
    if source.depth > source.limits.max_depth:
        scan.format = "not inspected"
        scan.add_problem(
            f"nested more than {source.limits.max_depth} archives or compressed streams deep"
        )
        return scan
    with failures_recorded(scan.add_problem):
        head = source.head(SNIFF_BYTES)
        _handler_for(head)(source, head, scan)
    return scan


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
    scan_archive(source, scan, scan_source)


def _image(image_format: str, source: Source, head: bytes, scan: FileScan) -> None:
    scan.format = f"image ({image_format})"


def _cannot_inspect(
    format_name: str, description: str, source: Source, head: bytes, scan: FileScan
) -> None:
    scan.format = format_name
    scan.add_problem(f"{description} cannot be inspected: unpack it and scan what it holds")


def _compressed(compression: Compression, source: Source, head: bytes, scan: FileScan) -> None:
    body = source.nested(source.name, partial(decompressed, source, compression), None)
    inner = scan_source(body)
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
