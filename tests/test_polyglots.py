"""A file that is an image or an archive to its format's readers and a pickle to
``pickle.load``: the scan judges it by what any loader would make of it, not by its first
bytes."""

from __future__ import annotations

import collections
import gzip
import io
import json
import pickle
import struct
import tarfile
import zipfile
from pathlib import Path

import joblib
import numpy as np
import pytest
from PIL import Image, PngImagePlugin

from modelshare.errors import ModelshareError
from modelshare.safety import refuse_pickle, scan_file, scan_path
from modelshare.safety.sources import MAX_LINE_BYTES
from tests.helpers import run_in_process
from tests.malicious import CANARY, Payload, gif_polyglot, tar_polyglot

POLYGLOT = "the content also reads as a pickle (a polyglot)"


@pytest.fixture
def marker(tmp_path: Path) -> Path:
    """The file a payload appends to when it runs."""
    return tmp_path / "payload-ran.log"


def assert_polyglot(path: Path, marker: Path, *, unsafe_globals: list[str]) -> None:
    """Scanned and refused as a polyglot, and nothing ran while it was judged."""
    scan = scan_file(path)
    assert scan.safe is False
    assert scan.contains_pickle is True
    assert scan.unsafe_globals == unsafe_globals
    assert any(problem.startswith(POLYGLOT) for problem in scan.problems), scan.problems
    for allow_pickle in (False, True):
        with pytest.raises(ModelshareError, match=r"polyglot") as refused:
            refuse_pickle(path, allow_pickle=allow_pickle)
        assert all(name in str(refused.value) for name in unsafe_globals)
    assert not marker.exists()


def test_a_gif_that_is_also_a_pickle_is_a_polyglot(tmp_path: Path, marker: Path) -> None:
    path = tmp_path / "confusion_matrix.gif"
    path.write_bytes(gif_polyglot(pickle.dumps(Payload(marker), protocol=2)))
    with Image.open(path) as image:
        assert (image.format, image.size) == ("GIF", (1, 0x4301))
        image.load()

    assert_polyglot(path, marker, unsafe_globals=[CANARY])
    assert scan_file(path).format == "image (gif)"

    assert pickle.loads(path.read_bytes()) == "canary"  # the payload is live
    assert marker.read_text().count("a payload ran") == 1
    joblib.load(path)
    np.load(path, allow_pickle=True)
    assert marker.read_text().count("a payload ran") == 3


def test_a_tar_whose_header_is_also_a_pickle_is_a_polyglot(tmp_path: Path, marker: Path) -> None:
    data, name, content = tar_polyglot(pickle.dumps(Payload(marker), protocol=2))
    path = tmp_path / "weights.tar"
    path.write_bytes(data)
    with tarfile.open(path) as archive:
        assert archive.getnames() == [name]
        member = archive.extractfile(name)
        assert member is not None and member.read() == content

    assert_polyglot(path, marker, unsafe_globals=[CANARY])
    assert scan_file(path).format == "tar"

    assert pickle.loads(path.read_bytes()) == "canary"
    joblib.load(path)
    assert marker.read_text().count("a payload ran") == 2


def test_a_compressed_polyglot_is_found_inside_the_stream(tmp_path: Path, marker: Path) -> None:
    data, _, _ = tar_polyglot(pickle.dumps(Payload(marker), protocol=2))
    path = tmp_path / "weights.tar.gz"
    path.write_bytes(gzip.compress(data))

    assert_polyglot(path, marker, unsafe_globals=[CANARY])
    assert scan_file(path).format == "tar (gzip)"
    joblib.load(path)  # joblib decompresses, then unpickles
    assert marker.exists()


def test_a_polyglot_is_unsafe_even_when_it_imports_only_allowlisted_globals(
    tmp_path: Path, marker: Path
) -> None:
    path = tmp_path / "plot.gif"
    path.write_bytes(gif_polyglot(pickle.dumps(collections.OrderedDict(a=1), protocol=2)))
    assert pickle.loads(path.read_bytes()) == {"a": 1}

    assert_polyglot(path, marker, unsafe_globals=[])
    assert scan_file(path).globals == ["collections.OrderedDict"]


def test_a_pickle_of_plain_values_imports_nothing_and_is_no_polyglot(tmp_path: Path) -> None:
    path = tmp_path / "plot.gif"
    path.write_bytes(gif_polyglot(pickle.dumps([1, "two"], protocol=2)))
    assert pickle.loads(path.read_bytes()) == [1, "two"]

    scan = scan_file(path)
    assert (scan.format, scan.safe, scan.contains_pickle) == ("image (gif)", True, False)


def test_the_polyglot_scan_goes_through_the_command_line(tmp_path: Path, marker: Path) -> None:
    path = tmp_path / "plot.gif"
    path.write_bytes(gif_polyglot(pickle.dumps(Payload(marker), protocol=2)))

    result = run_in_process("scan", tmp_path, "--json")

    assert result.returncode == 1, result.stderr
    [entry] = json.loads(result.stdout)["files"]
    assert entry["unsafe_globals"] == [CANARY]
    assert any(problem.startswith(POLYGLOT) for problem in entry["problems"])
    assert not marker.exists()


