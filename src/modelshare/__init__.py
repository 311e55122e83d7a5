"""modelshare: turn a trained model and its data into a documented, verifiable, safe release.

Example:
    >>> from modelshare import Release, drift, load, ood
    >>> rel = Release("penguin-species", version="1.0.0", license="mit")
    >>> rel.training_data(X_train, y_train, name="Palmer penguins").model(model)
    <modelshare.release.Release object at ...>
    >>> rel.evaluate(X_test, y_test, dataset="penguins-test")
    <modelshare.release.Release object at ...>
    >>> bundle = rel.save("releases/my-penguins")
    >>> model = load("releases/my-penguins")
    >>> drift("releases/my-penguins", "new.csv").verdict
    'no drift in 6 columns; label shift: none'
    >>> round(float(ood("releases/my-penguins").score(X_new)["flag"].mean()), 2)
    0.12
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_HOMES = {
    "Bundle": "modelshare.bundle:Bundle",
    "HubError": "modelshare.errors:HubError",
    "IntegrityError": "modelshare.errors:IntegrityError",
    "InvalidInputError": "modelshare.errors:InvalidInputError",
    "ModelshareError": "modelshare.errors:ModelshareError",
    "NotAReleaseError": "modelshare.errors:NotAReleaseError",
    "Release": "modelshare.release:Release",
    "UnsafeContentError": "modelshare.errors:UnsafeContentError",
    "check": "modelshare.audit.check:check_path",
    "drift": "modelshare.shift.drift:drift",
    "load": "modelshare.loading:load",
    "ood": "modelshare.shift.detector:ood",
    "profile": "modelshare.profiling.api:profile",
    "publish": "modelshare.hubs.transfer:publish",
    "pull": "modelshare.hubs.transfer:pull",
    "verify": "modelshare.verification:verify_release",
}
"""Each public name, as ``module:attribute`` where it is defined."""

__all__ = [
    "Bundle",
    "HubError",
    "IntegrityError",
    "InvalidInputError",
    "ModelshareError",
    "NotAReleaseError",
    "Release",
    "UnsafeContentError",
    "__version__",
    "check",
    "drift",
    "load",
    "ood",
    "profile",
    "publish",
    "pull",
    "verify",
]

if TYPE_CHECKING:
    from modelshare.audit.check import check_path as check
    from modelshare.bundle import Bundle
    from modelshare.errors import (
        HubError,
        IntegrityError,
        InvalidInputError,
        ModelshareError,
        NotAReleaseError,
        UnsafeContentError,
    )
    from modelshare.hubs.transfer import publish, pull
    from modelshare.loading import load
    from modelshare.profiling.api import profile
    from modelshare.release import Release
    from modelshare.shift.detector import ood
    from modelshare.shift.drift import drift
    from modelshare.verification import verify_release as verify


def __getattr__(name: str) -> Any:
    """Import the public API lazily so ``modelshare --help`` stays fast; nothing of it is
    imported from a release folder, even the current one (:mod:`modelshare.imports`)."""
    if name in _HOMES:
        from modelshare.imports import imports_outside

        module, attribute = _HOMES[name].split(":")
        with imports_outside():
            return getattr(import_module(module), attribute)
    raise AttributeError(f"module 'modelshare' has no attribute {name!r}")


def __dir__() -> list[str]:
    """The public API, though most of it is imported on first use."""
    return sorted(__all__)
