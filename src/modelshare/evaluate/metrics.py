"""Metrics of a fitted model on one dataset, named as on the Hugging Face Hub.

Every metric carries the id of the Hub ``evaluate`` metric that computes the same number
(``accuracy``, ``f1``, ``precision``, ``recall``, ``roc_auc``, ``mae``, ``mse``, ``r_squared``,
…) and the arguments that metric needs to reproduce it. RMSE is therefore ``mse`` with
``squared=False``, as ``evaluate`` spells it. :data:`TASK_METRICS` lists what each kind of task
reports; the point values are scikit-learn's.

Example:
    >>> scores = score_model(model, X_test, y_test, task="classification")
    >>> scores.metrics[0]
    Metric(type='accuracy', name='Accuracy', value=1.0, args=None, ci_low=None, ci_high=None)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import pandas as pd
from sklearn import metrics as skm
from sklearn.utils.multiclass import unique_labels

from modelshare.data import check_finite, first_line
from modelshare.errors import InvalidInputError
from modelshare.record import Metric

Task = Literal["classification", "regression"]
Kind = Literal["binary", "multiclass", "regression"]
ClassArgument = Literal["pos_label", "labels"]

CALIBRATION_BINS = 10
"""Equal-width bins of the positive-class probability for the expected calibration error."""

TOP_K = 2
"""``k`` of the top-k accuracy reported for models of more than two classes."""


@dataclass(frozen=True)
class MetricSpec:
    """One metric a task reports: its Hub metric id, human label and ``evaluate`` arguments.

    ``per_class`` names the argument that restricts the metric to one class: ``pos_label``
    (the positive class of a binary task) or ``labels`` (one class of many).
    """

    type: str
    name: str
    args: dict[str, Any] | None = None
    greater_is_better: bool = True
    per_class: ClassArgument | None = None

    def of_class(self, label: Any) -> MetricSpec:
        """This metric restricted to one class, named after it.

        Example:
            >>> CLASS_RECALL.of_class("Adelie").args
            {'average': 'macro', 'labels': ['Adelie']}
        """
        if self.per_class is None:
            raise ValueError(f"{self.name} is not restricted to a class")
        label = plain(label)
        value = [label] if self.per_class == "labels" else label
        return replace(
            self,
            name=f"{self.name} ({label})",
            args={**(self.args or {}), self.per_class: value},
            per_class=None,
        )

    def with_value(self, value: float) -> Metric:
        """This metric with a measured value, as a python float rounded to 4 decimals.

        Example:
            >>> ACCURACY.with_value(0.981818)
            Metric(type='accuracy', name='Accuracy', value=0.9818, args=None, ...)
        """
        args = dict(self.args) if self.args else None
        return Metric(type=self.type, name=self.name, value=round(float(value), 4), args=args)


ACCURACY = MetricSpec("accuracy", "Accuracy")
PRECISION = MetricSpec("precision", "Precision", per_class="pos_label")
RECALL = MetricSpec("recall", "Recall", per_class="pos_label")
F1 = MetricSpec("f1", "F1", per_class="pos_label")
ROC_AUC = MetricSpec("roc_auc", "ROC AUC")
AVERAGE_PRECISION = MetricSpec("average_precision", "Average precision")
LOG_LOSS = MetricSpec("log_loss", "Log loss", greater_is_better=False)
BRIER_SCORE = MetricSpec("brier_score", "Brier score", greater_is_better=False)
CALIBRATION_ERROR = MetricSpec(
    "expected_calibration_error",
    "Expected calibration error",
    {"n_bins": CALIBRATION_BINS},
    greater_is_better=False,
)
MACRO_F1 = MetricSpec("f1", "Macro F1", {"average": "macro"})
WEIGHTED_F1 = MetricSpec("f1", "Weighted F1", {"average": "weighted"})
MACRO_PRECISION = MetricSpec("precision", "Macro precision", {"average": "macro"})
MACRO_RECALL = MetricSpec("recall", "Macro recall", {"average": "macro"})
ROC_AUC_OVR = MetricSpec(
    "roc_auc", "ROC AUC (one-vs-rest, macro)", {"multi_class": "ovr", "average": "macro"}
)
TOP_K_ACCURACY = MetricSpec("top_k_accuracy", f"Top-{TOP_K} accuracy", {"k": TOP_K})
CLASS_RECALL = MetricSpec("recall", "Recall", {"average": "macro"}, per_class="labels")
MAE = MetricSpec("mae", "MAE", greater_is_better=False)
RMSE = MetricSpec("mse", "RMSE", {"squared": False}, greater_is_better=False)
R_SQUARED = MetricSpec("r_squared", "R²")
MAPE = MetricSpec("mape", "MAPE", greater_is_better=False)

TASK_METRICS: dict[Kind, tuple[MetricSpec, ...]] = {
    "binary": (
        ACCURACY,
        PRECISION,
        RECALL,
        F1,
        ROC_AUC,
        AVERAGE_PRECISION,
        LOG_LOSS,
        BRIER_SCORE,
        CALIBRATION_ERROR,
    ),
    "multiclass": (
        ACCURACY,
        MACRO_F1,
        WEIGHTED_F1,
        MACRO_PRECISION,
        MACRO_RECALL,
        ROC_AUC_OVR,
        TOP_K_ACCURACY,
        CLASS_RECALL,
    ),
    "regression": (MAE, RMSE, R_SQUARED, MAPE),
}
"""The metrics each kind of task reports, in card order.

