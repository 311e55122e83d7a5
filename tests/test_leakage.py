"""A user saves releases whose evaluation leaks, and `check` tells them how, with evidence."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from modelshare import Release
from modelshare.audit.check import check_path
from modelshare.bundle import Bundle
from modelshare.data import dataset_checksum
from modelshare.evaluate.leakage import (
    LabelledRows,
    duplicate_share,
    evaluation_findings,
    find_leakage,
    overlapping_rows,
    temporal_findings,
)
from modelshare.penguins import (
    CATEGORICAL_FEATURES,
    NUMERIC_FEATURES,
    TARGET,
    PenguinExample,
    load_penguins,
    penguin_pipeline,
)
from tests.helpers import run_in_process


def model_reading(categorical: list[str]) -> Pipeline:
    """The quick start's pipeline, reading extra categorical columns too."""
    columns = ColumnTransformer(
        [
            ("num", make_pipeline(SimpleImputer(), StandardScaler()), NUMERIC_FEATURES),
            (
                "cat",
                make_pipeline(
                    SimpleImputer(strategy="most_frequent"),
                    OneHotEncoder(handle_unknown="ignore"),
                ),
                categorical,
            ),
        ]
    )
    return make_pipeline(columns, LogisticRegression(max_iter=1000))


@pytest.fixture(scope="module")
def leaky(penguins: PenguinExample, tmp_path_factory: pytest.TempPathFactory) -> Bundle:
    """A release whose test set holds 10% of the training rows, whose model reads a copy of
    the species, and which is also scored on its own training data as if it were new."""
    X_train = penguins.X_train.assign(field_label=penguins.y_train.to_numpy())
    X_test = penguins.X_test.assign(field_label=penguins.y_test.to_numpy())
    reused = len(X_train) // 10
    X_mixed = pd.concat([X_test, X_train.head(reused)])
    y_mixed = pd.concat([penguins.y_test, penguins.y_train.head(reused)])
    model = model_reading([*CATEGORICAL_FEATURES, "field_label"]).fit(X_train, penguins.y_train)

    rel = Release("leaky-penguins", license="mit")
    rel.training_data(X_train, penguins.y_train, name="Palmer penguins 2007-2008")
    rel.model(model)
    rel.evaluate(X_mixed, y_mixed, dataset="penguins-test")
    rel.evaluate(X_train, penguins.y_train, dataset="penguins-again")
    return rel.save(tmp_path_factory.mktemp("leakage") / "leaky-penguins")


def test_training_rows_in_the_test_set_are_reported_with_their_count(
    leaky: Bundle, penguins: PenguinExample
) -> None:
    reused = len(penguins.X_train) // 10
    [overlap] = [f for f in leaky.record.leakage if f.check == "overlap"]

    assert (overlap.dataset, overlap.count) == ("penguins-test", reused)
    total = len(penguins.X_test) + reused
    assert f"{reused} of {total} rows of 'penguins-test'" in overlap.evidence


def test_a_copy_of_the_target_is_reported_as_a_proxy(leaky: Bundle) -> None:
    [proxy] = [f for f in leaky.record.leakage if f.check == "proxy"]

    assert (proxy.feature, proxy.value) == ("field_label", 1.0)
    assert "alone predicts 'species' with balanced accuracy 1.000" in proxy.evidence


def test_scores_on_the_training_data_itself_are_reported(leaky: Bundle) -> None:
    [reused] = [f for f in leaky.record.leakage if f.check == "training_data"]

    assert reused.dataset == "penguins-again"
    assert "is the training data itself" in reused.evidence


def test_check_raises_the_leakage_risk_with_every_finding(leaky: Bundle) -> None:
    report = check_path(leaky.path)
    risk = next(risk for risk in report.risks if risk.id == "risk.leakage")

    assert risk.raised and risk.level == "warn"
    assert risk.evidence == [finding.evidence for finding in leaky.record.leakage]
    card = (leaky.path / "README.md").read_text()
    assert "**The evaluation may overstate how the model does on new data:**" in card
    for finding in leaky.record.leakage:
        assert f"- {finding.evidence}" in card


def test_the_quick_start_raises_no_risk(quickstart_bundle: Bundle) -> None:
    report = check_path(quickstart_bundle.path)

    assert quickstart_bundle.record.leakage == []
    assert report.passed
    assert [risk.id for risk in report.risks if risk.raised] == []
    result = run_in_process("check", quickstart_bundle.path)
    assert result.returncode == 0, result.stdout
    assert "No sign of leakage" in (quickstart_bundle.path / "README.md").read_text()


def test_an_identifier_column_is_not_a_proxy(penguins: PenguinExample) -> None:
    X = penguins.X_train.assign(bird_id=[f"N{i}A1" for i in range(len(penguins.X_train))])
    rows = LabelledRows("train", X, penguins.y_train, dataset_checksum(X, penguins.y_train))

    assert find_leakage(rows, [], "classification") == []


