"""Hostile or careless input at the edges: ``--overwrite`` replaces only what modelshare
wrote, nothing printed drives the terminal, and the registry holds names to ``Release()``'s
rules."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from modelshare.bundle import Bundle
from modelshare.errors import InvalidInputError
from modelshare.fsutil import atomic_directory
from modelshare.hubs import LocalRegistry
from modelshare.manifest import write_manifest
from modelshare.penguins import TARGET
from modelshare.quickstart import quickstart_release
from tests.helpers import run_in_process

RAW_CONTROL = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
"""What must never reach a terminal from a value: C0 (but newline and tab), DEL, C1, bidi."""
HOSTILE_TEXT = "\x1b[2J\x1b]0;title\x07 cleared\u202egnp.exe\rOVERWRITTEN\nforged: line"
FREE_FOLDER_HINT = "choose an empty or new folder"


def refused(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    """A usage error: exit 2, one line on stderr naming ``needles``, no traceback."""
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def files_under(folder: Path) -> list[str]:
    """Every path under ``folder``, hidden ones included, relative and sorted."""
    return sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*"))


@pytest.fixture
def checkpoint(tmp_path: Path) -> Path:
    """A benign state dict beside an unrelated folder, in a working folder of its own."""
    torch = pytest.importorskip("torch")
    path = tmp_path / "benign.pt"
    torch.save({"weight": torch.ones(2)}, path)
    (tmp_path / "unrelated").mkdir()
    (tmp_path / "unrelated" / "keep.txt").write_text("mine")
    (tmp_path / "sub").mkdir()
    return path


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty registry of this test's own."""
    monkeypatch.setenv("MODELSHARE_HOME", str(tmp_path / "modelshare-home"))
    return tmp_path / "modelshare-home"


def hostile_copy(bundle: Bundle, folder: Path, **fields: str) -> Path:
    """A copy of the quick start release with record ``fields`` replaced, re-manifested."""
    shutil.copytree(bundle.path, folder)
    record = json.loads((folder / "modelshare.json").read_text())
    (folder / "modelshare.json").write_text(json.dumps({**record, **fields}))
    write_manifest(folder)
    return folder


@pytest.mark.parametrize(
    ("cwd", "out"),
    [(".", "$PWD"), (".", "."), (".", ""), ("sub", ".."), ("sub", "$PWD/..")],
)
def test_convert_never_replaces_the_current_folder_or_a_parent(
    checkpoint: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cwd: str, out: str
) -> None:
    monkeypatch.chdir(tmp_path / cwd)
    before = files_under(tmp_path)
    result = run_in_process(
        "convert", checkpoint, "--out", out.replace("$PWD", str(Path.cwd())), "--overwrite"
    )
    refused(result, FREE_FOLDER_HINT)
    assert files_under(tmp_path) == before


def test_convert_never_replaces_the_home_folder(
    checkpoint: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    assert run_in_process("convert", checkpoint, "--out", home).returncode == 0
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(tmp_path / "sub")
    refused(run_in_process("convert", checkpoint, "--out", home, "--overwrite"), "home folder")
    assert files_under(home) == ["model.safetensors"]


def test_convert_never_replaces_a_folder_holding_one_of_its_inputs(
    checkpoint: Path, tmp_path: Path
) -> None:
    settings = tmp_path / "settings.json"
    settings.write_text('{"width": 2}')
    converted = tmp_path / "converted"
    run_in_process("convert", checkpoint, "--config", settings, "--out", converted)
    config = converted / "config.json"
    result = run_in_process(
        "convert", checkpoint, "--config", config, "--out", converted, "--overwrite"
    )
    refused(result, str(config), FREE_FOLDER_HINT)
    assert files_under(converted) == ["config.json", "model.safetensors"]


def test_convert_overwrite_replaces_an_earlier_conversion_and_nothing_else(
    checkpoint: Path, tmp_path: Path
) -> None:
    from modelshare.convert import convert_checkpoint

    converted = tmp_path / "converted"
    assert run_in_process("convert", checkpoint, "--out", converted).returncode == 0
    assert run_in_process("convert", checkpoint, "--out", converted, "--overwrite").returncode == 0
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "model.safetensors").write_text("not from modelshare")
    (mine / "notes.txt").write_text("mine")
    refused(run_in_process("convert", checkpoint, "--out", mine, "--overwrite"), FREE_FOLDER_HINT)
    with pytest.raises(InvalidInputError, match=FREE_FOLDER_HINT):
        convert_checkpoint(checkpoint, mine, overwrite=True)
    assert files_under(mine) == ["model.safetensors", "notes.txt"]
    assert not [path for path in tmp_path.iterdir() if path.name.startswith(".")]