A classifier of two classes is *binary*: precision, recall and F1 are those of its positive
(second) class. ROC AUC and average precision need class scores (probabilities or decision
values), log loss, Brier score and calibration error need probabilities, and all of them need
a dataset holding exactly the model's classes. A classifier of more classes reports ROC AUC
(one-vs-rest) with probabilities and top-k accuracy with any class scores, on data whose labels
are all classes of the model, and the recall of each class the data holds. R² needs at least
two rows; MAPE a target that is never zero. Every other metric is always reported.
"""


@dataclass(frozen=True)
class Predictions:
    """What a model predicted on the rows of one dataset whose target is known.

    ``rows`` marks those rows among the rows given. Classifiers keep their classes (the columns
    of ``probabilities`` and ``decisions``), the positive class of a binary task, and the class
    scores they give: ``probabilities`` from ``predict_proba``, else ``decisions`` from
    ``decision_function`` (one column for a binary task).
    """

    kind: Kind
    y_true: np.ndarray
    y_pred: np.ndarray
    rows: np.ndarray
    classes: list[Any] | None = None
    positive: Any = None
    probabilities: np.ndarray | None = None
    decisions: np.ndarray | None = None

    @property
    def has_model_classes(self) -> bool:
        """Whether the target holds exactly the model's classes (scores are then comparable)."""
        classes = self.classes
        return classes is not None and set(np.unique(self.y_true)) == set(classes)

    def positive_scores(self) -> np.ndarray | None:
        """A binary classifier's scores for its positive class, probabilities first.

        Example:
            >>> from modelshare.penguins import penguin_pipeline
            >>> is_adelie = penguin_pipeline().fit(X_train, y_train == "Adelie")
            >>> predictions = predict(is_adelie, X_test, y_test == "Adelie", "classification")
            >>> predictions.positive_scores()[:3].round(3)
            array([0.019, 0.016, 0.046])
        """
        if self.probabilities is not None:
            return self.probabilities[:, 1]
        return self.decisions

    def class_scores(self) -> np.ndarray | None:
        """Scores of every class (one column per class in ``classes`` order), when given."""
        return self.probabilities if self.probabilities is not None else self.decisions


@dataclass(frozen=True)
class Scores:
    """The metrics of a model on one dataset; classifiers add the confusion matrix.

    ``confusion_matrix[i][j]`` counts the rows of true class ``labels[i]`` predicted as
    ``labels[j]``. ``predictions`` keeps what the metrics were computed from, for intervals,
    plots and per-group metrics.
    """

    metrics: list[Metric]
    predictions: Predictions = field(compare=False, repr=False)
    labels: list[str] | None = None
    confusion_matrix: list[list[int]] | None = None


