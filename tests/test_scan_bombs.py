"""Someone receives a decompression bomb: the scan reports it unsafe in one line, quickly,
and in bounded memory, whatever it would unpack to; the command line and ``modelshare.load``
refuse it in one line.

Every bomb is built here, streamed from a generator of zeros: none is ever held whole.
Memory is measured in a child process, as its peak resident size while it scans less its size
once ``modelshare.safety`` is imported, so the figure is the scan's, not the machine's.
"""

from __future__ import annotations

import bz2
import io
import json
import lzma
import shutil
import struct
import subprocess
import sys
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import pytest

import modelshare
from modelshare.bundle import Bundle
from modelshare.errors import ModelshareError
from modelshare.safety import ScanLimits, scan_file
from modelshare.safety.pickles import MAX_VALUES
from modelshare.safety.sources import SCAN_MEMORY_BYTES
from tests.helpers import run_in_process
from tests.hostile import rehash

MiB = 1 << 20
ZEROS = bytes(MiB)
BOMB = "a decompression bomb; not inspected"
"""How the one problem line of a bomb ends."""
"""A bomb is judged within this time (each one here scans in well under a second)."""

Compressor = Callable[[], Any]
COMPRESSORS: dict[str, Compressor] = {
    "gzip": lambda: zlib.compressobj(1, wbits=31),
    "bz2": lambda: bz2.BZ2Compressor(9),
    "xz": lambda: lzma.LZMACompressor(preset=0),
}
"""Streaming compressors; gzip at level 1 (229 to 1 on zeros) builds fastest."""


