"""The environment a model is saved from: packages, git, hardware, measured on this machine."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from types import SimpleNamespace

import pytest
from packaging.requirements import Requirement

from modelshare import environment
from modelshare.environment import (
    capture_environment,
    cpu_model,
    git_state,
    gpu_names,
    required_packages,
    requirements_txt,
)
from modelshare.record import Environment

# required_packages


def test_sklearn_brings_its_runtime_requirements_at_installed_versions() -> None:
    packages = required_packages(["sklearn"])

    for distribution in ("scikit-learn", "numpy", "scipy", "joblib", "threadpoolctl"):
        assert packages[distribution] == metadata.version(distribution)
    assert "pandas" not in packages  # scikit-learn does not require it
    assert list(packages) == sorted(packages, key=str.lower)


def test_submodules_count_as_their_top_level_package() -> None:
    assert required_packages(["sklearn.linear_model"]) == required_packages(["sklearn"])


def test_standard_library_and_missing_modules_are_skipped() -> None:
    assert required_packages(["os", "json", "no_such_module_for_modelshare"]) == {}
    assert required_packages(["json", "numpy"]) == {"numpy": metadata.version("numpy")}


def test_optional_extras_and_other_platforms_are_left_out() -> None:
    packages = required_packages(["pandas"])

    assert packages["pandas"] == metadata.version("pandas")
    assert packages["numpy"] == metadata.version("numpy")
    assert packages["python-dateutil"] == metadata.version("python-dateutil")
    # pandas lists pyarrow and pytest only under extras; both are installed here
    assert "pyarrow" not in packages
    assert "pytest" not in packages


def _install_distribution(site: Path, name: str, requires: list[str]) -> None:
    """Write the metadata of an installed distribution ``name`` providing module ``name``."""
    info = site / f"{name}-1.0.dist-info"
    info.mkdir()
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {name}",
        "Version: 1.0",
        *[f"Requires-Dist: {r}" for r in requires],
    ]
    (info / "METADATA").write_text("\n".join(lines) + "\n")
    (info / "top_level.txt").write_text(f"{name}\n")
    (site / name).mkdir()
    (site / name / "__init__.py").write_text("")


def test_markers_are_evaluated_and_requested_extras_followed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _install_distribution(
        tmp_path,
        "penguin_tools",
        [
            "numpy>=1",
            'pyyaml; python_version < "3"',
            'pyarrow; extra == "arrow"',
            "narwhals[pandas]",
            "not-installed-anywhere>=1",
        ],
    )
    monkeypatch.syspath_prepend(str(tmp_path))

    packages = required_packages(["penguin_tools"])

    assert packages["penguin_tools"] == "1.0"
    assert packages["numpy"] == metadata.version("numpy")
    assert packages["narwhals"] == metadata.version("narwhals")
    assert packages["pandas"] == metadata.version("pandas")  # narwhals' "pandas" extra
    assert "PyYAML" not in packages
    assert "pyarrow" not in packages
    assert "not-installed-anywhere" not in packages


# requirements_txt


def test_requirements_pin_every_package_sorted_by_name() -> None:
    text = requirements_txt({"scikit-learn": "1.9.1", "numpy": "2.4.6", "PyYAML": "6.0.3"})

    header, *pins = text.splitlines()
    assert header.startswith("# ") and "saved with" in header
    assert pins == ["numpy==2.4.6", "PyYAML==6.0.3", "scikit-learn==1.9.1"]
    assert text.endswith("\n")


def test_requirements_of_the_installed_packages_are_satisfied_here() -> None:
    text = requirements_txt(required_packages(["sklearn", "skops"]))

    pins = [Requirement(line) for line in text.splitlines() if not line.startswith("#")]
    assert {pin.name for pin in pins} >= {"scikit-learn", "skops", "numpy", "scipy"}
    assert all(pin.specifier.contains(metadata.version(pin.name)) for pin in pins)


# git_state


@pytest.fixture
def isolated_git(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep the user's git configuration and any enclosing repository out of the test."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        monkeypatch.delenv(name, raising=False)


def _git(repo: Path, *args: str) -> str:
    identity = ["-c", "user.name=Penguin Lab", "-c", "user.email=lab@example.org"]
    completed = subprocess.run(
        ["git", *identity, *args], cwd=repo, capture_output=True, text=True, check=True
    )
    return completed.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path, isolated_git: None) -> Path:
    """A git checkout on branch ``main`` with one commit."""
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "--quiet", "--initial-branch=main")
    (repo / "train.py").write_text("print('training')\n")
    _git(repo, "add", "train.py")
    _git(repo, "commit", "--quiet", "-m", "Train the penguin classifier")
    return repo


def test_a_clean_checkout(repo: Path) -> None:
    state = git_state(repo)

    assert state is not None
    assert state.commit == _git(repo, "rev-parse", "HEAD")
    assert len(state.commit) == 40
    assert (state.dirty, state.branch) == (False, "main")


def test_a_modified_file_makes_the_checkout_dirty(repo: Path) -> None:
    (repo / "train.py").write_text("print('training with a new seed')\n")

    state = git_state(repo)

    assert state is not None and state.dirty is True


def test_an_untracked_file_makes_the_checkout_dirty(repo: Path) -> None:
    (repo / "notes.txt").write_text("seed 0\n")

    assert git_state(repo).dirty is True


def test_a_detached_head_has_no_branch(repo: Path) -> None:
    _git(repo, "checkout", "--quiet", "--detach")

    state = git_state(repo)

    assert state is not None
    assert (state.branch, state.dirty) == (None, False)


def test_subdirectories_belong_to_the_checkout(repo: Path) -> None:
    (repo / "data").mkdir()

    assert git_state(repo / "data") == git_state(repo)


def test_outside_git_there_is_no_state(tmp_path: Path, isolated_git: None) -> None:
    empty_repo = tmp_path / "no-commits"
    empty_repo.mkdir()
    _git(empty_repo, "init", "--quiet")
    plain = tmp_path / "plain"
    plain.mkdir()

    assert git_state(plain) is None
    assert git_state(empty_repo) is None
    assert git_state(tmp_path / "does-not-exist") is None


def test_without_git_installed_there_is_no_state(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))

    assert git_state(repo) is None


# hardware


def _fake_nvidia_smi(bin_dir: Path, script: str, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir.mkdir()
    command = bin_dir / "nvidia-smi"
    command.write_text(f"#!/bin/sh\n{script}\n")
    command.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.delitem(sys.modules, "torch", raising=False)


def test_gpus_are_listed_by_nvidia_smi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_nvidia_smi(
        tmp_path / "bin",
        'echo "NVIDIA A100-SXM4-40GB"; echo "NVIDIA A100-SXM4-40GB"; echo',
        monkeypatch,
    )

    assert gpu_names() == ["NVIDIA A100-SXM4-40GB", "NVIDIA A100-SXM4-40GB"]


@pytest.mark.parametrize("script", ["echo 'NVIDIA-SMI has failed' >&2; exit 9", "sleep 5"])
def test_a_failing_or_hanging_nvidia_smi_means_no_gpus(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, script: str
) -> None:
    _fake_nvidia_smi(tmp_path / "bin", script, monkeypatch)
    monkeypatch.setattr(environment, "COMMAND_TIMEOUT_SECONDS", 0.3)

    assert gpu_names() == []


def test_no_gpus_without_torch_or_nvidia_smi(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    monkeypatch.delitem(sys.modules, "torch", raising=False)

    assert gpu_names() == []


def test_an_imported_torch_names_the_cuda_devices(monkeypatch: pytest.MonkeyPatch) -> None:
    cuda = SimpleNamespace(
        is_available=lambda: True,
        device_count=lambda: 2,
        get_device_name=lambda i: ["NVIDIA H100", "NVIDIA L4"][i],
    )
    monkeypatch.setitem(sys.modules, "torch", SimpleNamespace(cuda=cuda))

    assert gpu_names() == ["NVIDIA H100", "NVIDIA L4"]


def test_cpu_model_is_read_from_cpuinfo() -> None:
    cpuinfo = Path("/proc/cpuinfo")
    names = [
        line.split(":", 1)[1].strip()
        for line in (cpuinfo.read_text().splitlines() if cpuinfo.exists() else [])
        if line.startswith("model name")
    ]
    if not names:
        pytest.skip("this machine's /proc/cpuinfo names no CPU model")

    assert cpu_model() == names[0]


# capture_environment


def test_capture_records_this_interpreter_and_machine(repo: Path) -> None:
    seeds = {"train_test_split": 0, "LogisticRegression": 0}

    env = capture_environment(["sklearn", "skops"], seeds=seeds, cwd=repo)
    seeds["later"] = 1

    assert env.python == platform.python_version()
    assert env.implementation == platform.python_implementation()
    assert env.os == platform.platform()
    assert env.machine == platform.machine()
    assert env.cpu_count == os.cpu_count()
    assert env.packages == required_packages(["sklearn", "skops"])
    assert env.packages["skops"] == metadata.version("skops")
    assert env.git == git_state(repo)
    assert env.seeds == {"train_test_split": 0, "LogisticRegression": 0}
    assert Environment.model_validate_json(env.model_dump_json()) == env


@pytest.mark.e2e  # what a new process imports
def test_importing_the_module_loads_no_data_or_ml_libraries() -> None:
    probe = (
        "import sys, modelshare.environment; "
        "print(sorted(m for m in ('pandas', 'numpy', 'sklearn', 'torch', 'packaging') "
        "if m in sys.modules))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )

    assert completed.stdout.strip() == "[]"


def test_requirements_drop_local_version_labels() -> None:
    from modelshare.environment import requirements_txt

    lines = requirements_txt({"torch": "2.13.0+cpu", "numpy": "2.4.6"}).splitlines()
    assert lines[1:] == ["numpy==2.4.6", "torch==2.13.0"]
