"""Scoring real fitted models on real data, checked against scikit-learn computed here."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from modelshare.errors import ModelshareError
from modelshare.evaluate.metrics import TASK_METRICS, MetricSpec, Scores, score_model
from modelshare.penguins import PenguinExample, penguin_pipeline
from modelshare.record import Metric

MACRO = {"average": "macro"}


def by_name(scores: Scores) -> dict[str, Metric]:
    return {metric.name: metric for metric in scores.metrics}


def assert_rounded(metric: Metric, expected: float) -> None:
    assert type(metric.value) is float
    assert metric.value == round(float(expected), 4)


@pytest.fixture(scope="module")
def breast_cancer() -> tuple[pd.DataFrame, pd.DataFrame, pd.Series, pd.Series]:
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    return train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)


@pytest.fixture(scope="module")
def diabetes() -> tuple[pd.DataFrame, pd.DataFrame, pd.Series, pd.Series]:
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    return train_test_split(X, y, test_size=0.3, random_state=0)


def test_penguin_classifier_on_2009_matches_sklearn(penguins: PenguinExample) -> None:
    model, X, y = penguins.model, penguins.X_later, penguins.y_later
    y_pred = model.predict(X)

    scores = score_model(model, X, y, task="classification", dataset="penguins-2009")

    assert [(m.type, m.name, m.args) for m in scores.metrics] == [
        ("accuracy", "Accuracy", None),
        ("f1", "Macro F1", MACRO),
        ("f1", "Weighted F1", {"average": "weighted"}),
        ("precision", "Macro precision", MACRO),
        ("recall", "Macro recall", MACRO),
        ("roc_auc", "ROC AUC (one-vs-rest, macro)", {"multi_class": "ovr", "average": "macro"}),
        ("top_k_accuracy", "Top-2 accuracy", {"k": 2}),
        *[
            ("recall", f"Recall ({species})", {"average": "macro", "labels": [species]})
            for species in ["Adelie", "Chinstrap", "Gentoo"]
        ],
    ]
    accuracy, f1, weighted_f1, precision, recall, roc_auc, top_2, *per_class = scores.metrics
    probabilities = model.predict_proba(X)
    assert_rounded(accuracy, skm.accuracy_score(y, y_pred))
    assert_rounded(f1, skm.f1_score(y, y_pred, average="macro"))
    assert_rounded(weighted_f1, skm.f1_score(y, y_pred, average="weighted"))
    assert_rounded(precision, skm.precision_score(y, y_pred, average="macro"))
    assert_rounded(recall, skm.recall_score(y, y_pred, average="macro"))
    assert_rounded(
        roc_auc, skm.roc_auc_score(y, probabilities, multi_class="ovr", labels=model.classes_)
    )
    assert_rounded(top_2, skm.top_k_accuracy_score(y, probabilities, k=2, labels=model.classes_))
    for metric, class_recall in zip(
        per_class, skm.recall_score(y, y_pred, average=None), strict=True
    ):
        assert_rounded(metric, class_recall)
    assert accuracy.value < 1.0  # a season the model never saw: values that can differ


def test_penguin_confusion_matrix_follows_the_model_classes(penguins: PenguinExample) -> None:
    model, X, y = penguins.model, penguins.X_later, penguins.y_later

    scores = score_model(model, X, y, task="classification")

    assert scores.labels == ["Adelie", "Chinstrap", "Gentoo"]
    expected = skm.confusion_matrix(y, model.predict(X), labels=model.classes_)
    assert scores.confusion_matrix == expected.tolist()
    assert sum(map(sum, scores.confusion_matrix)) == len(y)


def test_rows_without_target_are_left_out(penguins: PenguinExample) -> None:
    model, X, y = penguins.model, penguins.X_later, penguins.y_later.copy()
    y.iloc[::5] = None
    known = y.notna()

    with_gaps = score_model(model, X, y, task="classification")

    assert with_gaps == score_model(model, X[known], y[known], task="classification")
    assert sum(map(sum, with_gaps.confusion_matrix)) == known.sum() < len(y)


def test_no_row_with_a_target_is_an_error(penguins: PenguinExample) -> None:
    y = pd.Series([np.nan] * len(penguins.y_later), index=penguins.y_later.index)

    with pytest.raises(ModelshareError, match="dataset 'penguins-2009' has no rows with a target"):
        score_model(penguins.model, penguins.X_later, y, "classification", dataset="penguins-2009")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda X: X.drop(columns=["sex"]), "columns are missing: {'sex'}"),
        (lambda X: X.to_numpy()[:, :3], "X has 3 features"),
    ],
)
def test_predicting_on_other_columns_is_a_one_line_error(
    penguins: PenguinExample, change, reason: str
) -> None:
    with pytest.raises(ModelshareError) as error:
        score_model(
            penguins.model,
            change(penguins.X_test),
            penguins.y_test,
            "classification",
            dataset="penguins-test",
        )

    message = str(error.value)
    assert message.startswith("the model cannot predict on dataset 'penguins-test': ")
    assert reason in message
    assert message.endswith("; pass the same feature columns as in training")
    assert "\n" not in message


def test_features_and_target_of_different_lengths_are_an_error(penguins: PenguinExample) -> None:
    with pytest.raises(ModelshareError, match="45 feature rows but 44 target values"):
        score_model(penguins.model, penguins.X_test, penguins.y_test[1:], "classification")


def test_auc_is_left_out_when_the_data_lacks_a_class_of_the_model(
    penguins: PenguinExample,
) -> None:
    without_gentoo = penguins.y_later != "Gentoo"
    X, y = penguins.X_later[without_gentoo], penguins.y_later[without_gentoo]

    scores = score_model(penguins.model, X, y, task="classification")

    assert "roc_auc" not in [metric.type for metric in scores.metrics]
    assert_rounded(by_name(scores)["Accuracy"], penguins.model.score(X, y))
    assert scores.labels == ["Adelie", "Chinstrap", "Gentoo"]


def test_a_class_unknown_to_the_model_is_counted_but_has_no_auc(
    penguins: PenguinExample,
) -> None:
    y = penguins.y_later.copy()
    y.iloc[:3] = "Emperor"

    scores = score_model(penguins.model, penguins.X_later, y, task="classification")

    assert "roc_auc" not in [metric.type for metric in scores.metrics]
    assert scores.labels == ["Adelie", "Chinstrap", "Gentoo", "Emperor"]
    assert sum(scores.confusion_matrix[3]) == 3
    assert [row[3] for row in scores.confusion_matrix] == [0, 0, 0, 0]
    assert sum(map(sum, scores.confusion_matrix)) == len(y)


def test_multiclass_model_without_probabilities_has_no_auc(penguins: PenguinExample) -> None:
    svc = penguin_pipeline().set_params(classifier=LinearSVC(random_state=0))
    svc.fit(penguins.X_train, penguins.y_train)

    scores = score_model(svc, penguins.X_later, penguins.y_later, task="classification")

    assert "roc_auc" not in [metric.type for metric in scores.metrics]
    assert_rounded(by_name(scores)["Accuracy"], svc.score(penguins.X_later, penguins.y_later))
    assert_rounded(
        by_name(scores)["Top-2 accuracy"],
        skm.top_k_accuracy_score(
            penguins.y_later, svc.decision_function(penguins.X_later), k=2, labels=svc.classes_
        ),
    )


def test_binary_classifier_auc_uses_the_positive_class_probability(breast_cancer) -> None:
    X_train, X_test, y_train, y_test = breast_cancer
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    model.fit(X_train, y_train)

    scores = score_model(model, X_test, y_test, task="classification")

    positive = model.predict_proba(X_test)[:, 1]
    roc_auc = by_name(scores)["ROC AUC"]
    assert (roc_auc.type, roc_auc.args) == ("roc_auc", None)
    assert_rounded(roc_auc, skm.roc_auc_score(y_test, positive))
    f1 = by_name(scores)["F1 (1)"]
    assert (f1.type, f1.args) == ("f1", {"pos_label": 1})
    assert_rounded(f1, skm.f1_score(y_test, model.predict(X_test), pos_label=1))
    assert_rounded(
        by_name(scores)["Average precision"], skm.average_precision_score(y_test, positive)
    )
    assert_rounded(by_name(scores)["Log loss"], skm.log_loss(y_test, positive))
    assert_rounded(by_name(scores)["Brier score"], skm.brier_score_loss(y_test, positive))
    assert 0 < by_name(scores)["Expected calibration error"].value < 0.1
    assert scores.labels == ["0", "1"]


def test_binary_classifier_without_probabilities_uses_its_decision_function(
    breast_cancer,
) -> None:
    X_train, X_test, y_train, y_test = breast_cancer
    model = make_pipeline(StandardScaler(), LinearSVC(random_state=0)).fit(X_train, y_train)

    scores = score_model(model, X_test, y_test, task="classification")

    assert not hasattr(model, "predict_proba")
    assert_rounded(
        by_name(scores)["ROC AUC"], skm.roc_auc_score(y_test, model.decision_function(X_test))
    )


def test_a_single_class_in_the_data_gives_no_auc(breast_cancer) -> None:
    X_train, X_test, y_train, y_test = breast_cancer
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    model.fit(X_train, y_train)
    benign = y_test == 1

    scores = score_model(model, X_test[benign], y_test[benign], task="classification")

    assert "roc_auc" not in [metric.type for metric in scores.metrics]
    assert_rounded(by_name(scores)["Accuracy"], model.score(X_test[benign], y_test[benign]))


def test_regression_reports_mae_rmse_and_r_squared(diabetes) -> None:
    X_train, X_test, y_train, y_test = diabetes
    model = Ridge(alpha=0.1).fit(X_train, y_train)
    y_pred = model.predict(X_test)

    scores = score_model(model, X_test, y_test, task="regression")

    assert [(m.type, m.name, m.args) for m in scores.metrics] == [
        ("mae", "MAE", None),
        ("mse", "RMSE", {"squared": False}),
        ("r_squared", "R²", None),
        ("mape", "MAPE", None),
    ]
    mae, rmse, r_squared, mape = scores.metrics
    assert_rounded(mae, skm.mean_absolute_error(y_test, y_pred))
    assert_rounded(rmse, np.sqrt(skm.mean_squared_error(y_test, y_pred)))
    assert_rounded(r_squared, skm.r2_score(y_test, y_pred))
    assert_rounded(mape, skm.mean_absolute_percentage_error(y_test, y_pred))
    assert (scores.labels, scores.confusion_matrix) == (None, None)


def test_regression_leaves_out_rows_without_target(diabetes) -> None:
    X_train, X_test, y_train, y_test = diabetes
    model = Ridge(alpha=0.1).fit(X_train, y_train)
    y = y_test.copy()
    y.iloc[:10] = np.nan

    scores = score_model(model, X_test, y, task="regression")

    expected = skm.mean_absolute_error(y_test[10:], model.predict(X_test[10:]))
    assert_rounded(by_name(scores)["MAE"], expected)


def test_every_metric_reported_is_declared_for_its_task(penguins, breast_cancer, diabetes) -> None:
    def declared_as(metric: Metric, spec: MetricSpec) -> bool:
        if spec.per_class is None:
            return (metric.type, metric.name, metric.args) == (spec.type, spec.name, spec.args)
        label = (metric.args or {}).get(spec.per_class)
        label = label[0] if isinstance(label, list) else label
        restricted = spec.of_class(label)
        return (metric.type, metric.name, metric.args) == (
            restricted.type,
            restricted.name,
            restricted.args,
        )

    X_train, X_test, y_train, y_test = diabetes
    regression = score_model(Ridge().fit(X_train, y_train), X_test, y_test, "regression")
    X_train, X_test, y_train, y_test = breast_cancer
    binary = make_pipeline(StandardScaler(), LogisticRegression()).fit(X_train, y_train)
    runs = [
        ("regression", regression),
        ("binary", score_model(binary, X_test, y_test, "classification")),
        (
            "multiclass",
            score_model(penguins.model, penguins.X_test, penguins.y_test, "classification"),
        ),
    ]

    for kind, scores in runs:
        for metric in scores.metrics:
            assert any(declared_as(metric, spec) for spec in TASK_METRICS[kind]), metric


def test_an_unknown_task_is_an_error(diabetes) -> None:
    X_train, X_test, y_train, y_test = diabetes
    with pytest.raises(ModelshareError, match="unknown task 'clustering'"):
        score_model(Ridge().fit(X_train, y_train), X_test, y_test, "clustering")
