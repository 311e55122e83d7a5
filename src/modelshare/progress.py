"""Progress of long work, reported to whoever asked for it: the library draws nothing.

Hashing a release (writing its manifest, verifying it, copying it file by file) reports each
pass to the progress of the current context; an application sets one around its work with
:func:`reporting_progress`, however deep in a command the hashing happens. Nothing else is
imported here, so setting it costs a command nothing.

Example:
    >>> from modelshare.cli.app import progress_bar
    >>> from modelshare.manifest import verify_folder
    >>> with reporting_progress(progress_bar):
    ...     verify_folder(Path("releases/penguin-species")).ok
    True
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar

Advance = Callable[[int], None]
"""Told how many units (bytes, when hashing) each step of a pass did."""

Progress = Callable[[int, str], AbstractContextManager[Advance]]
"""Shows one pass: called with the units it will do and what it does (e.g. ``"verifying
penguin-species"``), it gives the :data:`Advance` each step is reported to."""


def no_advance(_: int) -> None:
    """An :data:`Advance` that shows nothing."""


@contextmanager
def _no_progress(total: int, description: str) -> Iterator[Advance]:
    """A :data:`Progress` that shows nothing: the default."""
    yield no_advance


_current: ContextVar[Progress] = ContextVar("modelshare_progress", default=_no_progress)
"""Where the passes of the current context are reported."""


@contextmanager
def reporting_progress(progress: Progress) -> Iterator[None]:
    """Report every pass inside the block to ``progress``; the previous one is restored after.

    Example:
        >>> from modelshare.cli.app import progress_bar
        >>> from modelshare.manifest import write_manifest
        >>> with reporting_progress(progress_bar):
        ...     len(write_manifest(Path("releases/penguin-species")).files)
        17
    """
    token = _current.set(progress)
    try:
        yield
    finally:
        _current.reset(token)


def tracked(total: int, description: str) -> AbstractContextManager[Advance]:
    """One pass of ``total`` units, shown by the current context's progress (by default,
    nowhere).

    Example:
        >>> with tracked(250180, "hashing penguin-species") as advance:
        ...     advance(250180)
    """
    return _current.get()(total, description)
