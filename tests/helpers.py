"""Helpers for tests that run the command line as a user would, in a real process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def run_cli(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m modelshare ARGS`` and capture its output."""
    return subprocess.run(
        [sys.executable, "-m", "modelshare", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def assert_clean_failure(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    """A user error: non-zero exit, one line on stderr that says what is wrong, no traceback."""
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def run_in_process(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run ``modelshare ARGS`` in this process, as the entry point does (exit codes and the
    one-line errors included), and capture its output: for tests that run many commands."""
    import contextlib
    import io

    from modelshare.cli import main

    stdout, stderr = io.StringIO(), io.StringIO()
    code = 0
    argv = sys.argv
    sys.argv = ["modelshare", *map(str, args)]
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            main()
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    except Exception:  # a traceback the user would see: report it as such
        import traceback

        stderr.write(traceback.format_exc())
        code = 1
    finally:
        sys.argv = argv
    return subprocess.CompletedProcess(list(args), code, stdout.getvalue(), stderr.getvalue())
