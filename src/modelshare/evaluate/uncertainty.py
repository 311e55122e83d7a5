"""Bootstrap confidence intervals of the metrics, resampling the rows of a dataset.

Each resample draws ``n`` rows with replacement from the ``n`` rows of the dataset (numpy's
``default_rng(seed)``); a metric is recomputed on every resample and its interval is the
percentile interval of those values (2.5th and 97.5th percentiles for 95 %). The resamples are
drawn once per dataset, as a matrix of row weights (how often each row was drawn), and every
metric is computed from that matrix at once, so a thousand resamples cost about as much as a
few plain evaluations. Resamples in which a metric is undefined (a class drawn no row) are left
out; when more than :data:`MAX_UNDEFINED_SHARE` of them are, the metric gets no interval.

Example:
    >>> from modelshare.evaluate.metrics import score_model
    >>> scores = score_model(model, X_new, example.y_later, task="classification")
    >>> with_intervals(scores.metrics, scores.predictions, Bootstrap(seed=0))[0]
    Metric(type='accuracy', name='Accuracy', value=0.9917, args=None, ci_low=0.9667, ci_high=1.0)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from sklearn.utils.multiclass import unique_labels

from modelshare.evaluate.metrics import Predictions, calibration_bins
from modelshare.record import Bootstrap, Metric

Statistic = Callable[[np.ndarray], np.ndarray]
"""A metric as a function of row weights: ``(resamples, rows)`` weights to ``(resamples,)``
values."""

MAX_WEIGHT_CELLS = 4_000_000
"""Resamples are processed in blocks of at most this many row weights (32 MB of floats)."""

MAX_UNDEFINED_SHARE = 0.1
"""A metric undefined in more than this share of the resamples gets no interval."""

MAX_DENSE_GROUPS = 64
"""Up to this many groups, grouped sums are a product with a one-hot matrix."""


def with_intervals(
    metrics: list[Metric], predictions: Predictions, settings: Bootstrap
) -> list[Metric]:
    """The metrics with their bootstrap confidence intervals (``ci_low``, ``ci_high``).

    The same seed gives the same intervals; a metric modelshare cannot resample keeps none.

    Example:
        >>> from modelshare.evaluate.metrics import score_model
        >>> scores = score_model(model, X_new, example.y_later, task="classification")
        >>> [m.ci_low for m in with_intervals(scores.metrics, scores.predictions, Bootstrap())]
        [0.9667, 0.9733, 0.9667, ...]
    """
    statistics = [metric_statistic(metric, predictions) for metric in metrics]
    known = [statistic for statistic in statistics if statistic is not None]
    values = iter(bootstrap_values(known, len(predictions.y_true), settings))
    return [
        metric
        if statistic is None
        else metric.model_copy(update=percentile_interval(next(values), settings.confidence))
        for metric, statistic in zip(metrics, statistics, strict=True)
    ]


def bootstrap_values(statistics: list[Statistic], n: int, settings: Bootstrap) -> list[np.ndarray]:
    """Each statistic's value on every resample of ``n`` rows, in resample order.

    Example:
        >>> statistic = metric_statistic(scores.metrics[0], scores.predictions)
        >>> bootstrap_values([statistic], 45, Bootstrap(resamples=1000))[0].shape
        (1000,)
    """
    if not statistics:
        return []
    blocks = [
        [statistic(weights) for statistic in statistics]
        for weights in resample_weights(n, settings)
    ]
    return [np.concatenate(per_block) for per_block in zip(*blocks, strict=True)]


def resample_weights(n: int, settings: Bootstrap) -> Iterator[np.ndarray]:
    """How often each of ``n`` rows is drawn in each resample, in blocks of resamples.

    Example:
        >>> next(resample_weights(3, Bootstrap(resamples=100))).sum(axis=1)[:2]
        array([3., 3.])
    """
    rng = np.random.default_rng(settings.seed)
    block = max(1, MAX_WEIGHT_CELLS // max(n, 1))
    for start in range(0, settings.resamples, block):
        size = min(block, settings.resamples - start)
        drawn = rng.integers(0, n, size=(size, n)) + n * np.arange(size)[:, None]
        yield np.bincount(drawn.ravel(), minlength=size * n).reshape(size, n).astype(float)


def grouped_sums(weights: np.ndarray, groups: np.ndarray, size: int) -> np.ndarray:
    """Per resample, the sum of the weights of the rows in each of ``size`` groups.

    ``groups`` gives each row's group, ``0 … size-1``. A few groups (classes, bins) are summed
    by a matrix product, many (distinct scores) by counting.

    Example:
        >>> grouped_sums(np.array([[1.0, 2.0, 3.0]]), np.array([0, 1, 0]), 2)
        array([[4., 2.]])
    """
    if size <= MAX_DENSE_GROUPS:
        return weights @ (groups[:, None] == np.arange(size)).astype(float)
    resamples = weights.shape[0]
    index = (np.arange(resamples)[:, None] * size + groups).ravel()
    sums = np.bincount(index, weights=weights.ravel(), minlength=resamples * size)
    return sums.reshape(resamples, size)


def percentile_interval(values: np.ndarray, confidence: float) -> dict[str, float | None]:
    """``ci_low`` and ``ci_high`` of resampled values, rounded to 4 decimals like the metrics.

    Example:
        >>> percentile_interval(np.array([0.8, 0.9, 1.0, np.nan]), 0.95)
        {'ci_low': None, 'ci_high': None}
    """
    defined = values[~np.isnan(values)]
    if len(values) == 0 or len(defined) < (1 - MAX_UNDEFINED_SHARE) * len(values):
        return {"ci_low": None, "ci_high": None}
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(defined, [tail, 100 - tail])
    return {"ci_low": round(float(low), 4), "ci_high": round(float(high), 4)}


def metric_statistic(metric: Metric, predictions: Predictions) -> Statistic | None:
    """The metric as a function of row weights, or None for a metric it cannot resample.

    With every weight 1 it gives the metric's value on the dataset itself.

    Example:
        >>> statistic = metric_statistic(scores.metrics[0], scores.predictions)
        >>> statistic(np.ones((1, 45)))
        array([1.])
    """
    builder = _BUILDERS.get(metric.type)
    return None if builder is None else builder(predictions, metric.args or {})


def _divide(numerator: np.ndarray, denominator: np.ndarray, empty: float = 0.0) -> np.ndarray:
    """``numerator / denominator``, with ``empty`` where the denominator is 0."""
    safe = np.where(denominator == 0, 1.0, denominator)
    return np.where(denominator == 0, empty, numerator / safe)


def _weighted_mean(values: np.ndarray) -> Statistic:
    """The weighted mean of one value per row."""
    return lambda weights: weights @ values / weights.sum(axis=1)


def _accuracy(predictions: Predictions, args: dict[str, Any]) -> Statistic:
    return _weighted_mean((predictions.y_true == predictions.y_pred).astype(float))


def _codes(values: np.ndarray, labels: list[Any]) -> np.ndarray:
    """Each value's position in ``labels``."""
    position = {label: index for index, label in enumerate(labels)}
    return np.array([position[value] for value in values.tolist()], dtype=np.int64)


