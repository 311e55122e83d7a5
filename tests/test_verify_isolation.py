"""A receiver verifies a release someone else published: `modelshare verify` runs none of its
code unless asked, and then only in an isolated copy.

Each test plays the attacker who publishes: it edits a copy of the quick start release and
re-writes its manifest, so that the tampering passes the hash check.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelshare.bundle import Bundle
from modelshare.isolation import Isolation, isolated_environment, network_isolation
from modelshare.manifest import verify_folder, write_manifest
from modelshare.verification import Step, verify_release
from tests.helpers import run_cli, run_in_process

EXAMPLE = Path("examples") / "predict.py"
SECRETS = {
    "HF_TOKEN": "hf_not_for_the_example",
    "MY_API_KEY": "key-not-for-the-example",
    "AWS_SECRET_ACCESS_KEY": "aws-not-for-the-example",
}


@pytest.fixture
def release(quickstart_bundle: Bundle, tmp_path: Path) -> Path:
    """A copy of the quick start release (saved once per session) that the test may tamper
    with."""
    return Path(shutil.copytree(quickstart_bundle.path, tmp_path / "penguin-species"))


@pytest.fixture
def marker(tmp_path: Path) -> Path:
    """A file outside the release that a payload writes to show it ran."""
    return tmp_path / "marker.txt"


@pytest.fixture
def listening() -> Iterator[int]:
    """The port of a socket listening on 127.0.0.1 for as long as the test runs."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield server.getsockname()[1]


def publish(release: Path, code: str, path: Path = EXAMPLE) -> None:
    """Ship ``code`` as ``path`` in the release and re-write its manifest, as an attacker
    who publishes the release would."""
    (release / path).write_text(code, encoding="utf-8")
    write_manifest(release)


def example_step(release: Path, *, run_example: bool = False, timeout: float = 300) -> Step:
    """Verify the release from Python; its example step."""
    result = verify_release(release, run_example=run_example, example_timeout=timeout)
    return next(step for step in result.steps if step.name == "example")


