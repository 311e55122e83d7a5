"""modelshare: turn a trained model and its data into a documented, verifiable, safe release.

Example:
    >>> from modelshare import Release
    >>> rel = Release("penguin-species", version="1.0.0", license="mit")
    >>> rel.training_data(X_train, y_train, name="Palmer penguins")
    >>> rel.model(pipeline)
    >>> rel.evaluate(X_test, y_test, dataset="penguins-test")
    >>> bundle = rel.save("releases/penguin-species")
    >>> model = load("releases/penguin-species")
    >>> drift("releases/penguin-species", "new.csv").verdict
    'no drift in 6 columns'
    >>> ood("releases/penguin-species").score(X_new)["flag"].mean()
    0.04
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["ModelshareError", "Release", "__version__", "drift", "load", "ood"]

_HOMES = {
    "ModelshareError": "modelshare.errors",
    "Release": "modelshare.release",
    "drift": "modelshare.shift.drift",
    "load": "modelshare.loading",
    "ood": "modelshare.shift.detector",
}
"""Each public name, by the module that defines it."""

if TYPE_CHECKING:
    from modelshare.errors import ModelshareError
    from modelshare.loading import load
    from modelshare.release import Release
    from modelshare.shift.detector import ood
    from modelshare.shift.drift import drift


def __getattr__(name: str) -> Any:
    """Import the public API lazily so ``modelshare --help`` stays fast; nothing of it is
    imported from a release folder, even the current one (:mod:`modelshare.imports`)."""
    if name in _HOMES:
        from modelshare.imports import imports_outside

        with imports_outside():
            return getattr(import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'modelshare' has no attribute {name!r}")
