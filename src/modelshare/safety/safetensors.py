"""safetensors files checked as strictly as the safetensors library reads them.

A safetensors file is 8 bytes of little-endian header length, a JSON header, then the tensor
bytes. The header must be a JSON object of tensors (``dtype``, ``shape``, ``data_offsets``)
and an optional ``__metadata__`` mapping strings to strings; the tensors must cover the data
exactly: each span as long as its shape and dtype need, no overlaps, no gaps, nothing after.

Example:
    >>> header_problems(b'{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}', 8)
    []
    >>> header_problems(b'{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}', 12)
    ['4 trailing bytes after the last tensor']
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any, NamedTuple

from modelshare.safety.sources import Reader

LENGTH_BYTES = 8

DTYPE_BITS = {
    "BOOL": 8,
    "F4": 4,
    "F6_E2M3": 6,
    "F6_E3M2": 6,
    "U8": 8,
    "I8": 8,
    "F8_E5M2": 8,
    "F8_E4M3": 8,
    "F8_E8M0": 8,
    "F8_E4M3FNUZ": 8,
    "F8_E5M2FNUZ": 8,
    "I16": 16,
    "U16": 16,
    "F16": 16,
    "BF16": 16,
    "I32": 32,
    "U32": 32,
    "F32": 32,
    "C64": 64,
    "F64": 64,
    "I64": 64,
    "U64": 64,
}
"""The dtypes the safetensors format defines, with the bits per element of each."""


class Span(NamedTuple):
    """Where one tensor's bytes lie in the data section."""

    begin: int
    end: int
    name: str


def safetensors_problems(
    reader: Reader, data_size: Callable[[], int], max_header: int
) -> list[str]:
    """Read the length and header from the reader's start and check them against the data.

    ``data_size`` is called once the header is read and returns how many bytes follow it.

    Example:
        >>> from safetensors.numpy import save_file
        >>> save_file({"weight": np.zeros((2, 3), np.float32)}, "model.safetensors")
        >>> with open("model.safetensors", "rb") as stream:  # 24 bytes of data
        ...     safetensors_problems(Reader(stream), lambda: 24, 100_000_000)
        []
        >>> with open("model.safetensors", "rb") as stream:
        ...     safetensors_problems(Reader(stream), lambda: 30, 100_000_000)
        ['6 trailing bytes after the last tensor']
    """
    length = int.from_bytes(reader.read(LENGTH_BYTES), "little")
    if length > max_header:
        return [f"the header announces {length} bytes, over the {max_header}-byte limit"]
    header = reader.read(length)
    if len(header) < length:
        return [f"the header announces {length} bytes but only {len(header)} follow"]
    return header_problems(header, data_size())


def header_problems(header: bytes, data_size: int) -> list[str]:
    """Every way a header fails the format, given the number of data bytes after it.

    Example:
        >>> header_problems(b"[1, 2]", 0)
        ['the header is not a JSON object']
    """
    entries, problem = _parsed(header)
    if entries is None:
        return [problem]
    problems = []
    metadata = entries.pop("__metadata__", None)
    if metadata is not None and not _is_string_map(metadata):
        problems.append("__metadata__ must map strings to strings")
    spans = []
    for name, info in entries.items():
        checked = _span(name, info)
        if isinstance(checked, Span):
            spans.append(checked)
        else:
            problems.append(checked)
    return problems + _coverage_problems(sorted(spans), data_size)


def _parsed(header: bytes) -> tuple[dict[str, Any] | None, str]:
    try:
        text = header.decode("utf-8")
    except UnicodeDecodeError:
        return None, "the header is not UTF-8 text"
    if not text.startswith("{"):
        return None, "the header is not a JSON object"
    try:
        return json.loads(text, object_pairs_hook=_unique_keys), ""
    except (ValueError, RecursionError) as error:
        return None, f"the header is not valid JSON: {error}"


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        raise ValueError(f"duplicate keys {duplicates}")
    return dict(pairs)


def _is_string_map(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())


def _span(name: str, info: Any) -> Span | str:
    """The tensor's span in the data, or what is wrong with its entry."""
    label = f"tensor {name!r}"
    if not isinstance(info, dict) or not {"dtype", "shape", "data_offsets"} <= set(info):
        return f"{label} lacks dtype, shape or data_offsets"
    dtype, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
    if dtype not in DTYPE_BITS:
        return f"{label} has an unknown dtype {dtype!r}"
    if not _is_size_list(shape):
        return f"{label} has an invalid shape {shape!r}"
    if not (_is_size_list(offsets) and len(offsets) == 2 and offsets[0] <= offsets[1]):
        return f"{label} has invalid data_offsets {offsets!r}"
    bits = math.prod(shape) * DTYPE_BITS[dtype]
    begin, end = offsets
    if bits % 8 or end - begin != bits // 8:
        return f"{label} ({dtype} {shape}) needs {bits / 8:g} bytes; its offsets span {end - begin}"
    return Span(begin, end, name)


def _is_size_list(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in value
    )


def _coverage_problems(spans: list[Span], data_size: int) -> list[str]:
    """Overlaps, gaps and bytes outside the tensors, in offset order."""
    problems = []
    covered, last = 0, None
    for span in spans:
        if last is not None and span.begin < covered:
            problems.append(f"tensors {last.name!r} and {span.name!r} overlap")
        elif span.begin > covered:
            problems.append(f"bytes {covered} to {span.begin} belong to no tensor")
        if span.end > covered:
            covered, last = span.end, span
    if covered > data_size:
        name = last.name if last else ""
        problems.append(f"tensor {name!r} ends at byte {covered}, past the data ({data_size})")
    elif covered < data_size:
        problems.append(f"{data_size - covered} trailing bytes after the last tensor")
    return problems
