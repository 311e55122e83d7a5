"""Metrics of a fitted model on one dataset, named as on the Hugging Face Hub.

Every metric carries the id of the Hub ``evaluate`` metric that computes the same number
(``accuracy``, ``f1``, ``precision``, ``recall``, ``roc_auc``, ``mae``, ``mse``, ``r_squared``)
and the arguments that metric needs to reproduce it. RMSE is therefore ``mse`` with
``squared=False``, as ``evaluate`` spells it. :data:`TASK_METRICS` lists what each task reports.

Example:
    >>> scores = score_model(model, X_test, y_test, task="classification")
    >>> scores.metrics[0]
    Metric(type='accuracy', name='Accuracy', value=1.0, args=None)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from sklearn import metrics as skm
from sklearn.utils.multiclass import unique_labels

from modelshare.errors import ModelshareError
from modelshare.record import Metric

Task = Literal["classification", "regression"]


@dataclass(frozen=True)
class MetricSpec:
    """One metric a task reports: its Hub metric id, human label and ``evaluate`` arguments."""

    type: str
    name: str
    args: dict[str, Any] | None = None
    greater_is_better: bool = True

    def with_value(self, value: float) -> Metric:
        """This metric with a measured value, as a python float rounded to 4 decimals.

        Example:
            >>> ACCURACY.with_value(0.981818)
            Metric(type='accuracy', name='Accuracy', value=0.9818, args=None)
        """
        args = dict(self.args) if self.args else None
        return Metric(type=self.type, name=self.name, value=round(float(value), 4), args=args)


ACCURACY = MetricSpec("accuracy", "Accuracy")
MACRO_F1 = MetricSpec("f1", "Macro F1", {"average": "macro"})
MACRO_PRECISION = MetricSpec("precision", "Macro precision", {"average": "macro"})
MACRO_RECALL = MetricSpec("recall", "Macro recall", {"average": "macro"})
ROC_AUC = MetricSpec("roc_auc", "ROC AUC")
ROC_AUC_OVR = MetricSpec(
    "roc_auc", "ROC AUC (one-vs-rest, macro)", {"multi_class": "ovr", "average": "macro"}
)
MAE = MetricSpec("mae", "MAE", greater_is_better=False)
RMSE = MetricSpec("mse", "RMSE", {"squared": False}, greater_is_better=False)
R_SQUARED = MetricSpec("r_squared", "R²")

TASK_METRICS: dict[str, tuple[MetricSpec, ...]] = {
    "classification": (ACCURACY, MACRO_F1, MACRO_PRECISION, MACRO_RECALL, ROC_AUC, ROC_AUC_OVR),
    "regression": (MAE, RMSE, R_SQUARED),
}
"""The metrics each task reports, in card order.

A classifier reports ROC AUC only when it gives class scores and the dataset holds exactly the
model's classes: :data:`ROC_AUC` for two classes, :data:`ROC_AUC_OVR` for more. R² needs at
least two rows. Every other metric is always reported.
"""

_MACRO_AVERAGED: tuple[tuple[MetricSpec, Callable[..., float]], ...] = (
    (MACRO_F1, skm.f1_score),
    (MACRO_PRECISION, skm.precision_score),
    (MACRO_RECALL, skm.recall_score),
)


@dataclass(frozen=True)
class Scores:
    """The metrics of a model on one dataset; classifiers add the confusion matrix.

    ``confusion_matrix[i][j]`` counts the rows of true class ``labels[i]`` predicted as
    ``labels[j]``.
    """

    metrics: list[Metric]
    labels: list[str] | None = None
    confusion_matrix: list[list[int]] | None = None


def score_model(model: Any, X: Any, y: Any, task: Task, *, dataset: str = "test") -> Scores:
    """Score a fitted model on one dataset with the metrics :data:`TASK_METRICS` lists.

    Rows whose target is missing are left out. ``dataset`` names the data in error messages.

    Example:
        >>> scores = score_model(model, X_test, y_test, task="classification")
        >>> [(metric.name, metric.value) for metric in scores.metrics][:2]
        [('Accuracy', 1.0), ('Macro F1', 1.0)]
        >>> scores.labels
        ['Adelie', 'Chinstrap', 'Gentoo']
    """
    if task not in TASK_METRICS:
        raise ModelshareError(f"unknown task {task!r}; use 'classification' or 'regression'")
    X, y = _rows_with_target(X, y, dataset)
    y_pred = _call_model(model.predict, X, dataset)
    if task == "regression":
        return Scores(_regression_metrics(y, y_pred))
    return _classification_scores(model, X, y, y_pred, dataset)


def _rows_with_target(X: Any, y: Any, dataset: str) -> tuple[Any, np.ndarray]:
    """The rows of ``X`` and ``y`` whose target is known."""
    y = np.asarray(y)
    if len(X) != len(y):
        raise ModelshareError(
            f"dataset {dataset!r} has {len(X)} feature rows but {len(y)} target values; "
            "pass features and target of the same rows"
        )
    known = ~np.asarray(pd.isna(y), dtype=bool)
    if not known.any():
        raise ModelshareError(
            f"dataset {dataset!r} has no rows with a target value; pass data with its target"
        )
    if known.all():
        return X, y
    return (X.iloc[known] if hasattr(X, "iloc") else X[known]), y[known]


def _call_model(method: Callable[[Any], Any], X: Any, dataset: str) -> np.ndarray:
    """``method(X)`` as an array; a failure becomes a one-line :class:`ModelshareError`."""
    try:
        return np.asarray(method(X))
    except Exception as exc:
        raise ModelshareError(
            f"the model cannot predict on dataset {dataset!r}: {_short_reason(exc)}; "
            "pass the same feature columns as in training"
        ) from exc


def _short_reason(exc: Exception) -> str:
    """The first line of an exception's message, at most 160 characters."""
    lines = str(exc).strip().splitlines()
    reason = lines[0].strip().rstrip(".") if lines else type(exc).__name__
    return reason if len(reason) <= 160 else reason[:157] + "..."


