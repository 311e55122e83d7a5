"""``skops.io``, imported without enumerating every scikit-learn estimator each time.

skops builds its default trust list when ``skops.io`` is first imported, by calling
scikit-learn's ``all_estimators()``, which imports every scikit-learn module (and through
them torch, when it is installed): 3-4 s in a fresh process. modelshare keeps the names that
call yields in a cache file, one per scikit-learn and skops version, and hands them to skops'
import: the list skops trusts is the same, and the import takes a fraction of the time. The
first import on a machine (or after an upgrade) pays the full cost and writes the cache.

The cache lives in ``$XDG_CACHE_HOME/modelshare`` (``~/.cache/modelshare``); a file that is
unreadable or holds anything but scikit-learn class names is ignored and written again.

Example:
    >>> skops_io().get_untrusted_types(file="releases/penguin-species/model.skops")
    ['numpy.dtype']
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from importlib import metadata
from pathlib import Path
from types import ModuleType

ESTIMATOR_NAME = re.compile(r"sklearn(?:\.[A-Za-z_][A-Za-z0-9_]*)+")
"""What every name in the cache must look like: a class path inside scikit-learn."""


def skops_io() -> ModuleType:
    """The ``skops.io`` module, imported once, with scikit-learn's estimator names read from
    the cache when it holds them.

    Example:
        >>> skops_io().dump(model, "model.skops")
    """
    if "skops.io" in sys.modules:
        return sys.modules["skops.io"]
    cache = cache_file()
    names = _read(cache)
    if names is None:
        import skops.io
        from skops.io import _trusted_types

        _write(cache, list(_trusted_types.SKLEARN_ESTIMATOR_TYPE_NAMES))
        return skops.io
    with _estimators_named(names):
        import skops.io
    return skops.io


def cache_file() -> Path:
    """Where the estimator names of the installed scikit-learn and skops are kept.

    Example:
        >>> cache_file().name
        'skops-estimators-sklearn1.9.1-skops0.16.0.json'
    """
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    versions = f"sklearn{metadata.version('scikit-learn')}-skops{metadata.version('skops')}"
    return base / "modelshare" / f"skops-estimators-{versions}.json"


class _Named:
    """What skops reads of an estimator class while it builds its trust list: its module
    and its name (``pickle.whichmodule`` takes ``__module__``)."""

    def __init__(self, path: str) -> None:
        self.__module__, _, self.__name__ = path.rpartition(".")


@contextmanager
def _estimators_named(names: list[str]) -> Iterator[None]:
    """``sklearn.utils.all_estimators`` answering from ``names`` while skops is imported."""
    import sklearn.utils

    real = sklearn.utils.all_estimators
    sklearn.utils.all_estimators = lambda *args, **kwargs: [
        (name.rpartition(".")[2], _Named(name)) for name in names
    ]
    try:
        yield
    finally:
        sklearn.utils.all_estimators = real


def _read(cache: Path) -> list[str] | None:
    try:
        names = json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    valid = (
        isinstance(names, list)
        and names
        and all(isinstance(name, str) and ESTIMATOR_NAME.fullmatch(name) for name in names)
    )
    return names if valid else None


def _write(cache: Path, names: list[str]) -> None:
    """Keep the names for the next process; a cache that cannot be written is no error."""
    with suppress(OSError):
        cache.parent.mkdir(parents=True, exist_ok=True)
        temporary = cache.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps(names), encoding="utf-8")
        os.replace(temporary, cache)
