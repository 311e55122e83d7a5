"""The same kind of mistake exits with the same code from every command that can make it, in
one line on stderr and without a traceback; the table of exit codes in ``--help`` and in
docs/cli.md is the one the command line uses.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

import modelshare
from modelshare.bundle import Bundle
from modelshare.cli.app import EXIT_MEANINGS, exit_code_rows
from modelshare.errors import (
    EXIT_CODES,
    HubError,
    InvalidInputError,
    ModelshareError,
    NotAReleaseError,
    exit_code_for,
)
from modelshare.penguins import PenguinExample
from modelshare.release import Release
from modelshare.release_folder import RELEASE_HINT
from tests.helpers import run_cli, run_in_process
from tests.test_server import Server, free_port, running_server

DOCS = Path(__file__).resolve().parents[1] / "docs"


def one_line_error(result: subprocess.CompletedProcess[str], code: int) -> str:
    """The one line a failed command printed, after checking its exit code and that it
    printed nothing else and no traceback."""
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    assert result.returncode == code, lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def work(
    quickstart_bundle: Bundle, penguins: PenguinExample, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A folder holding a release, its model file, data with a target, and an empty folder."""
    folder = tmp_path_factory.mktemp("mistakes")
    shutil.copytree(quickstart_bundle.path, folder / "release")
    shutil.copy(quickstart_bundle.path / "model.skops", folder / "model.skops")
    table = penguins.X_train.assign(species=penguins.y_train)
    table.to_csv(folder / "train.csv", index=False)
    (folder / "empty").mkdir()
    return folder


@pytest.fixture(autouse=True)
def registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty local registry for each test."""
    monkeypatch.setenv("MODELSHARE_HOME", str(tmp_path / "home"))


def release_with(work: Path, **changed: str) -> list[str | Path]:
    """``modelshare release`` with valid inputs, but those in ``changed``."""
    options = {
        "--model": work / "model.skops",
        "--train": work / "train.csv",
        "--target": "species",
        "--out": work / "out",
        **changed,
    }
    return ["release", *(part for pair in options.items() for part in pair)]


MISSING_FILE = {
    "release --model": lambda w: release_with(w, **{"--model": w / "nowhere.skops"}),
    "release --train": lambda w: release_with(w, **{"--train": w / "nowhere.csv"}),
    "release --test": lambda w: [*release_with(w), "--test", w / "nowhere.csv"],
    "release --meta": lambda w: [*release_with(w), "--meta", w / "nowhere.yaml"],
    "verify --data": lambda w: [
        "verify",
        w / "release",
        "--data",
        w / "nowhere.csv",
        "--target",
        "species",
    ],
    "verify --require-signature": lambda w: [
        "verify",
        w / "release",
        "--require-signature",
        w / "nowhere.pem",
    ],
    "sign --key": lambda w: ["sign", w / "release", "--key", w / "nowhere.pem"],
    "drift NEW": lambda w: ["drift", w / "release", w / "nowhere.csv"],
    "drift REFERENCE": lambda w: ["drift", w / "nowhere.json", w / "train.csv"],
    "ood DATA": lambda w: ["ood", w / "release", w / "nowhere.csv"],
    "ood REFERENCE": lambda w: ["ood", w / "nowhere.json", w / "train.csv"],
    "profile DATA": lambda w: ["profile", w / "nowhere.csv", "--out", w / "profile.json"],
    "check PATH": lambda w: ["check", w / "nowhere.md"],
    "scan PATH": lambda w: ["scan", w / "nowhere.skops"],
    "convert CHECKPOINT": lambda w: ["convert", w / "nowhere.pt", "--out", w / "converted"],
    "serve --token-file": lambda w: ["serve", "--token-file", w / "nowhere.txt"],
}


@pytest.mark.parametrize("command", MISSING_FILE)
def test_a_missing_input_file_exits_2_from_every_command(work: Path, command: str) -> None:
    line = one_line_error(run_in_process(*MISSING_FILE[command](work)), 2)
    assert "nowhere" in line
    assert re.search("not found|no such|cannot read", line, re.IGNORECASE), line
    assert not (work / "out").exists()


def test_a_model_file_and_a_data_file_that_cannot_be_read_exit_alike(work: Path) -> None:
    text = work / "release" / "README.md"
    model = one_line_error(run_in_process(*release_with(work, **{"--model": text})), 2)
    train = one_line_error(run_in_process(*release_with(work, **{"--train": text})), 2)
    assert "is not a skops file" in model
    assert "cannot read" in train


NOT_A_RELEASE = {
    "verify": lambda w, f: ["verify", f],
    "ood": lambda w, f: ["ood", f, w / "train.csv"],
    "drift": lambda w, f: ["drift", f, w / "train.csv"],
    "check": lambda w, f: ["check", f],
    "publish": lambda w, f: ["publish", f],
    "sign": lambda w, f: ["sign", f, "--key", w / "model.skops"],
    "card": lambda w, f: ["card", f, "--html", w / "card.html"],
}


@pytest.mark.parametrize("command", NOT_A_RELEASE)
def test_a_folder_that_holds_no_release_is_told_alike_by_every_command(
    work: Path, command: str
) -> None:
    folder = work / "empty"
    line = one_line_error(run_in_process(*NOT_A_RELEASE[command](work, folder)), 2)
    assert (
        line
        == f"error: {folder} is not a modelshare release: modelshare.json not found; {RELEASE_HINT}"
    )


@pytest.mark.parametrize("command", ["verify", "publish", "sign", "card"])
def test_a_folder_that_does_not_exist_is_not_a_release(work: Path, command: str) -> None:
    folder = work / "nowhere"
    line = one_line_error(run_in_process(*NOT_A_RELEASE[command](work, folder)), 2)
    assert line == f"error: {folder} is not a modelshare release: no such folder; {RELEASE_HINT}"


@pytest.mark.parametrize("command", ["show", "pull"])
def test_a_name_the_registry_does_not_hold_is_not_a_release(command: str) -> None:
    line = one_line_error(run_in_process(command, "nowhere"), 2)
    assert "no release named 'nowhere' in the local registry" in line


def test_a_registry_that_cannot_be_written_is_a_hub_error(
    work: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home-is-a-file"
    home.write_text("")
    monkeypatch.setenv("MODELSHARE_HOME", str(home))
    line = one_line_error(run_in_process("publish", work / "release"), 3)
    assert "cannot write to the local registry" in line


def test_the_library_raises_the_builtin_kinds_too() -> None:
    with pytest.raises(NotAReleaseError) as missing:
        modelshare.load("nowhere")
    assert isinstance(missing.value, FileNotFoundError)
    assert isinstance(missing.value, ModelshareError)
    with pytest.raises(InvalidInputError) as invalid:
        Release("Not a name!")
    assert isinstance(invalid.value, ValueError)
    assert exit_code_for(missing.value) == exit_code_for(invalid.value) == 2


def test_a_real_process_exits_as_in_process(work: Path) -> None:
    """Only the entry point's own process, once: missing input and no release."""
    missing = run_cli(*release_with(work, **{"--train": work / "nowhere.csv"}))
    assert "nowhere.csv" in one_line_error(missing, 2)
    not_a_release = run_cli("verify", work / "empty")
    assert "is not a modelshare release" in one_line_error(not_a_release, 2)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("hub")) as running:
        yield running


