"""Where the model was trained and saved: Python, OS, hardware, packages, git, seeds.

Everything here is measured from the running interpreter and the machine; nothing is typed.
Only the standard library is imported at module level, so capturing stays cheap.

Example:
    >>> env = capture_environment(["sklearn", "skops"], seeds={"train_test_split": 0})
    >>> env.packages["scikit-learn"]
    '1.9.1'
    >>> print(requirements_txt(env.packages).splitlines()[1])
    cloudpickle==3.1.3
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from modelshare.record import Environment, GitState

if TYPE_CHECKING:
    from packaging.requirements import Requirement

COMMAND_TIMEOUT_SECONDS = 5
"""How long a probe such as ``git`` or ``nvidia-smi`` may run before it is given up."""


def capture_environment(
    modules: Iterable[str], seeds: Mapping[str, int], cwd: Path | None = None
) -> Environment:
    """The environment the model is saved from, with the packages ``modules`` need.

    Args:
        modules: top-level import names the model needs, e.g. ``["sklearn", "skops"]``.
        seeds: where a random seed was given -> the seed, e.g. ``{"model": 0}``.
        cwd: directory whose git checkout is recorded; the current directory when None.

    Example:
        >>> env = capture_environment(["sklearn"], seeds={"model": 0})
        >>> env.python, env.seeds
        ('3.11.7', {'model': 0})
    """
    return Environment(
        python=platform.python_version(),
        implementation=platform.python_implementation(),
        os=platform.platform(),
        machine=platform.machine(),
        cpu=cpu_model(),
        cpu_count=os.cpu_count(),
        gpus=gpu_names(),
        packages=required_packages(modules),
        git=git_state(cwd),
        seeds=dict(seeds),
    )


def cpu_model() -> str | None:
    """The CPU's model name from ``/proc/cpuinfo``, else ``platform.processor()``, else None.

    Example:
        >>> cpu_model()  # doctest: +SKIP
        'AMD EPYC 7B13'
        >>> isinstance(cpu_model(), str)
        True
    """
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        cpuinfo = ""
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "model name" and value.strip():
            return value.strip()
    return platform.processor() or None


def gpu_names() -> list[str]:
    """Names of the visible GPUs: from torch when it is already imported, else ``nvidia-smi``.

    torch is never imported here; without it, ``nvidia-smi`` is asked when it is on the PATH.

    Example:
        >>> gpu_names()  # on a machine without a GPU
        []
    """
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        return [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    if shutil.which("nvidia-smi") is None:
        return []
    output = _run(["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"])
    return [line.strip() for line in (output or "").splitlines() if line.strip()]


def required_packages(modules: Iterable[str]) -> dict[str, str]:
    """Exact installed versions of the distributions providing ``modules``, with their requirements.

    Each import name (``"sklearn"``, or a dotted path such as ``"sklearn.linear_model"``) is
    mapped to the distributions that provide it; their declared runtime requirements are
    followed recursively, with markers evaluated for this interpreter and optional extras left
    out (extras a requirement asks for, as in ``foo[bar]``, are followed). Standard-library and
    uninstalled modules are skipped.

    Example:
        >>> required_packages(["sklearn"])
        {'cloudpickle': '3.1.3', 'joblib': '1.6.0', ..., 'scikit-learn': '1.9.1', ...}
    """
    providers = metadata.packages_distributions()
    pending: list[tuple[str, frozenset[str]]] = [
        (distribution, frozenset())
        for module in modules
        for distribution in providers.get(module.partition(".")[0], [])
    ]
    seen: set[tuple[str, frozenset[str]]] = set()
    versions: dict[str, str] = {}
    while pending:
        name, extras = pending.pop()
        try:
            distribution = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        canonical = _canonical_name(distribution.metadata["Name"])
        if (canonical, extras) in seen:
            continue
        seen.add((canonical, extras))
        versions[distribution.metadata["Name"]] = distribution.version
        pending += [
            (requirement.name, frozenset(requirement.extras))
            for requirement in _runtime_requirements(distribution, extras)
        ]
    return dict(sorted(versions.items(), key=lambda item: item[0].lower()))


def requirements_txt(packages: Mapping[str, str]) -> str:
    """A ``requirements.txt`` pinning every package to the version the model was saved with.

    Example:
        >>> print(requirements_txt({"scikit-learn": "1.9.1", "torch": "2.13.0+cpu"}))
        # The environment the model was saved with (pinned by modelshare).
        scikit-learn==1.9.1
        torch==2.13.0
    """
    header = "# The environment the model was saved with (pinned by modelshare)."
    pins = [f"{name}=={_public(packages[name])}" for name in sorted(packages, key=str.lower)]
    return "\n".join([header, *pins]) + "\n"


def _public(version: str) -> str:
    """The version without its local label (``2.13.0+cpu`` -> ``2.13.0``), which no public
    index serves; the full version stays in the record."""
    return version.split("+", 1)[0]


def git_state(cwd: Path | None = None) -> GitState | None:
    """The git commit, dirty flag and branch of the checkout at ``cwd``; None outside git.

    Never raises: a missing ``git``, a directory that is not a checkout, a repository without
    commits or a command that hangs all give None. The branch is None on a detached HEAD.

    Example:
        >>> git_state(Path(".")) is None  # not inside a git work tree
        True
    """
    commit = _run(["git", "rev-parse", "--verify", "HEAD"], cwd)
    status = _run(["git", "status", "--porcelain"], cwd)
    if commit is None or status is None:
        return None
    branch = _run(["git", "symbolic-ref", "--quiet", "--short", "HEAD"], cwd)
    return GitState(commit=commit, dirty=bool(status), branch=branch or None)


def _runtime_requirements(
    distribution: metadata.Distribution, extras: frozenset[str]
) -> list[Requirement]:
    """The requirements ``distribution`` declares for this interpreter and the given extras."""
    from packaging.requirements import Requirement

    requirements = [Requirement(line) for line in distribution.requires or []]
    return [
        requirement
        for requirement in requirements
        if requirement.marker is None
        or any(requirement.marker.evaluate({"extra": extra}) for extra in ("", *extras))
    ]


def _canonical_name(name: str) -> str:
    """The distribution name as PEP 503 compares it (``PyYAML`` and ``pyyaml`` are one)."""
    from packaging.utils import canonicalize_name

    return canonicalize_name(name)


def _run(command: list[str], cwd: Path | None = None) -> str | None:
    """The stripped standard output of ``command``, or None when it fails in any way."""
    try:
        completed = subprocess.run(
            command,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return completed.stdout.strip() if completed.returncode == 0 else None
