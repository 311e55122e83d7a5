"""Metrics per group of people, through fairlearn's MetricFrame, and the gaps between groups.

Each sensitive feature is evaluated on its own (not crossed with the others). Groups with fewer
rows than ``min_group_size`` (default :data:`MIN_GROUP_SIZE`) are withheld: their metrics are
not published, they are left out of the between-group measures, and only their number is
recorded. What is measured depends on the task:

- binary: per group its size, selection rate (share predicted positive), accuracy, true and false
  positive rates and precision of the positive class; between groups the demographic parity
  difference and ratio and the equalized odds difference (fairlearn's, ``between_groups``).
- multiclass: per group its size, accuracy, macro recall and macro precision; between groups the
  accuracy difference (largest minus smallest group accuracy).
- regression: per group its size, MAE and R²; between groups the MAE ratio (smallest over largest
  group MAE).

:data:`THRESHOLDS` says when a between-group measure shows a gap worth a sentence in the card.

Example:
    >>> report = group_report(scores.predictions, X_test[["sex"]])
    >>> [(m.group, m.n, m.metric, m.value) for m in report.group_metrics][:2]
    [('female', 18, 'accuracy', 1.0), ('female', 18, 'macro_recall', 1.0)]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from fairlearn import metrics as fm
from sklearn import metrics as skm

from modelshare.errors import InvalidInputError
from modelshare.evaluate.metrics import Kind, Predictions
from modelshare.record import FairnessSummary, GroupMetric

MIN_GROUP_SIZE = 10
"""Groups with fewer rows are withheld: metrics of a handful of people can identify them."""

MISSING_GROUP = "(missing)"
"""The group of rows whose sensitive feature is missing."""

THRESHOLDS: dict[str, tuple[float, bool]] = {
    "demographic_parity_difference": (0.1, True),
    "demographic_parity_ratio": (0.8, False),
    "equalized_odds_difference": (0.1, True),
    "accuracy_difference": (0.1, True),
    "mae_ratio": (0.8, False),
}
"""Each between-group measure's threshold, and whether values above it (True) or below it
(False) are beyond it. The ratios follow the four-fifths rule; the differences allow 10
percentage points."""

GroupMetricFunction = Callable[..., float]

_GROUP_METRICS: dict[Kind, dict[str, GroupMetricFunction]] = {
    "binary": {
        "selection_rate": fm.selection_rate,
        "accuracy": skm.accuracy_score,
        "true_positive_rate": fm.true_positive_rate,
        "false_positive_rate": fm.false_positive_rate,
        "precision": partial(skm.precision_score, zero_division=0),
    },
    "multiclass": {
        "accuracy": skm.accuracy_score,
        "macro_recall": partial(skm.recall_score, average="macro", zero_division=0),
        "macro_precision": partial(skm.precision_score, average="macro", zero_division=0),
    },
    "regression": {
        "mae": skm.mean_absolute_error,
        "r_squared": skm.r2_score,
    },
}
"""The metrics computed per group, by kind of task (binary targets as 0/1, positive = 1)."""


@dataclass(frozen=True)
class GroupReport:
    """What the per-group evaluation of one dataset found, ready for the record."""

    features: list[str]
    group_metrics: list[GroupMetric]
    summaries: list[FairnessSummary]
    suppressed: dict[str, int]
    min_group_size: int

    def record_fields(self) -> dict[str, Any]:
        """The fields of an :class:`~modelshare.record.EvaluationResult` this report fills.

        Example:
            >>> from modelshare.record import EvaluationResult
            >>> report = group_report(scores.predictions, X_test[["sex"]])
            >>> facts, fields = record.evaluation[0].dataset, report.record_fields()
            >>> result = EvaluationResult(dataset=facts, metrics=scores.metrics, **fields)
            >>> result.sensitive_features, result.fairness[0].measure
            (['sex'], 'accuracy_difference')
        """
        return {
            "sensitive_features": self.features,
            "group_metrics": self.group_metrics,
            "fairness": self.summaries,
            "suppressed_groups": self.suppressed,
            "min_group_size": self.min_group_size,
        }


def group_report(
    predictions: Predictions,
    sensitive_features: Any,
    min_group_size: int = MIN_GROUP_SIZE,
) -> GroupReport:
    """Per-group metrics and between-group measures of each sensitive feature.

    ``sensitive_features`` is a DataFrame (or a named Series) of the same rows as the data the
    predictions were made on; rows without a target are left out as the metrics leave them.

    Example:
        >>> report = group_report(scores.predictions, X_test[["sex"]], min_group_size=10)
        >>> report.summaries
        [FairnessSummary(feature='sex', measure='accuracy_difference', value=0.0, threshold=0.1,
                         beyond=False)]
    """
    if min_group_size < 1:
        raise InvalidInputError("min_group_size must be at least 1")
    frame = _as_frame(sensitive_features, len(predictions.rows))
    y_true, y_pred = _targets(predictions)
    features = [
        _feature_report(
            str(column),
            group_labels(frame[column].to_numpy()[predictions.rows]),
            predictions.kind,
            (y_true, y_pred),
            min_group_size,
        )
        for column in frame.columns
    ]
    return GroupReport(
        features=[feature.name for feature in features],
        group_metrics=[row for feature in features for row in feature.metrics],
        summaries=[summary for feature in features for summary in feature.summaries],
        suppressed={feature.name: feature.withheld for feature in features if feature.withheld},
        min_group_size=min_group_size,
    )


class _FeatureReport(NamedTuple):
    """What the per-group evaluation of one sensitive feature found."""

    name: str
    metrics: list[GroupMetric]
    summaries: list[FairnessSummary]
    withheld: int


def _feature_report(
    name: str,
    groups: pd.Series,
    kind: Kind,
    targets: tuple[np.ndarray, np.ndarray],
    min_group_size: int,
) -> _FeatureReport:
    """The published groups' metrics and the between-group measures of one feature."""
    sizes = groups.value_counts()
    withheld = int((sizes < min_group_size).sum())
    shown = groups.isin(sizes[sizes >= min_group_size].index).to_numpy()
    if not shown.any():
        return _FeatureReport(name, [], [], withheld)
    y_true, y_pred = targets[0][shown], targets[1][shown]
    shown_groups = groups[shown].reset_index(drop=True)
    by_group = metric_frame(kind, y_true, y_pred, shown_groups)
    summaries = (
        _summaries(kind, name, by_group, (y_true, y_pred, shown_groups))
        if len(by_group.by_group) >= 2
        else []
    )
    return _FeatureReport(name, _group_rows(name, by_group.by_group, sizes), summaries, withheld)


