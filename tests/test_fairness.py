"""A user evaluates a model per group of a sensitive attribute and reads the result in the card."""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd
import pytest
from fairlearn import metrics as fm
from sklearn import metrics as skm
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_diabetes
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from modelshare import ModelshareError, Release
from modelshare.audit.check import check_path
from modelshare.bundle import Bundle
from modelshare.evaluate.fairness import group_report
from modelshare.evaluate.metrics import score_model
from modelshare.penguins import PenguinExample, load_penguins

MEASUREMENTS = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm"]
MIN_GROUP_SIZE = 25
FEATURES = [*MEASUREMENTS, "island", "sex"]


def heavy_penguin_data() -> tuple[pd.DataFrame, pd.DataFrame, pd.Series, pd.Series]:
    """Is a penguin heavier than 4 kg? Males are, more often: groups of `sex` differ."""
    data = load_penguins().dropna(subset=["body_mass_g"])
    heavy = (data["body_mass_g"] > 4000).rename("heavy")
    return train_test_split(data[FEATURES], heavy, test_size=0.4, stratify=heavy, random_state=0)


def heavy_penguin_model(X: pd.DataFrame, y: pd.Series) -> Pipeline:
    columns = ColumnTransformer(
        [
            ("num", make_pipeline(SimpleImputer(), StandardScaler()), MEASUREMENTS),
            (
                "cat",
                make_pipeline(
                    SimpleImputer(strategy="most_frequent"),
                    OneHotEncoder(handle_unknown="ignore"),
                ),
                ["island", "sex"],
            ),
        ]
    )
    return make_pipeline(columns, LogisticRegression(max_iter=1000)).fit(X, y)


@pytest.fixture(scope="module")
def heavy_penguins() -> tuple[Pipeline, pd.DataFrame, pd.DataFrame, pd.Series, pd.Series]:
    X_train, X_test, y_train, y_test = heavy_penguin_data()
    return heavy_penguin_model(X_train, y_train), X_train, X_test, y_train, y_test


@pytest.fixture(scope="module")
def release(heavy_penguins, tmp_path_factory: pytest.TempPathFactory) -> Bundle:
    model, X_train, X_test, y_train, y_test = heavy_penguins
    rel = Release("heavy-penguins", license="mit")
    rel.training_data(X_train, y_train, name="Palmer penguins")
    rel.model(model)
    rel.evaluate(
        X_test,
        y_test,
        dataset="penguins-test",
        sensitive_features=X_test[["sex", "island"]],
        min_group_size=MIN_GROUP_SIZE,
    )
    return rel.save(tmp_path_factory.mktemp("fairness") / "heavy-penguins")


def frame_of(rows, feature: str) -> dict[tuple[str, str], float | None]:
    return {(row.group, row.metric): row.value for row in rows if row.feature == feature}


def expected_by_group(metrics: dict, y_true, y_pred, groups: pd.Series) -> dict:
    frame = fm.MetricFrame(metrics=metrics, y_true=y_true, y_pred=y_pred, sensitive_features=groups)
    return {
        (str(group), metric): round(float(value), 4)
        for group, row in frame.by_group.iterrows()
        for metric, value in row.items()
    }


def test_binary_group_metrics_equal_fairlearns_metricframe(heavy_penguins) -> None:
    model, _, X_test, _, y_test = heavy_penguins
    scores = score_model(model, X_test, y_test, "classification")

    report = group_report(scores.predictions, X_test[["sex", "island"]], min_group_size=10)

    truth, predicted = y_test.to_numpy().astype(int), model.predict(X_test).astype(int)
    metrics = {
        "selection_rate": fm.selection_rate,
        "accuracy": skm.accuracy_score,
        "true_positive_rate": fm.true_positive_rate,
        "false_positive_rate": fm.false_positive_rate,
        "precision": partial(skm.precision_score, zero_division=0),
    }
    for feature in ["sex", "island"]:
        groups = X_test[feature].fillna("(missing)").to_numpy()
        shown = pd.Series(groups).map(pd.Series(groups).value_counts()).to_numpy() >= 10
        expected = expected_by_group(
            metrics, truth[shown], predicted[shown], pd.Series(groups[shown])
        )
        assert frame_of(report.group_metrics, feature) == expected
        sizes = {row.group: row.n for row in report.group_metrics if row.feature == feature}
        assert sizes == pd.Series(groups[shown]).value_counts().to_dict()
        summaries = {s.measure: s.value for s in report.summaries if s.feature == feature}
        by = {"sensitive_features": groups[shown]}
        assert summaries == {
            "demographic_parity_difference": round(
                fm.demographic_parity_difference(truth[shown], predicted[shown], **by), 4
            ),
            "demographic_parity_ratio": round(
                fm.demographic_parity_ratio(truth[shown], predicted[shown], **by), 4
            ),
            "equalized_odds_difference": round(
                fm.equalized_odds_difference(truth[shown], predicted[shown], **by), 4
            ),
        }
    assert report.suppressed == {"sex": 1}, "a handful of birds of unknown sex"


