"""Running a received release's example (``examples/predict.py``) isolated: it is someone
else's code (``modelshare verify --run-example``).

It runs in a temporary copy of the release's regular files, with ``python -I``, without the
receiver's credentials, with a temporary ``HOME``, within a time limit and, where Linux lets
``unshare`` make a network namespace, without network. :class:`Isolation` says which of these
applied. It is not a sandbox: the example can still read and write the receiver's files.

Example:
    >>> Path("received/examples").mkdir(parents=True)
    >>> _ = Path("received/examples/predict.py").write_text("print('Adelie')")
    >>> running = start_isolated_example(Path("received"))
    >>> running.outcome() is None, running.isolation.files_copied
    (True, 1)
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelshare.errors import ModelshareError
from modelshare.examples import EXAMPLE_TIMEOUT_SECONDS, example_failure
from modelshare.layout import EXAMPLE_PATH
from modelshare.reports import Report

CREDENTIAL_PARTS = ("TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL")
CREDENTIAL_SUFFIXES = ("_KEY", "_AUTH")
CREDENTIAL_PREFIXES = (
    "AWS_",
    "AZURE_",
    "GOOGLE_",
    "GCLOUD",
    "CLOUDSDK_",
    "GITHUB_",
    "GH_",
    "GITLAB_",
    "HF_",
    "HUGGING_FACE_",
    "HUGGINGFACE_",
    "SSH_",
    "DOCKER_",
    "DBUS_",
    "XDG_",
)
CREDENTIAL_NAMES = frozenset(
    {"NETRC", "KUBECONFIG", "GNUPGHOME", "KRB5CCNAME", "XAUTHORITY", "DISPLAY", "WAYLAND_DISPLAY"}
)
_URL_WITH_CREDENTIALS = re.compile(r"://[^/\s@]+@")
NO_NETWORK = ("--user", "--map-root-user", "--net")
_TAIL_BYTES = 4096
_LINE_CHARS = 300


@dataclass(frozen=True)
class Isolation(Report):
    """What kept a release's example away from the receiver's files, secrets and network.

    ``network_reason`` says why the network could not be cut off; None when it was.

    Example:
        >>> Isolation(17, 3, 300, None).describe()
        'isolated: temporary copy of 17 files, python -I, 3 credential variables removed, ...'
    """

    files_copied: int
    variables_removed: int
    time_limit_seconds: float
    network_reason: str | None

    @property
    def network(self) -> str:
        """The network the example had, in words."""
        if self.network_reason is None:
            return "none (unshare " + " ".join(NO_NETWORK) + ")"
        return f"not isolated ({self.network_reason})"

    def describe(self) -> str:
        """Every measure in one line, for ``verify``'s text output."""
        return (
            f"isolated: temporary copy of {self.files_copied} files, python -I, "
            f"{self.variables_removed} credential variables removed, temporary HOME, "
            f"{self.time_limit_seconds:g} s time limit, network: {self.network}"
        )

    def to_dict(self) -> dict[str, Any]:
        """The measures as plain data, for ``--json`` output (never a variable's value)."""
        return {
            "copy": True,
            "files_copied": self.files_copied,
            "python_isolated_mode": True,
            "variables_removed": self.variables_removed,
            "temporary_home": True,
            "time_limit_seconds": self.time_limit_seconds,
            "network_isolated": self.network_reason is None,
            "network": self.network,
        }