def group_labels(values: np.ndarray) -> pd.Series:
    """Each row's group as text; a missing value is the group :data:`MISSING_GROUP`.

    Example:
        >>> group_labels(np.array(["female", None, "male"], dtype=object)).tolist()
        ['female', '(missing)', 'male']
    """
    series = pd.Series(values, dtype=object)
    return series.map(str).where(series.notna(), MISSING_GROUP).reset_index(drop=True)


def metric_frame(
    kind: Kind, y_true: np.ndarray, y_pred: np.ndarray, groups: pd.Series
) -> fm.MetricFrame:
    """fairlearn's ``MetricFrame`` of the metrics of ``kind``; its ``by_group`` has one row
    per group and one column per metric.

    Example:
        >>> groups = pd.Series(["female", "female", "male", "male"])
        >>> frame = metric_frame("binary", np.array([1, 0, 1, 1]), np.array([1, 0, 0, 1]), groups)
        >>> frame.by_group["accuracy"].to_dict()
        {'female': 1.0, 'male': 0.5}
    """
    return fm.MetricFrame(
        metrics=_GROUP_METRICS[kind],
        y_true=y_true,
        y_pred=y_pred,
        sensitive_features=groups.rename("group").reset_index(drop=True),
    )


def _as_frame(sensitive_features: Any, n_rows: int) -> pd.DataFrame:
    """The sensitive features as a DataFrame of ``n_rows`` rows, index dropped."""
    if isinstance(sensitive_features, pd.Series):
        if sensitive_features.name is None:
            raise InvalidInputError("name the sensitive feature: pass a named Series or DataFrame")
        sensitive_features = sensitive_features.to_frame()
    if not isinstance(sensitive_features, pd.DataFrame):
        raise InvalidInputError(
            "sensitive_features is a "
            f"{type(sensitive_features).__name__}; pass a DataFrame such as df[['sex']]"
        )
    if len(sensitive_features) != n_rows:
        raise InvalidInputError(
            f"sensitive_features has {len(sensitive_features)} rows but the data has {n_rows}; "
            "pass the sensitive features of the same rows"
        )
    if sensitive_features.shape[1] == 0:
        raise InvalidInputError("sensitive_features has no column; pass e.g. df[['sex']]")
    return sensitive_features.reset_index(drop=True)


def _targets(predictions: Predictions) -> tuple[np.ndarray, np.ndarray]:
    """Truth and predictions as MetricFrame reads them: 0/1 for the positive class of a
    binary task, as they are otherwise."""
    if predictions.kind != "binary":
        return predictions.y_true, predictions.y_pred
    positive = predictions.positive
    return (
        (predictions.y_true == positive).astype(int),
        (predictions.y_pred == positive).astype(int),
    )


def _group_rows(feature: str, by_group: pd.DataFrame, sizes: pd.Series) -> list[GroupMetric]:
    """One record row per group and metric, the group's label kept."""
    return [
        GroupMetric(
            feature=feature,
            group=str(group),
            n=int(sizes[group]),
            metric=str(metric),
            value=_finite(value),
        )
        for group, row in by_group.iterrows()
        for metric, value in row.items()
    ]


def _finite(value: Any) -> float | None:
    """A metric value rounded to 4 decimals, or None when undefined."""
    number = float(value)
    return round(number, 4) if np.isfinite(number) else None


def _summaries(
    kind: Kind,
    feature: str,
    frame: fm.MetricFrame,
    rows: tuple[np.ndarray, np.ndarray, pd.Series],
) -> list[FairnessSummary]:
    """The between-group measures of one feature, each against its threshold; ``rows`` are the
    truth, predictions and groups ``frame`` was computed on."""
    if kind == "binary":
        y_true, y_pred, groups = rows
        values = {
            name: measure(y_true, y_pred, sensitive_features=groups)
            for name, measure in (
                ("demographic_parity_difference", fm.demographic_parity_difference),
                ("demographic_parity_ratio", fm.demographic_parity_ratio),
                ("equalized_odds_difference", fm.equalized_odds_difference),
            )
        }
    elif kind == "multiclass":
        values = {"accuracy_difference": frame.difference()["accuracy"]}
    else:
        values = {"mae_ratio": frame.ratio()["mae"]}
    return [_summary(feature, name, value) for name, value in values.items() if np.isfinite(value)]


def _summary(feature: str, measure: str, value: float) -> FairnessSummary:
    """A measure with its threshold and whether it is beyond it."""
    threshold, above_is_beyond = THRESHOLDS[measure]
    value = round(float(value), 4)
    beyond = value > threshold if above_is_beyond else value < threshold
    return FairnessSummary(
        feature=feature, measure=measure, value=value, threshold=threshold, beyond=beyond
    )
