"""scikit-learn-like predictors over a network's raw outputs, so every framework is scored alike.

A network gives scores: one per class (logits or probabilities), a single logit for two
classes, or one value per example for regression. A callable given by the user may also give
the labels themselves. :func:`predictor_for` wraps such outputs in an object with the
scikit-learn predictor API that :func:`~modelshare.evaluate.metrics.score_model` reads:
``predict``, and for scores ``predict_proba`` with ``classes_``.

Example:
    >>> frame = pd.DataFrame({"x": [2.0, -1.0, 0.5]})
    >>> outputs = lambda rows: np.column_stack([-rows["x"], rows["x"]])  # two class scores
    >>> predictor = predictor_for(outputs, "classification", ["Adelie", "Gentoo"], frame[:1])
    >>> predictor.predict(frame)[:2]
    array(['Gentoo', 'Adelie'], dtype='<U6')
    >>> predictor.predict_proba(frame).shape
    (3, 2)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit, softmax

from modelshare.errors import InvalidInputError
from modelshare.models.base import Outputs, Task

DISTRIBUTION_TOLERANCE = 1e-4
"""How far from 1 a row of probabilities may sum and still be taken as probabilities."""


def probabilities(scores: Any) -> np.ndarray:
    """Class probabilities from a classifier's scores, one row per example.

    Rows that already are probability distributions are kept; other rows of several scores
    go through a softmax. A single score per example is the probability of the second class
    when it lies in [0, 1], else its logit.

    Example:
        >>> probabilities(np.array([[2.0, 0.0]])).round(3)
        array([[0.881, 0.119]])
        >>> probabilities(np.array([0.25]))
        array([[0.75, 0.25]])
    """
    scores = np.asarray(scores, dtype=float)
    if scores.ndim == 1 or (scores.ndim == 2 and scores.shape[1] == 1):
        positive = scores.reshape(-1)
        if not _within_unit_interval(positive):
            positive = expit(positive)
        return np.column_stack([1 - positive, positive])
    if _are_distributions(scores):
        return scores
    return softmax(scores, axis=1)


def proba_logits(score: np.ndarray) -> np.ndarray:
    """The two-class logits ``[0, score]`` of a single logit per example, whose softmax is
    ``[1 - sigmoid(score), sigmoid(score)]``.

    Example:
        >>> proba_logits(np.array([2.0]))
        array([[0., 2.]])
    """
    return np.column_stack([np.zeros_like(score), score])


def default_classes(scores: Any) -> list[int]:
    """Class indices ``0 … k-1`` for scores of ``k`` classes (two for a single score).

    Example:
        >>> default_classes(np.zeros((5, 3)))
        [0, 1, 2]
    """
    scores = np.asarray(scores)
    width = scores.shape[1] if scores.ndim == 2 else 1
    return list(range(max(width, 2)))


def predictor_for(outputs: Outputs, task: Task, classes: Sequence[Any] | None, sample: Any) -> Any:
    """The predictor for ``outputs``: values for regression, scores or labels for classifiers.

    ``sample`` is a row or two of input: its outputs tell labels from scores, and give the
    number of classes when ``classes`` is None.

    Example:
        >>> frame = pd.DataFrame({"x": [2.0, -1.0, 0.5]})
        >>> outputs = lambda rows: rows["x"] * 1000  # one value per row
        >>> predictor_for(outputs, "regression", None, frame[:1]).predict(frame)[:2]
        array([ 2000., -1000.])
    """
    if task == "regression":
        return ValuePredictor(outputs)
    probe = np.asarray(outputs(sample))
    if probe.ndim == 1 and not np.issubdtype(probe.dtype, np.floating):
        return LabelPredictor(outputs)
    return ScorePredictor(outputs, list(classes) if classes is not None else default_classes(probe))


class ValuePredictor:
    """A regressor: one value per example.

    Example:
        >>> frame = pd.DataFrame({"x": [2.0, -1.0, 0.5]})
        >>> ValuePredictor(lambda frame: np.ones((len(frame), 1))).predict(frame)[:2]
        array([1., 1.])
    """

    def __init__(self, outputs: Outputs) -> None:
        self._outputs = outputs

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """One predicted value per row."""
        values = np.asarray(self._outputs(X), dtype=float)
        if values.ndim == 2 and values.shape[1] == 1:
            values = values.reshape(-1)
        if values.ndim != 1:
            raise InvalidInputError(
                f"a regression model must give one value per example, not outputs of shape "
                f"{values.shape}; pass predict= a function returning one value per example"
            )
        return values


class LabelPredictor:
    """A classifier that gives labels only (no scores, so no ROC AUC).

    Example:
        >>> frame = pd.DataFrame({"x": [2.0, -1.0, 0.5]})
        >>> LabelPredictor(lambda frame: np.array(["a"] * len(frame))).predict(frame)[:2]
        array(['a', 'a'], dtype='<U1')
    """

    classes_ = None

    def __init__(self, outputs: Outputs) -> None:
        self._outputs = outputs

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """One predicted label per row."""
        return np.asarray(self._outputs(X))


class ScorePredictor:
    """A classifier that gives class scores: labels are the classes of the highest scores.

    Example:
        >>> frame = pd.DataFrame({"x": [2.0]})
        >>> predictor = ScorePredictor(lambda frame: np.array([[0.0, 2.0]]), ["no", "yes"])
        >>> predictor.predict(frame), predictor.predict_proba(frame).round(2)
        (array(['yes'], dtype='<U3'), array([[0.12, 0.88]]))
    """

    def __init__(self, outputs: Outputs, classes: list[Any]) -> None:
        self._outputs = outputs
        self.classes_ = np.asarray(classes)

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """The class with the highest probability, per row."""
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Class probabilities per row, columns in the order of ``classes_``."""
        return self.scores(X)[0]

    def scores(self, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray | None]:
        """``(probabilities, logits)`` from one run of the network. A single score becomes the
        logits ``[0, score]``; outputs that already are probabilities have no logits (None).

        Example:
            >>> predictor = ScorePredictor(lambda rows: np.array([[0.0, 2.0]]), ["no", "yes"])
            >>> proba, logits = predictor.scores(pd.DataFrame({"x": [2.0]}))
            >>> proba.round(3), logits
            (array([[0.119, 0.881]]), array([[0., 2.]]))
        """
        scores = np.asarray(self._outputs(X), dtype=float)
        if scores.ndim > 2:
            raise InvalidInputError(
                f"a classifier must give one score per class for each example, not outputs of "
                f"shape {scores.shape}; pass predict= a function returning scores or labels"
            )
        proba = probabilities(scores)
        self._check_width(proba)
        if scores.ndim == 1 or scores.shape[1] == 1:
            single = scores.reshape(-1)
            logits = None if _within_unit_interval(single) else proba_logits(single)
        else:
            logits = None if _are_distributions(scores) else scores
        return proba, logits

    def _check_width(self, scores: np.ndarray) -> None:
        """Refuse class scores whose number differs from the number of classes."""
        if scores.shape[1] != len(self.classes_):
            raise InvalidInputError(
                f"the model gives {scores.shape[1]} class scores but {len(self.classes_)} "
                "classes were named; pass classes= with one label per output, in order"
            )


def _within_unit_interval(values: np.ndarray) -> bool:
    return bool(np.all((values >= 0) & (values <= 1)))


def _are_distributions(scores: np.ndarray) -> bool:
    sums_to_one = np.allclose(scores.sum(axis=1), 1.0, atol=DISTRIBUTION_TOLERANCE)
    return _within_unit_interval(scores) and bool(sums_to_one)
