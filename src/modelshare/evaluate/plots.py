"""Plots the model card shows, drawn on matplotlib's Agg canvas and written atomically.

matplotlib is imported when a plot is drawn, and no global state (backend, pyplot, rcParams)
is touched, so importing this module is cheap and safe inside any application.

Example:
    >>> confusion_matrix_png([[20, 1], [2, 24]], ["no", "yes"], Path("images/cm.png"), "Test")
    PosixPath('images/cm.png')
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING

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
        >>> scores = score_model(model, X_test, y_test, task="classification")
        >>> confusion_matrix_png(
        ...     scores.confusion_matrix, scores.labels, Path("images/cm.png"), "Confusion matrix"
        ... )
        PosixPath('images/cm.png')
    """
    n = len(labels)
    if n == 0 or len(matrix) != n or any(len(row) != n for row in matrix):
        raise ValueError(f"a confusion matrix for {n} labels must have {n} rows of {n} counts")
    figure = _confusion_matrix_figure(matrix, labels, title)
    path = Path(path)
    _write_atomically(path, lambda file: figure.savefig(file, format="png", dpi=DPI))
    return path


def _confusion_matrix_figure(matrix: list[list[int]], labels: list[str], title: str) -> Figure:
    """The confusion matrix as a heat map with annotated counts, on an Agg canvas."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    n = len(labels)
    side = max(4.0, 1.8 + 0.5 * n)
    figure = Figure(figsize=(side, side), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.imshow(matrix, cmap="Blues", vmin=0)
    _annotate_counts(axes, matrix, fontsize=10 if n <= 10 else 8)
    tick_labels = [_shorten(label) for label in labels]
    axes.set_xticks(range(n), tick_labels, rotation=45, ha="right", rotation_mode="anchor")
    axes.set_yticks(range(n), tick_labels)
    axes.set_xlabel("Predicted")
    axes.set_ylabel("True")
    axes.set_title(title)
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


def _write_atomically(path: Path, write: Callable[[IO[bytes]], object]) -> None:
    """Write ``path`` through a temporary file beside it, renamed into place when complete."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with temporary.open("xb") as file:
            write(file)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