def _regression_metrics(y: np.ndarray, y_pred: np.ndarray) -> list[Metric]:
    """MAE, RMSE and, with at least two rows, R²."""
    y = y.astype(float)
    metrics = [
        MAE.with_value(skm.mean_absolute_error(y, y_pred)),
        RMSE.with_value(skm.root_mean_squared_error(y, y_pred)),
    ]
    if len(y) >= 2:
        metrics.append(R_SQUARED.with_value(skm.r2_score(y, y_pred)))
    return metrics


def _classification_scores(
    model: Any, X: Any, y: np.ndarray, y_pred: np.ndarray, dataset: str
) -> Scores:
    """Accuracy, macro F1/precision/recall, ROC AUC when defined, and the confusion matrix."""
    metrics = [ACCURACY.with_value(skm.accuracy_score(y, y_pred))]
    metrics += [
        spec.with_value(score(y, y_pred, **spec.args, zero_division=0))
        for spec, score in _MACRO_AVERAGED
    ]
    classes = getattr(model, "classes_", None)
    roc_auc = None if classes is None else _roc_auc(model, X, y, list(classes), dataset)
    if roc_auc is not None:
        metrics.append(roc_auc)
    labels = _matrix_labels(classes, y, y_pred)
    matrix = skm.confusion_matrix(y, y_pred, labels=labels)
    return Scores(metrics, [str(label) for label in labels], matrix.tolist())


def _matrix_labels(classes: Any, y: np.ndarray, y_pred: np.ndarray) -> list[Any]:
    """The model's classes in order, then any true labels the model does not know."""
    if classes is None:
        return list(unique_labels(y, y_pred))
    known = set(classes)
    return list(classes) + [label for label in np.unique(y) if label not in known]


def _roc_auc(model: Any, X: Any, y: np.ndarray, classes: list[Any], dataset: str) -> Metric | None:
    """ROC AUC from the model's class scores; None without scores or unless y holds ``classes``."""
    if len(classes) < 2 or set(np.unique(y)) != set(classes):
        return None
    if len(classes) == 2:
        scores = _positive_class_scores(model, X, dataset)
        if scores is None:
            return None
        return ROC_AUC.with_value(skm.roc_auc_score(y == classes[1], scores))
    if not hasattr(model, "predict_proba"):
        return None
    probabilities = _call_model(model.predict_proba, X, dataset)
    return ROC_AUC_OVR.with_value(
        skm.roc_auc_score(y, probabilities, labels=classes, **ROC_AUC_OVR.args)
    )


def _positive_class_scores(model: Any, X: Any, dataset: str) -> np.ndarray | None:
    """A binary classifier's scores for its second class, from probabilities or decisions."""
    if hasattr(model, "predict_proba"):
        return _call_model(model.predict_proba, X, dataset)[:, 1]
    if hasattr(model, "decision_function"):
        return _call_model(model.decision_function, X, dataset)
    return None