def test_multiclass_and_regression_group_metrics_equal_fairlearns_metricframe(
    penguins: PenguinExample,
) -> None:
    X, y = penguins.X_later, penguins.y_later
    scores = score_model(penguins.model, X, y, "classification")
    report = group_report(scores.predictions, X[["island"]])
    expected = expected_by_group(
        {
            "accuracy": skm.accuracy_score,
            "macro_recall": partial(skm.recall_score, average="macro", zero_division=0),
            "macro_precision": partial(skm.precision_score, average="macro", zero_division=0),
        },
        y.to_numpy(),
        penguins.model.predict(X),
        X["island"].reset_index(drop=True),
    )
    assert frame_of(report.group_metrics, "island") == expected
    assert [s.measure for s in report.summaries] == ["accuracy_difference"]

    X, y = load_diabetes(return_X_y=True, as_frame=True, scaled=False)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
    ridge = Ridge().fit(X_train, y_train)
    scores = score_model(ridge, X_test, y_test, "regression")
    report = group_report(scores.predictions, X_test[["sex"]])
    expected = expected_by_group(
        {"mae": skm.mean_absolute_error, "r_squared": skm.r2_score},
        y_test.to_numpy(),
        ridge.predict(X_test),
        X_test["sex"].astype(str).reset_index(drop=True),
    )
    assert frame_of(report.group_metrics, "sex") == expected
    [ratio] = report.summaries
    maes = [value for (_, metric), value in expected.items() if metric == "mae"]
    assert ratio.measure == "mae_ratio"
    assert ratio.value == pytest.approx(min(maes) / max(maes), abs=1e-4)


def test_the_card_shows_the_group_table_and_says_where_groups_differ(release: Bundle) -> None:
    text = (release.path / "README.md").read_text()
    [evaluation] = release.record.evaluation
    rows = {(m.group, m.metric): m.value for m in evaluation.group_metrics}

    assert evaluation.sensitive_features == ["sex", "island"]
    assert "#### Per group: `sex`" in text
    header = "| Group | Rows | Selection rate | Accuracy | True positive rate |"
    assert header in text
    for group in ["female", "male"]:
        n = next(m.n for m in evaluation.group_metrics if m.group == group)
        assert f"| `{group}` | {n} | {rows[(group, 'selection_rate')]:.3g} |" in text
    assert "**Selection rates differ between groups of `sex`:** the share predicted `True`" in text
    assert "demographic parity difference of" in text
    assert "**Error rates differ between groups of `sex`:**" in text
    assert "1 group of `sex` with fewer than 25 rows is not shown nor compared" in text
    assert "(missing)" not in text
    assert "#### Per group: `island`" in text
    chart = "images/groups_penguins-test_sex.png"
    assert chart in evaluation.images and (release.path / chart).is_file()
    assert f"({chart})" in text


def test_check_finds_the_per_group_evaluation(release: Bundle) -> None:
    report = check_path(release.path)

    fairness = next(item for item in report.items if item.id == "ethics.fairness")
    assert fairness.status == "present"
    assert "'penguins-test' by sex, island (4 groups)" in fairness.evidence
    assert not next(risk for risk in report.risks if risk.id == "risk.bias").raised


def test_groups_smaller_than_the_minimum_are_withheld_from_record_and_card(
    release: Bundle, heavy_penguins
) -> None:
    X_test = heavy_penguins[2]
    [evaluation] = release.record.evaluation
    sizes = X_test["island"].value_counts()
    small = sorted(sizes[sizes < MIN_GROUP_SIZE].index)

    assert small, "Torgersen has fewer birds in the test set"
    assert evaluation.suppressed_groups == {"sex": 1, "island": len(small)}
    shown = {m.group for m in evaluation.group_metrics if m.feature == "island"}
    assert shown == set(sizes[sizes >= MIN_GROUP_SIZE].index)
    card = (release.path / "README.md").read_text()
    results = card[card.index("## Evaluation") : card.index("## Environment")]
    published = results + evaluation.model_dump_json()
    for group in small:
        assert group not in published
    assert "1 group of `island` with fewer than 25 rows is not shown" in results


def test_sensitive_features_of_other_rows_are_one_clear_error(heavy_penguins) -> None:
    model, X_train, X_test, y_train, y_test = heavy_penguins
    rel = Release("x").training_data(X_train, y_train, name="t").model(model)

    with pytest.raises(ModelshareError, match="sensitive_features has 10 rows but the data has"):
        rel.evaluate(X_test, y_test, dataset="test", sensitive_features=X_test[["sex"]].head(10))
    with pytest.raises(ModelshareError, match="pass a DataFrame"):
        rel.evaluate(X_test, y_test, dataset="test", sensitive_features=np.zeros(len(X_test)))
