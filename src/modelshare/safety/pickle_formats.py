"""Content that is a pickle or carries one: raw pickles (protocols 0 to 5), joblib files,
legacy PyTorch checkpoints, the pickles inside PyTorch zip checkpoints and object ``.npy``.

A legacy PyTorch checkpoint is five pickles in a row (magic number, protocol version, system
info, the object, the storage keys) followed by raw storage bytes that torch reads without
unpickling. Anywhere else, bytes after a pickle's STOP are a problem: the file is not what
it claims to be.

Example:
    >>> scan = FileScan(path="model.bin", format="unknown")
    >>> scan_pickle_content(source, scan)
    True
    >>> scan.format, scan.unsafe_globals
    ('pytorch legacy', ['tests.malicious.canary'])
"""

from __future__ import annotations

from modelshare.safety.pickles import PickleWalk, walk_pickle
from modelshare.safety.report import FileScan
from modelshare.safety.sources import Reader, Source, failures_recorded

TORCH_MAGIC = 0x1950A86A20F9469CFC6C
"""The number a legacy ``torch.save`` file pickles first."""

LEGACY_TORCH_PICKLES_AFTER_MAGIC = 4
"""Protocol version, system info, the object (the only one with persistent ids), storage keys."""

LEGACY_TORCH_OBJECT = 2
"""The position, after the magic number, of the pickle holding the saved object."""


def scan_pickle_content(source: Source, scan: FileScan, *, probe: bool = False) -> bool:
    """Walk content that starts with a pickle and fill ``scan``.

    With ``probe``, the content is taken for a pickle only when its walk reaches STOP or
    meets something that imports (a protocol 0 pickle may be cut short after its payload ran);
    otherwise ``scan`` is left untouched and False returned.

    Example:
        >>> scan_pickle_content(source, scan, probe=True)  # a README that is plain text
        False
    """
    with source.open() as stream:
        reader = Reader(stream)
        first = walk_pickle(reader, joblib_arrays=True)
        if probe and not (first.complete or first.imports):
            return False
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


def scan_embedded_pickle(reader: Reader, scan: FileScan) -> None:
    """Walk the pickle that follows a header (an object ``.npy``) up to the end of the file.

    Example:
        >>> scan_embedded_pickle(reader, scan)  # reader just past the .npy header
    """
    walk = walk_pickle(reader)
    scan.contains_pickle = True
    _record(scan, walk)
    _check_nothing_follows(reader, walk, scan)


def scan_torch_pickle(source: Source) -> FileScan:
    """Scan a ``.pkl`` member of a PyTorch zip checkpoint (persistent ids allowed).

    Example:
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