def plain(value: Any) -> Any:
    """A numpy scalar as the python value it holds; anything else unchanged.

    Example:
        >>> plain(np.int64(3)), plain("Adelie")
        (3, 'Adelie')
    """
    return value.item() if isinstance(value, np.generic) else value


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
    if task not in ("classification", "regression"):
        raise InvalidInputError(f"unknown task {task!r}; use 'classification' or 'regression'")
    predictions = predict(model, X, y, task, dataset)
    if predictions.kind == "regression":
        return Scores(_regression_metrics(predictions), predictions)
    metrics = (
        _binary_metrics(predictions)
        if predictions.kind == "binary"
        else _multiclass_metrics(predictions)
    )
    labels = _matrix_labels(predictions)
    matrix = skm.confusion_matrix(predictions.y_true, predictions.y_pred, labels=labels)
    return Scores(metrics, predictions, [str(label) for label in labels], matrix.tolist())


def predict(model: Any, X: Any, y: Any, task: Task, dataset: str = "test") -> Predictions:
    """The model's predictions and class scores on the rows of ``X`` whose target is known.

    Example:
        >>> predict(model, X_test, y_test, "classification").kind
        'multiclass'
    """
    X, y, rows = _rows_with_target(X, y, dataset)
    if isinstance(X, pd.DataFrame):
        check_finite(X, f"dataset {dataset!r}")
    y_pred = _call_model(model.predict, X, dataset)
    if task == "regression":
        return Predictions("regression", y.astype(float), y_pred.astype(float), rows)
    classes = getattr(model, "classes_", None)
    if classes is None:
        found = list(unique_labels(y, y_pred))
        kind: Kind = "binary" if len(found) == 2 else "multiclass"
        return Predictions(kind, y, y_pred, rows, positive=found[1] if kind == "binary" else None)
    classes = list(classes)
    kind = "binary" if len(classes) == 2 else "multiclass"
    probabilities, decisions = _class_scores(model, X, dataset)
    return Predictions(
        kind,
        y,
        y_pred,
        rows,
        classes=classes,
        positive=classes[1] if kind == "binary" else None,
        probabilities=probabilities,
        decisions=decisions,
    )


def _rows_with_target(X: Any, y: Any, dataset: str) -> tuple[Any, np.ndarray, np.ndarray]:
    """The rows of ``X`` and ``y`` whose target is known, and the mask that selects them."""
    y = np.asarray(y)
    if len(X) != len(y):
        raise InvalidInputError(
            f"dataset {dataset!r} has {len(X)} feature rows but {len(y)} target values; "
            "pass features and target of the same rows"
        )
    known = ~np.asarray(pd.isna(y), dtype=bool)
    if not known.any():
        raise InvalidInputError(
            f"dataset {dataset!r} has no rows with a target value; pass data with its target"
        )
    if known.all():
        return X, y, known
    return (X.iloc[known] if hasattr(X, "iloc") else X[known]), y[known], known


def _call_model(method: Callable[[Any], Any], X: Any, dataset: str) -> np.ndarray:
    """``method(X)`` as an array; a failure becomes a one-line :class:`ModelshareError`."""
    try:
        return np.asarray(method(X))
    except Exception as exc:
        raise InvalidInputError(
            f"the model cannot predict on dataset {dataset!r}: {_short_reason(exc)}; "
            "pass the same feature columns as in training"
        ) from exc


def _short_reason(exc: Exception) -> str:
    """The first line of an exception's message, at most 160 characters."""
    reason = first_line(exc).strip().rstrip(".")
    return reason if len(reason) <= 160 else reason[:157] + "..."


def _class_scores(model: Any, X: Any, dataset: str) -> tuple[np.ndarray | None, ...]:
    """``(probabilities, decisions)``: from ``predict_proba``, else ``decision_function``."""
    if hasattr(model, "predict_proba"):
        return _call_model(model.predict_proba, X, dataset), None
    if hasattr(model, "decision_function"):
        return None, _call_model(model.decision_function, X, dataset)
    return None, None


def _regression_metrics(predictions: Predictions) -> list[Metric]:
    """MAE, RMSE, R² with at least two rows, and MAPE when no target value is zero."""
    y, y_pred = predictions.y_true, predictions.y_pred
    metrics = [
        MAE.with_value(skm.mean_absolute_error(y, y_pred)),
        RMSE.with_value(skm.root_mean_squared_error(y, y_pred)),
    ]
    if len(y) >= 2:
        metrics.append(R_SQUARED.with_value(skm.r2_score(y, y_pred)))
    if np.all(y != 0):
        metrics.append(MAPE.with_value(skm.mean_absolute_percentage_error(y, y_pred)))
    return metrics


