"""A researcher publishes a release to the Hub and a colleague pulls it back, checked.

The Hub here is `modelshare serve` on a loopback port (HF_ENDPOINT); the commands are the
ones a user runs against huggingface.co.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelshare.bundle import Bundle
from tests.helpers import assert_clean_failure, run_in_process
from tests.test_server import Server, free_port, running_server

NAME = "penguin-species"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("hub")) as running:
        yield running


@pytest.fixture(scope="module")
def release(quickstart_bundle: Bundle, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the quick start release that these tests may read but never change."""
    folder = tmp_path_factory.mktemp("release") / NAME
    shutil.copytree(quickstart_bundle.path, folder)
    return folder


@pytest.fixture(autouse=True)
def hub_user(server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands run with HF_ENDPOINT at the server, a fresh HF_HOME and the server's token."""
    for variable, value in server.client_env(tmp_path / "hf-home").items():
        if variable.startswith("HF_"):
            monkeypatch.setenv(variable, value)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("MODELSHARE_HOME", str(tmp_path / "modelshare-home"))


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def test_publish_to_the_hub_then_pull_it_back(
    server: Server, release: Path, tmp_path: Path
) -> None:
    outputs: list[subprocess.CompletedProcess[str]] = []

    published = run_in_process("publish", release, "--to", "hf:lab/penguins", "--json")
    outputs.append(published)
    assert published.returncode == 0, published.stderr
    assert json.loads(published.stdout) == {
        "name": NAME,
        "version": "1.0.0",
        "location": f"{server.url}/lab/penguins/tree/1.0.0",
        "created": True,
        "forced": [],
        "signed": False,
    }
    again = run_in_process("publish", release, "--to", "hf", "--repo", "lab/penguins")  # deprecated
    outputs.append(again)
    assert "already published with identical content" in again.stdout
    assert "--to hf --repo is deprecated: use --to hf:lab/penguins" in again.stderr

    at_version = run_in_process("pull", "hf:lab/penguins@1.0.0", "--to", tmp_path / "at-version")
    latest = run_in_process("pull", "hf:lab/penguins", cwd=tmp_path)
    outputs += [at_version, latest]
    assert at_version.returncode == 0, at_version.stderr
    assert "pulled lab/penguins@main into penguin-species-1.0.0" in latest.stdout
    for pulled in [tmp_path / "at-version", tmp_path / f"{NAME}-1.0.0"]:
        assert files_of(pulled) == files_of(release)
        assert run_in_process("verify", pulled).returncode == 0

    stored = [p.read_bytes() for p in server.root.rglob("*") if p.is_file()]
    written = [*files_of(tmp_path / "at-version").values(), *stored, server.log.read_bytes()]
    said = [result.stdout + result.stderr for result in outputs]
    assert not any(server.token.encode() in content for content in written)
    assert not any(server.token in text for text in said)


def test_a_byte_flipped_on_the_server_is_caught_by_pull(
    server: Server, release: Path, tmp_path: Path
) -> None:
    assert run_in_process("publish", release, "--to", "hf:lab/tampered").returncode == 0
    manifest = json.loads((release / "manifest.json").read_text())
    [model] = [entry for entry in manifest["files"] if entry["path"] == "model.skops"]
    blob = server.root / "blobs" / model["sha256"][:2] / model["sha256"]
    original = blob.read_bytes()
    flipped = bytearray(original)
    flipped[len(flipped) // 2] ^= 0x01
    blob.write_bytes(bytes(flipped))
    try:
        result = run_in_process("pull", "hf:lab/tampered", "--to", tmp_path / "pulled")
    finally:
        blob.write_bytes(original)

    assert_clean_failure(result, "model.skops modified", "nothing was pulled")
    assert not (tmp_path / "pulled").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_private_repository_needs_the_token_to_pull(
    release: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    published = run_in_process("publish", release, "--to", "hf:lab/secret", "--private")
    assert published.returncode == 0, published.stderr

    monkeypatch.delenv("HF_TOKEN")
    hidden = run_in_process("pull", "hf:lab/secret", "--to", tmp_path / "pulled")

    assert_clean_failure(hidden, "no model repository lab/secret", "may not read it")
    assert not (tmp_path / "pulled").exists()


def test_hub_failures_are_one_line_and_leave_nothing(
    server: Server, release: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run_in_process("publish", release, "--to", "hf:lab/known").returncode == 0
    destination = tmp_path / "pulled"

    unknown_repo = run_in_process("pull", "hf:lab/unknown", "--to", destination)
    assert_clean_failure(unknown_repo, "no model repository lab/unknown")
    unknown_revision = run_in_process("pull", "hf:lab/known@9.9.9", "--to", destination)
    assert_clean_failure(unknown_revision, "lab/known has no revision '9.9.9'")

    monkeypatch.setenv("HF_TOKEN", "hf_wrong_token_0123456789")
    for result in [
        run_in_process("pull", "hf:lab/known", "--to", destination),
        run_in_process("publish", release, "--to", "hf:lab/other"),
    ]:
        assert_clean_failure(result, "refused the token (401 Unauthorized)")
        assert "hf_wrong_token" not in result.stderr

    closed = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("HF_ENDPOINT", closed)
    for result in [
        run_in_process("pull", "hf:lab/known", "--to", destination),
        run_in_process("publish", release, "--to", "hf:lab/other"),
    ]:
        assert_clean_failure(result, f"cannot reach the Hub at {closed}")

    assert not destination.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name != "hf-home"] == []
    assert not (server.root / "repos" / "lab" / "other").exists()


def test_the_hub_command_line_is_checked_before_anything_is_sent(
    server: Server, release: Path
) -> None:
    assert_clean_failure(
        run_in_process("publish", release, "--to", "hf"), "--to hf needs a repository"
    )
    no_namespace = run_in_process("publish", release, "--to", "hf", "--repo", "penguins")
    assert_clean_failure(no_namespace, "use ORG/NAME")
    versioned = run_in_process("publish", release, "--to", "hf:lab/never@2.0.0")
    assert_clean_failure(versioned, "names a version", "the version it records")
    assert_clean_failure(
        run_in_process("publish", release, "--to", "ftp"), "invalid destination 'ftp'"
    )
    assert_clean_failure(
        run_in_process("publish", release, "--private"), "--private goes with a Hub"
    )
    assert not (server.root / "repos" / "lab" / "never").exists()


def test_a_signed_release_goes_through_the_hub_with_its_signature(
    release: Path, tmp_path: Path
) -> None:
    pytest.importorskip("model_signing")
    from tests.test_signing import write_key_pair

    private, public = write_key_pair(tmp_path, "publisher")
    published = run_in_process("publish", release, "--to", "hf:lab/signed", "--sign-key", private)
    assert published.returncode == 0, published.stderr
    assert "(signed)" in published.stdout

    pulled = run_in_process(
        "pull",
        "hf:lab/signed@1.0.0",
        "--require-signature",
        public,
        "--to",
        tmp_path / "pulled",
    )

    assert pulled.returncode == 0, pulled.stderr
    assert (tmp_path / "pulled" / "model.sig").is_file()
    assert not (release / "model.sig").exists()