def rows_of_seasons(data: pd.DataFrame, name: str, years: list[int]) -> LabelledRows:
    chosen = data[data["year"].isin(years)]
    X, y = chosen[[*NUMERIC_FEATURES, *CATEGORICAL_FEATURES, "year"]], chosen[TARGET]
    return LabelledRows(name, X, y, dataset_checksum(X, y), given=X)


def test_evaluation_rows_earlier_than_the_training_rows_are_reported() -> None:
    data = load_penguins()
    later_seasons = rows_of_seasons(data, "2008-2009", [2008, 2009])
    first_season = rows_of_seasons(data, "2007", [2007])

    [finding] = temporal_findings(later_seasons, [first_season], "year")

    assert (finding.check, finding.dataset) == ("temporal", "2007")
    assert finding.count == len(first_season.target)
    assert "earlier than the latest training row (year 2009)" in finding.evidence
    assert temporal_findings(first_season, [later_seasons], "year") == []


def test_a_declared_time_column_is_recorded_and_checked_at_save(tmp_path) -> None:
    data = load_penguins()
    earlier, later = data[data["year"] < 2009], data[data["year"] == 2009]
    columns = [*NUMERIC_FEATURES, *CATEGORICAL_FEATURES, "year"]
    model = penguin_pipeline().fit(later[columns], later[TARGET])

    rel = Release("backwards-penguins", license="mit")
    rel.training_data(later[columns], later[TARGET], name="Palmer penguins 2009")
    rel.split("by season: trained on 2009, tested on 2007-2008", time_column="year")
    rel.model(model)
    rel.evaluate(earlier[columns], earlier[TARGET], dataset="penguins-2007-2008")
    bundle = rel.save(tmp_path / "rel")

    assert bundle.record.split.time_column == "year"
    [finding] = [f for f in bundle.record.leakage if f.check == "temporal"]
    assert finding.count == len(earlier)
    assert "| Time column | `year` |" in (bundle.path / "README.md").read_text()


def _coarse_rows(rows: int, seed: int) -> LabelledRows:
    """Rows of three binary features and a label drawn from the same distribution: many
    rows repeat each other by chance."""
    rng = np.random.default_rng(seed)
    features = pd.DataFrame(rng.integers(0, 2, size=(rows, 3)), columns=["a", "b", "c"])
    target = pd.Series(rng.integers(0, 2, size=rows), name="label")
    return LabelledRows(f"sample-{seed}", features, target, checksum=f"sha256:{seed}")


def test_rows_repeated_by_chance_in_coarse_data_are_no_leakage_but_copied_rows_are() -> None:
    training, test = _coarse_rows(400, seed=1), _coarse_rows(600, seed=2)
    copied = LabelledRows(
        "copied",
        pd.concat([test.features, training.features.head(200)], ignore_index=True),
        pd.concat([test.target, training.target.head(200)], ignore_index=True),
        checksum="sha256:copied",
    )

    assert duplicate_share(training) == 1.0
    assert overlapping_rows(training, test) == 600
    assert evaluation_findings(training, test) == []
    assert evaluation_findings(training, copied) == []  # every row repeats by chance anyway

    unique = LabelledRows(
        "unique",
        training.features.assign(d=np.arange(400)),
        training.target,
        checksum="sha256:unique",
    )
    reused = LabelledRows(
        "reused",
        unique.features.head(20).assign(d=np.arange(20)),
        unique.target.head(20),
        checksum="sha256:reused",
    )
    [finding] = evaluation_findings(unique, reused)
    assert duplicate_share(unique) == 0.0
    assert finding.count == 20
    assert finding.evidence.endswith(
        "no training row repeats another, so none is expected by chance"
    )


def test_an_overlap_above_the_chance_rate_is_reported_beside_that_rate() -> None:
    rng = np.random.default_rng(3)
    features = pd.DataFrame(
        {"a": rng.integers(0, 200, size=1000), "b": rng.integers(0, 200, size=1000)}
    )
    target = pd.Series(rng.integers(0, 2, size=1000), name="label")
    training = LabelledRows("train", features, target, checksum="sha256:t")
    fresh = LabelledRows("fresh", features.head(300) + 1000, target.head(300), checksum="sha256:f")
    leaked = LabelledRows(
        "leaked",
        pd.concat([fresh.features.head(250), features.head(50)], ignore_index=True),
        pd.concat([fresh.target.head(250), target.head(50)], ignore_index=True),
        checksum="sha256:l",
    )
    chance = duplicate_share(training)

    [finding] = evaluation_findings(training, leaked)

    assert 0 < chance < 0.5
    assert finding.count == 50 and finding.value == round(chance, 4)
    assert (
        f"more than the {chance:.1%} that duplicates within the training data" in finding.evidence
    )
    assert evaluation_findings(training, fresh) == []
