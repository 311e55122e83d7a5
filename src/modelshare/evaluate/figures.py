"""Which figures the card shows for one evaluation dataset, drawn into ``images/``.

Classifiers get a confusion matrix; binary classifiers with class scores on data holding both
classes add the ROC and precision-recall curves, and with probabilities the calibration curve;
regressors get a residual plot. A per-group evaluation adds one bar chart per sensitive feature.

Example:
    >>> draw_figures(scores, None, "Penguins test", "penguins-test", Path("staging"))
    ['images/confusion_matrix_penguins-test.png']
    >>> Path("staging/images/confusion_matrix_penguins-test.png").exists()
    True
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from modelshare.evaluate.fairness import GroupReport
from modelshare.evaluate.metrics import Scores
from modelshare.evaluate.plots import (
    calibration_png,
    confusion_matrix_png,
    group_metrics_png,
    precision_recall_png,
    residuals_png,
    roc_curve_png,
)
from modelshare.layout import FIGURE_TITLES, figure_path


def draw_figures(
    scores: Scores, groups: GroupReport | None, dataset: str, stem: str, folder: Path
) -> list[str]:
    """Draw every figure of one evaluation into ``folder/images``; return their paths
    relative to ``folder``, named by :func:`modelshare.layout.figure_path` after ``stem`` (a
    slug of the dataset name).

    Example:
        >>> draw_figures(scores, None, "penguins-test", "penguins-test", Path("staging"))
        ['images/confusion_matrix_penguins-test.png']
    """
    drawn = []
    for kind, feature, draw in _planned(scores, groups, dataset):
        relative = figure_path(kind, stem, feature)
        draw(folder / relative)
        drawn.append(relative)
    return drawn


Draw = Callable[[Path], Path]
"""Draws one figure at the path given."""


def _planned(
    scores: Scores, groups: GroupReport | None, dataset: str
) -> list[tuple[str, str | None, Draw]]:
    """``(kind, sensitive feature of a per-group chart, draw)`` of each figure one evaluation
    gets."""

    def titled(kind: str) -> str:
        return f"{FIGURE_TITLES[kind]}: {dataset}"

    plans: list[tuple[str, Draw]] = []
    if scores.confusion_matrix is not None:
        matrix, labels = scores.confusion_matrix, scores.labels or []
        plans.append(("confusion_matrix", partial(confusion_matrix_png, matrix, labels)))
    predictions = scores.predictions
    if predictions.kind == "regression":
        plans.append(("residuals", partial(residuals_png, predictions.y_true, predictions.y_pred)))
    if predictions.kind == "binary" and predictions.has_model_classes:
        truth = predictions.y_true == predictions.positive
        positive = predictions.positive_scores()
        if positive is not None:
            plans.append(("roc_curve", partial(roc_curve_png, truth, positive)))
            plans.append(("precision_recall", partial(precision_recall_png, truth, positive)))
        if predictions.probabilities is not None:
            probabilities = predictions.probabilities[:, 1]
            plans.append(("calibration", partial(calibration_png, truth, probabilities)))
    planned: list[tuple[str, str | None, Draw]] = [
        (kind, None, partial(draw, title=titled(kind))) for kind, draw in plans
    ]
    for feature, values in _by_feature(groups).items():
        title = f"{FIGURE_TITLES['groups']}: {dataset}, by {feature}"
        planned.append(("groups", feature, partial(group_metrics_png, values, title=title)))
    return planned


def _by_feature(groups: GroupReport | None) -> dict[str, dict[str, dict[str, float | None]]]:
    """The published group metrics as ``values[feature][metric][group]``."""
    values: dict[str, dict[str, dict[str, float | None]]] = {}
    for row in groups.group_metrics if groups else []:
        values.setdefault(row.feature, {}).setdefault(row.metric, {})[row.group] = row.value
    return values