@pytest.fixture
def hub_user(server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Server:
    """In-process commands pointed at the served hub with its token, and no stored login."""
    for variable, value in server.client_env(tmp_path / "hf-home").items():
        if variable.startswith("HF_"):
            monkeypatch.setenv(variable, value)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("HUGGING_FACE_HUB_TOKEN", raising=False)
    monkeypatch.setattr("huggingface_hub.constants.HF_TOKEN_PATH", str(tmp_path / "no-token"))
    return server


def test_no_token_and_a_refused_token_exit_3(
    work: Path, hub_user: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = f"{hub_user.url}/lab/penguins".replace("127.0.0.1", "localhost")
    no_token_sent = run_in_process("publish", work / "release", "--to", elsewhere)
    assert "needs its token" in one_line_error(no_token_sent, 3)

    monkeypatch.delenv("HF_TOKEN")
    no_token = run_in_process("publish", work / "release", "--to", "hf:lab/penguins")
    assert "needs a token" in one_line_error(no_token, 3)

    monkeypatch.setenv("HF_TOKEN", "hf_wrong_token_0123456789")
    for command in [
        ("publish", work / "release", "--to", "hf:lab/penguins"),
        ("pull", "hf:lab/penguins", "--to", work / "pulled"),
    ]:
        line = one_line_error(run_in_process(*command), 3)
        assert "refused the token" in line and "hf_wrong_token" not in line
    assert not (work / "pulled").exists()


def test_a_hub_that_cannot_be_reached_exits_3(
    work: Path, hub_user: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("HF_ENDPOINT", closed)
    for command in [
        ("publish", work / "release", "--to", "hf:lab/penguins"),
        ("pull", "hf:lab/penguins", "--to", work / "pulled"),
        ("show", f"{closed}/lab/penguins"),
    ]:
        assert f"cannot reach the Hub at {closed}" in one_line_error(run_in_process(*command), 3)


@pytest.mark.parametrize("command", ["show", "pull"])
def test_a_repository_the_hub_does_not_hold_is_not_a_release(
    hub_user: Server, command: str
) -> None:
    line = one_line_error(run_in_process(command, f"{hub_user.url}/lab/unknown"), 2)
    assert "no model repository lab/unknown" in line


def test_every_exit_code_has_a_meaning() -> None:
    assert set(EXIT_MEANINGS) == {0} | {code for _, code in EXIT_CODES}


def test_help_ends_with_the_table_of_exit_codes() -> None:
    result = run_in_process("--help")
    assert result.returncode == 0
    for code, meaning, raised in exit_code_rows():
        assert re.search(rf"^\s+{code}\s+{re.escape(meaning)}$", result.stdout, re.MULTILINE)
        assert raised in result.stdout


def test_docs_list_the_exit_codes_the_command_line_uses() -> None:
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    documented = [
        (int(code), meaning.strip(), raised.replace("`", "").strip())
        for code, meaning, raised in re.findall(r"^\| (\d+) \| (.+?) \|(.*)\|$", text, re.M)
    ]
    assert documented == exit_code_rows()
    assert "docs/cli.md" in (DOCS.parent / "README.md").read_text(encoding="utf-8")


def test_the_errors_module_documents_the_same_codes() -> None:
    from modelshare import errors

    rows = dict(re.findall(r"^(\w+Error)\s+(\d+)\s", errors.__doc__ or "", re.MULTILINE))
    assert {kind.__name__: code for kind, code in EXIT_CODES if kind.__name__ in rows} == {
        name: int(code) for name, code in rows.items()
    }
    assert set(rows) == {kind.__name__ for kind, _ in EXIT_CODES if issubclass(kind, Exception)}


def test_an_error_kind_exits_with_its_code() -> None:
    assert exit_code_for(HubError("x")) == 3
    assert exit_code_for(ModelshareError("x")) == 1
    assert exit_code_for(KeyboardInterrupt()) == 130
    assert exit_code_for(RuntimeError("x")) == 1
