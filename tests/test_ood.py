"""A model user asks, row by row, whether inputs look like the training data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from modelshare.errors import InvalidInputError
from modelshare.penguins import load_penguins
from modelshare.profiling import build_profile
from modelshare.shift.ood import OODScorer, calibrate_softmax_thresholds, energy_scores


@pytest.fixture(scope="module")
def penguins() -> tuple[pd.DataFrame, OODScorer]:
    data = load_penguins().drop(columns=["species", "year"])
    biscoe_and_dream = data[data["island"] != "Torgersen"]
    return data, OODScorer.from_profile(build_profile(biscoe_and_dream))


def test_training_rows_are_rarely_flagged(penguins) -> None:
    data, scorer = penguins
    training = data[data["island"] != "Torgersen"]

    scores = scorer.score(training)

    assert scores["flag"].mean() < 0.02
    assert scores.index.equals(training.index)
    assert scorer.mahalanobis_threshold == pytest.approx(np.sqrt(18.47), abs=0.01)  # chi2 4 dof


def test_an_unseen_island_and_an_impossible_mass_are_flagged(penguins) -> None:
    data, scorer = penguins
    rows = data[data["island"] != "Torgersen"].head(3).copy()
    rows.iloc[0, rows.columns.get_loc("island")] = "Torgersen"
    rows.iloc[1, rows.columns.get_loc("body_mass_g")] = 20_000.0

    scores = scorer.score(rows)

    assert scores["flag"].tolist() == [True, True, False]
    assert scores["unseen"].tolist() == ["island", "", ""]
    assert scores["out_of_range"].tolist() == ["", "body_mass_g", ""]
    assert scores["mahalanobis_flag"].tolist() == [False, True, False]
    assert scores["score"].iloc[1] > 10 * scores["score"].iloc[2]


def test_a_calibrated_threshold_accepts_the_chosen_share_of_held_out_rows(penguins) -> None:
    data, scorer = penguins
    held_out = data[data["island"] != "Torgersen"].sample(100, random_state=0)

    calibrated = scorer.calibrated(held_out, tpr=0.9)

    assert calibrated.mahalanobis_threshold < scorer.mahalanobis_threshold
    assert calibrated.score(held_out)["mahalanobis_flag"].mean() == pytest.approx(0.1, abs=0.02)


def test_rows_without_a_profiled_feature_are_a_one_line_error(penguins) -> None:
    data, scorer = penguins

    with pytest.raises(InvalidInputError, match="the rows lack profiled features: island"):
        scorer.score(data.drop(columns="island"))


def test_classifier_thresholds_flag_unconfident_rows_at_the_chosen_rate() -> None:
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(1000, 3)) + np.array([4.0, 0.0, 0.0])
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)

    thresholds = calibrate_softmax_thresholds(probabilities, tpr=0.95, logits=logits)
    flat = np.zeros((1, 3))

    assert thresholds.flag(probabilities, logits).mean() == pytest.approx(0.07, abs=0.04)
    assert thresholds.flag(np.full((1, 3), 1 / 3), flat).tolist() == [True]
    assert energy_scores(np.array([[10.0, 0.0], [0.1, 0.0]])).round(2).tolist() == [-10.0, -0.74]


def test_a_value_missing_where_training_never_missed_one_is_flagged() -> None:
    rng = np.random.default_rng(0)
    training = pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200)})
    training.loc[:9, "b"] = np.nan
    rows = pd.DataFrame({"a": [np.nan, 0.5], "b": [0.5, np.nan]})

    scores = OODScorer.from_profile(build_profile(training)).score(rows)

    assert scores["missing"].tolist() == ["a", ""]
    assert scores["flag"].tolist() == [True, False]