def _binary_metrics(predictions: Predictions) -> list[Metric]:
    """Accuracy; precision, recall and F1 of the positive class; then the score metrics."""
    positive = predictions.positive
    truth = predictions.y_true == positive
    predicted = predictions.y_pred == positive
    metrics = [ACCURACY.with_value(skm.accuracy_score(predictions.y_true, predictions.y_pred))]
    metrics += [
        spec.of_class(positive).with_value(score(truth, predicted, zero_division=0))
        for spec, score in (
            (PRECISION, skm.precision_score),
            (RECALL, skm.recall_score),
            (F1, skm.f1_score),
        )
    ]
    scores = predictions.positive_scores()
    if scores is None or not predictions.has_model_classes:
        return metrics
    metrics += [
        ROC_AUC.with_value(skm.roc_auc_score(truth, scores)),
        AVERAGE_PRECISION.with_value(skm.average_precision_score(truth, scores)),
    ]
    if predictions.probabilities is not None:
        metrics += [
            LOG_LOSS.with_value(skm.log_loss(truth.astype(int), scores, labels=[0, 1])),
            BRIER_SCORE.with_value(skm.brier_score_loss(truth.astype(int), scores)),
            CALIBRATION_ERROR.with_value(expected_calibration_error(truth, scores)),
        ]
    return metrics


def _multiclass_metrics(predictions: Predictions) -> list[Metric]:
    """Accuracy, macro and weighted F1, macro precision and recall, ROC AUC and top-k
    accuracy when defined, and the recall of each class of the model the data holds."""
    y, y_pred = predictions.y_true, predictions.y_pred
    metrics = [ACCURACY.with_value(skm.accuracy_score(y, y_pred))]
    metrics += [
        spec.with_value(score(y, y_pred, **spec.args, zero_division=0))
        for spec, score in (
            (MACRO_F1, skm.f1_score),
            (WEIGHTED_F1, skm.f1_score),
            (MACRO_PRECISION, skm.precision_score),
            (MACRO_RECALL, skm.recall_score),
        )
    ]
    classes = predictions.classes or []
    present = set(np.unique(y))
    top_k_defined = len(classes) > TOP_K and present <= set(classes)
    if predictions.probabilities is not None and predictions.has_model_classes:
        metrics.append(
            ROC_AUC_OVR.with_value(
                skm.roc_auc_score(y, predictions.probabilities, labels=classes, **ROC_AUC_OVR.args)
            )
        )
    scores = predictions.class_scores()
    if scores is not None and top_k_defined:
        metrics.append(
            TOP_K_ACCURACY.with_value(skm.top_k_accuracy_score(y, scores, k=TOP_K, labels=classes))
        )
    metrics += [
        CLASS_RECALL.of_class(label).with_value(
            skm.recall_score(y, y_pred, labels=[label], average="macro", zero_division=0)
        )
        for label in classes
        if label in present
    ]
    return metrics


def calibration_bins(probabilities: np.ndarray, n_bins: int = CALIBRATION_BINS) -> np.ndarray:
    """The equal-width bin of ``[0, 1]`` each probability falls in (1.0 in the last bin).

    Example:
        >>> calibration_bins(np.array([0.0, 0.05, 0.95, 1.0]))
        array([0, 0, 9, 9])
    """
    return np.minimum((np.asarray(probabilities) * n_bins).astype(int), n_bins - 1)


def expected_calibration_error(
    truth: np.ndarray, probabilities: np.ndarray, n_bins: int = CALIBRATION_BINS
) -> float:
    """The share-weighted gap between predicted probability and observed frequency of the
    positive class, over equal-width probability bins.

    Example:
        >>> expected_calibration_error(np.array([True, False]), np.array([0.9, 0.2]))
        0.15
    """
    gaps = np.bincount(
        calibration_bins(probabilities, n_bins),
        weights=np.asarray(probabilities, dtype=float) - truth,
        minlength=n_bins,
    )
    return float(np.abs(gaps).sum() / len(truth))


def _matrix_labels(predictions: Predictions) -> list[Any]:
    """The model's classes in order, then any true labels the model does not know."""
    y, classes = predictions.y_true, predictions.classes
    if classes is None:
        return list(unique_labels(y, predictions.y_pred))
    known = set(classes)
    return list(classes) + [label for label in np.unique(y) if label not in known]
