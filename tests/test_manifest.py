"""A user checks that a release folder holds exactly what was saved: ``modelshare verify``."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest

from modelshare.bundle import Bundle
from modelshare.errors import IntegrityError, ModelshareError
from modelshare.manifest import CHUNK_SIZE, hash_file, verify_folder, write_manifest
from tests.helpers import assert_clean_failure, run_in_process


@pytest.fixture(scope="module")
def saved(quickstart_bundle: Bundle) -> Path:
    return quickstart_bundle.path


@pytest.fixture
def release(saved: Path, tmp_path: Path) -> Path:
    """A copy of the quick start release that the test may damage."""
    return Path(shutil.copytree(saved, tmp_path / "penguin-species"))


def rewrite_manifest_path(release: Path, old: str, new: str) -> None:
    """Edit manifest.json by hand, as an attacker or a careless script would."""
    manifest = json.loads((release / "manifest.json").read_text())
    for entry in manifest["files"]:
        if entry["path"] == old:
            entry["path"] = new
    (release / "manifest.json").write_text(json.dumps(manifest))


def test_a_saved_release_lists_every_file_with_its_size_and_sha256(release: Path) -> None:
    manifest = json.loads((release / "manifest.json").read_text())
    on_disk = sorted(p.relative_to(release).as_posix() for p in release.rglob("*") if p.is_file())
    assert manifest["algorithm"] == "sha256"
    assert [entry["path"] for entry in manifest["files"]] == [
        path for path in on_disk if path != "manifest.json"
    ]
    assert "model.skops" in on_disk and "examples/predict.py" in on_disk
    for entry in manifest["files"]:
        content = (release / entry["path"]).read_bytes()
        assert entry["size"] == len(content)
        assert entry["sha256"] == hashlib.sha256(content).hexdigest()


def test_a_fresh_release_verifies(release: Path) -> None:
    result = run_in_process("verify", release)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "verified" in result.stdout
    files = [p for p in release.rglob("*") if p.is_file() and p.name != "manifest.json"]
    assert f"{len(files)} files" in result.stdout


def test_verify_names_every_modified_missing_and_extra_file(release: Path) -> None:
    model = release / "model.skops"
    content = bytearray(model.read_bytes())
    content[len(content) // 2] ^= 0x01
    model.write_bytes(bytes(content))
    requirements = release / "requirements.txt"
    requirements.write_text(requirements.read_text() + "requests==2.0\n")
    image = release / "images" / "confusion_matrix_penguins-test.png"
    image.unlink()
    (release / "notes.txt").write_text("added after the release was saved")

    result = run_in_process("verify", release)
    assert result.returncode == 1, result.stdout + result.stderr
    for path in ["model.skops", "requirements.txt", "notes.txt", image.name]:
        assert path in result.stdout

    report = json.loads(run_in_process("verify", release, "--json").stdout)
    assert report["ok"] is False
    assert report["modified"] == ["model.skops", "requirements.txt"]
    assert report["missing"] == ["images/confusion_matrix_penguins-test.png"]
    assert report["extra"] == ["notes.txt"]


def test_a_folder_without_a_manifest_is_refused(release: Path, tmp_path: Path) -> None:
    (release / "manifest.json").unlink()
    result = run_in_process("verify", release)
    assert result.returncode == 1
    assert_clean_failure(result, "has no manifest.json", "nothing was verified")
    missing = run_in_process("verify", tmp_path / "nowhere")
    assert missing.returncode == 2
    assert_clean_failure(missing, "no such folder")


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("../outside.txt", "'..' component"),
        ("images/../../outside.txt", "'..' component"),
        ("/etc/passwd", "is absolute"),
        ("images\\..\\..\\outside.txt", "backslash"),
        ("model.skops\x00.txt", "NUL"),
        ("./model.skops", "'.' or '..' component"),
        ("images//x.png", "empty"),
        ("manifest.json", "reserved"),
    ],
)
def test_a_manifest_path_that_could_leave_the_folder_is_refused(
    release: Path, path: str, reason: str
) -> None:
    rewrite_manifest_path(release, "requirements.txt", path)
    with pytest.raises(IntegrityError, match="is not a valid manifest") as error:
        verify_folder(release)
    assert reason in str(error.value)


def test_an_invalid_manifest_fails_the_command_in_one_line(release: Path) -> None:
    rewrite_manifest_path(release, "model.skops", "../../home/user/.ssh/id_rsa")
    result = run_in_process("verify", release)
    assert result.returncode == 1
    assert_clean_failure(result, "not a valid manifest", "'..' component")


def test_symbolic_links_are_never_followed(release: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    shutil.move(release / "model.skops", outside / "model.skops")
    (release / "model.skops").symlink_to(outside / "model.skops")
    images = sorted(f.relative_to(release).as_posix() for f in (release / "images").iterdir())
    shutil.move(release / "images", outside / "images")
    (release / "images").symlink_to(outside / "images", target_is_directory=True)

    result = verify_folder(release)
    assert result.modified == ("model.skops",)
    assert "images/confusion_matrix_penguins-test.png" in images
    assert list(result.missing) == images
    assert result.extra == ("images",)
    with pytest.raises(ModelshareError, match="symbolic link"):
        write_manifest(release)


def test_hashing_streams_fixed_size_chunks_and_can_copy_as_it_reads(tmp_path: Path) -> None:
    content = os.urandom(2 * CHUNK_SIZE + 123)
    weights = tmp_path / "weights.bin"
    weights.write_bytes(content)
    chunks: list[int] = []

    digest = hash_file(weights, copy_to=tmp_path / "copy" / "weights.bin", advance=chunks.append)

    assert digest == (len(content), hashlib.sha256(content).hexdigest())
    assert chunks == [CHUNK_SIZE, CHUNK_SIZE, 123]
    assert (tmp_path / "copy" / "weights.bin").read_bytes() == content