def test_quickstart_overwrite_refuses_a_folder_modelshare_did_not_write(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    (mine / "data").mkdir(parents=True)
    (mine / "data" / "train.csv").write_text("a,b\n1,2\n")
    (mine / "notes.txt").write_text("mine")
    refused(run_in_process("quickstart", "--out", mine, "--overwrite"), FREE_FOLDER_HINT)
    with pytest.raises(InvalidInputError, match=FREE_FOLDER_HINT):
        quickstart_release().save(mine, overwrite=True)
    assert files_under(mine) == ["data", "data/train.csv", "notes.txt"]


def test_release_overwrite_refuses_the_folder_holding_its_model_and_data(
    quickstart_bundle: Bundle, tmp_path: Path
) -> None:
    earlier = shutil.copytree(quickstart_bundle.path, tmp_path / "earlier")
    (earlier / "train.csv").write_text("bill_length_mm,species\n39.1,Adelie\n")
    before = files_under(earlier)
    result = run_in_process(
        "release", "--model", earlier / "model.skops", "--train", earlier / "train.csv",
        "--target", TARGET, "--out", earlier, "--overwrite",
    )  # fmt: skip
    refused(result, "model.skops", FREE_FOLDER_HINT)
    assert files_under(earlier) == before


def test_only_overwrite_replaces_an_earlier_release(
    quickstart_bundle: Bundle, tmp_path: Path
) -> None:
    earlier = shutil.copytree(quickstart_bundle.path, tmp_path / "earlier")
    refused(run_in_process("quickstart", "--out", earlier), "--overwrite")
    with atomic_directory(earlier, overwrite=True) as staging:
        (staging / "new.txt").write_text("the new release")
    assert files_under(earlier) == ["new.txt"]
    assert [path.name for path in tmp_path.iterdir()] == ["earlier"]


def test_show_escapes_terminal_control_characters_of_a_record(
    quickstart_bundle: Bundle, tmp_path: Path, home: Path
) -> None:
    hostile = hostile_copy(quickstart_bundle, tmp_path / "hostile", description=HOSTILE_TEXT)
    LocalRegistry().publish(hostile)
    result = run_in_process("show", "penguin-species")
    assert result.returncode == 0, result.stderr
    assert not RAW_CONTROL.search(result.stdout), repr(result.stdout)
    assert "\\x1b[2J" in result.stdout and "\\u202e" in result.stdout
    assert not [line for line in result.stdout.splitlines() if line.startswith("forged")]


def test_printed_file_names_and_errors_hold_no_control_characters(tmp_path: Path) -> None:
    folder = tmp_path / "received"
    folder.mkdir()
    (folder / "evil\x1b]0;owned\x07\u202etxt.exe").write_text("plain text")
    scanned = run_in_process("scan", folder)
    missing = run_in_process("verify", tmp_path / "no\x1b[2Jsuch\u202e")
    assert "evil" in scanned.stdout and "no" in missing.stderr
    for text in (scanned.stdout, scanned.stderr, missing.stdout, missing.stderr):
        assert not RAW_CONTROL.search(text), repr(text)


@pytest.mark.parametrize("name", ["a\nb", "-rf", "\u202e", "x" * 300, "a b"])
def test_a_registry_name_release_refuses_is_refused(name: str, home: Path) -> None:
    for command in ("show", "pull"):
        refused(run_in_process(command, "--", name), "invalid release name")
    for given in (name, f"{name}@1"):
        with pytest.raises(InvalidInputError, match="invalid release name"):
            LocalRegistry().resolve(given)


@pytest.mark.parametrize("version", ["1.0.0 ", "1..0", "-rf", "\u202e1", "v" * 300])
def test_a_registry_version_release_refuses_is_refused(version: str, home: Path) -> None:
    refused(run_in_process("show", f"penguin-species@{version}"), "invalid release version")
    with pytest.raises(InvalidInputError, match="invalid release version"):
        LocalRegistry().pull("penguin-species", version)


@pytest.mark.parametrize(
    "fields", [{"name": "name@1"}, {"name": "-rf"}, {"version": "1.0.0 "}, {"name": "a\nb"}]
)
def test_a_release_recording_such_a_name_is_not_published(
    quickstart_bundle: Bundle, tmp_path: Path, home: Path, fields: dict[str, str]
) -> None:
    hostile = hostile_copy(quickstart_bundle, tmp_path / "hostile", **fields)
    result = run_in_process("publish", hostile)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not (home / "registry").exists() or not list((home / "registry").iterdir())


def test_list_skips_registry_folders_release_would_refuse(home: Path) -> None:
    registry = home / "registry"
    for folder in ("-rf/1.0.0", "\u202eevil/1.0.0", "ok-name/1.0.0 ", "ok-name/1.0.0"):
        (registry / folder).mkdir(parents=True)
    result = run_in_process("list", "--json")
    assert result.returncode == 0, result.stderr
    assert [(r["name"], r["versions"]) for r in json.loads(result.stdout)] == [
        ("ok-name", ["1.0.0"])
    ]
