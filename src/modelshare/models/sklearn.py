"""The scikit-learn adapter: check, describe, save and load fitted estimators and Pipelines.

Models are saved with skops, which stores them without pickle; loading names every type the
file needs and builds only those the receiver's trust policy grants.

Example:
    >>> check_supported(example.model)
    >>> facts = describe_model(example.model)
    >>> facts.estimator, facts.task
    ('LogisticRegression', 'classification')
    >>> save_model(example.model, Path("model.skops"))
    ['numpy.dtype']
    >>> load_model(Path("model.skops")).predict(example.X_test)[:2]
    array(['Gentoo', 'Chinstrap'], dtype=object)
"""

from __future__ import annotations

import numbers
import sys
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, is_classifier, is_regressor
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from modelshare.data import as_frame
from modelshare.errors import InvalidInputError, UnsafeContentError
from modelshare.examples import example_script
from modelshare.layout import SKOPS_FILE
from modelshare.models.base import TABULAR_PIPELINE_TAGS, ModelAdapter, Task
from modelshare.preprocessing import constructor_params, describe_preprocessing, qualified_name
from modelshare.record import ModelFacts
from modelshare.safety import is_pickle_content
from modelshare.safety.trust import require_trust
from modelshare.skopsio import skops_io

SUPPORTED = "fitted scikit-learn estimators and Pipelines (classifiers and regressors)"
"""What this adapter accepts, as quoted in its error messages."""

ALWAYS_REQUIRED = frozenset({"sklearn", "numpy", "scipy", "skops"})
"""Top-level modules every scikit-learn release needs to load."""

FITTED_PARTS = ("transformers_", "estimators_", "estimator_", "best_estimator_", "final_estimator_")
"""Public fitted attributes that hold the estimators a meta-estimator fitted."""

SKOPS_HINT = f"save the model with skops: skops.io.dump(model, '{SKOPS_FILE}')"
ZIP_MAGIC = b"PK\x03\x04"


# ---------------------------------------------------------------------------------------------
# What the adapter accepts


def check_supported(model: Any) -> None:
    """Raise a one-line :class:`ModelshareError` unless the model is a fitted scikit-learn
    classifier or regressor (a bare estimator or a Pipeline ending in one).

    Example:
        >>> check_supported({})
        Traceback (most recent call last):
        ...
        modelshare.errors.InvalidInputError: unsupported model type 'builtins.dict': ...
    """
    task_of(model)
    try:
        check_is_fitted(model)
    except NotFittedError:
        raise InvalidInputError(
            "the model is not fitted: call .fit(X, y) before releasing it"
        ) from None


def task_of(model: Any) -> Task:
    """``"classification"`` or ``"regression"``; a ModelshareError for anything else.

    Example:
        >>> task_of(example.model)
        'classification'
    """
    kind = qualified_name(type(model))
    if not isinstance(model, BaseEstimator):
        raise InvalidInputError(f"unsupported model type '{kind}': modelshare supports {SUPPORTED}")
    if is_classifier(model):
        return "classification"
    if is_regressor(model):
        return "regression"
    raise InvalidInputError(
        f"unsupported model type '{kind}': it is neither a classifier nor a regressor; "
        f"modelshare supports {SUPPORTED}"
    )


# ---------------------------------------------------------------------------------------------
# What the model is


def describe_model(model: Any) -> ModelFacts:
    """The facts read from a fitted model: final estimator, task, outline, hyperparameters,
    classes and input feature names. The release fills in the file facts.

    Example:
        >>> facts = describe_model(example.model)
        >>> facts.steps
        ['features: ColumnTransformer', 'classifier: LogisticRegression']
        >>> [h.name for h in facts.hyperparameters if h.non_default]
        ['C', 'max_iter', 'random_state']
    """
    check_supported(model)
    final = _final_estimator(model)
    names = getattr(model, "feature_names_in_", None)
    task = task_of(model)
    return ModelFacts(
        framework="scikit-learn",
        estimator=type(final).__name__,
        estimator_path=qualified_name(type(final)),
        task=task,
        steps=_outline(model),
        hyperparameters=constructor_params(final),
        classes=[str(label) for label in model.classes_] if is_classifier(model) else None,
        feature_names_in=[str(name) for name in names] if names is not None else None,
        library_name="sklearn",
        pipeline_tag=TABULAR_PIPELINE_TAGS[task],
        tags=["sklearn", "skops", TABULAR_PIPELINE_TAGS[task]],
    )


