"""Which types a skops file may build: the receiver decides, never the file.

``skops.io.load`` builds only the types it is told to trust, beyond its own defaults
(scikit-learn's public estimators, Python's primitive containers, numpy and scipy ufuncs).
Which extra types to trust is decided here, in one place, for every entry point (``scan``,
``load``, ``release --model``, ``pull``, ``verify`` and the publish audit):

- :data:`DEFAULT_TRUSTED_TYPES`, a short list modelshare maintains, each with the reason it is
  judged safe: values and plain arithmetic, nothing that follows indices into memory and
  nothing that calls what the file names;
- plus exactly the types the *caller* names (``trusted=[...]``, ``--trust TYPE``).

What a release says about itself (``model.trusted_types`` in ``modelshare.json``) is shown to
the receiver as a request; it grants nothing. Every other type is refused by name, with the
reason it is risky (:func:`type_risk`).

Example:
    >>> decide_trust(["numpy.dtype", "builtins.exec"]).refused
    ('builtins.exec',)
    >>> decide_trust(["sklearn.tree._tree.Tree"], trusted=["sklearn.tree._tree.Tree"]).ok
    True
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from modelshare.errors import UnsafeContentError

_SELECTION = "a univariate feature-selection score: arithmetic on arrays, called by fit only"
_OPTIMIZER = "the optimizer state an MLP keeps (rates and moment arrays), used by fit only"
_KERNEL = "a Gaussian-process kernel: hyperparameters and closed-form arithmetic, no indices"
_CALIBRATION = "what CalibratedClassifierCV keeps per fold: a fitted model and its calibrators"
_LOSS = "a loss object like those skops trusts by default: a power parameter and arithmetic"

DEFAULT_TRUSTED_TYPES: Mapping[str, str] = {
    "numpy.dtype": "an array's element type, kept by SimpleImputer and OrdinalEncoder: a value",
    **{
        f"sklearn.feature_selection._univariate_selection.{name}": _SELECTION
        for name in ("f_classif", "f_regression", "r_regression", "chi2")
    },
    **{
        f"sklearn.feature_selection._mutual_info.{name}": _SELECTION
        for name in ("mutual_info_classif", "mutual_info_regression")
    },
    **{
        f"sklearn.neural_network._stochastic_optimizers.{name}": _OPTIMIZER
        for name in ("AdamOptimizer", "SGDOptimizer")
    },
    **{
        f"sklearn.gaussian_process.kernels.{name}": _KERNEL
        for name in (
            "ConstantKernel",
            "DotProduct",
            "ExpSineSquared",
            "Exponentiation",
            "Matern",
            "Product",
            "RBF",
            "RationalQuadratic",
            "Sum",
            "WhiteKernel",
        )
    },
    "sklearn.gaussian_process._gpc._BinaryGaussianProcessClassifierLaplace": (
        "the binary classifiers GaussianProcessClassifier keeps: arrays and a kernel"
    ),
    "sklearn.compose._column_transformer.make_column_selector": (
        "picks a ColumnTransformer's columns by dtype or by a regular expression on their names"
    ),
    "sklearn.calibration._CalibratedClassifier": _CALIBRATION,
    "sklearn.calibration._SigmoidCalibration": _CALIBRATION,
    "sklearn._loss.loss.HalfTweedieLoss": _LOSS,
    "sklearn._loss.loss.HalfTweedieLossIdentity": _LOSS,
}
"""The types modelshare lets a skops file build without the caller naming them, with why."""

_NODE_INDICES = (
    "holds node indices that compiled scikit-learn code follows without bounds checks: a "
    "crafted file can crash the process or read memory once the model predicts"
)
KNOWN_RISKS: Mapping[str, str] = {
    "sklearn.tree._tree.Tree": _NODE_INDICES,
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor": _NODE_INDICES,
    "sklearn.neighbors._kd_tree.KDTree": _NODE_INDICES,
    "sklearn.neighbors._ball_tree.BallTree": _NODE_INDICES,
    "sklearn.cluster._bisect_k_means._BisectingTree": _NODE_INDICES,
}
"""Types that real models need but that are unsafe to build from a stranger's file."""

CALLERS = frozenset({"builtins", "operator", "_operator", "functools", "_functools"})
"""Modules whose names call or build any callable: the file would choose what runs."""


REVIEWED_PACKAGES = frozenset({"sklearn", "numpy", "scipy"})
"""Installed libraries whose modules may be imported to tell a class from a function."""
NOT_IMPORTED = frozenset({"tests", "conftest", "setup"})


