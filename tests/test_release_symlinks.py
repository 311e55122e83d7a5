"""A release whose signature file is a symbolic link to a private key elsewhere: nothing
verifies it, publishes it or pulls it, and the key's bytes never leave the machine."""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

import modelshare
from modelshare.bundle import Bundle
from modelshare.errors import IntegrityError
from modelshare.hubs.hf import HuggingFaceHub
from modelshare.hubs.local import LocalRegistry
from modelshare.layout import SIGNATURE_FILES
from modelshare.manifest import RESERVED_FILES, verify_folder
from tests.helpers import assert_clean_failure, run_in_process
from tests.test_hf_hub import hub_user  # noqa: F401  (HF_ENDPOINT, token, MODELSHARE_HOME)
from tests.test_server import Server, running_server

NAME = "penguin-species"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`modelshare serve` on a loopback port, as the Hub the publish commands reach."""
    with running_server(tmp_path_factory.mktemp("hub")) as running:
        yield running


@pytest.fixture
def secret(tmp_path: Path) -> bytes:
    """A private key outside the release, whose bytes must never be read into one."""
    key = f"-----BEGIN PRIVATE KEY-----\n{secrets.token_hex(32)}\n".encode()
    (tmp_path / "id_publisher.pem").write_bytes(key)
    return key


@pytest.fixture
def release(quickstart_bundle: Bundle, tmp_path: Path) -> Path:
    """A copy of the quick start release for one test to change."""
    return Path(shutil.copytree(quickstart_bundle.path, tmp_path / NAME))


def link_signature(release: Path, name: str, tmp_path: Path) -> Path:
    """``release/name`` made a link to the private key outside the release."""
    link = release / name
    link.symlink_to(tmp_path / "id_publisher.pem")
    return link


def stored_bytes(root: Path) -> list[bytes]:
    return [path.read_bytes() for path in root.rglob("*") if path.is_file()]


@pytest.mark.parametrize("name", SIGNATURE_FILES)
def test_a_signature_that_is_a_link_fails_verification(
    release: Path, tmp_path: Path, secret: bytes, name: str
) -> None:
    link_signature(release, name, tmp_path)

    result = verify_folder(release)

    assert result.ok is False
    assert result.not_regular == (name,)
    assert result.problems() == [(name, "not a regular file")]
    assert result.describe() == f"{name} not a regular file"
    assert result.to_dict()["not_regular"] == [name]
    assert replace(result, extra=()).ok is False, "not a file the manifest merely omits"


@pytest.mark.parametrize("kind", ["folder", "fifo", "link to a folder"])
def test_a_reserved_name_held_by_anything_but_a_file_fails_verification(
    release: Path, tmp_path: Path, kind: str
) -> None:
    target = release / "model.sig"
    if kind == "folder":
        target.mkdir()
    elif kind == "fifo":
        os.mkfifo(target)
    else:
        target.symlink_to(tmp_path, target_is_directory=True)

    result = verify_folder(release)

    assert (result.ok, result.not_regular) == (False, ("model.sig",))


def test_the_reserved_names_are_the_manifest_and_its_signatures() -> None:
    assert {"manifest.json", *SIGNATURE_FILES} == RESERVED_FILES


def test_verify_names_the_link_on_one_line(release: Path, tmp_path: Path, secret: bytes) -> None:
    link_signature(release, "model.sig", tmp_path)

    result = run_in_process("verify", release)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    naming = [line for line in result.stdout.splitlines() if "model.sig" in line]
    assert len(naming) == 1 and "not a regular file" in naming[0], result.stdout


def test_loading_refuses_a_release_with_a_linked_signature(
    release: Path, tmp_path: Path, secret: bytes
) -> None:
    link_signature(release, "model.sig", tmp_path)
    with pytest.raises(IntegrityError, match=r"model\.sig not a regular file"):
        modelshare.load(release)


@pytest.mark.parametrize("name", SIGNATURE_FILES)
def test_publishing_to_the_hub_never_uploads_the_link_target(
    server: Server, release: Path, tmp_path: Path, secret: bytes, name: str
) -> None:
    link_signature(release, name, tmp_path)
    repo = f"lab/linked-{name.replace('.', '-')}"

    result = run_in_process("publish", release, "--to", f"hf:{repo}")

    assert_clean_failure(result, name, "nothing was published")
    assert not any(secret in content for content in stored_bytes(server.root))


def test_the_hub_upload_holds_only_verified_files_even_past_a_verification_gap(
    server: Server,
    release: Path,
    tmp_path: Path,
    secret: bytes,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Were a link or an unlisted file ever to pass verification, the upload still sends
    only the files the manifest lists, the manifest and regular signature files."""
    from huggingface_hub import HfApi

    link_signature(release, "model.sig", tmp_path)
    (release / "notes.txt").write_bytes(secret)
    verification = verify_folder(release)
    assert not verification.ok
    monkeypatch.setattr(
        "modelshare.hubs.hf.verify_folder",
        lambda folder: replace(verification, extra=(), not_regular=()),
    )

    HuggingFaceHub(endpoint=server.url).publish(release, repo="lab/only-verified")

    uploaded = set(HfApi(endpoint=server.url).list_repo_files("lab/only-verified"))
    listed = {entry.path for entry in verification.manifest.files}
    assert uploaded - {".gitattributes"} == listed | {"manifest.json"}
    assert not any(secret in content for content in stored_bytes(server.root))


def test_the_local_registry_neither_publishes_nor_pulls_a_linked_signature(
    release: Path, tmp_path: Path, secret: bytes
) -> None:
    registry = LocalRegistry()  # MODELSHARE_HOME, as the command line uses it
    link = link_signature(release, "model.sig", tmp_path)

    published = run_in_process("publish", release)

    assert_clean_failure(published, "model.sig", "nothing was published")
    assert not any(secret in content for content in stored_bytes(registry.home))

    link.unlink()
    registry.publish(release)
    stored = registry.root / NAME / "1.0.0"
    link_signature(stored, "model.sig", tmp_path)
    with pytest.raises(IntegrityError, match=r"model\.sig not a regular file"):
        registry.pull(NAME, to=tmp_path / "pulled")
    assert not (tmp_path / "pulled").exists()
