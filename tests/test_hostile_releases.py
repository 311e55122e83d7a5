"""A stranger's release runs nothing on the receiver's machine: every hostile release of
:mod:`tests.hostile` goes through the commands a receiver runs (``modelshare.load``,
``verify``, ``ood``, ``scan``, ``publish``, ``pull``, ``release --model``); no payload ever
runs, and each refusal is one clear line with a non-zero exit and no traceback.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import modelshare
from modelshare.bundle import Bundle
from modelshare.errors import ModelshareError
from tests.helpers import run_in_process
from tests.hostile import ATTACKS, MODEL_FILE, Attack, payload_code, ran, record_field, rehash
from tests.test_server import Server, running_server

TOKEN = "hf_receiver_secret_token_0123456789"


@pytest.fixture(scope="module")
def data(penguins, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Rows a receiver scores (features only) and a training table with its target."""
    folder = tmp_path_factory.mktemp("data")
    penguins.X_test.to_csv(folder / "new.csv", index=False)
    penguins.X_train.assign(species=penguins.y_train).to_csv(folder / "train.csv", index=False)
    return {"new": folder / "new.csv", "train": folder / "train.csv"}


def load(release: Path, work: Path, data: dict[str, Path]) -> subprocess.CompletedProcess[str]:
    """``modelshare.load`` from Python; a refusal is its one-line message."""
    try:
        modelshare.load(release)
    except ModelshareError as error:
        return subprocess.CompletedProcess(["load"], 1, "", f"error: {error}\n")
    except Exception:
        return subprocess.CompletedProcess(["load"], 1, "", traceback.format_exc())
    return subprocess.CompletedProcess(["load"], 0, "", "")


def pull(release: Path, work: Path, data: dict[str, Path]) -> subprocess.CompletedProcess[str]:
    """The release planted in a registry by whoever controls it, then pulled from there."""
    served = work / "served"
    shutil.copytree(release, served / "registry" / "penguin-species" / "1.0.0", symlinks=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MODELSHARE_HOME", str(served))
        pulled = run_in_process("pull", "penguin-species@1.0.0", "--to", work / "pulled")
    assert not (work / "pulled").exists(), "a refused pull left files behind"
    return pulled


COMMANDS: dict[str, Callable[[Path, Path, dict[str, Path]], subprocess.CompletedProcess[str]]] = {
    "load": load,
    "verify": lambda release, work, data: run_in_process("verify", release),
    "ood": lambda release, work, data: run_in_process("ood", release, data["new"]),
    "scan": lambda release, work, data: run_in_process("scan", release, "--json"),
    "publish": lambda release, work, data: run_in_process("publish", release),
    "pull": pull,
    "release": lambda release, work, data: run_in_process(
        "release",
        *("--model", release / MODEL_FILE, "--train", data["train"], "--target", "species"),
        *("--out", work / "rebuilt"),
    ),
}
"""How a receiver meets a release, each as a finished command with its exit code and output."""


def assert_refused(command: str, result: subprocess.CompletedProcess[str], needle: str) -> None:
    """Refused with a non-zero exit and no traceback; one line on stderr naming the cause
    (``verify`` and ``scan`` print a report: the cause is in it)."""
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    assert result.returncode != 0, f"{command} accepted it: {output}"
    assert TOKEN not in output
    if command in {"verify", "scan"}:
        assert needle in output, output
        return
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert needle in lines[0], lines[0]


@pytest.mark.parametrize("attack", ATTACKS, ids=[attack.name for attack in ATTACKS])
def test_a_hostile_release_runs_nothing_and_is_refused_in_one_line(
    attack: Attack,
    quickstart_bundle: Bundle,
    data: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MODELSHARE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    release = tmp_path / "penguin-species"
    shutil.copytree(quickstart_bundle.path, release)
    marker = tmp_path / "marker.log"
    attack.plant(release, marker)

    results = {command: COMMANDS[command](release, tmp_path, data) for command in attack.tries}

    assert not ran(marker), f"a payload ran during {', '.join(attack.tries)}"
    for command, result in results.items():
        if attack.kind == "example script":
            assert result.returncode == 0 and attack.needle in result.stdout, result.stdout
        else:
            assert_refused(command, result, attack.needle)


def test_the_corpus_covers_every_kind_of_attack_in_enough_cases() -> None:
    kinds = {attack.kind for attack in ATTACKS}
    assert kinds == {
        "trust list",
        "pickle",
        "polyglot",
        "example script",
        "symlink",
        "path",
        "manifest",
        "record",
    }
    assert len(ATTACKS) >= 40
    assert len({attack.name for attack in ATTACKS}) == len(ATTACKS)


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("hub")) as running:
        yield running


def upload_as_attacker(hub: Server, release: Path, repo: str) -> None:
    """Push a folder to the served hub with huggingface_hub itself, as its owner may."""
    from huggingface_hub import HfApi

    api = HfApi(endpoint=hub.url, token=hub.token)
    api.create_repo(repo, exist_ok=True)
    api.upload_folder(repo_id=repo, folder_path=release)


@pytest.mark.parametrize(
    ("field", "value"), [("name", "../../escape"), ("name", "/tmp/escape"), ("version", "1/../x")]
)
def test_a_pull_from_the_hub_never_names_its_folder_after_a_hostile_record(
    field: str, value: str, hub: Server, quickstart_bundle: Bundle, tmp_path: Path
) -> None:
    release = tmp_path / "release"
    shutil.copytree(quickstart_bundle.path, release)
    record_field(field, value)(release, tmp_path / "marker.log")
    repo = f"lab/hostile-{field}-{len(value)}"
    upload_as_attacker(hub, release, repo)
    work = tmp_path / "work" / "deeper"
    work.mkdir(parents=True)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))

    client = hub.client_env(tmp_path / "hf-home")
    hf_variables = {
        name: client.get(name) for name in {*os.environ, *client} if name.startswith("HF_")
    }  # as the client's process would have them: the server's, and no other
    result = run_in_process("pull", f"hf:{repo}", cwd=work, env=hf_variables)

    assert_refused("pull", result, f"{field}:")
    assert "not a valid release record" in result.stderr
    after = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    assert [p for p in after if p not in before and "hf-home" not in p.parts] == []
    assert not Path("/tmp/escape").exists()