def type_risk(name: str) -> str:
    """Why building ``name`` from a file needs the receiver's word. Judged by the name;
    only modules of scikit-learn, numpy and scipy are imported, to tell a function from a
    class.

    Example:
        >>> type_risk("builtins.exec")
        'builtins calls or builds any callable: the file would choose what runs'
        >>> type_risk("sklearn.utils._testing.assert_run_python_script_without_output")
        'a function, not a class: a model that holds it calls it'
    """
    if name in KNOWN_RISKS:
        return KNOWN_RISKS[name]
    module, _, attribute = name.rpartition(".")
    top = module.partition(".")[0]
    if not module or not all(part.isidentifier() for part in name.split(".")):
        return "not a dotted Python name: no honest file needs it"
    if top in CALLERS:
        return f"{top} calls or builds any callable: the file would choose what runs"
    if top in sys.stdlib_module_names:
        return f"{top} is the standard library, not a model part: it reaches files or processes"
    if importlib.util.find_spec(top) is None:
        return f"its package {top} is not installed: loading would import whatever provides it"
    if top in REVIEWED_PACKAGES and _is_function(module, attribute):
        return "a function, not a class: a model that holds it calls it"
    return f"not reviewed by modelshare: read the code of {name} before trusting it"


def _is_function(module: str, attribute: str) -> bool:
    """Whether ``module.attribute`` of an installed, reviewed library is a plain callable.
    Modules that run a program or tests when imported (``__main__``, ``tests``) are not
    imported."""
    parts = module.split(".")
    if any(part.startswith("__") or part in NOT_IMPORTED for part in parts):
        return False
    try:
        found = getattr(importlib.import_module(module), attribute, None)
    except ImportError:
        return False
    return callable(found) and not isinstance(found, type)


@dataclass(frozen=True)
class TrustDecision:
    """The types a file needs beyond skops' defaults, split into granted and refused.

    Example:
        >>> decision = decide_trust(["numpy.dtype", "sklearn.tree._tree.Tree"])
        >>> decision.granted, decision.refused
        (('numpy.dtype',), ('sklearn.tree._tree.Tree',))
    """

    needed: tuple[str, ...]
    granted: tuple[str, ...]
    refused: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True when every needed type is granted."""
        return not self.refused

    def risks(self) -> dict[str, str]:
        """Each refused type with the reason it is risky."""
        return {name: type_risk(name) for name in self.refused}


def decide_trust(needed: Iterable[str], trusted: Iterable[str] = ()) -> TrustDecision:
    """Grant each needed type that is on :data:`DEFAULT_TRUSTED_TYPES` or named by the caller
    in ``trusted``; refuse the rest.

    Example:
        >>> decide_trust(["numpy.dtype"]).ok
        True
    """
    wanted = sorted(set(needed))
    allowed = set(DEFAULT_TRUSTED_TYPES) | set(trusted)
    return TrustDecision(
        needed=tuple(wanted),
        granted=tuple(name for name in wanted if name in allowed),
        refused=tuple(name for name in wanted if name not in allowed),
    )


def trust_refusal(label: str, refused: list[str], outcome: str = "it was not loaded") -> str:
    """The one-line refusal of a file that needs the ``refused`` types; ``outcome`` says
    what did not happen.

    Example:
        >>> trust_refusal("model.skops", ["builtins.exec"])
        "model.skops needs types modelshare does not trust by default: builtins.exec (...)..."
    """
    risks = "; ".join(f"{name} ({type_risk(name)})" for name in refused)
    flags = " ".join(f"--trust {name}" for name in refused)
    return (
        f"{label} needs types modelshare does not trust by default: {risks}; {outcome}. "
        f"Only if you trust its publisher, grant them with trusted={refused!r} "
        f"({flags} on the command line)"
    )


def require_trust(label: str, needed: Iterable[str], trusted: Iterable[str] = ()) -> list[str]:
    """The types to hand ``skops.io.load`` for ``label``; raise when any is refused.

    Example:
        >>> require_trust("model.skops", ["numpy.dtype"])
        ['numpy.dtype']

    Raises:
        UnsafeContentError: a needed type is neither on the default list nor in ``trusted``;
            the message names each with its risk and how to grant it.
    """
    decision = decide_trust(needed, trusted)
    if not decision.ok:
        raise UnsafeContentError(trust_refusal(label, list(decision.refused)))
    return list(decision.granted)