def zeros(size: int) -> Iterator[bytes]:
    """``size`` zero bytes (a multiple of 1 MiB), a MiB at a time."""
    for _ in range(size // MiB):
        yield ZEROS


class CompressedWriter(io.RawIOBase):
    """A write-only file that compresses what it is given as it goes (no seeking)."""

    def __init__(self, out: BinaryIO, compressor: Any) -> None:
        super().__init__()
        self._out = out
        self._compressor = compressor

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._out.write(self._compressor.compress(bytes(data)))
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._out.write(self._compressor.flush())
            self._out.close()
        super().close()


def compressed(path: Path, chunks: Iterator[bytes], kind: str = "gzip") -> Path:
    """Write ``chunks`` to ``path`` through a compressor, one chunk at a time."""
    with CompressedWriter(path.open("wb"), COMPRESSORS[kind]()) as out:
        for chunk in chunks:
            out.write(chunk)
    return path


def tar_of_zeros(size: int) -> Iterator[bytes]:
    """The bytes of a tar holding one file of ``size`` zeros, as a stream."""
    info = tarfile.TarInfo("zeros.bin")
    info.size = size
    yield info.tobuf()
    yield from zeros(size)
    yield bytes(-size % tarfile.BLOCKSIZE + 2 * tarfile.BLOCKSIZE)


def zip_in_gzip(path: Path, size: int) -> Path:
    """A gzip stream of a zip holding ``size`` zeros stored (not compressed): the zip can only
    be read by seeking, and the gzip stream cannot seek."""
    with (
        CompressedWriter(path.open("wb"), COMPRESSORS["gzip"]()) as out,
        zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive,
        archive.open("zeros.bin", "w") as member,
    ):
        for chunk in zeros(size):
            member.write(chunk)
    return path


def zip_bytes(members: dict[str, bytes | int]) -> bytes:
    """A deflated zip of the given members; an int stands for that many zeros."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            with archive.open(name, "w") as member:
                for chunk in zeros(content) if isinstance(content, int) else [content]:
                    member.write(chunk)
    return buffer.getvalue()


def nested_zips(levels: int, width: int, size: int) -> bytes:
    """42.zip in small: zips of ``width`` copies of the zip below, down to ``size`` zeros."""
    content = zip_bytes({"zeros.bin": size})
    for level in range(levels):
        content = zip_bytes({f"{level}-{copy}.zip": content for copy in range(width)})
    return content


def overlapping_zip(size: int, entries: int, name: str = "zeros.bin") -> bytes:
    """A zip whose central directory lists one deflated member of ``size`` zeros ``entries``
    times (at most 65 535), every entry pointing at the same bytes (Python 3.11's zipfile does
    not refuse overlapping entries)."""
    data = zip_bytes({name: size})
    start, end = data.rfind(b"PK\x01\x02"), data.rfind(b"PK\x05\x06")
    directory = data[start:end] * entries
    record = struct.pack(
        "<4s4H2LH", b"PK\x05\x06", 0, 0, entries, entries, len(directory), start, 0
    )
    return data[:start] + directory + record


def measured(code: str, *args: str | Path) -> dict[str, Any]:
    """Run ``code`` in a child Python after ``import modelshare.safety``; return what it
    left in ``result``, with ``seconds`` and ``memory``: the child's peak resident size while
    the code ran, less its size before (the peak is reset first where Linux allows it;
    otherwise the import's own peak counts too, which only overstates the figure)."""
    child = f"""
import json, sys, time
from pathlib import Path
import modelshare.safety

def kib(field):
    status = Path("/proc/self/status").read_text()
    return int(status.split(field + ":")[1].split()[0])

baseline = kib("VmRSS")
try:
    Path("/proc/self/clear_refs").write_text("5")
except OSError:
    pass
start = time.perf_counter()
{code}
result["seconds"] = time.perf_counter() - start
result["memory"] = (kib("VmHWM") - baseline) * 1024
print(json.dumps(result))
"""
    finished = subprocess.run(
        [sys.executable, "-c", child, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr
    return json.loads(finished.stdout)


SCAN = """
from modelshare.safety import scan_file
result = scan_file(sys.argv[1]).model_dump(include={"safe", "format", "problems"})
"""


def assert_one_bomb_line(problems: list[str]) -> None:
    assert len(problems) == 1, problems
    assert "it unpacks to more than" in problems[0] and problems[0].endswith(BOMB), problems


def assert_bounded(result: dict[str, Any]) -> None:
    """Unsafe for being a bomb, in one problem line, within the memory bound (times are for
    benchmarks, not tests: ``seconds`` is reported, not asserted)."""
    assert result["safe"] is False
    assert_one_bomb_line(result["problems"])
    assert result["memory"] < SCAN_MEMORY_BYTES, f"{result['memory'] / MiB:.0f} MiB"


@pytest.fixture(scope="module")
def bombs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder for the bombs the module's tests share."""
    return tmp_path_factory.mktemp("bombs")


@pytest.fixture(scope="module")
def tar_gz_bomb(bombs: Path) -> Path:
    """A 4.7 MB .tar.gz holding a 1 GiB file of zeros."""
    return compressed(bombs / "weights.tar.gz", tar_of_zeros(1024 * MiB))


# the scan: one line, bounded time and memory -------------------------------------------------


@pytest.mark.parametrize("kind", list(COMPRESSORS))
def test_a_compressed_stream_of_zeros_is_a_bomb(tmp_path, kind):
    path = compressed(tmp_path / f"zeros.{kind}", zeros(128 * MiB), kind)

    result = measured(SCAN, path)

    assert_bounded(result)
    assert result["format"] == kind


def test_a_tar_gz_of_a_huge_file_is_scanned_as_it_streams(tar_gz_bomb):
    result = measured(SCAN, tar_gz_bomb)

    assert_bounded(result)


def test_a_zip_inside_a_gzip_stream_is_spooled_to_disk_not_memory(tmp_path):
    path = zip_in_gzip(tmp_path / "model.zip.gz", 512 * MiB)

    result = measured(SCAN, path)

    assert_bounded(result)


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: nested_zips(levels=2, width=16, size=16 * MiB), id="nested-zips"),
        pytest.param(lambda: overlapping_zip(size=64 * MiB, entries=1000), id="overlapping"),
    ],
)
def test_zip_bombs_are_stopped_early(tmp_path, make):
    path = tmp_path / "bomb.zip"
    path.write_bytes(make())

    result = measured(SCAN, path)

    assert path.stat().st_size < MiB
    assert_bounded(result)


def test_a_pickle_claiming_a_huge_argument_over_zeros_is_bounded(tmp_path):
    claim = b"\x80\x04\x8e" + (1 << 40).to_bytes(8, "little")  # BINBYTES8 of 1 TiB
    path = compressed(tmp_path / "model.pkl.gz", iter([claim, *zeros(512 * MiB)]))

    result = measured(SCAN, path)

    assert_bounded(result)


def test_a_pickle_building_millions_of_values_is_not_walked_further(tmp_path):
    """Each empty set the walk models costs it a few hundred bytes; 18 KB of gzip would
    otherwise make it hold gigabytes."""
    sets = b"\x80\x04" + b"\x8f\x94" * (MAX_VALUES + 1) + b"."  # EMPTY_SET, MEMOIZE
    path = compressed(tmp_path / "sets.pkl.gz", iter([sets]))

    result = measured(SCAN, path)

    assert result["safe"] is False
    assert result["problems"] == [
        f"cannot parse completely: it builds more than {MAX_VALUES:,} values; not walked "
        f"further (byte {2 * MAX_VALUES + 2})"
    ]
    assert result["memory"] < SCAN_MEMORY_BYTES, f"{result['memory'] / MiB:.0f} MiB"


def test_a_long_list_of_members_is_not_read_into_memory(tmp_path):
    listed = tmp_path / "listed.zip"
    listed.write_bytes(overlapping_zip(size=MiB, entries=60_000, name="w" * 64))  # 6.6 MB
    members = (tarfile.TarInfo(f"{index}.txt").tobuf() for index in range(2_000))
    streamed = compressed(tmp_path / "many.tar.gz", iter([*members, bytes(1024)]))

    listed_scan = scan_file(listed)
    streamed_scan = scan_file(streamed, limits=ScanLimits(max_members=1_000))

    assert not listed_scan.safe
    assert [problem.split(" of ")[0] for problem in listed_scan.problems] == [
        "cannot read completely: its central directory"
    ]
    assert streamed_scan.problems == [
        "it holds more than 1000 archive members, the scan limit; not inspected"
    ]


def test_a_stream_asking_for_more_memory_than_granted_is_unsafe_not_ignored(tmp_path):
    payload = b"cos\nsystem\n(S'echo pwned'\ntR."  # joblib.load reads .lzma by its prefix
    filters = [{"id": lzma.FILTER_LZMA1, "dict_size": 512 * MiB}]
    path = tmp_path / "model.joblib"
    path.write_bytes(lzma.compress(payload, format=lzma.FORMAT_ALONE, filters=filters))

    scan = scan_file(path)

    assert (scan.format, scan.safe) == ("unknown (lzma)", False)
    assert scan.problems == ["cannot read completely: Memory usage limit exceeded"]


def test_honest_compressed_content_is_not_a_bomb(tmp_path):
    text = json.dumps({"weights": [round(0.001 * i, 3) for i in range(20_000)]}).encode()
    gzipped = compressed(tmp_path / "config.json.gz", iter([text]))
    small_zeros = compressed(tmp_path / "zeros.gz", zeros(32 * MiB))

    assert scan_file(gzipped).safe
    assert scan_file(gzipped).format == "json (gzip)"
    assert scan_file(small_zeros).safe  # under the floor: no ratio is judged


def test_the_ratio_and_its_floor_are_scan_limits(tmp_path):
    path = compressed(tmp_path / "zeros.gz", zeros(8 * MiB))
    lowered = ScanLimits(unpack_ratio_floor=1 * MiB)

    assert scan_file(path).safe
    assert_one_bomb_line(scan_file(path, limits=lowered).problems)
    assert scan_file(path, limits=ScanLimits(unpack_ratio_floor=MiB, max_unpack_ratio=10**6)).safe


def test_running_out_of_memory_is_one_problem_line(tmp_path, monkeypatch):
    path = tmp_path / "config.json"
    path.write_text('{"hidden_size": 3}')

    def exhausted(*args: object, **kwargs: object) -> None:
        raise MemoryError

    monkeypatch.setattr(json, "loads", exhausted)
    scan = scan_file(path)

    assert not scan.safe
    assert scan.problems == ["the scan ran out of memory; not inspected"]


# what a receiver sees ---------------------------------------------------------------------------


def test_scan_command_reports_the_bomb_in_one_line(tar_gz_bomb, monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")

    table = run_in_process("scan", tar_gz_bomb)
    report = run_in_process("scan", tar_gz_bomb, "--json")

    assert table.returncode == 1, table.stderr
    assert "Traceback" not in table.stdout + table.stderr
    assert sum(BOMB in line for line in table.stdout.splitlines()) == 1, table.stdout
    assert report.returncode == 1
    assert_one_bomb_line(json.loads(report.stdout)["files"][0]["problems"])


def test_load_refuses_a_release_holding_the_bomb_in_one_line(
    quickstart_bundle: Bundle, tar_gz_bomb: Path, tmp_path: Path
):
    release = tmp_path / "release"
    shutil.copytree(quickstart_bundle.path, release)
    shutil.copy(tar_gz_bomb, release / "weights.tar.gz")
    rehash(release)

    with pytest.raises(ModelshareError) as refused:
        modelshare.load(release)

    message = str(refused.value)
    assert "\n" not in message
    assert "weights.tar.gz" in message and BOMB in message, message
