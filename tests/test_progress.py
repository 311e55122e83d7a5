"""The library reports, the command line shows: hashing reports each pass to the progress of
the context, saving a release prints nothing, and the commands that save one print its
checklist line."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from modelshare.bundle import Bundle
from modelshare.manifest import copy_verified, read_manifest, verify_folder, write_manifest
from modelshare.progress import Advance, reporting_progress, tracked
from modelshare.quickstart import quickstart_release
from tests.helpers import run_in_process


class Recorder:
    """A progress that keeps each pass: what it did, its total and the units reported."""

    def __init__(self) -> None:
        self.passes: list[tuple[str, int, int]] = []

    @contextmanager
    def __call__(self, total: int, description: str) -> Iterator[Advance]:
        done: list[int] = []
        yield done.append
        self.passes.append((description, total, sum(done)))


def test_hashing_reports_every_pass_to_the_progress_of_the_context(
    quickstart_bundle: Bundle, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    release, copy = quickstart_bundle.path, tmp_path / "copy"
    size = read_manifest(release).total_size
    recorder = Recorder()
    with reporting_progress(recorder):
        verify_folder(release)
        copy_verified(release, copy)
        write_manifest(copy)
    verifying = (f"verifying {release.name}", size, size)
    assert recorder.passes == [verifying, verifying, ("hashing copy", size, size)]
    assert capfd.readouterr() == ("", "")


def test_a_progress_is_reported_to_inside_its_block_only() -> None:
    recorder = Recorder()
    with reporting_progress(recorder), tracked(3, "inside") as advance:
        advance(3)
    with tracked(5, "after") as advance:
        advance(5)
    assert recorder.passes == [("inside", 3, 3)]


def test_saving_a_release_prints_nothing(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    quickstart_release().save(tmp_path / "penguin-species")
    assert capfd.readouterr() == ("", "")


def test_the_command_that_saves_a_release_prints_its_checklist_line(tmp_path: Path) -> None:
    result = run_in_process("quickstart", "--out", tmp_path / "penguin-species")
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith("checklist: required "), result.stderr
    as_json = run_in_process("quickstart", "--out", tmp_path / "again", "--json")
    assert as_json.returncode == 0, as_json.stderr
    assert as_json.stderr == ""
