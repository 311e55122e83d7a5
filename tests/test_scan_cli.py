"""Someone downloaded model files and runs `modelshare scan` on them before loading anything."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import skops.io as sio

from tests.helpers import assert_clean_failure, run_in_process
from tests.malicious import CANARY, SAMPLES, safetensors_bytes, write_corpus


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A folder of malicious files, and the marker its canary would write."""
    root = tmp_path_factory.mktemp("downloads")
    marker = root / "canary-was-called.log"
    write_corpus(root / "models", marker)
    return root / "models", marker


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory, penguins) -> Path:
    """A benign release: a skops model, safetensors weights, a config and a card."""
    folder = tmp_path_factory.mktemp("release")
    sio.dump(penguins.model, folder / "model.skops")
    (folder / "model.safetensors").write_bytes(safetensors_bytes({"w": np.ones(3, np.float32)}))
    (folder / "config.json").write_text('{"hidden_size": 3}')
    (folder / "README.md").write_text("# penguin-species\n")
    return folder


def test_json_report_names_every_malicious_file_and_what_is_wrong(downloads):
    folder, marker = downloads

    result = run_in_process("scan", folder, "--json")

    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["safe"] is False
    files = {entry["path"]: entry for entry in report["files"]}
    assert set(files) == {path.name for path in folder.iterdir()}
    for sample in SAMPLES:
        if sample.name in files:
            entry = files[sample.name]
            findings = " ".join(entry["unsafe_globals"] + entry["problems"])
            assert not entry["safe"], sample.name
            assert all(name in findings for name in sample.names), (sample.name, findings)
    assert not marker.exists()


def test_the_table_flags_each_unsafe_file(downloads, monkeypatch):
    folder, marker = downloads
    monkeypatch.setenv("COLUMNS", "250")

    result = run_in_process("scan", folder)

    assert result.returncode == 1, result.stderr
    rows = {line.split("│")[1].strip(): line for line in result.stdout.splitlines() if "│" in line}
    for name in (
        "reduce-protocol-4.pkl",
        "payload-after-array.joblib",
        "objects.npy",
        "wrapped.zip",
    ):
        assert "UNSAFE" in rows[name] and CANARY in rows[name], rows[name]
    assert "builtins.print" in rows["print.pkl"]
    assert "a 7z archive cannot be inspected" in rows["archive.7z"]
    count = len(list(folder.iterdir()))
    assert f"scanned {count}, unsafe {count}" in result.stdout
    assert not marker.exists()


def test_a_benign_release_scans_clean(release):
    result = run_in_process("scan", release)

    assert result.returncode == 0, result.stdout
    assert "UNSAFE" not in result.stdout
    assert "scanned 4, unsafe 0" in result.stdout


def test_one_file_can_be_scanned(downloads, release):
    folder, _ = downloads

    unsafe = run_in_process("scan", folder / "renamed.safetensors", "--json")
    safe = run_in_process("scan", release / "model.safetensors", "--json")

    assert unsafe.returncode == 1
    assert json.loads(unsafe.stdout)["files"][0]["unsafe_globals"] == [CANARY]
    assert safe.returncode == 0
    assert json.loads(safe.stdout)["files"][0]["format"] == "safetensors"


def test_a_missing_path_is_one_line_and_exit_2(tmp_path):
    result = run_in_process("scan", tmp_path / "nowhere")

    assert result.returncode == 2
    assert_clean_failure(result, "error: no such file or folder:", "nowhere")