def _class_rates(name: str) -> Callable[[Predictions, dict[str, Any]], Statistic]:
    """Precision, recall or F1 as scikit-learn computes them on each resample: of the positive
    class (``pos_label``), of listed classes (``labels``), or averaged over the classes a
    resample holds (``average`` macro or weighted)."""

    def build(predictions: Predictions, args: dict[str, Any]) -> Statistic:
        y_true, y_pred = predictions.y_true, predictions.y_pred
        if "pos_label" in args:
            y_true, y_pred = y_true == args["pos_label"], y_pred == args["pos_label"]
            labels: list[Any] = [False, True]
            chosen = [1]
        else:
            labels = list(unique_labels(y_true, y_pred))
            listed = args.get("labels")
            chosen = _codes(np.array(listed, dtype=object), labels) if listed else None
        truth, predicted = _codes(y_true, labels), _codes(y_pred, labels)
        hits = np.where(truth == predicted, truth, len(labels))
        restricted = chosen is not None

        def statistic(weights: np.ndarray) -> np.ndarray:
            true = grouped_sums(weights, truth, len(labels))
            pred = grouped_sums(weights, predicted, len(labels))
            tp = grouped_sums(weights, hits, len(labels) + 1)[:, :-1]
            rates = {
                "precision": _divide(tp, pred),
                "recall": _divide(tp, true),
                "f1": _divide(2 * tp, true + pred),
            }[name]
            if restricted:
                return rates[:, chosen].mean(axis=1)
            if args.get("average") == "weighted":
                return _divide((rates * true).sum(axis=1), true.sum(axis=1))
            present = (true + pred) > 0
            return (rates * present).sum(axis=1) / present.sum(axis=1)

        return statistic

    return build


