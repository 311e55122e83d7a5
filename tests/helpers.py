"""Helpers for tests that run the command line as a user would: in this process
(:func:`run_in_process`, the usual way) or in a real one (:func:`run_cli`, for the few
end-to-end tests where the process itself matters)."""

from __future__ import annotations

import contextlib
import io
import logging
import os
import subprocess
import sys
import traceback
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest


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


def opaque_bytes(size: int, seed: int = 0) -> bytes:
    """``size`` bytes that stand for model weights: random-looking, yet the same on every run
    (a failure can be replayed), and starting with a zero byte, which opens no format a
    scanner recognises (pickle, zip, gzip and the like)."""
    import random

    return b"\0" + random.Random(seed).randbytes(size - 1) if size else b""


def run_in_process(
    *args: str | Path,
    cwd: Path | None = None,
    env: Mapping[str, str | None] | None = None,
    stdin: str = "",
) -> subprocess.CompletedProcess[str]:
    """Run ``modelshare ARGS`` in this process as :func:`run_cli` runs it in a new one, and
    capture its output: exit codes, one-line errors and tracebacks included.

    What a new process would start afresh holds for the command only and is put back after
    it: the current folder (``cwd``), environment variables (``env``; None removes one),
    ``sys.argv``, ``sys.path``, standard input (``stdin``, empty by default), the settings
    huggingface_hub reads from the environment when it is imported, the consoles' colour
    (none, as for a captured process) and size, and where warnings and log records go (the
    command's stderr).
    """
    from modelshare.cli import main

    stdout, stderr = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.ExitStack() as stack:
        stack.enter_context(_process_state(cwd, env))
        sys.argv = ["modelshare", *map(str, args)]
        sys.stdin = io.StringIO(stdin)
        stack.enter_context(_hub_settings_from_environment())
        stack.enter_context(_fresh_consoles())
        stack.enter_context(_logging_to(stderr))
        warned = stack.enter_context(warnings.catch_warnings(record=True))
        warnings.resetwarnings()
        for action, category in FRESH_PROCESS_WARNING_FILTERS:
            warnings.simplefilter(action, category, append=True)
        try:
            with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
                main()
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 0 if exit_.code is None else 1
            if isinstance(exit_.code, str):
                stderr.write(f"{exit_.code}\n")
        except Exception:  # a traceback the user would see: report it as such
            stderr.write(traceback.format_exc())
            code = 1
        for warning in warned:
            stderr.write(
                warnings.formatwarning(
                    warning.message,
                    warning.category,
                    warning.filename,
                    warning.lineno,
                    warning.line,
                )
            )
    return subprocess.CompletedProcess(list(args), code, stdout.getvalue(), stderr.getvalue())


FRESH_PROCESS_WARNING_FILTERS = (
    ("ignore", DeprecationWarning),
    ("ignore", PendingDeprecationWarning),
    ("ignore", ImportWarning),
    ("ignore", ResourceWarning),
)
"""The warning filters of a new ``python`` process (outside ``__main__``): the rest are shown."""


@contextlib.contextmanager
def _process_state(cwd: Path | None, env: Mapping[str, str | None] | None) -> Iterator[None]:
    """Change the current folder and environment for a block; put them, ``sys.argv``,
    ``sys.path`` and ``sys.stdin`` back afterwards."""
    folder, argv, path, stdin = os.getcwd(), sys.argv, list(sys.path), sys.stdin
    before = {name: os.environ.get(name) for name in env or {}}
    try:
        for name, value in (env or {}).items():
            _set_variable(name, value)
        if cwd is not None:
            os.chdir(cwd)
        yield
    finally:
        os.chdir(folder)
        for name, value in before.items():
            _set_variable(name, value)
        sys.argv, sys.path[:], sys.stdin = argv, path, stdin


def _set_variable(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


@contextlib.contextmanager
def _hub_settings_from_environment() -> Iterator[None]:
    """huggingface_hub's settings as a process started now would read them from the
    environment (its home, token file, cache, endpoint, offline mode, progress bars)."""
    import importlib
    import importlib.util

    from huggingface_hub import constants

    progress_bars = importlib.import_module("huggingface_hub.utils.tqdm")
    spec = importlib.util.find_spec("huggingface_hub.constants")
    assert spec is not None and spec.loader is not None
    fresh = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fresh)
    changed = {
        name: value
        for name, value in vars(fresh).items()
        if name.isupper() and getattr(constants, name, None) != value
    }
    settings = [(constants, name, value) for name, value in changed.items()]
    settings.append(
        (progress_bars, "HF_HUB_DISABLE_PROGRESS_BARS", fresh.HF_HUB_DISABLE_PROGRESS_BARS)
    )
    with pytest.MonkeyPatch.context() as patch:
        for module, name, value in settings:
            patch.setattr(module, name, value, raising=False)
        yield


@contextlib.contextmanager
def _fresh_consoles() -> Iterator[None]:
    """The command line's consoles as a process started now, its output captured, makes
    them: no colour, and the size ``COLUMNS`` and ``LINES`` give (they chose theirs when
    imported, perhaps on a terminal or in another test's environment)."""
    from modelshare.cli.app import err, out

    def number(variable: str) -> int | None:
        value = os.environ.get(variable, "")
        return int(value) if value.isdigit() else None

    saved = [
        (console, console._color_system, console._width, console._height) for console in (out, err)
    ]
    try:
        for console, *_ in saved:
            console._color_system = None
            console._width, console._height = number("COLUMNS"), number("LINES")
        yield
    finally:
        for console, colour, width, height in saved:
            console._color_system, console._width, console._height = colour, width, height


@contextlib.contextmanager
def _logging_to(stream: io.StringIO) -> Iterator[None]:
    """Log records to ``stream`` as a new process would print them on stderr: through the
    stream handlers libraries set up, and at WARNING and above when nothing handles them."""
    handlers = [
        handler
        for logger in [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
        if isinstance(logger, logging.Logger)
        for handler in logger.handlers
        if type(handler) is logging.StreamHandler
    ]
    streams = [handler.setStream(stream) for handler in handlers]
    last_resort = _LastResort(stream)
    root = logging.getLogger()
    root.addHandler(last_resort)
    try:
        yield
    finally:
        root.removeHandler(last_resort)
        for handler, previous in zip(handlers, streams, strict=True):
            handler.setStream(previous)


class _LastResort(logging.Handler):
    """What :data:`logging.lastResort` does in a new process, where pytest's handlers are
    not: print a record of WARNING or above that no handler of its logger's chain takes."""

    def __init__(self, stream: io.StringIO) -> None:
        super().__init__(logging.WARNING)
        self.stream = stream

    def emit(self, record: logging.LogRecord) -> None:
        logger: logging.Logger | None = logging.getLogger(record.name)
        while logger is not None:
            if any(h is not self and not _from_pytest(h) for h in logger.handlers):
                return
            logger = logger.parent if logger.propagate else None
        self.stream.write(f"{record.getMessage()}\n")


def _from_pytest(handler: logging.Handler) -> bool:
    return type(handler).__module__.startswith("_pytest")
