"""A release of a PyTorchModelHubMixin model names its class in ``modelshare.json``; loading
imports that class from the installed packages, never from the release folder, even when
Python would find a package there first (the folder is the current one, or on the path)."""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import modelshare
from modelshare import ModelshareError
from modelshare.manifest import write_manifest
from modelshare.models.pytorch import recorded_mixin_class
from tests.helpers import assert_clean_failure, run_cli

pytest.importorskip("torch")

NOT_FROM_THE_RELEASE = "is not importable from the installed packages"
"""The refusal: while a release is read, the path entries inside it are set aside
(:mod:`modelshare.imports`), so a class only the release holds is not found at all."""

LOAD_HERE = """
import sys
import modelshare
try:
    modelshare.load(sys.argv[1])
except modelshare.ModelshareError as error:
    sys.exit(str(error))
"""
"""What a receiver runs in a notebook or with ``python -c``: the current folder comes first
on ``sys.path``."""

MODEL_CODE = """
from pathlib import Path
import torch.nn as nn
from huggingface_hub import PyTorchModelHubMixin

Path({marker!r}).open("a").write("{module} ran\\n")


class MyModel(nn.Module, PyTorchModelHubMixin):
    def __init__(self, config):
        super().__init__()
        self.linear = nn.Linear(config["hidden_size"], config["num_classes"])
"""
"""A module that records that it ran, then offers a mixin class as the attacker's."""

LAYOUTS = {
    "package": ("evilpkg.mod.MyModel", ["evilpkg/__init__.py", "evilpkg/mod.py"]),
    "namespace package": ("evilpkg.mod.MyModel", ["evilpkg/mod.py"]),
    "namespace package holding a package": (
        "evilpkg.sub.mod.MyModel",
        ["evilpkg/sub/__init__.py", "evilpkg/sub/mod.py"],
    ),
}
"""Where the attacker puts the class the record names, and the modules that run if imported."""


def hijacked_copy(release: Path, tmp_path: Path, layout: str, marker: Path) -> Path:
    """A copy of the release whose record names a class shipped inside it, with the manifest
    written again, as an attacker who controls the release would."""
    folder = Path(shutil.copytree(release, tmp_path / release.name))
    class_path, modules = LAYOUTS[layout]
    for module in modules:
        (folder / module).parent.mkdir(parents=True, exist_ok=True)
        (folder / module).write_text(MODEL_CODE.format(marker=str(marker), module=module))
    record = json.loads((folder / "modelshare.json").read_text())
    record["model"]["estimator_path"] = class_path
    (folder / "modelshare.json").write_text(json.dumps(record, indent=2))
    write_manifest(folder)
    return folder


def run_python(
    code: str, *args: str, cwd: Path, pythonpath: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    """``python -c CODE ARGS`` run from ``cwd``, in this process, with ``sys.path`` as Python
    sets it up: the current folder first (``""``), then the ``pythonpath`` entries. The path,
    the arguments and the current folder are put back afterwards, and whatever was imported
    from the attacker's ``evilpkg`` is forgotten; exiting with a message prints it on stderr
    and exits 1, as Python does."""
    path, argv, folder = list(sys.path), sys.argv, os.getcwd()
    stdout, stderr = io.StringIO(), io.StringIO()
    code_ = 0
    try:
        os.chdir(cwd)
        sys.path[:0] = ["", *pythonpath]
        sys.argv = ["-c", *args]
        importlib.invalidate_caches()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            exec(compile(textwrap.dedent(code), "<string>", "exec"), {"__name__": "__main__"})
    except SystemExit as exit_:
        code_ = 1 if isinstance(exit_.code, str) else exit_.code or 0
        if isinstance(exit_.code, str):
            stderr.write(f"{exit_.code}\n")
    finally:
        os.chdir(folder)
        sys.path[:], sys.argv = path, argv
        for name in [name for name in sys.modules if name.split(".")[0] == "evilpkg"]:
            del sys.modules[name]
    return subprocess.CompletedProcess(
        ["-c", code, *args], code_, stdout.getvalue(), stderr.getvalue()
    )


RESOLVE_HERE = """
import sys
from pathlib import Path
from modelshare.bundle import Bundle
from modelshare.models.pytorch import recorded_mixin_class
sys.path.insert(0, "")  # as if nothing had set the folder aside
try:
    recorded_mixin_class(Bundle.open(".").record.model, Path("."))
except Exception as error:
    sys.exit(str(error))
"""


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize(
    ("script", "refusal"),
    [(LOAD_HERE, NOT_FROM_THE_RELEASE), (RESOLVE_HERE, "would be imported from the release")],
    ids=["load", "class import alone"],
)
def test_loading_from_inside_the_release_never_imports_its_packages(
    seed_mixin_release, tmp_path: Path, layout: str, script: str, refusal: str
) -> None:
    marker = tmp_path / "evil-code-ran.log"
    folder = hijacked_copy(seed_mixin_release[0].path, tmp_path, layout, marker)

    result = run_python(script, ".", cwd=folder)

    assert not marker.exists(), marker.read_text()
    assert_clean_failure(result, "evilpkg", refusal)


@pytest.mark.e2e  # `python -m modelshare` puts the current folder, the release, on sys.path
def test_verify_from_inside_the_release_never_imports_its_packages(
    seed_mixin_release, tmp_path: Path
) -> None:
    marker = tmp_path / "evil-code-ran.log"
    folder = hijacked_copy(seed_mixin_release[0].path, tmp_path, "package", marker)

    result = run_cli("verify", ".", cwd=folder)

    assert not marker.exists(), marker.read_text()
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert NOT_FROM_THE_RELEASE in " ".join(result.stdout.split())


def test_a_package_reached_through_a_link_into_the_release_is_refused(
    seed_mixin_release, tmp_path: Path
) -> None:
    marker = tmp_path / "evil-code-ran.log"
    folder = hijacked_copy(seed_mixin_release[0].path, tmp_path, "package", marker)
    link = tmp_path / "site"
    link.symlink_to(folder, target_is_directory=True)
    elsewhere = tmp_path / "work"
    elsewhere.mkdir()

    result = run_python(LOAD_HERE, str(folder), cwd=elsewhere, pythonpath=(str(link),))

    assert not marker.exists(), marker.read_text()
    assert_clean_failure(result, "evilpkg", NOT_FROM_THE_RELEASE)


@pytest.mark.parametrize(
    "class_path",
    ["MyModel", "evilpkg/../mod.MyModel", "os.path.join; import os", "tests..seed.MyModel", ""],
)
def test_a_class_path_that_is_not_a_dotted_python_name_is_refused(
    seed_mixin_release, class_path: str
) -> None:
    facts = seed_mixin_release[0].record.model
    with pytest.raises(ModelshareError, match="not a dotted Python name"):
        recorded_mixin_class(facts.model_copy(update={"estimator_path": class_path}), Path("."))


def test_the_honest_mixin_release_still_loads(seed_mixin_release) -> None:
    import torch

    from tests.networks import outputs
    from tests.seed.hub_model import MyModel

    bundle, model = seed_mixin_release
    folder = bundle.path
    inputs = torch.rand(2, 3, 32)

    loaded = modelshare.load(folder)
    assert type(loaded) is MyModel
    assert torch.equal(outputs(loaded, inputs), outputs(model, inputs))
    pretrained = MyModel.from_pretrained(folder)
    assert torch.equal(outputs(pretrained, inputs), outputs(model, inputs))