def _auc_parts(
    truth: np.ndarray, scores: np.ndarray
) -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Per resample, the weight of positive and negative rows at each distinct score
    (ascending)."""
    distinct, groups = np.unique(scores, return_inverse=True)
    positive = truth.astype(float)

    def parts(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        on_positives = weights * positive
        return (
            grouped_sums(on_positives, groups, len(distinct)),
            grouped_sums(weights - on_positives, groups, len(distinct)),
        )

    return parts


def _binary_auc(truth: np.ndarray, scores: np.ndarray) -> Statistic:
    """ROC AUC (Mann–Whitney, ties counted half) under row weights; NaN without both classes."""
    parts = _auc_parts(truth, scores)

    def statistic(weights: np.ndarray) -> np.ndarray:
        positive, negative = parts(weights)
        below = np.cumsum(negative, axis=1) - negative
        pairs = positive.sum(axis=1) * negative.sum(axis=1)
        return _divide((positive * (below + negative / 2)).sum(axis=1), pairs, np.nan)

    return statistic


def _roc_auc(predictions: Predictions, args: dict[str, Any]) -> Statistic:
    if args.get("multi_class") == "ovr":
        probabilities, classes = predictions.probabilities, predictions.classes
        assert probabilities is not None and classes is not None
        per_class = [
            _binary_auc(predictions.y_true == label, probabilities[:, index])
            for index, label in enumerate(classes)
        ]
        return lambda weights: np.mean([auc(weights) for auc in per_class], axis=0)
    scores = predictions.positive_scores()
    assert scores is not None
    return _binary_auc(predictions.y_true == predictions.positive, scores)


def _average_precision(predictions: Predictions, args: dict[str, Any]) -> Statistic:
    """Average precision as scikit-learn computes it: precision at each distinct score,
    weighted by the recall gained there (highest scores first)."""
    scores = predictions.positive_scores()
    assert scores is not None
    parts = _auc_parts(predictions.y_true == predictions.positive, scores)

    def statistic(weights: np.ndarray) -> np.ndarray:
        positive, negative = (part[:, ::-1] for part in parts(weights))
        true_positives, false_positives = np.cumsum(positive, 1), np.cumsum(negative, 1)
        precision = _divide(true_positives, true_positives + false_positives)
        return _divide((positive * precision).sum(axis=1), positive.sum(axis=1), np.nan)

    return statistic


def _positive_probabilities(predictions: Predictions) -> tuple[np.ndarray, np.ndarray]:
    """Whether each row is of the positive class, and its predicted probability."""
    assert predictions.probabilities is not None
    truth = (predictions.y_true == predictions.positive).astype(float)
    return truth, predictions.probabilities[:, 1]


def _log_loss(predictions: Predictions, args: dict[str, Any]) -> Statistic:
    truth, probability = _positive_probabilities(predictions)
    eps = np.finfo(probability.dtype).eps
    of_truth = np.clip(np.where(truth == 1, probability, 1 - probability), eps, 1 - eps)
    return _weighted_mean(-np.log(of_truth))


def _brier_score(predictions: Predictions, args: dict[str, Any]) -> Statistic:
    truth, probability = _positive_probabilities(predictions)
    return _weighted_mean((probability - truth) ** 2)


def _calibration_error(predictions: Predictions, args: dict[str, Any]) -> Statistic:
    truth, probability = _positive_probabilities(predictions)
    n_bins = int(args["n_bins"])
    bins = calibration_bins(probability, n_bins)

    def statistic(weights: np.ndarray) -> np.ndarray:
        gaps = grouped_sums(weights * (probability - truth), bins, n_bins)
        return np.abs(gaps).sum(axis=1) / weights.sum(axis=1)

    return statistic


def _top_k_accuracy(predictions: Predictions, args: dict[str, Any]) -> Statistic:
    """Top-k accuracy, with scikit-learn's order among tied scores."""
    scores, classes = predictions.class_scores(), predictions.classes
    assert scores is not None and classes is not None
    ranked = np.argsort(scores, axis=1, kind="mergesort")[:, ::-1][:, : int(args["k"])]
    hits = (ranked == _codes(predictions.y_true, classes)[:, None]).any(axis=1)
    return _weighted_mean(hits.astype(float))


def _errors(predictions: Predictions) -> np.ndarray:
    return predictions.y_true - predictions.y_pred


def _mae(predictions: Predictions, args: dict[str, Any]) -> Statistic:
    return _weighted_mean(np.abs(_errors(predictions)))


def _mse(predictions: Predictions, args: dict[str, Any]) -> Statistic:
    mean_square = _weighted_mean(_errors(predictions) ** 2)
    if args.get("squared", True):
        return mean_square
    return lambda weights: np.sqrt(mean_square(weights))


def _mape(predictions: Predictions, args: dict[str, Any]) -> Statistic:
    scale = np.maximum(np.abs(predictions.y_true), np.finfo(float).eps)
    return _weighted_mean(np.abs(_errors(predictions)) / scale)


def _r_squared(predictions: Predictions, args: dict[str, Any]) -> Statistic:
    """R² under row weights; the target is centred first to keep the sums precise."""
    centred = predictions.y_true - predictions.y_true.mean()
    squared_errors = _errors(predictions) ** 2

    def statistic(weights: np.ndarray) -> np.ndarray:
        total = weights.sum(axis=1)
        spread = weights @ centred**2 - (weights @ centred) ** 2 / total
        return 1 - _divide(weights @ squared_errors, spread, np.nan)

    return statistic


_BUILDERS: dict[str, Callable[[Predictions, dict[str, Any]], Statistic]] = {
    "accuracy": _accuracy,
    "precision": _class_rates("precision"),
    "recall": _class_rates("recall"),
    "f1": _class_rates("f1"),
    "roc_auc": _roc_auc,
    "average_precision": _average_precision,
    "log_loss": _log_loss,
    "brier_score": _brier_score,
    "expected_calibration_error": _calibration_error,
    "top_k_accuracy": _top_k_accuracy,
    "mae": _mae,
    "mse": _mse,
    "mape": _mape,
    "r_squared": _r_squared,
}
"""How each Hub metric id is computed under row weights."""