def test_the_served_hub_reports_what_the_scanner_finds_and_grants_nothing(
    hub: Server, quickstart_bundle: Bundle, tmp_path: Path
) -> None:
    from huggingface_hub import HfApi

    release = tmp_path / "release"
    shutil.copytree(quickstart_bundle.path, release)
    marker = tmp_path / "marker.log"
    next(a for a in ATTACKS if a.name == "pickle-reduce-protocol-2.pkl").plant(release, marker)
    (release / "weights.skops").write_bytes((quickstart_bundle.path / MODEL_FILE).read_bytes())
    upload_as_attacker(hub, release, "lab/scanned")

    status = HfApi(endpoint=hub.url).model_info("lab/scanned", securityStatus=True)

    issues = {issue["path"]: issue for issue in status.security_repo_status["filesWithIssues"]}
    assert list(issues) == [MODEL_FILE]
    assert issues[MODEL_FILE]["level"] == "danger"
    assert {"module": "tests.malicious", "name": "canary", "safety": "dangerous"} in issues[
        MODEL_FILE
    ]["pickleImports"]
    assert not marker.exists()


SHADOWS = ("skops", "rich", "pydantic", "packaging", "safetensors")
"""Packages modelshare imports while it loads or verifies a release, shipped by the release."""

LOAD_HERE = """
import sys
import modelshare
try:
    modelshare.load(".")
except modelshare.ModelshareError as error:
    sys.exit(str(error))
"""


@pytest.mark.parametrize(
    "command",
    [[sys.executable, "-c", LOAD_HERE], [sys.executable, "-m", "modelshare", "verify", "."]],
    ids=["python -c load", "python -m verify"],
)
@pytest.mark.e2e  # Python puts the current folder, the release, first on sys.path
def test_nothing_is_imported_from_the_release_even_from_inside_it(
    command: list[str], quickstart_bundle: Bundle, tmp_path: Path
) -> None:
    release = tmp_path / "penguin-species"
    shutil.copytree(quickstart_bundle.path, release)
    marker = tmp_path / "marker.log"
    for package in SHADOWS:
        (release / package).mkdir()
        (release / package / "__init__.py").write_text(payload_code(marker))
    rehash(release)

    result = subprocess.run(
        command, cwd=release, capture_output=True, text=True, timeout=300, check=False
    )

    assert not marker.exists(), "a package shipped in the release was imported"
    assert result.returncode == 0, result.stderr