def hashes(folder: Path) -> dict[str, str]:
    """The sha256 of every file under a folder, by relative path."""
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def running(pid: int) -> bool:
    """Whether a process exists and is not a zombie waiting to be reaped."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not stat.is_file() or stat.read_text().rsplit(")", 1)[1].split()[0] not in "ZX"


def test_verify_runs_no_code_from_the_release_by_default(release: Path, marker: Path) -> None:
    publish(release, f"from pathlib import Path\nPath({str(marker)!r}).write_text('ran')\n")

    step = example_step(release)
    command = run_in_process("verify", release)
    report = json.loads(run_in_process("verify", release, "--json").stdout)

    assert not marker.exists()
    assert step.status == "skipped" and step.isolation is None
    assert step.detail == (
        "not run: examples/predict.py is code from the release; to run it in an isolated "
        "copy, pass --run-example (run_example=True)"
    )
    assert command.returncode == 0, command.stdout + command.stderr
    assert f"example: {step.detail}" in command.stdout.splitlines()
    assert report["ok"] is True
    assert report["steps"]["example"] == {"status": "skipped", "detail": step.detail}


@pytest.mark.e2e  # `modelshare verify --run-example` as a user runs it, the example isolated
def test_the_honest_quick_start_example_passes_isolated(release: Path) -> None:
    command = run_cli("verify", release, "--run-example")
    report = json.loads(run_in_process("verify", release, "--run-example", "--json").stdout)

    assert command.returncode == 0, command.stdout + command.stderr
    lines = command.stdout.splitlines()
    ran = lines.index(
        "example: examples/predict.py ran in an isolated copy and gave the recorded results"
    )
    isolation = lines[ran + 1]
    files = len(hashes(release))
    assert isolation.startswith(f"  isolated: temporary copy of {files} files, python -I, ")
    assert "credential variables removed, temporary HOME, 300 s time limit, network: " in isolation
    example = report["steps"]["example"]
    facts = example["isolation"]
    assert example["status"] == "ok"
    assert facts["copy"] and facts["python_isolated_mode"] and facts["temporary_home"]
    assert (facts["files_copied"], facts["time_limit_seconds"]) == (files, 300)
    assert facts["network"] == "none (unshare --user --map-root-user --net)" or (
        not facts["network_isolated"] and facts["network"].startswith("not isolated (")
    )
    assert isolation.endswith(f"network: {facts['network']}")


def test_the_example_sees_no_secret_and_not_the_users_home(
    release: Path, marker: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PIP_INDEX_URL", "https://user:pip-not-for-the-example@pypi.example/simple")
    publish(
        release,
        "import json, os\nfrom pathlib import Path\n"
        f"names = {[*SECRETS, 'PIP_INDEX_URL']!r}\n"
        "seen = {name: os.environ.get(name) for name in names}\n"
        "seen.update(HOME=os.environ['HOME'], home=str(Path.home()), cwd=os.getcwd())\n"
        f"Path({str(marker)!r}).write_text(json.dumps(seen))\n",
    )

    step = example_step(release, run_example=True)

    seen = json.loads(marker.read_text())
    assert step.status == "ok", step.detail
    assert [seen[name] for name in [*SECRETS, "PIP_INDEX_URL"]] == [None] * 4
    assert seen["HOME"] == seen["home"] != os.environ["HOME"]
    assert not Path(seen["HOME"]).exists() and not Path(seen["cwd"]).exists(), "removed after"
    assert step.isolation is not None and step.isolation.variables_removed >= 4
    assert not any(value in json.dumps(step.isolation.to_dict()) for value in SECRETS.values())


def test_a_shipped_module_cannot_shadow_an_installed_one(release: Path, marker: Path) -> None:
    payload = f"from pathlib import Path\nPath({str(marker)!r}).write_text('imported')\n"
    publish(release, payload, Path("examples") / "pandas.py")
    publish(release, payload, Path("examples") / "sitecustomize.py")

    step = example_step(release, run_example=True)

    assert step.status == "ok", step.detail
    assert not marker.exists()


def test_the_example_has_no_network_where_it_can_be_cut_off(
    release: Path, marker: Path, listening: int
) -> None:
    socket.create_connection(("127.0.0.1", listening), timeout=5).close()  # reachable from here
    publish(
        release,
        "import socket\nfrom pathlib import Path\n"
        "try:\n"
        f"    socket.create_connection(('127.0.0.1', {listening}), timeout=5).close()\n"
        "    outcome = 'connected'\n"
        "except OSError as error:\n"
        "    outcome = f'refused: {error}'\n"
        f"Path({str(marker)!r}).write_text(outcome)\n",
    )

    step = example_step(release, run_example=True)

    assert step.status == "ok", step.detail
    assert step.isolation is not None
    if step.isolation.network_reason is not None:
        pytest.skip(f"network {step.isolation.network} here")
    assert marker.read_text().startswith("refused: ")


def test_a_slow_example_is_stopped_with_its_children(release: Path, marker: Path) -> None:
    publish(
        release,
        "import subprocess, sys, time\nfrom pathlib import Path\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        f"Path({str(marker)!r}).write_text(str(child.pid))\n"
        "time.sleep(60)\n",
    )

    step = example_step(release, run_example=True, timeout=2)

    assert (step.status, step.detail) == (
        "failed",
        "the release's example did not finish in 2 s and was stopped",
    )
    child = int(marker.read_text())
    deadline = time.monotonic() + 5
    while running(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not running(child)


def test_a_failing_example_reports_its_last_line_printable(release: Path) -> None:
    publish(release, "import sys\nprint('first\\n\\x1b[31mlast', file=sys.stderr)\nsys.exit(1)\n")

    step = example_step(release, run_example=True)

    assert (step.status, step.detail) == ("failed", "the release's example failed ([31mlast)")


def test_the_release_folder_is_unchanged_by_the_example(release: Path, marker: Path) -> None:
    publish(
        release,
        "import os\nfrom pathlib import Path\n"
        "Path('dropped.txt').write_text('written in the working folder')\n"
        "Path(__file__).with_name('dropped.py').write_text('written beside the example')\n"
        "with open('model.skops', 'ab') as model:\n"
        "    model.write(b'tampered')\n"
        f"Path({str(marker)!r}).write_text(os.getcwd())\n",
    )
    before = hashes(release)

    step = example_step(release, run_example=True)

    assert step.status == "ok", step.detail
    assert Path(marker.read_text()) != release
    assert hashes(release) == before
    assert verify_folder(release).ok


def test_the_environment_rule_removes_credentials_and_keeps_the_rest(tmp_path: Path) -> None:
    environ = {
        **SECRETS,
        "DB_PASSWORD": "x",
        "GITHUB_ACTIONS": "true",
        "SSH_AUTH_SOCK": "/run/agent",
        "XDG_CONFIG_HOME": "/home/me/.config",
        "PIP_INDEX_URL": "https://me:pw@pypi.example/simple",
        "PIP_EXTRA_INDEX_URL": "https://pypi.example/simple",
        "HOME": "/home/me",
        "PATH": "/usr/bin",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
    }

    env, removed = isolated_environment(tmp_path / "home", environ)

    assert removed == 8
    kept = {name for name in environ if env.get(name) == environ[name]}
    assert kept == {"PIP_EXTRA_INDEX_URL", "PATH", "LANG", "LC_ALL"}
    assert env["HOME"] == str(tmp_path / "home")
    assert env["TMPDIR"].startswith(env["HOME"]) and env["HF_HOME"].startswith(env["HOME"])
    assert env["HF_HUB_OFFLINE"] == env["TRANSFORMERS_OFFLINE"] == "1"


def test_a_missing_unshare_is_said(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("modelshare.isolation.sys.platform", "linux")
    monkeypatch.setattr("modelshare.isolation.shutil.which", lambda _: None)
    network_isolation.cache_clear()
    try:
        prefix, reason = network_isolation()
    finally:
        network_isolation.cache_clear()

    assert (prefix, reason) == ((), "unshare not found: install util-linux")
    assert (
        Isolation(18, 0, 5, reason)
        .describe()
        .endswith("network: not isolated (unshare not found: install util-linux)")
    )
