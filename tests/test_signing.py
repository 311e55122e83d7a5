"""A publisher signs a release; whoever receives it checks it was not changed since."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import modelshare
from modelshare.bundle import Bundle
from modelshare.errors import ModelshareError
from modelshare.manifest import verify_folder, write_manifest
from tests.helpers import assert_clean_failure, run_in_process

pytest.importorskip("model_signing")
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

NAME = "penguin-species"


def write_key_pair(folder: Path, name: str, password: bytes | None = None) -> tuple[Path, Path]:
    """An EC P-256 key pair as PEM files, the kind `openssl ecparam` writes."""
    key = ec.generate_private_key(ec.SECP256R1())
    encryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    private = folder / f"{name}.pem"
    private.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    )
    public = folder / f"{name}.pub.pem"
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return private, public


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("keys")
    mine, my_public = write_key_pair(folder, "publisher")
    _, other_public = write_key_pair(folder, "someone-else")
    locked, _ = write_key_pair(folder, "locked", password=b"correct horse")
    edwards = folder / "ed25519.pem"
    edwards.write_bytes(
        ed25519.Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return {
        "private": mine,
        "public": my_public,
        "other public": other_public,
        "locked": locked,
        "ed25519": edwards,
    }


@pytest.fixture
def release(quickstart_bundle: Bundle, tmp_path: Path) -> Path:
    folder = tmp_path / NAME
    shutil.copytree(quickstart_bundle.path, folder)
    return folder


def test_sign_then_verify(release: Path, keys: dict[str, Path]) -> None:
    signed = run_in_process("sign", release, "--key", keys["private"])
    assert signed.returncode == 0, signed.stderr
    assert (release / "model.sig").is_file()
    assert verify_folder(release).ok, "the signature is a reserved file, not an extra one"

    checked = run_in_process("verify", release, "--public-key", keys["public"])

    assert checked.returncode == 0, checked.stderr
    assert f"signature: {release} is signed by {keys['public']}" in checked.stdout
    as_json = json.loads(
        run_in_process("verify", release, "--public-key", keys["public"], "--json").stdout
    )
    assert as_json["ok"] and as_json["signed_by"] == str(keys["public"])


def test_a_change_after_signing_is_named(release: Path, keys: dict[str, Path]) -> None:
    assert run_in_process("sign", release, "--key", keys["private"]).returncode == 0
    model = release / "model.skops"
    content = bytearray(model.read_bytes())
    content[100] ^= 0x01
    model.write_bytes(bytes(content))
    write_manifest(release)  # a careful forger updates the manifest too

    result = run_in_process("verify", release, "--public-key", keys["public"])

    assert_clean_failure(
        result, "does not match its signature", "manifest.json modified", "model.skops modified"
    )


def test_another_key_or_no_signature_is_refused(release: Path, keys: dict[str, Path]) -> None:
    unsigned = run_in_process("verify", release, "--public-key", keys["public"])
    assert_clean_failure(unsigned, "is not signed: model.sig not found")

    assert run_in_process("sign", release, "--key", keys["private"]).returncode == 0
    other = run_in_process("verify", release, "--public-key", keys["other public"])
    assert_clean_failure(other, "was signed with another key than", "someone-else.pub.pem")


def test_keys_model_signing_cannot_use_are_refused_in_one_line(
    release: Path, keys: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    edwards = run_in_process("sign", release, "--key", keys["ed25519"])
    assert_clean_failure(edwards, "is not an EC key (Ed25519)", "openssl ecparam")
    assert_clean_failure(run_in_process("sign", release, "--key", keys["locked"]), "--password-env")
    monkeypatch.setenv("KEY_PASSWORD", "wrong")
    wrong = run_in_process(
        "sign", release, "--key", keys["locked"], "--password-env", "KEY_PASSWORD"
    )
    assert_clean_failure(wrong, "wrong password")
    assert not (release / "model.sig").exists()

    monkeypatch.setenv("KEY_PASSWORD", "correct horse")
    right = run_in_process(
        "sign", release, "--key", keys["locked"], "--password-env", "KEY_PASSWORD"
    )
    assert right.returncode == 0, right.stderr


def test_publish_signed_and_pull_requiring_the_signature(
    release: Path, keys: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODELSHARE_HOME", str(tmp_path / "home"))
    before = {p.name: p.read_bytes() for p in release.iterdir() if p.is_file()}

    published = run_in_process("publish", release, "--sign-key", keys["private"], "--json")
    assert published.returncode == 0, published.stderr
    assert json.loads(published.stdout)["signed"] is True
    assert {p.name: p.read_bytes() for p in release.iterdir() if p.is_file()} == before

    pulled = run_in_process(
        "pull", NAME, "--require-signature", keys["public"], "--to", tmp_path / "ok"
    )
    assert pulled.returncode == 0, pulled.stderr
    assert "and is signed by" in pulled.stdout
    assert (tmp_path / "ok" / "model.sig").is_file()

    stranger = run_in_process(
        "pull", NAME, "--public-key", keys["other public"], "--to", tmp_path / "no"
    )
    assert_clean_failure(stranger, f"{NAME}@1.0.0 was signed with another key")
    assert not (tmp_path / "no").exists()
    no_key = run_in_process("pull", NAME, "--require-signature", "--to", tmp_path / "no")
    assert no_key.returncode == 2 and "Traceback" not in no_key.stderr
    assert not (tmp_path / "no").exists()


def test_load_requires_the_signature_the_receiver_names(
    release: Path, keys: dict[str, Path]
) -> None:
    with pytest.raises(ModelshareError, match=r"is not signed: model\.sig not found"):
        modelshare.load(release, require_signature=keys["public"])
    assert run_in_process("sign", release, "--key", keys["private"]).returncode == 0

    assert modelshare.load(release, require_signature=keys["public"]) is not None
    with pytest.raises(ModelshareError, match="was signed with another key"):
        modelshare.load(release, require_signature=keys["other public"])


def test_editing_the_card_after_signing_voids_the_signature(
    release: Path, keys: dict[str, Path]
) -> None:
    assert run_in_process("sign", release, "--key", keys["private"]).returncode == 0
    card = release / "README.md"
    card.write_text(card.read_text().replace("penguin", "Penguin", 1))
    write_manifest(release)  # the manifest alone would not notice a re-hashed edit

    with pytest.raises(ModelshareError, match=r"does not match its signature: .*README\.md"):
        modelshare.load(release, require_signature=keys["public"])
    assert modelshare.load(release) is not None, "without a required signature it loads"
