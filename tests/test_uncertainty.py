"""A user reads the confidence intervals of a release's metrics and checks where they come from."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from modelshare.bundle import Bundle
from modelshare.card.evaluation import metric_cell
from modelshare.evaluate.metrics import Scores, expected_calibration_error, score_model
from modelshare.evaluate.uncertainty import metric_statistic, resample_weights, with_intervals
from modelshare.penguins import PenguinExample
from modelshare.record import Bootstrap, Metric


@pytest.fixture(scope="module")
def breast_cancer_scores() -> Scores:
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=0
    )
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(X_train, y_train)
    return score_model(model, X_test, y_test, "classification")


@pytest.fixture(scope="module")
def diabetes_scores() -> Scores:
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
    return score_model(Ridge(alpha=0.1).fit(X_train, y_train), X_test, y_test, "regression")


@pytest.fixture(scope="module")
def penguin_2009_scores(penguins: PenguinExample) -> Scores:
    return score_model(penguins.model, penguins.X_later, penguins.y_later, "classification")


def sklearn_value(metric: Metric, scores: Scores, rows: np.ndarray) -> float:
    """The metric computed by scikit-learn on the rows of one resample."""
    predictions = scores.predictions
    y, y_pred = predictions.y_true[rows], predictions.y_pred[rows]
    args = metric.args or {}
    if predictions.kind == "regression":
        score = {
            "mae": skm.mean_absolute_error,
            "mse": skm.root_mean_squared_error,
            "r_squared": skm.r2_score,
            "mape": skm.mean_absolute_percentage_error,
        }[metric.type]
        return score(y, y_pred)
    if metric.type == "accuracy":
        return skm.accuracy_score(y, y_pred)
    if predictions.kind == "binary":
        truth, probability = y == 1, predictions.probabilities[rows, 1]
        by_type = {
            "roc_auc": lambda: skm.roc_auc_score(truth, probability),
            "average_precision": lambda: skm.average_precision_score(truth, probability),
            "log_loss": lambda: skm.log_loss(truth.astype(int), probability, labels=[0, 1]),
            "brier_score": lambda: skm.brier_score_loss(truth.astype(int), probability),
            "expected_calibration_error": lambda: expected_calibration_error(truth, probability),
        }
        if metric.type in by_type:
            return by_type[metric.type]()
        score = getattr(skm, f"{metric.type}_score")
        return score(truth, y_pred == 1, zero_division=0)
    probabilities, classes = predictions.probabilities[rows], predictions.classes
    if metric.type == "roc_auc":
        return skm.roc_auc_score(y, probabilities, labels=classes, multi_class="ovr")
    if metric.type == "top_k_accuracy":
        return skm.top_k_accuracy_score(y, probabilities, k=args["k"], labels=classes)
    return getattr(skm, f"{metric.type}_score")(y, y_pred, zero_division=0, **args)


@pytest.mark.parametrize(
    "scores_fixture", ["breast_cancer_scores", "diabetes_scores", "penguin_2009_scores"]
)
def test_every_resampled_metric_is_scikit_learns_value_on_the_resampled_rows(
    scores_fixture: str, request: pytest.FixtureRequest
) -> None:
    scores: Scores = request.getfixturevalue(scores_fixture)
    n = len(scores.predictions.y_true)
    weights = next(resample_weights(n, Bootstrap(resamples=100, seed=3)))[:25]

    for metric in scores.metrics:
        statistic = metric_statistic(metric, scores.predictions)
        resampled = statistic(weights)
        drawn = [np.repeat(np.arange(n), counts.astype(int)) for counts in weights]
        expected = [sklearn_value(metric, scores, rows) for rows in drawn]
        np.testing.assert_allclose(resampled, expected, atol=1e-12, err_msg=metric.name)
        assert statistic(np.ones((1, n)))[0] == pytest.approx(metric.value, abs=5e-5)


def test_each_resample_draws_as_many_rows_as_the_dataset_holds() -> None:
    weights = np.concatenate(list(resample_weights(7, Bootstrap(resamples=300, seed=1))))
    assert weights.shape == (300, 7)
    assert (weights.sum(axis=1) == 7).all()
    assert weights.mean() == pytest.approx(1.0, abs=0.05)


def test_intervals_are_reproducible_for_a_seed(breast_cancer_scores: Scores) -> None:
    metrics, predictions = breast_cancer_scores.metrics, breast_cancer_scores.predictions

    first = with_intervals(metrics, predictions, Bootstrap(seed=7))
    again = with_intervals(metrics, predictions, Bootstrap(seed=7))
    other = with_intervals(metrics, predictions, Bootstrap(seed=8))

    assert first == again
    assert first != other
    for metric in first:
        assert metric.ci_low <= metric.ci_high
        assert metric.ci_low < metric.ci_high, f"{metric.name} has rows to resample"


def test_more_rows_give_a_narrower_interval(breast_cancer_scores: Scores) -> None:
    predictions, accuracy = breast_cancer_scores.predictions, breast_cancer_scores.metrics[0]
    first_forty = replace(
        predictions,
        y_true=predictions.y_true[:40],
        y_pred=predictions.y_pred[:40],
        rows=predictions.rows[:40],
        probabilities=predictions.probabilities[:40],
    )

    [on_all_rows] = with_intervals([accuracy], predictions, Bootstrap())
    [on_forty_rows] = with_intervals([accuracy], first_forty, Bootstrap())

    assert on_all_rows.ci_high - on_all_rows.ci_low < on_forty_rows.ci_high - on_forty_rows.ci_low


def test_a_metric_undefined_in_most_resamples_gets_no_interval() -> None:
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(X, y)
    one_positive = pd.concat([y[y == 0].head(30), y[y == 1].head(1)])
    scores = score_model(model, X.loc[one_positive.index], one_positive, "classification")

    by_type = {m.type: m for m in with_intervals(scores.metrics, scores.predictions, Bootstrap())}

    assert by_type["roc_auc"].ci_low is None and by_type["roc_auc"].ci_high is None
    assert by_type["accuracy"].ci_low is not None


def test_the_quick_start_card_shows_every_interval(quickstart_bundle: Bundle) -> None:
    record = quickstart_bundle.record
    text = (quickstart_bundle.path / "README.md").read_text()

    assert record.bootstrap == Bootstrap(resamples=1000, confidence=0.95, seed=0)
    assert "95% confidence interval from 1000 bootstrap resamples" in text
    later = next(e for e in record.evaluation if e.dataset.name == "penguins-2009")
    accuracy = later.metrics[0]
    assert accuracy.ci_low < accuracy.value <= accuracy.ci_high
    for evaluation in record.evaluation:
        for metric in evaluation.metrics:
            assert metric.ci_low is not None
            assert metric_cell(metric) in text
    assert f"| Accuracy | 1 (1–1) | {metric_cell(accuracy)} |" in text