def png_with_payload(marker: Path) -> bytes:
    """A real PNG with a pickle payload in a text chunk and another after its end."""
    payload = pickle.dumps(Payload(marker), protocol=0).decode("ascii")
    info = PngImagePlugin.PngInfo()
    info.add_text("pickle", payload)
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue() + pickle.dumps(Payload(marker), protocol=2)


def zip_with_payload(marker: Path) -> bytes:
    """A real zip whose first member, stored, is a pickle payload; its name ends with a
    newline, so the PERSID at byte 0 takes the local header as its line up to the payload."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("model\n", pickle.dumps(Payload(marker), protocol=0))
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "build", "read_as"),
    [("plot.png", png_with_payload, "image (png)"), ("weights.zip", zip_with_payload, "zip")],
)
def test_png_and_zip_headers_start_with_a_persistent_id_no_loader_resolves(
    tmp_path: Path, marker: Path, name: str, build, read_as: str
) -> None:
    """``\\x89PNG`` is NEWFALSE then PERSID, ``PK`` is PERSID: every loader that reads a file
    from byte 0 fails there, before any payload the file holds; the scan says so."""
    path = tmp_path / name
    path.write_bytes(build(marker))
    for load in (pickle.loads, lambda data: joblib.load(io.BytesIO(data))):
        with pytest.raises(pickle.UnpicklingError, match="persistent"):
            load(path.read_bytes())
    assert not marker.exists()

    scan = scan_file(path)
    assert scan.format == read_as
    assert not any(POLYGLOT in problem for problem in scan.problems)
    assert not marker.exists()


def test_benign_images_and_archives_from_the_real_libraries_scan_safe(tmp_path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    figure, axes = plt.subplots()
    axes.plot([0, 1, 2], [2, 0, 1])
    figure.savefig(tmp_path / "curve.png")
    plt.close(figure)
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 255, (64, 48), dtype=np.uint8)).convert("P").save(
        tmp_path / "noise.gif"
    )
    Image.fromarray(rng.integers(0, 255, (64, 48, 3), dtype=np.uint8)).save(tmp_path / "n.jpg")
    release = tmp_path / "release"
    release.mkdir()
    (release / "config.json").write_text('{"hidden_size": 8}\n')
    (release / "README.md").write_text("# A model\n\nIt classifies penguins.\n")
    (release / "weights.bin").write_bytes(rng.bytes(4096))
    for name, mode in [("release.tar", "w"), ("release.tar.gz", "w:gz")]:
        with tarfile.open(tmp_path / name, mode) as archive:
            archive.add(release, arcname="release")
    with zipfile.ZipFile(tmp_path / "release.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(release.iterdir()):
            archive.write(file, f"release/{file.name}")

    report = scan_path(tmp_path)

    assert report.safe, [f for f in report.files if not f.safe]
    formats = {f.path: f.format for f in report.files if "/" not in f.path}
    assert formats == {
        "curve.png": "image (png)",
        "noise.gif": "image (gif)",
        "n.jpg": "image (jpeg)",
        "release.tar": "tar",
        "release.tar.gz": "tar (gzip)",
        "release.zip": "zip",
    }
    assert not any(f.contains_pickle for f in report.files)


def test_text_that_starts_with_a_persistent_id_is_text(tmp_path: Path) -> None:
    path = tmp_path / "requirements.txt"
    path.write_text("Pillow==10.4.0\nnumpy==2.1.0\n")

    scan = scan_file(path)

    assert (scan.format, scan.safe, scan.contains_pickle) == ("text", True, False)


def test_a_persistent_id_after_the_payload_does_not_hide_it(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"cos\nsystem\n(S'true'\ntRP0\n.")

    scan = scan_file(path)

    assert scan.safe is False
    assert scan.unsafe_globals == ["os.system"]


@pytest.mark.parametrize("container", ["gif", "text"])
def test_a_line_longer_than_the_scan_reads_fails_closed(
    tmp_path: Path, marker: Path, container: str
) -> None:
    """``V`` (UNICODE) reads a line: one longer than the scan reads must not hide a payload
    that ``pickle.load``, which reads any line to its end, reaches."""
    line = b"V" + b"A" * (MAX_LINE_BYTES + 1) + b"\n0" + pickle.dumps(Payload(marker), protocol=2)
    head = b"GIF89a" + struct.pack("<H", 1) + b"\x01" if container == "gif" else b""
    path = tmp_path / "plot"
    path.write_bytes(head + line)

    scan = scan_file(path)

    assert scan.safe is False
    assert not marker.exists()
    pickle.loads(path.read_bytes())
    assert marker.exists()


def test_a_nul_after_a_builtin_module_name_still_imports_it(tmp_path: Path) -> None:
    """CPython finds built-in and frozen modules by C string: ``posix\\x00junk`` is posix."""
    cut_short = tmp_path / "notes.txt"
    cut_short.write_bytes(b"cposix\x00junk\nsystem\n(S'true'\ntR")
    assert pickle.loads(b"cos\x00junk\ngetcwd\n.") is __import__("os").getcwd

    scan = scan_file(cut_short)

    assert (scan.format, scan.contains_pickle, scan.safe) == ("pickle", True, False)
    assert scan.unsafe_globals == ["posix\\x00junk.system"]
    not_builtin = tmp_path / "other.txt"
    not_builtin.write_bytes(b"cjson\x00junk\nloads\n(S'x'\ntR")
    assert scan_file(not_builtin).contains_pickle is False, "json is looked up by file: it fails"
