"""Plots the model card shows, drawn on matplotlib's Agg canvas and written atomically.

matplotlib is imported when a plot is drawn, and no global state (backend, pyplot, rcParams)
is touched, so importing this module is cheap and safe inside any application. Every plot is
a PNG: the confusion matrix, ROC and precision-recall curves, the calibration curve, the
residuals of a regression and the metrics per group of a sensitive feature.

Example:
    >>> confusion_matrix_png([[20, 1], [2, 24]], ["no", "yes"], Path("images/cm.png"), "Test")
    PosixPath('images/cm.png')
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from sklearn import metrics as skm

from modelshare.evaluate.metrics import CALIBRATION_BINS
from modelshare.fsutil import write_file_durably

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

DPI = 100
"""Resolution of every PNG written: small files, sharp enough for a model card."""

MAX_LABEL_CHARS = 20
"""Class names longer than this are cut short on the axes, so the matrix keeps its room."""


def confusion_matrix_png(
    matrix: list[list[int]], labels: list[str], path: Path, title: str
) -> Path:
    """Draw a confusion matrix with its counts in the cells and write it as a PNG.

    Rows are the true classes and columns the predicted ones, both in ``labels`` order. The
    figure grows with the number of classes so 2 to 20 classes stay readable. Parent folders are
    created; the file appears complete or not at all.

    Example:
        >>> confusion_matrix_png(
        ...     scores.confusion_matrix, scores.labels, Path("images/cm.png"), "Confusion matrix"
        ... )
        PosixPath('images/cm.png')
    """
    n = len(labels)
    if n == 0 or len(matrix) != n or any(len(row) != n for row in matrix):
        raise ValueError(f"a confusion matrix for {n} labels must have {n} rows of {n} counts")
    return _save(_confusion_matrix_figure(matrix, labels, title), path)


def roc_curve_png(truth: np.ndarray, scores: np.ndarray, path: Path, title: str) -> Path:
    """Draw the ROC curve of a binary classifier's positive-class scores, with its AUC.

    Example:
        >>> truth, scores = np.array([0, 0, 1, 1, 0, 1]), np.array([0.1, 0.4, 0.35, 0.8, 0.2, 0.9])
        >>> roc_curve_png(truth, scores, Path("images/roc_curve_test.png"), "Test")
        PosixPath('images/roc_curve_test.png')
    """
    false_positive, true_positive, _ = skm.roc_curve(truth, scores)
    figure, axes = _curve_axes(title, "False positive rate", "True positive rate")
    area = skm.auc(false_positive, true_positive)
    axes.plot(false_positive, true_positive, drawstyle="steps-post", label=f"AUC {area:.3f}")
    axes.plot([0, 1], [0, 1], linestyle=":", color="grey", label="chance")
    axes.legend(loc="lower right")
    return _save(figure, path)


def precision_recall_png(truth: np.ndarray, scores: np.ndarray, path: Path, title: str) -> Path:
    """Draw the precision-recall curve of a binary classifier, with the positive share.

    Example:
        >>> truth, scores = np.array([0, 0, 1, 1, 0, 1]), np.array([0.1, 0.4, 0.35, 0.8, 0.2, 0.9])
        >>> precision_recall_png(truth, scores, Path("images/precision_recall_test.png"), "Test")
        PosixPath('images/precision_recall_test.png')
    """
    precision, recall, _ = skm.precision_recall_curve(truth, scores)
    figure, axes = _curve_axes(title, "Recall", "Precision")
    average = skm.average_precision_score(truth, scores)
    axes.plot(recall, precision, drawstyle="steps-post", label=f"AP {average:.3f}")
    axes.axhline(np.mean(truth), linestyle=":", color="grey", label="positive share")
    axes.legend(loc="lower left")
    return _save(figure, path)


def calibration_png(
    truth: np.ndarray,
    probabilities: np.ndarray,
    path: Path,
    title: str,
    n_bins: int = CALIBRATION_BINS,
) -> Path:
    """Draw the calibration curve: observed positive share per bin of predicted probability.

    Example:
        >>> truth = np.array([0, 0, 1, 1, 0, 1])
        >>> probabilities = np.array([0.1, 0.4, 0.35, 0.8, 0.2, 0.9])
        >>> calibration_png(truth, probabilities, Path("images/calibration_test.png"), "Test")
        PosixPath('images/calibration_test.png')
    """
    from sklearn.calibration import calibration_curve

    observed, predicted = calibration_curve(truth, probabilities, n_bins=n_bins)
    figure, axes = _curve_axes(title, "Predicted probability", "Observed share of positives")
    axes.plot(predicted, observed, marker="o", label="model")
    axes.plot([0, 1], [0, 1], linestyle=":", color="grey", label="perfectly calibrated")
    axes.legend(loc="upper left")
    return _save(figure, path)


def residuals_png(y_true: np.ndarray, y_pred: np.ndarray, path: Path, title: str) -> Path:
    """Draw a regression's residuals (true minus predicted) against its predictions.

    Example:
        >>> y_true, y_pred = np.array([3.0, 5.0, 7.5]), np.array([2.5, 5.5, 7.0])
        >>> residuals_png(y_true, y_pred, Path("images/residuals_test.png"), "Test")
        PosixPath('images/residuals_test.png')
    """
    figure, axes = _new_axes(title, (5.0, 4.0))
    axes.scatter(y_pred, y_true - y_pred, s=12, alpha=0.6)
    axes.axhline(0, linestyle=":", color="grey")
    axes.set_xlabel("Predicted")
    axes.set_ylabel("Residual (true − predicted)")
    return _save(figure, path)


def group_metrics_png(
    values: Mapping[str, Mapping[str, float | None]], path: Path, title: str
) -> Path:
    """Draw one bar chart per metric, one bar per group (``values[metric][group]``).

    Example:
        >>> values = {"accuracy": {"female": 0.97, "male": 0.68}}
        >>> group_metrics_png(values, Path("images/groups_test_sex.png"), "By sex")
        PosixPath('images/groups_test_sex.png')
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if not values:
        raise ValueError("no metric to draw")
    columns = min(3, len(values))
    rows = math.ceil(len(values) / columns)
    figure = Figure(figsize=(3.2 * columns, 2.8 * rows), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    figure.suptitle(title)
    for index, (metric, by_group) in enumerate(values.items()):
        axes = figure.add_subplot(rows, columns, index + 1)
        groups = [_shorten(group) for group in by_group]
        heights = [np.nan if value is None else value for value in by_group.values()]
        axes.bar(groups, heights, color="tab:blue")
        if all(0 <= height <= 1 for height in heights if not np.isnan(height)):
            axes.set_ylim(0, 1.05)
        axes.set_title(metric.replace("_", " "), fontsize=10)
        axes.tick_params(axis="x", labelrotation=30)
    return _save(figure, path)


def _new_axes(title: str, size: tuple[float, float]) -> tuple[Figure, Axes]:
    """A figure on an Agg canvas with one titled axes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=size, dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.set_title(title)
    return figure, axes


def _curve_axes(title: str, x_label: str, y_label: str) -> tuple[Figure, Axes]:
    """Square axes over the unit square, for curves of rates."""
    figure, axes = _new_axes(title, (4.5, 4.5))
    axes.set_xlim(-0.02, 1.02)
    axes.set_ylim(-0.02, 1.02)
    axes.set_xlabel(x_label)
    axes.set_ylabel(y_label)
    return figure, axes


def _save(figure: Figure, path: Path) -> Path:
    """Write a figure as a PNG at ``path``, atomically; parent folders are created."""
    path = Path(path)
    png = io.BytesIO()
    figure.savefig(png, format="png", dpi=DPI)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_file_durably(path, png.getvalue())
    return path


def _confusion_matrix_figure(matrix: list[list[int]], labels: list[str], title: str) -> Figure:
    """The confusion matrix as a heat map with annotated counts, on an Agg canvas."""
    n = len(labels)
    side = max(4.0, 1.8 + 0.5 * n)
    figure, axes = _new_axes(title, (side, side))
    axes.imshow(matrix, cmap="Blues", vmin=0)
    _annotate_counts(axes, matrix, fontsize=10 if n <= 10 else 8)
    tick_labels = [_shorten(label) for label in labels]
    axes.set_xticks(range(n), tick_labels, rotation=45, ha="right", rotation_mode="anchor")
    axes.set_yticks(range(n), tick_labels)
    axes.set_xlabel("Predicted")
    axes.set_ylabel("True")
    return figure


def _annotate_counts(axes: Axes, matrix: list[list[int]], fontsize: int) -> None:
    """Write each count in its cell, white on dark cells and black on light ones."""
    dark_above = max(max(row) for row in matrix) / 2
    for i, row in enumerate(matrix):
        for j, count in enumerate(row):
            color = "white" if count > dark_above else "black"
            axes.text(j, i, str(count), ha="center", va="center", color=color, fontsize=fontsize)


def _shorten(label: str) -> str:
    """``label``, cut to :data:`MAX_LABEL_CHARS` characters with an ellipsis when longer."""
    return label if len(label) <= MAX_LABEL_CHARS else label[: MAX_LABEL_CHARS - 1] + "…"
