"""The public API as a user meets it: ``import modelshare``, one verb per task, every report
turned into data the same way, and ``modelshare --version``."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import modelshare
from modelshare.bundle import Bundle
from modelshare.penguins import PenguinExample
from tests.helpers import run_in_process

VERBS = ("check", "drift", "load", "ood", "profile", "publish", "pull", "verify")
CLASSES = ("Bundle", "Release", "ModelshareError", "InvalidInputError", "NotAReleaseError")


def test_dir_shows_the_whole_public_api() -> None:
    assert set(VERBS) | set(CLASSES) | {"__version__"} <= set(dir(modelshare))
    assert all(callable(getattr(modelshare, name)) for name in VERBS + CLASSES)


def test_importing_modelshare_imports_none_of_the_api_until_it_is_used() -> None:
    code = "import json, sys, modelshare; print(json.dumps(sorted(sys.modules)))"
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout

    assert [name for name in json.loads(loaded) if name.startswith("modelshare")] == ["modelshare"]


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'publsh'"):
        modelshare.publsh  # noqa: B018


def test_version_option_prints_the_installed_version() -> None:
    from importlib.metadata import version

    result = run_in_process("--version")

    assert result.returncode == 0
    assert result.stdout.strip() == f"modelshare {modelshare.__version__}"
    assert modelshare.__version__ == version("modelshare")


def test_a_release_goes_through_the_whole_api(
    quickstart_bundle: Bundle,
    penguins: PenguinExample,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MODELSHARE_HOME", str(tmp_path / "home"))
    folder = shutil.copytree(quickstart_bundle.path, tmp_path / "penguin-species")

    report = modelshare.check(folder)
    published = modelshare.publish(folder)
    pulled = modelshare.pull("penguin-species@1.0.0", to=tmp_path / "pulled")
    verification = modelshare.verify(pulled, data=(penguins.X_test, penguins.y_test))
    shift = modelshare.drift(pulled, penguins.X_later)
    model = modelshare.load(pulled)

    assert report.passed
    assert published.published.created and pulled == tmp_path / "pulled"
    assert verification.ok and verification.claims is not None
    assert shift.new_rows == len(penguins.X_later)
    assert model.predict(penguins.X_test[:3]).shape == (3,)
    for result in (report, published, verification, shift, modelshare.check(pulled)):
        assert result.to_dict() == json.loads(result.to_json())
        assert json.loads(result.to_json(indent=None)) == result.to_dict()


def test_profile_takes_a_file_or_a_table_alike(penguins: PenguinExample, tmp_path: Path) -> None:
    table = penguins.X_train.assign(species=penguins.y_train)
    table.to_csv(tmp_path / "train.csv", index=False)

    from_file = modelshare.profile(tmp_path / "train.csv", target="species")
    from_memory = modelshare.profile(penguins.X_train, penguins.y_train)

    assert from_file.rows == from_memory.rows == len(table)
    assert from_file.target == from_memory.target
    with pytest.raises(ValueError, match="target= and dask= go with a file"):
        modelshare.profile(penguins.X_train, target="species")
    with pytest.raises(modelshare.InvalidInputError, match="y goes with in-memory data"):
        modelshare.profile(tmp_path / "train.csv", penguins.y_train)
