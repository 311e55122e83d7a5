"""A lab shares releases through the local registry: publish, list, show and pull."""

from __future__ import annotations

import json
import multiprocessing
import random
import shutil
import signal
import subprocess
import time
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from pathlib import Path

import pytest

from modelshare.bundle import Bundle
from modelshare.errors import ModelshareError
from modelshare.hubs import LocalRegistry
from modelshare.manifest import verify_folder, write_manifest
from tests.helpers import assert_clean_failure, opaque_bytes, run_in_process

NAME = "penguin-species"


@pytest.fixture(scope="module")
def saved(quickstart_bundle: Bundle) -> Path:
    return quickstart_bundle.path


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test gets its own empty registry through MODELSHARE_HOME."""
    home = tmp_path / "modelshare-home"
    monkeypatch.setenv("MODELSHARE_HOME", str(home))
    return home


def variant(
    saved: Path, folder: Path, *, version: str | None = None, files: dict[str, bytes] | None = None
) -> Path:
    """A copy of the saved release with another version and/or more files, re-manifested."""
    shutil.copytree(saved, folder)
    if version is not None:
        record = json.loads((folder / "modelshare.json").read_text())
        record["version"] = version
        (folder / "modelshare.json").write_text(json.dumps(record, indent=2))
    for path, content in (files or {}).items():
        (folder / path).write_bytes(content)
    write_manifest(folder)
    return folder


def files_of(folder: Path) -> dict[str, bytes]:
    """Every file under a folder with its bytes."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def leftovers(folder: Path) -> list[str]:
    """Hidden entries a half-finished write could leave behind."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") and p.is_dir())


def writing_started(name_folder: Path) -> bool:
    """Whether a publisher has begun writing into the registry folder of a name."""
    return name_folder.is_dir() and any(p.name != ".lock" for p in name_folder.iterdir())


def flip_one_byte(path: Path) -> None:
    content = bytearray(path.read_bytes())
    content[len(content) // 3] ^= 0xFF
    path.write_bytes(bytes(content))


def test_publish_list_show_pull_round_trip(saved: Path, tmp_path: Path) -> None:
    published = run_in_process("publish", saved)
    assert published.returncode == 0, published.stderr
    assert f"published {NAME}@1.0.0" in published.stdout

    listed = run_in_process("list", "--json")
    assert json.loads(listed.stdout) == [{"name": NAME, "versions": ["1.0.0"], "latest": "1.0.0"}]
    assert NAME in run_in_process("list").stdout

    shown = json.loads(run_in_process("show", NAME, "--json").stdout)
    assert (shown["version"], shown["license"]) == ("1.0.0", "mit")
    assert shown["model"] == {"estimator": "LogisticRegression", "task": "classification"}
    saved_manifest = json.loads((saved / "manifest.json").read_text())
    assert shown["manifest"]["files"] == saved_manifest["files"]
    assert "model.skops" in run_in_process("show", f"{NAME}@1.0.0").stdout

    pulled = run_in_process("pull", NAME, cwd=tmp_path)
    assert pulled.returncode == 0, pulled.stderr
    destination = tmp_path / f"{NAME}-1.0.0"
    assert run_in_process("verify", destination).returncode == 0
    assert files_of(destination) == files_of(saved)


def test_publishing_the_same_content_again_changes_nothing(saved: Path, home: Path) -> None:
    assert run_in_process("publish", saved).returncode == 0
    version_folder = home / "registry" / NAME / "1.0.0"
    before = version_folder.stat().st_mtime_ns

    again = run_in_process("publish", saved)

    assert again.returncode == 0, again.stderr
    assert "already published with identical content" in again.stdout
    assert version_folder.stat().st_mtime_ns == before


def test_a_published_version_cannot_change(saved: Path, tmp_path: Path, home: Path) -> None:
    assert run_in_process("publish", saved).returncode == 0
    changed = variant(saved, tmp_path / "changed", files={"notes.txt": b"a late addition"})

    result = run_in_process("publish", changed)

    assert_clean_failure(result, f"{NAME}@1.0.0 is already published", "notes.txt", "immutable")
    assert files_of(home / "registry" / NAME / "1.0.0") == files_of(saved)


def test_a_release_that_does_not_match_its_manifest_is_not_published(
    saved: Path, tmp_path: Path
) -> None:
    damaged = variant(saved, tmp_path / "damaged")
    flip_one_byte(damaged / "model.skops")

    result = run_in_process("publish", damaged)

    assert_clean_failure(result, "model.skops modified", "nothing was published")
    assert LocalRegistry().list_releases() == []


def test_latest_is_the_highest_version_or_else_the_last_published(
    saved: Path, tmp_path: Path
) -> None:
    registry = LocalRegistry()
    for version in ["1.10.0", "1.9.0"]:
        registry.publish(variant(saved, tmp_path / version, version=version))
    assert registry.list_releases()[0].versions == ("1.9.0", "1.10.0")
    assert registry.show(NAME).version == "1.10.0"

    for version in ["2024-june", "0.1-draft"]:
        registry.publish(variant(saved, tmp_path / version, version=version))
        time.sleep(0.01)
    assert registry.resolve(NAME).version == "0.1-draft"


def publish_in_a_process(folder: Path, outcomes: Queue) -> None:
    """``modelshare publish FOLDER`` in this (forked) process; its result goes to ``outcomes``."""
    outcomes.put((str(folder), run_in_process("publish", folder)))


def publish_at_once(folders: list[Path]) -> list[subprocess.CompletedProcess[str]]:
    """Run ``modelshare publish`` in one process per folder, all at once; wait for them all.
    The processes are forked from this one, so that none waits for Python to start."""
    context = multiprocessing.get_context("fork")
    outcomes = context.Queue()
    publishers = [
        context.Process(target=publish_in_a_process, args=(folder, outcomes)) for folder in folders
    ]
    for publisher in publishers:
        publisher.start()
    results = dict(outcomes.get(timeout=120) for _ in publishers)
    for publisher in publishers:
        publisher.join(timeout=120)
    return [results[str(folder)] for folder in folders]


@pytest.mark.e2e  # concurrent processes: each takes the registry's lock as a command would
def test_eight_concurrent_publishers_all_land_intact(
    saved: Path, tmp_path: Path, home: Path
) -> None:
    versions = [f"2.0.{i}" for i in range(8)]
    weights = {"weights.bin": opaque_bytes(2_000_000)}
    folders = [variant(saved, tmp_path / v, version=v, files=weights) for v in versions]

    for result in publish_at_once(folders):
        assert result.returncode == 0, result.stderr

    registry = LocalRegistry()
    [summary] = registry.list_releases()
    assert summary.versions == tuple(versions)
    for version, folder in zip(versions, folders, strict=True):
        published = Path(registry.show(NAME, version).location)
        assert verify_folder(published).ok
        assert files_of(published) == files_of(folder)
    assert leftovers(home / "registry" / NAME) == []


def publish_together(barrier: Barrier, folder: Path, outcomes: Queue) -> None:
    """Wait until every publisher is ready, then publish: all of them race for the lock."""
    barrier.wait()
    try:
        outcomes.put((folder.name, "published" if LocalRegistry().publish(folder).created else ""))
    except Exception as error:
        outcomes.put((folder.name, f"{type(error).__name__}: {error}"))


def test_concurrent_publishers_of_one_version_cannot_overwrite_each_other(
    saved: Path, tmp_path: Path, home: Path
) -> None:
    weights = opaque_bytes(4_000_000)
    folders = [
        variant(
            saved, tmp_path / f"take-{i}", files={"weights.bin": weights, "take.txt": b"%d" % i}
        )
        for i in range(8)
    ]
    context = multiprocessing.get_context("fork")
    barrier, outcomes = context.Barrier(len(folders)), context.Queue()
    publishers = [
        context.Process(target=publish_together, args=(barrier, folder, outcomes))
        for folder in folders
    ]
    for publisher in publishers:
        publisher.start()
    results = dict(outcomes.get(timeout=120) for _ in publishers)
    for publisher in publishers:
        publisher.join()

    [winner] = [name for name, outcome in results.items() if outcome == "published"]
    for name, outcome in results.items():
        if name != winner:
            assert "already published with different content (take.txt differ)" in outcome
    assert files_of(home / "registry" / NAME / "1.0.0") == files_of(tmp_path / winner)


@pytest.mark.e2e  # a publishing process killed with SIGKILL, mid-copy or after it
def test_a_killed_publish_never_leaves_a_partial_version(saved: Path, tmp_path: Path) -> None:
    big = variant(saved, tmp_path / "big", files={"weights.bin": opaque_bytes(24_000_000)})
    rng = random.Random()
    context = multiprocessing.get_context("fork")
    killed_while_writing = 0
    for attempt in range(20):
        home = tmp_path / f"home-{attempt}"
        name_folder = home / "registry" / NAME
        publisher = context.Process(  # `modelshare publish BIG`, forked: no startup to wait
            target=run_in_process,
            args=("publish", big),
            kwargs={"env": {"MODELSHARE_HOME": str(home)}},
        )
        publisher.start()
        while publisher.is_alive() and not writing_started(name_folder):
            time.sleep(0.002)
        if attempt % 2:  # half the kills land at once, half later in the copy or after it
            time.sleep(rng.uniform(0, 0.15))
        publisher.kill()
        publisher.join()
        killed_while_writing += publisher.exitcode == -signal.SIGKILL

        registry = LocalRegistry(home)
        for summary in registry.list_releases():
            assert verify_folder(Path(registry.show(NAME, summary.latest).location)).ok
        if not (name_folder / "1.0.0").exists():
            assert registry.list_releases() == []
            with pytest.raises(ModelshareError, match="no release named"):
                registry.pull(NAME, to=tmp_path / f"pulled-{attempt}")
            assert not (tmp_path / f"pulled-{attempt}").exists()

        registry.publish(big)
        assert verify_folder(name_folder / "1.0.0").ok
        assert leftovers(name_folder) == []
    assert killed_while_writing >= 5, f"only {killed_while_writing} kills landed mid-publish"


def test_a_tampered_file_in_the_registry_is_caught_on_pull(
    saved: Path, tmp_path: Path, home: Path
) -> None:
    assert run_in_process("publish", saved).returncode == 0
    flip_one_byte(home / "registry" / NAME / "1.0.0" / "model.skops")
    destination = tmp_path / "downloads" / "penguins"

    result = run_in_process("pull", f"{NAME}@1.0.0", "--to", destination)

    assert_clean_failure(result, "model.skops modified", "nothing was pulled")
    assert not destination.exists()
    assert leftovers(destination.parent) == []


def test_a_stale_partial_folder_is_invisible_and_cleaned_by_the_next_publish(
    saved: Path, home: Path
) -> None:
    stale = home / "registry" / NAME / ".1.0.0.k1ll3d.partial"
    stale.mkdir(parents=True)
    (stale / "model.skops").write_bytes(b"half a model")

    assert json.loads(run_in_process("list", "--json").stdout) == []
    assert_clean_failure(run_in_process("pull", NAME), "no release named 'penguin-species'")
    assert run_in_process("publish", saved).returncode == 0
    assert not stale.exists()


def test_unknown_or_unsafe_references_fail_in_one_line(saved: Path, tmp_path: Path) -> None:
    assert_clean_failure(
        run_in_process("pull", "no-such-model"), "no release named 'no-such-model'"
    )
    assert run_in_process("publish", saved).returncode == 0
    assert_clean_failure(run_in_process("show", f"{NAME}@9.9.9"), "no version '9.9.9'", "1.0.0")
    unsafe = run_in_process("pull", "../../etc", "--to", tmp_path / "out")
    assert unsafe.returncode == 2
    assert_clean_failure(unsafe, "invalid release name '../../etc'")
    assert_clean_failure(run_in_process("show", f"{NAME}@"), "invalid release reference")


def test_pull_refuses_a_folder_that_is_not_empty(saved: Path, tmp_path: Path) -> None:
    assert run_in_process("publish", saved).returncode == 0
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "notes.txt").write_text("mine")

    assert_clean_failure(run_in_process("pull", NAME, "--to", taken), "not empty")
    assert [p.name for p in taken.iterdir()] == ["notes.txt"]