def model_modules(model: Any) -> set[str]:
    """Top-level modules of every class and function inside the model, standard library aside,
    plus what every scikit-learn release needs (``sklearn``, ``numpy``, ``scipy``, ``skops``).

    Example:
        >>> sorted(model_modules(example.model))
        ['numpy', 'scipy', 'sklearn', 'skops']
    """
    modules = set(ALWAYS_REQUIRED)
    seen: set[int] = set()
    pending = [model]
    while pending:
        obj = pending.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        modules.add(_top_module(obj))
        pending += _parts(obj)
    return modules - set(sys.stdlib_module_names) - {"builtins", "__main__"}


def random_seeds(model: Any) -> dict[str, int]:
    """Every integer ``random_state`` in the model, keyed by its parameter path.

    Example:
        >>> random_seeds(example.model)
        {'classifier__random_state': 0}
    """
    return {
        path: int(value)
        for path, value in model.get_params(deep=True).items()
        if path.rsplit("__", 1)[-1] == "random_state"
        and isinstance(value, numbers.Integral)
        and not isinstance(value, bool)
    }


def fitted_columns(model: Any, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` as the model reads it: the columns it was fitted on, in their order (others
    are left out: the model never reads them). A missing column, or another number of columns
    for a model fitted without names, is refused by name.

    Example:
        >>> fitted_columns(model, X_test.assign(year=2008)).columns.tolist()[-1]
        'sex'

    Raises:
        InvalidInputError: a column the model was fitted on is missing, or the count differs.
    """
    names = getattr(model, "feature_names_in_", None)
    given = [str(column) for column in frame.columns]
    if names is not None:
        fitted = [str(name) for name in names]
        missing = [name for name in fitted if name not in given]
        if missing:
            raise InvalidInputError(
                f"the data lacks columns the model was fitted on: {_names(missing)}; "
                "pass the columns it was fitted on"
            )
        return frame.rename(columns=str)[fitted]
    count = getattr(model, "n_features_in_", None)
    if count is not None and len(given) != count:
        raise InvalidInputError(
            f"the model was fitted on {count} columns, the data has {len(given)} "
            f"({_names(given)}): pass the columns it was fitted on, in the same order"
        )
    return frame


def _names(names: list[str], shown: int = 5) -> str:
    listed = ", ".join(names[:shown])
    return listed if len(names) <= shown else f"{listed} and {len(names) - shown} more"


def _final_estimator(model: Any) -> Any:
    while isinstance(model, Pipeline):
        model = model[-1]
    return model


def _outline(model: Any) -> list[str]:
    if not isinstance(model, Pipeline):
        return [type(model).__name__]
    return [f"{name}: {_label(step)}" for name, step in model.steps]


def _label(step: Any) -> str:
    """A step's class name; 'passthrough' for a step that is None or 'passthrough'."""
    if step is None or isinstance(step, str):
        return "passthrough"
    return type(step).__name__


def _top_module(obj: Any) -> str:
    owner = obj if isinstance(obj, type) or callable(obj) else type(obj)
    module = getattr(owner, "__module__", None) or type(obj).__module__
    return module.split(".")[0]


def _parts(obj: Any) -> list[Any]:
    """The objects held by a container, an estimator's parameters or its fitted parts."""
    if isinstance(obj, (list, tuple, set)):
        return list(obj)
    if isinstance(obj, dict):
        return list(obj.values())
    if isinstance(obj, np.ndarray):
        return list(obj.ravel()) if obj.dtype == object else []
    if isinstance(obj, type) or not hasattr(obj, "get_params"):
        return []
    fitted = [getattr(obj, name, None) for name in FITTED_PARTS]
    return [*obj.get_params(deep=False).values(), *fitted]


# ---------------------------------------------------------------------------------------------
# Saving and loading


def save_model(model: Any, path: Path) -> list[str]:
    """Save with ``skops.io.dump``; return the sorted types ``skops.io.load`` must trust.

    Example:
        >>> save_model(example.model, Path("model.skops"))
        ['numpy.dtype']
    """
    skops = skops_io()
    skops.dump(model, path)
    return sorted(skops.get_untrusted_types(file=path))


def load_model(path: Path, trusted: Iterable[str] = ()) -> Any:
    """Load a skops file, letting it build only the types the trust policy grants: those on
    modelshare's default list and those the caller names in ``trusted``
    (:mod:`modelshare.safety.trust`). Whatever list the file or its release carries grants
    nothing.

    Example:
        >>> load_model(bundle.path / "model.skops").predict(X_test)[:2]
        array(['Gentoo', 'Chinstrap'], dtype=object)

    Raises:
        UnsafeContentError: the file is a pickle, or needs a type that is not granted.
        InvalidInputError: the file is missing or not a skops file.
    """
    path = Path(path)
    granted = require_trust(path.name, _needed_types(path), trusted)
    return skops_io().load(path, trusted=granted)


def _needed_types(path: Path) -> list[str]:
    """The untrusted types of a skops file; a ModelshareError if the file is not one."""
    if not path.is_file():
        raise InvalidInputError(f"model file not found: {path}")
    if is_pickle_content(path):
        raise UnsafeContentError(
            f"{path.name} is a pickle, which runs code when loaded; {SKOPS_HINT}"
        )
    with path.open("rb") as file:
        head = file.read(len(ZIP_MAGIC))
    if head != ZIP_MAGIC:
        raise InvalidInputError(f"{path.name} is not a skops file; {SKOPS_HINT}")
    try:
        return sorted(skops_io().get_untrusted_types(file=path))
    except (KeyError, ValueError, TypeError, zipfile.BadZipFile):
        raise InvalidInputError(
            f"{path.name} is a zip archive but not a readable skops file; {SKOPS_HINT}"
        ) from None


# ---------------------------------------------------------------------------------------------
# The adapter a release uses


class SklearnAdapter(ModelAdapter):
    """A fitted scikit-learn estimator or Pipeline, saved with skops as ``model.skops``.

    Example:
        >>> adapter = SklearnAdapter(example.model)
        >>> Path("staging").mkdir()
        >>> adapter.save(Path("staging")).trusted_types
        ['numpy.dtype']
    """

    framework = "scikit-learn"

    def __init__(self, model: Any) -> None:
        check_supported(model)
        super().__init__(model)

    @property
    def task(self) -> Task:
        return task_of(self.model)

    def features(self, X: Any) -> Any:
        return fitted_columns(self.model, as_frame(X))

    def predictor(self, predict: Any = None) -> Any:
        """The model itself: a scikit-learn estimator is its own predictor."""
        if predict is not None:
            raise InvalidInputError(
                "predict= is for PyTorch and transformers models; a scikit-learn model "
                "predicts with its own predict()"
            )
        return self.model

    def describe(self) -> ModelFacts:
        return describe_model(self.model)

    def preprocessing(self) -> list[Any]:
        return describe_preprocessing(self.model)

    def modules(self) -> set[str]:
        return model_modules(self.model) | {"pandas"}

    def seeds(self) -> dict[str, int]:
        return random_seeds(self.model)

    def save(self, folder: Path) -> ModelFacts:
        path = folder / SKOPS_FILE
        trusted = save_model(self.model, path)
        return self.describe().model_copy(
            update={"size_bytes": path.stat().st_size, "trusted_types": trusted}
        )

    def example(self, name: str, rows: Any, facts: ModelFacts, folder: Path) -> str:
        return example_script(
            name,
            rows,
            None if rows is None else self.model.predict(rows).tolist(),
            facts.trusted_types,
            facts.task,
            named_columns=facts.feature_names_in is not None,
        )
