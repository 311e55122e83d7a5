"""Preprocessing steps read from a fitted scikit-learn Pipeline, in words.

Only public attributes are read (``get_params``, ``steps``, ``transformers_``,
``transformer_list``, ``feature_names_in_``, ``get_feature_names_out``, ``get_support``,
``statistics_``, ``categories_``…), so any scikit-learn version that keeps its public API
describes the same way.

Example:
    >>> steps = describe_preprocessing(example.model)
    >>> [(step.name, step.kind) for step in steps][:2]
    [('features/num/imputer', 'imputer'), ('features/num/scaler', 'scaler')]
    >>> steps[0].method
    'missing values replaced by the median learned on the training data'
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from sklearn.base import is_classifier, is_regressor
from sklearn.compose import ColumnTransformer
from sklearn.feature_selection import SelectorMixin
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer

from modelshare.record import Hyperparameter, PreprocessingStep

Describer = Callable[[Any, list[str]], str]

PROJECTION_MODULES = (
    "sklearn.decomposition",
    "sklearn.random_projection",
    "sklearn.cross_decomposition",
    "sklearn.manifold",
)
"""Modules whose transformers reduce the number of features by projecting them."""


# ---------------------------------------------------------------------------------------------
# JSON-safe values and constructor parameters (shared with the model adapters)


def qualified_name(obj: Any) -> str:
    """``module.qualname`` of a function or class (just the name when it has no module).

    Example:
        >>> qualified_name(np.log1p)
        'numpy.log1p'
    """
    name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", type(obj).__name__)
    module = getattr(obj, "__module__", None)
    return f"{module}.{name}" if module else name


def json_safe(value: Any) -> Any:
    """A JSON-safe rendering of a parameter value.

    Numbers, strings, booleans and None stay as they are; NaN and infinities become strings;
    lists, tuples, arrays and dicts are converted item by item; numpy scalars become Python
    numbers; estimators become their class name; functions and classes their qualified name;
    anything else its ``repr``.

    Example:
        >>> json_safe({"k": np.int64(5), "fill": float("nan"), "func": np.log1p})
        {'k': 5, 'fill': 'nan', 'func': 'numpy.log1p'}
    """
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, np.generic):
        return json_safe(value.item())
    if isinstance(value, (list, tuple, np.ndarray)):
        return [json_safe(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): json_safe(item) for key, item in value.items()}
    if hasattr(value, "get_params") and not isinstance(value, type):
        return type(value).__name__
    if callable(value):
        return qualified_name(value)
    return repr(value)


def constructor_params(estimator: Any) -> list[Hyperparameter]:
    """Every constructor parameter (``get_params(deep=False)``) with its default, JSON-safe.

    Defaults come from the signature of the class's ``__init__`` (or, for a parameter it
    passes on through ``**kwargs``, of the parent class that declares it). A value counts as a
    default when it equals it: NaN equals NaN, arrays compare by value, estimators by class
    and parameters. A parameter whose default is nowhere declared is not called changed: its
    ``default_known`` is False.

    Example:
        >>> from sklearn.linear_model import LogisticRegression
        >>> params = constructor_params(LogisticRegression(C=0.5))
        >>> [(p.name, p.value, p.default, p.non_default) for p in params][:1]
        [('C', 0.5, 1.0, True)]
    """
    defaults = _constructor_defaults(estimator)
    return [
        Hyperparameter(
            name=name,
            value=json_safe(value),
            default=json_safe(defaults.get(name)),
            non_default=name in defaults and not _equal(value, defaults[name]),
            default_known=name in defaults,
        )
        for name, value in estimator.get_params(deep=False).items()
    ]


def non_default_params(estimator: Any) -> dict[str, Any]:
    """The constructor parameters set to something other than their default, JSON-safe.

    Example:
        >>> from sklearn.impute import SimpleImputer
        >>> non_default_params(SimpleImputer(strategy="median"))
        {'strategy': 'median'}
    """
    return {param.name: param.value for param in constructor_params(estimator) if param.non_default}


def _constructor_defaults(estimator: Any) -> dict[str, Any]:
    """Each parameter's default, from the first ``__init__`` up the class hierarchy that
    names it: a class that takes ``**kwargs`` and passes them on (XGBoost's classifiers) gets
    the defaults of the class that declares them."""
    defaults: dict[str, Any] = {}
    for cls in type(estimator).__mro__:
        init = cls.__dict__.get("__init__")
        if init is None or cls is object:
            continue
        for parameter in inspect.signature(init).parameters.values():
            if parameter.default is not inspect.Parameter.empty:
                defaults.setdefault(parameter.name, parameter.default)
    return defaults


def _equal(value: Any, default: Any) -> bool:
    if value is default:
        return True
    if hasattr(value, "get_params") and not isinstance(value, type):
        return type(value) is type(default) and _same_params(value, default)
    if isinstance(value, np.ndarray) or isinstance(default, np.ndarray):
        return _same_array(value, default)
    if isinstance(value, (list, tuple)) and isinstance(default, (list, tuple)):
        return len(value) == len(default) and all(map(_equal, value, default))
    if isinstance(value, float) and isinstance(default, float):
        return value == default or (math.isnan(value) and math.isnan(default))
    try:
        return bool(value == default)
    except (TypeError, ValueError):
        return False


def _same_params(estimator: Any, other: Any) -> bool:
    params, other_params = estimator.get_params(deep=False), other.get_params(deep=False)
    return params.keys() == other_params.keys() and all(
        _equal(params[key], other_params[key]) for key in params
    )


def _same_array(value: Any, default: Any) -> bool:
    try:
        return bool(np.array_equal(np.asarray(value), np.asarray(default), equal_nan=True))
    except TypeError:  # arrays of objects or strings cannot hold NaN
        return bool(np.array_equal(np.asarray(value), np.asarray(default)))


# ---------------------------------------------------------------------------------------------
# Walking the fitted pipeline


def describe_preprocessing(model: Any) -> list[PreprocessingStep]:
    """Every preprocessing step of a fitted model, in pipeline order.

    Pipelines, ColumnTransformers and FeatureUnions are opened; each leaf transformer becomes
    one step named by its path. Classifiers and regressors are not preprocessing and are left
    out, so a bare estimator has no steps.

    Example:
        >>> [step.name for step in describe_preprocessing(example.model)]  # doctest: +ELLIPSIS
        ['features/num/imputer', 'features/num/scaler', 'features/cat/imputer', ...]
    """
    return _walk(model, "", _names_in(model, None))


def _walk(estimator: Any, path: str, names: list[str] | None) -> list[PreprocessingStep]:
    if isinstance(estimator, Pipeline):
        return _walk_pipeline(estimator, path, names)
    if isinstance(estimator, ColumnTransformer):
        return _walk_column_transformer(estimator, path, _names_in(estimator, names))
    if isinstance(estimator, FeatureUnion):
        return [
            step
            for name, part in estimator.transformer_list
            for step in _walk_branch(part, _join(path, name), _names_in(estimator, names))
        ]
    if isinstance(estimator, str) or estimator is None or _is_predictor(estimator):
        return []
    name = path or type(estimator).__name__.lower()
    return [_describe_step(estimator, name, _names_in(estimator, names))]


def _walk_pipeline(
    pipeline: Pipeline, path: str, names: list[str] | None
) -> list[PreprocessingStep]:
    steps: list[PreprocessingStep] = []
    for name, estimator in pipeline.steps:
        steps += _walk(estimator, _join(path, name), names)
        names = _names_out(estimator, names)
    return steps


def _walk_column_transformer(
    transformer: ColumnTransformer, path: str, names: list[str]
) -> list[PreprocessingStep]:
    steps: list[PreprocessingStep] = []
    for name, part, selection in transformer.transformers_:
        columns = _column_names(selection, names)
        if columns:
            steps += _walk_branch(part, _join(path, name), columns)
    return steps


def _walk_branch(part: Any, path: str, columns: list[str]) -> list[PreprocessingStep]:
    """One branch of a ColumnTransformer or FeatureUnion; 'drop' branches have no steps."""
    if isinstance(part, str):
        return [] if part == "drop" else [_passthrough_step(path, columns)]
    return _walk(part, path, columns)


def _is_predictor(estimator: Any) -> bool:
    return is_classifier(estimator) or is_regressor(estimator)


def _join(path: str, name: str) -> str:
    return f"{path}/{name}" if path else name


def _names_in(estimator: Any, upstream: list[str] | None) -> list[str]:
    """The feature names reaching an estimator: its own record, else what flows in."""
    names = getattr(estimator, "feature_names_in_", None)
    if names is not None:
        return [str(name) for name in names]
    if upstream is not None:
        return upstream
    return _placeholder_names(getattr(estimator, "n_features_in_", 0))


def _names_out(estimator: Any, names: list[str] | None) -> list[str] | None:
    """The feature names an estimator passes on (None when it cannot say)."""
    if estimator is None or isinstance(estimator, str):
        return names
    try:
        return [str(name) for name in estimator.get_feature_names_out(names)]
    except (AttributeError, ValueError, TypeError):
        return None


def _placeholder_names(count: int) -> list[str]:
    return [f"x{index}" for index in range(count)]


def _column_names(selection: Any, names: list[str]) -> list[str]:
    """Input column names of a resolved ColumnTransformer selection."""
    if isinstance(selection, str):
        return [selection]
    if isinstance(selection, slice):
        return names[_positional(selection, names)]
    items = list(np.atleast_1d(np.asarray(selection)))
    if all(isinstance(item, str) for item in items):
        return [str(item) for item in items]
    if all(isinstance(item, (bool, np.bool_)) for item in items):
        return [name for name, keep in zip(names, items, strict=True) if keep]
    return [names[int(index)] for index in items]


def _positional(selection: slice, names: list[str]) -> slice:
    """A slice by column labels (both ends included, as in pandas) as a positional slice."""
    start, stop = selection.start, selection.stop
    if not isinstance(start, str) and not isinstance(stop, str):
        return selection
    return slice(
        names.index(start) if start is not None else None,
        names.index(stop) + 1 if stop is not None else None,
    )


# ---------------------------------------------------------------------------------------------
# One step in words


def _describe_step(estimator: Any, name: str, columns: list[str]) -> PreprocessingStep:
    if isinstance(estimator, SelectorMixin):
        return _selector_step(estimator, name, columns)
    if isinstance(estimator, FunctionTransformer) and estimator.func is None:
        return _passthrough_step(name, columns)
    kind, describe = _class_entry(estimator, _DESCRIBERS) or _fallback_entry(estimator)
    return PreprocessingStep(
        kind=kind,
        name=name,
        estimator=type(estimator).__name__,
        method=describe(estimator, columns),
        columns=columns,
        params=non_default_params(estimator),
    )


def _passthrough_step(name: str, columns: list[str]) -> PreprocessingStep:
    return PreprocessingStep(
        kind="passthrough", name=name, method="columns passed on unchanged", columns=columns
    )


def _selector_step(selector: Any, name: str, columns: list[str]) -> PreprocessingStep:
    support = np.asarray(selector.get_support(), dtype=bool)
    candidates = columns if len(columns) == support.size else _placeholder_names(support.size)
    kept = [column for column, keep in zip(candidates, support, strict=True) if keep]
    criterion = _class_entry(selector, _SELECTION_CRITERIA) or _generic_criterion
    return PreprocessingStep(
        kind="feature selector",
        name=name,
        estimator=type(selector).__name__,
        method=f"kept {len(kept)} of {support.size} features: {criterion(selector)}",
        columns=columns,
        params=non_default_params(selector),
        kept=kept,
    )


def _class_entry(estimator: Any, table: Mapping[str, Any]) -> Any:
    """The table entry of the estimator's nearest scikit-learn class (subclasses included)."""
    for cls in type(estimator).__mro__:
        if cls.__module__.startswith("sklearn.") and cls.__name__ in table:
            return table[cls.__name__]
    return None


def _fallback_entry(estimator: Any) -> tuple[str, Describer]:
    if type(estimator).__module__.startswith(PROJECTION_MODULES):
        return "dimensionality reduction", _projection
    return "transformer", lambda est, columns: f"applies {type(est).__name__}"


def _short_name(function: Any) -> str:
    return getattr(function, "__name__", None) or json_safe(function)


def _plural(count: int, noun: str, nouns: str | None = None) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {nouns or noun + 's'}"


# imputers -------------------------------------------------------------------------------------

_STATISTIC_WORDS = {"mean": "mean", "median": "median", "most_frequent": "most frequent value"}


def _simple_imputer(imputer: Any, columns: list[str]) -> str:
    strategy = imputer.strategy
    if strategy == "constant":
        fill = json_safe(imputer.statistics_[0]) if len(imputer.statistics_) else imputer.fill_value
        replacement = f"the constant {fill!r}"
    elif callable(strategy):
        replacement = f"the {_short_name(strategy)} of each column on the training data"
    else:
        replacement = f"the {_STATISTIC_WORDS.get(strategy, strategy)} learned on the training data"
    indicator = "; an indicator column marks the values that were missing"
    return f"missing values replaced by {replacement}{indicator if imputer.add_indicator else ''}"


def _knn_imputer(imputer: Any, columns: list[str]) -> str:
    weighting = "distance-weighted " if imputer.weights == "distance" else ""
    return (
        f"missing values replaced by the {weighting}mean of the {imputer.n_neighbors} "
        "nearest training rows"
    )


def _iterative_imputer(imputer: Any, columns: list[str]) -> str:
    model = type(imputer.estimator).__name__ if imputer.estimator else "BayesianRidge"
    return (
        f"missing values predicted from the other columns by {model}, "
        f"refined over {_plural(imputer.n_iter_, 'round')} on the training data"
    )


def _missing_indicator(indicator: Any, columns: list[str]) -> str:
    if indicator.features == "all":
        return "adds a missing-value indicator column for every column"
    return (
        f"adds a missing-value indicator column for the {len(indicator.features_)} "
        "columns that had missing values in the training data"
    )


# scalers --------------------------------------------------------------------------------------


def _standard_scaler(scaler: Any, columns: list[str]) -> str:
    learned = " learned on the training data"
    if scaler.with_mean and scaler.with_std:
        return (
            "centred to mean 0 and scaled to unit variance, using the mean and standard "
            f"deviation{learned}"
        )
    if scaler.with_std:
        return f"scaled to unit variance by the standard deviation{learned} (not centred)"
    if scaler.with_mean:
        return f"centred to mean 0 by the mean{learned} (not scaled)"
    return "left unchanged (with_mean=False, with_std=False)"


def _min_max_scaler(scaler: Any, columns: list[str]) -> str:
    low, high = (json_safe(bound) for bound in scaler.feature_range)
    clipped = ", values outside clipped" if scaler.clip else ""
    return (
        f"rescaled to the range [{low}, {high}] using the minimum and maximum learned on the "
        f"training data{clipped}"
    )


def _robust_scaler(scaler: Any, columns: list[str]) -> str:
    low, high = scaler.quantile_range
    parts = ["centred on the median"] if scaler.with_centering else []
    if scaler.with_scaling:
        parts.append(f"scaled by the {low:g}th–{high:g}th percentile range")
    return " and ".join(parts or ["left unchanged"]) + " learned on the training data"


def _max_abs_scaler(scaler: Any, columns: list[str]) -> str:
    return "scaled to [-1, 1] by the maximum absolute value learned on the training data"


def _normalizer(normalizer: Any, columns: list[str]) -> str:
    return f"each row scaled to unit {normalizer.norm} norm"


def _quantile_transformer(transformer: Any, columns: list[str]) -> str:
    return (
        f"mapped to a {transformer.output_distribution} distribution through "
        f"{transformer.n_quantiles_} quantiles learned on the training data"
    )


def _power_transformer(transformer: Any, columns: list[str]) -> str:
    then = ", then standardised" if transformer.standardize else ""
    return (
        f"made more Gaussian-like by a {transformer.method} power transform fitted on the "
        f"training data{then}"
    )


# encoders -------------------------------------------------------------------------------------

_UNKNOWN_ONE_HOT = {
    "error": "unknown categories raise an error",
    "ignore": "unknown categories are encoded as all zeros",
    "infrequent_if_exist": "unknown categories go to the infrequent category (else all zeros)",
    "warn": "unknown categories go to the infrequent category (else all zeros), with a warning",
}

_DROPPED = {
    "first": "the first category of each column is dropped",
    "if_binary": "the first category of two-category columns is dropped",
}


def _category_counts(encoder: Any, columns: list[str]) -> str:
    count = len(encoder.categories_)
    names = columns if len(columns) == count else _placeholder_names(count)
    return ", ".join(
        f"{name} ({_plural(len(categories), 'category', 'categories')})"
        for name, categories in zip(names, encoder.categories_, strict=True)
    )


def _one_hot_encoder(encoder: Any, columns: list[str]) -> str:
    parts = [
        f"one-hot encoded: {_category_counts(encoder, columns)}",
        _UNKNOWN_ONE_HOT.get(encoder.handle_unknown, f"handle_unknown={encoder.handle_unknown}"),
    ]
    if encoder.drop is not None:
        parts.append(_DROPPED.get(encoder.drop, "the given categories are dropped"))
    if encoder.min_frequency is not None or encoder.max_categories is not None:
        parts.append("rare categories are grouped into one infrequent category")
    return "; ".join(parts)


def _ordinal_encoder(encoder: Any, columns: list[str]) -> str:
    if encoder.handle_unknown == "use_encoded_value":
        unknown = f"unknown categories are encoded as {json_safe(encoder.unknown_value)}"
    else:
        unknown = "unknown categories raise an error"
    return f"categories mapped to integers 0…k-1: {_category_counts(encoder, columns)}; {unknown}"


def _target_encoder(encoder: Any, columns: list[str]) -> str:
    return (
        f"categories replaced by the {encoder.target_type_} target mean learned on the "
        f"training data (cross-fitted during training, smoothing {encoder.smooth}): "
        f"{_category_counts(encoder, columns)}"
    )


# other transformers ---------------------------------------------------------------------------


def _projection(transformer: Any, columns: list[str]) -> str:
    count = len(_names_out(transformer, columns) or [])
    method = type(transformer).__name__
    return f"{len(columns)} features projected onto {count} components by {method}"


def _polynomial_features(transformer: Any, columns: list[str]) -> str:
    terms = "interaction" if transformer.interaction_only else "polynomial and interaction"
    return (
        f"{terms} terms up to degree {transformer.degree}: {len(columns)} features become "
        f"{transformer.n_output_features_}"
    )


def _spline_transformer(transformer: Any, columns: list[str]) -> str:
    return (
        f"each column expanded into a B-spline basis of degree {transformer.degree} with "
        f"{transformer.n_knots} knots"
    )


def _bins_discretizer(transformer: Any, columns: list[str]) -> str:
    bins = sorted({int(count) for count in transformer.n_bins_})
    counts = f"{bins[0]}" if len(bins) == 1 else f"{bins[0]} to {bins[-1]}"
    return (
        f"each column cut into {counts} {transformer.strategy} bins learned on the training "
        f"data, encoded as {transformer.encode}"
    )


def _binarizer(transformer: Any, columns: list[str]) -> str:
    return f"values above {json_safe(transformer.threshold)} become 1, the others 0"


def _function_transformer(transformer: Any, columns: list[str]) -> str:
    return f"applies {qualified_name(transformer.func)}"


_DESCRIBERS: dict[str, tuple[str, Describer]] = {
    "SimpleImputer": ("imputer", _simple_imputer),
    "KNNImputer": ("imputer", _knn_imputer),
    "IterativeImputer": ("imputer", _iterative_imputer),
    "MissingIndicator": ("imputer", _missing_indicator),
    "StandardScaler": ("scaler", _standard_scaler),
    "MinMaxScaler": ("scaler", _min_max_scaler),
    "RobustScaler": ("scaler", _robust_scaler),
    "MaxAbsScaler": ("scaler", _max_abs_scaler),
    "Normalizer": ("scaler", _normalizer),
    "QuantileTransformer": ("scaler", _quantile_transformer),
    "PowerTransformer": ("scaler", _power_transformer),
    "OneHotEncoder": ("encoder", _one_hot_encoder),
    "OrdinalEncoder": ("encoder", _ordinal_encoder),
    "TargetEncoder": ("encoder", _target_encoder),
    "PolynomialFeatures": ("feature construction", _polynomial_features),
    "SplineTransformer": ("feature construction", _spline_transformer),
    "KBinsDiscretizer": ("discretizer", _bins_discretizer),
    "Binarizer": ("discretizer", _binarizer),
    "FunctionTransformer": ("function", _function_transformer),
}
"""scikit-learn class name -> (kind, description of a fitted instance)."""

# feature selection criteria -------------------------------------------------------------------


def _generic_criterion(selector: Any) -> str:
    score_func = getattr(selector, "score_func", None)
    scored = f" on {_short_name(score_func)} scores" if score_func is not None else ""
    return f"selected by {type(selector).__name__}{scored}"


_SELECTION_CRITERIA: dict[str, Callable[[Any], str]] = {
    "SelectKBest": lambda s: f"those with the highest {_short_name(s.score_func)} scores",
    "SelectPercentile": lambda s: f"the top {s.percentile}% by {_short_name(s.score_func)} score",
    "VarianceThreshold": lambda s: (
        f"those whose training variance is above {json_safe(s.threshold)}"
    ),
    "SelectFromModel": lambda s: (
        f"those whose {type(s.estimator_).__name__} importance is at least "
        f"{float(s.threshold_):.4g}"
    ),
    "RFECV": lambda s: (
        f"recursive feature elimination with {type(s.estimator).__name__}, the number "
        "chosen by cross-validation"
    ),
    "RFE": lambda s: f"recursive feature elimination with {type(s.estimator).__name__}",
    "SequentialFeatureSelector": lambda s: (
        f"{s.direction} sequential selection with {type(s.estimator).__name__}, scored by "
        "cross-validation"
    ),
}
"""scikit-learn selector class name -> the criterion it kept features by, in words."""
