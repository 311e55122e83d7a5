"""The receiver decides which types a skops file may build: one policy for every command."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

import modelshare
from modelshare.bundle import Bundle
from modelshare.errors import IntegrityError, UnsafeContentError
from modelshare.safety import scan_file
from modelshare.safety.trust import (
    CALLERS,
    DEFAULT_TRUSTED_TYPES,
    KNOWN_RISKS,
    decide_trust,
    require_trust,
    type_risk,
)
from tests.helpers import run_in_process

TREE = "sklearn.tree._tree.Tree"


def test_the_default_list_holds_no_caller_no_standard_library_and_no_risky_type() -> None:
    for name, reason in DEFAULT_TRUSTED_TYPES.items():
        top = name.partition(".")[0]
        assert top in {"sklearn", "numpy"}, name
        assert top not in CALLERS and top not in sys.stdlib_module_names
        assert name not in KNOWN_RISKS
        assert len(reason) > 20, f"{name} needs the reason it is judged safe"


@pytest.mark.parametrize(
    ("name", "risk"),
    [
        ("builtins.exec", "builtins calls or builds any callable"),
        ("functools.partial", "functools calls or builds any callable"),
        ("_operator.neg", "_operator calls or builds any callable"),
        ("posix.system", "posix is the standard library"),
        ("subprocess.Popen", "subprocess is the standard library"),
        (TREE, "node indices"),
        ("sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor", "node indices"),
        ("evilpkg.models.Backdoor", "its package evilpkg is not installed"),
        ("sklearn.utils._testing.assert_run_python_script_without_output", "a function"),
        ("numpy.mean", "a function"),
        ("sklearn.preprocessing._data.StandardScaler", "not reviewed by modelshare"),
        ("numpy.f2py.__main__.main", "not reviewed by modelshare"),
        ("a b.c", "not a dotted Python name"),
    ],
)
def test_each_type_off_the_list_is_named_with_its_risk(name: str, risk: str) -> None:
    assert risk in type_risk(name)


def test_only_the_caller_grants_types_beyond_the_default_list() -> None:
    decision = decide_trust(["numpy.dtype", TREE, "builtins.exec"], trusted=[TREE])
    assert (decision.granted, decision.refused) == (("numpy.dtype", TREE), ("builtins.exec",))
    assert require_trust("m.skops", ["numpy.dtype", TREE], [TREE]) == ["numpy.dtype", TREE]
    with pytest.raises(UnsafeContentError) as refusal:
        require_trust("m.skops", ["builtins.exec"])
    assert "\n" not in str(refusal.value) and "--trust builtins.exec" in str(refusal.value)


def test_the_quick_start_model_needs_only_default_types(quickstart_bundle: Bundle) -> None:
    scan = scan_file(quickstart_bundle.path / "model.skops")
    assert scan.safe and scan.untrusted_types == ["numpy.dtype"] and scan.needs_trust == {}
    assert modelshare.load(quickstart_bundle.path) is not None


@pytest.fixture
def asking_release(quickstart_bundle: Bundle, tmp_path: Path) -> Path:
    """The quick start with a record that asks for ``builtins.exec`` (a request, no grant)."""
    from tests.hostile import rehash, request_trust

    folder = tmp_path / "penguin-species"
    shutil.copytree(quickstart_bundle.path, folder)
    request_trust(folder, "builtins.exec")
    rehash(folder)
    return folder


def test_scan_and_show_list_the_types_a_model_needs_and_mark_the_risky_ones(
    asking_release: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.hostile import TREE_FILE_TYPE, skops_type

    skops_type(*TREE_FILE_TYPE)(asking_release, tmp_path / "marker.log")
    scanned = run_in_process("scan", asking_release / "model.skops", "--json")
    granted = run_in_process("scan", asking_release / "model.skops", "--trust", TREE, "--json")
    monkeypatch.setenv("MODELSHARE_HOME", str(tmp_path / "home"))
    assert run_in_process("publish", asking_release).returncode == 0
    shown = run_in_process("show", "penguin-species@1.0.0")

    assert scanned.returncode == 1 and granted.returncode == 0
    needs = json.loads(scanned.stdout)["files"][0]["needs_trust"]
    assert list(needs) == [TREE] and "node indices" in needs[TREE]
    assert "skops types requested: numpy.dtype, builtins.exec, sklearn.tree._tree.Tree" in (
        shown.stdout
    )
    assert "not trusted by default: builtins.exec (builtins calls or builds" in shown.stdout


def test_a_release_without_a_manifest_loads_only_when_the_caller_vouches_for_it(
    quickstart_bundle: Bundle, tmp_path: Path
) -> None:
    folder = tmp_path / "penguin-species"
    shutil.copytree(quickstart_bundle.path, folder)
    (folder / "manifest.json").unlink()

    with pytest.raises(IntegrityError, match=r"has no manifest\.json, so none of its files"):
        modelshare.load(folder)
    assert modelshare.load(folder, allow_unverified=True) is not None
    (folder / "model.skops").write_bytes(b"\x80\x04N.")  # a pickle is refused all the same
    with pytest.raises(UnsafeContentError, match=r"model\.skops is a pickle file"):
        modelshare.load(folder, allow_unverified=True)