@dataclass
class IsolatedExample:
    """A release's example running in an isolated copy; :meth:`outcome` waits for it.

    Example:
        >>> Path("received/examples").mkdir(parents=True)
        >>> _ = Path("received/examples/predict.py").write_text("open('model.skops')")
        >>> running = start_isolated_example(Path("received"))
        >>> running.outcome()
        "the release's example failed (FileNotFoundError: [Errno 2] No such file or directory: ...)"
    """

    process: subprocess.Popen[bytes]
    workspace: tempfile.TemporaryDirectory[str]
    isolation: Isolation
    deadline: float

    def outcome(self) -> str | None:
        """Wait until the example ends or its time is up, stop what is left of it, remove the
        copy and say why it failed, or None when it succeeded."""
        try:
            return self._wait()
        finally:
            self.stop()

    def stop(self) -> None:
        """Kill the example's whole process group and remove its temporary folder."""
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.workspace.cleanup()

    def _wait(self) -> str | None:
        """Wait for the process within the time limit; read its output's last line."""
        try:
            returncode = self.process.wait(timeout=max(0.0, self.deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            limit = self.isolation.time_limit_seconds
            return f"the release's example did not finish in {limit:g} s and was stopped"
        if returncode == 0:
            return None
        root = Path(self.workspace.name)
        return example_failure(_tail(root / "stderr") or _tail(root / "stdout"))


def start_isolated_example(
    release_dir: Path, *, timeout: float = EXAMPLE_TIMEOUT_SECONDS
) -> IsolatedExample:
    """Start a received release's example isolated; :meth:`IsolatedExample.outcome` waits.

    The release's regular files (never a symbolic link) are copied into a fresh temporary
    folder, removed afterwards, and ``python -I examples/predict.py`` runs there: isolated
    mode puts neither the script's folder nor the user's site-packages on ``sys.path`` and
    ignores every ``PYTHON*`` variable, so a shipped ``examples/pandas.py`` cannot shadow
    pandas. The environment is :func:`isolated_environment` (no credentials, a temporary
    HOME); the whole process group is killed after ``timeout`` seconds; on Linux, where
    ``unshare --user --map-root-user --net`` works, the example has no network at all
    (:func:`network_isolation`). Its output is captured, never shown. It can still read and
    write the receiver's files: this is not a sandbox.

    Example:
        >>> Path("received/examples").mkdir(parents=True)
        >>> _ = Path("received/examples/predict.py").write_text("while True: pass")
        >>> start_isolated_example(Path("received"), timeout=0.2).outcome()
        "the release's example did not finish in 0.2 s and was stopped"

    Raises:
        ModelshareError: the release could not be copied to a temporary folder.
    """
    workspace = tempfile.TemporaryDirectory(
        prefix="modelshare-example-", ignore_cleanup_errors=True
    )
    try:
        root = Path(workspace.name)
        copied = copy_regular_files(release_dir, root / "release")
        env, removed = isolated_environment(_make_home(root / "home"))
        prefix, reason = network_isolation()
        with (root / "stdout").open("wb") as stdout, (root / "stderr").open("wb") as stderr:
            process = subprocess.Popen(
                [*prefix, sys.executable, "-I", EXAMPLE_PATH],
                cwd=root / "release",
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=stderr,
                start_new_session=True,
            )
    except BaseException:
        workspace.cleanup()
        raise
    isolation = Isolation(copied, removed, timeout, reason)
    return IsolatedExample(process, workspace, isolation, time.monotonic() + timeout)


def copy_regular_files(source: Path, destination: Path) -> int:
    """Copy the regular files under ``source`` to ``destination``; return how many.

    Symbolic links (to files or folders) and special files are left out, never followed.

    Example:
        >>> copy_regular_files(Path("releases/penguin-species"), Path("copy"))
        18

    Raises:
        ModelshareError: a file could not be read or written.
    """
    copied = 0
    try:
        for folder, _, names in os.walk(source):
            target = destination / Path(folder).relative_to(source)
            target.mkdir(parents=True, exist_ok=True)
            for name in names:
                path = Path(folder, name)
                if stat.S_ISREG(path.lstat().st_mode):
                    shutil.copyfile(path, target / name, follow_symlinks=False)
                    copied += 1
    except OSError as error:
        raise ModelshareError(
            f"cannot copy {source} to run its example in isolation ({error}); "
            "free space in the temporary folder or verify without --run-example"
        ) from error
    return copied


def isolated_environment(
    home: Path, environ: Mapping[str, str] | None = None
) -> tuple[dict[str, str], int]:
    """The environment a received release's example runs with, and how many variables of
    ``environ`` (default ``os.environ``) were removed from it.

    The rule: start from ``environ`` and remove every variable that could hold a credential
    or reach the user's session: a name containing TOKEN, SECRET, PASSWORD, PASSWD or
    CREDENTIAL, or ending in _KEY or _AUTH; a name starting with AWS_, AZURE_, GOOGLE_,
    GCLOUD, CLOUDSDK_, GITHUB_, GH_, GITLAB_, HF_, HUGGING_FACE_, HUGGINGFACE_, SSH_, DOCKER_,
    DBUS_ or XDG_; NETRC, KUBECONFIG, GNUPGHOME, KRB5CCNAME, XAUTHORITY, DISPLAY and
    WAYLAND_DISPLAY; any value holding a URL with credentials (``https://user:pw@host``, as
    in PIP_INDEX_URL). Then HOME is ``home``, the XDG folders, TMPDIR and HF_HOME are inside
    it, and HF_HUB_OFFLINE and TRANSFORMERS_OFFLINE are 1. PATH, LANG, LC_* and the rest
    are kept; Python finds its packages from ``sys.executable``.

    Example:
        >>> env, removed = isolated_environment(Path("/tmp/home"), {"HF_TOKEN": "hf_x"})
        >>> "HF_TOKEN" in env, removed, env["HOME"]
        (False, 1, '/tmp/home')
    """
    environ = os.environ if environ is None else environ
    kept = {name: value for name, value in environ.items() if not _is_credential(name, value)}
    return {**kept, **_home_variables(home)}, len(environ) - len(kept)


def _is_credential(name: str, value: str) -> bool:
    """Whether a variable could hold a credential or reach the user's session."""
    upper = name.upper()
    return (
        any(part in upper for part in CREDENTIAL_PARTS)
        or upper.endswith(CREDENTIAL_SUFFIXES)
        or upper.startswith(CREDENTIAL_PREFIXES)
        or upper in CREDENTIAL_NAMES
        or _URL_WITH_CREDENTIALS.search(value) is not None
    )


def _home_variables(home: Path) -> dict[str, str]:
    """HOME, the XDG folders, TMPDIR and the Hugging Face cache inside ``home``; offline."""
    return {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
        "XDG_RUNTIME_DIR": str(home / ".run"),
        "TMPDIR": str(home / "tmp"),
        "HF_HOME": str(home / ".cache" / "huggingface"),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }


def _make_home(home: Path) -> Path:
    """Create the temporary HOME with the folders that must exist: TMPDIR and the runtime
    folder (private to the user)."""
    (home / "tmp").mkdir(parents=True)
    (home / ".run").mkdir(mode=0o700)
    return home


@functools.cache
def network_isolation() -> tuple[tuple[str, ...], str | None]:
    """The command prefix that cuts a process off the network, and why there is none.

    On Linux, ``unshare --user --map-root-user --net`` starts the process in a new network
    namespace whose only interface, loopback, is down. It is probed once per process.

    Example:
        >>> network_isolation()
        (('/usr/bin/unshare', '--user', '--map-root-user', '--net'), None)
    """
    if not sys.platform.startswith("linux"):
        return (), f"unshare needs Linux, this is {sys.platform}"
    unshare = shutil.which("unshare")
    if unshare is None:
        return (), "unshare not found: install util-linux"
    try:
        probe = subprocess.run(
            [unshare, *NO_NETWORK, "true"], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return (), f"unshare failed: {error}"
    if probe.returncode != 0:
        lines = probe.stderr.strip().splitlines()
        return (), f"unshare failed: {lines[-1] if lines else f'exit {probe.returncode}'}"
    return (unshare, *NO_NETWORK), None


def _tail(path: Path) -> str:
    """The end of a captured output, printable characters only, each line cut short."""
    with path.open("rb") as file:
        file.seek(max(0, file.seek(0, os.SEEK_END) - _TAIL_BYTES))
        text = file.read().decode("utf-8", errors="replace")
    return "\n".join(
        "".join(c for c in line if c.isprintable())[:_LINE_CHARS] for line in text.splitlines()
    )
