"""A model user asks a release whether their inputs look like its training data, with the
thresholds the release calibrated on held-out data when it was saved."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.linear_model import LinearRegression, LogisticRegression

import modelshare
from modelshare import ModelshareError, Release
from modelshare.bundle import Bundle
from modelshare.errors import InvalidInputError
from modelshare.layout import MANIFEST_FILE, OOD_FILE
from modelshare.penguins import PenguinExample
from modelshare.shift.thresholds import OODThresholds
from tests.helpers import assert_clean_failure, run_in_process


def test_the_quick_start_release_carries_thresholds_and_evaluation_profiles(
    quickstart_bundle: Bundle,
) -> None:
    folder = quickstart_bundle.path
    thresholds = OODThresholds.load(folder)

    assert thresholds is not None
    assert (thresholds.dataset, thresholds.rows, thresholds.tpr) == ("penguins-test", 45, 0.95)
    assert thresholds.mahalanobis > 0 and thresholds.energy is not None
    assert 0 < thresholds.max_softmax < 1
    assert thresholds.flagged_share <= 0.05
    listed = {f["path"] for f in json.loads((folder / MANIFEST_FILE).read_text())["files"]}
    assert {OOD_FILE, "profiles/penguins-test.json", "profiles/penguins-2009.json"} <= listed
    card = (folder / "README.md").read_text()
    assert "**Out-of-distribution checks.**" in card
    assert "at least 95% of the rows of *penguins-test* (45 held-out rows)" in card
    assert "*penguins-2009* in `profiles/penguins-2009.json`" in card


def test_the_calibration_rows_are_flagged_as_the_release_says(
    quickstart_bundle: Bundle, penguins: PenguinExample
) -> None:
    detector = modelshare.ood(quickstart_bundle.path)

    scores = detector.score(penguins.X_test)

    assert scores["flag"].mean() == pytest.approx(detector.thresholds.flagged_share, abs=1e-4)
    expected = penguins.model.predict_proba(penguins.X_test).max(axis=1)
    assert np.allclose(scores["max_softmax"], expected)
    assert {"energy", "high_energy", "low_confidence", "reasons"} <= set(scores.columns)


def test_impossible_and_unfamiliar_rows_are_flagged_with_their_reasons(
    quickstart_bundle: Bundle, penguins: PenguinExample
) -> None:
    rows = penguins.X_test.head(3).copy()
    rows.iloc[0, rows.columns.get_loc("body_mass_g")] = 20_000.0
    rows.iloc[1, rows.columns.get_loc("island")] = "Atlantis"

    scores = modelshare.ood(quickstart_bundle.path).score(rows)

    assert scores["flag"].tolist()[:2] == [True, True]
    assert "out of range: body_mass_g" in scores["reasons"].iloc[0]
    assert "far from the training data" in scores["reasons"].iloc[0]
    assert "unseen: island" in scores["reasons"].iloc[1]


def test_an_opened_release_is_a_reference_and_other_objects_are_refused(
    quickstart_bundle: Bundle, penguins: PenguinExample
) -> None:
    by_bundle = modelshare.ood(quickstart_bundle).score(penguins.X_test)
    by_folder = modelshare.ood(str(quickstart_bundle.path)).score(penguins.X_test)

    assert by_bundle.equals(by_folder)
    with pytest.raises(InvalidInputError, match="not a dict"):
        modelshare.ood({"rows": 3})


def test_a_profile_alone_scores_without_the_model(
    quickstart_bundle: Bundle, penguins: PenguinExample
) -> None:
    detector = modelshare.ood(quickstart_bundle.path / "data_profile.json")

    scores = detector.score(penguins.X_test)

    assert detector.thresholds is None
    assert "max_softmax" not in scores.columns
    assert detector.model_note().startswith("a profile alone has no classifier thresholds")


def test_thresholds_accept_the_chosen_share_of_new_in_distribution_rows(tmp_path: Path) -> None:
    X, y = make_classification(
        n_samples=6000, n_features=6, n_informative=4, class_sep=0.8, random_state=0
    )
    X = pd.DataFrame(X, columns=[f"f{i}" for i in range(6)])
    model = LogisticRegression().fit(X[:2000], y[:2000])
    rel = Release("synthetic", license="mit").training_data(X[:2000], y[:2000], name="train")
    rel.model(model)
    rel.evaluate(X[2000:3000], y[2000:3000], dataset="test")
    rel.evaluate(X[3000:4000], y[3000:4000], dataset="validation", split="validation")
    rel.ood_calibration(tpr=0.9)
    bundle = rel.save(tmp_path / "synthetic")
    detector = modelshare.ood(bundle.path)

    unseen_rows = detector.score(X[4000:])
    shifted_rows = detector.score(X[4000:] + 3.0)

    assert detector.thresholds.dataset == "validation"  # preferred to the first evaluation
    assert detector.thresholds.flagged_share <= 0.1
    assert unseen_rows["flag"].mean() == pytest.approx(0.1, abs=0.03)
    assert shifted_rows["flag"].mean() > 0.95


def test_a_regressor_gets_a_distance_threshold_and_no_class_scores(tmp_path: Path) -> None:
    X, y = make_regression(n_samples=300, n_features=3, noise=5, random_state=0)
    X = pd.DataFrame(X, columns=["a", "b", "c"])
    rel = Release("regressor", license="mit").training_data(X[:200], y[:200], name="train")
    rel.model(LinearRegression().fit(X[:200], y[:200]))
    rel.evaluate(X[200:], y[200:], dataset="test")
    bundle = rel.save(tmp_path / "regressor")

    thresholds = OODThresholds.load(bundle.path)
    scores = modelshare.ood(bundle.path).score(X[200:])

    assert thresholds.max_softmax is None and thresholds.energy is None
    assert thresholds.mahalanobis is not None
    assert scores["flag"].mean() <= 0.05
    assert "max_softmax" not in scores.columns


def test_a_calibration_dataset_must_exist_and_be_large_enough(
    tmp_path: Path, penguins: PenguinExample
) -> None:
    def release() -> Release:
        rel = Release("small", license="mit").training_data(
            penguins.X_train, penguins.y_train, name="train"
        )
        rel.model(penguins.model)
        rel.evaluate(penguins.X_test.head(12), penguins.y_test.head(12), dataset="tiny")
        return rel

    with pytest.raises(ModelshareError, match="no evaluation has that name; evaluated: tiny"):
        release().ood_calibration(dataset="absent").save(tmp_path / "a")
    with pytest.raises(ModelshareError, match=r"has 12 rows; .* need at least 20"):
        release().ood_calibration(dataset="tiny").save(tmp_path / "b")
    with pytest.raises(ModelshareError, match="tpr must lie between 0 and 1"):
        release().ood_calibration(tpr=1.0)
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()

    bundle = release().save(tmp_path / "c")

    assert OODThresholds.load(bundle.path) is None
    assert "The thresholds are not calibrated" in (bundle.path / "README.md").read_text()


def test_two_datasets_whose_files_would_clash_are_refused(penguins: PenguinExample) -> None:
    rel = Release("clash", license="mit").model(penguins.model)
    rel.evaluate(penguins.X_test, penguins.y_test, dataset="Penguins test")

    with pytest.raises(ModelshareError, match="shares its files with 'Penguins test'"):
        rel.evaluate(penguins.X_test, penguins.y_test, dataset="penguins-test")


def test_ood_command_lists_flagged_rows_and_writes_every_score(
    quickstart_bundle: Bundle, penguins: PenguinExample, tmp_path: Path
) -> None:
    rows = penguins.X_test.assign(species=penguins.y_test)
    rows.iloc[0, rows.columns.get_loc("body_mass_g")] = 20_000.0
    rows.to_csv(tmp_path / "new.csv", index=False)

    shown = run_in_process(
        "ood", quickstart_bundle.path, tmp_path / "new.csv", "--out", tmp_path / "s.csv"
    )
    scripted = run_in_process("ood", quickstart_bundle.path, tmp_path / "new.csv", "--json")

    assert shown.returncode == 0, shown.stderr
    assert "out of range: body_mass_g" in shown.stdout
    assert (
        "rows flagged" in shown.stdout and "thresholds accept 95% of penguins-test" in shown.stdout
    )
    written = pd.read_csv(tmp_path / "s.csv")
    assert len(written) == len(rows) and bool(written.loc[0, "flag"])
    summary = json.loads(scripted.stdout)
    assert summary["rows"] == len(rows) and summary["thresholds"]["dataset"] == "penguins-test"
    assert summary["flagged_rows"][0]["row"] == 0
    assert summary["flagged"] == len(summary["flagged_rows"]) >= 1


def test_ood_command_refuses_rows_without_the_features(
    quickstart_bundle: Bundle, tmp_path: Path
) -> None:
    pd.DataFrame({"weight": [1.0, 2.0]}).to_csv(tmp_path / "other.csv", index=False)

    result = run_in_process("ood", quickstart_bundle.path, tmp_path / "other.csv")

    assert_clean_failure(result, "the data lacks columns the model was fitted on: bill_length_mm")


def test_drift_against_an_evaluation_dataset_profile(
    quickstart_bundle: Bundle, penguins: PenguinExample, tmp_path: Path
) -> None:
    penguins.X_test.assign(species=penguins.y_test).to_csv(tmp_path / "test.csv", index=False)

    same = run_in_process(
        "drift",
        quickstart_bundle.path,
        tmp_path / "test.csv",
        "--reference-dataset",
        "penguins-test",
    )
    absent = run_in_process(
        "drift", quickstart_bundle.path, tmp_path / "test.csv", "--reference-dataset", "val"
    )

    assert same.returncode == 0, same.stdout + same.stderr
    assert_clean_failure(absent, "no profile of an evaluation dataset 'val'", "penguins-test")


def test_a_release_whose_thresholds_were_edited_is_refused(
    quickstart_bundle: Bundle, tmp_path: Path
) -> None:
    folder = tmp_path / "edited"
    shutil.copytree(quickstart_bundle.path, folder)
    thresholds = json.loads((folder / OOD_FILE).read_text())
    (folder / OOD_FILE).write_text(json.dumps({**thresholds, "mahalanobis": 1000.0}))

    with pytest.raises(ModelshareError, match=r"ood_thresholds.json \(modified\)"):
        modelshare.ood(folder)
    assert_clean_failure(
        run_in_process("ood", folder, tmp_path / "any.csv"), "does not match its manifest"
    )


def test_drift_refuses_a_release_whose_profile_was_edited(
    quickstart_bundle: Bundle, penguins: PenguinExample, tmp_path: Path
) -> None:
    folder = tmp_path / "edited"
    shutil.copytree(quickstart_bundle.path, folder)
    with (folder / "profiles" / "penguins-test.json").open("a") as profile:
        profile.write(" ")
    penguins.X_test.to_csv(tmp_path / "test.csv", index=False)

    edited = run_in_process(
        "drift", folder, tmp_path / "test.csv", "--reference-dataset", "penguins-test"
    )
    intact = run_in_process("drift", folder, tmp_path / "test.csv")

    assert_clean_failure(edited, "profiles/penguins-test.json (modified)")
    assert intact.returncode == 0, intact.stdout + intact.stderr


def test_the_card_never_claims_a_calibration_target_the_thresholds_missed(
    penguins: PenguinExample,
) -> None:
    from modelshare.distribution import OODChoice, ood_paragraph
    from modelshare.profiling import build_profile
    from modelshare.shift.thresholds import calibrate

    profile = build_profile(penguins.X_train, penguins.y_train)
    noise = penguins.X_test.assign(bill_length_mm=penguins.X_test["bill_length_mm"] * 10)
    like_training = calibrate(profile, penguins.model, penguins.X_test, dataset="test")
    unlike = calibrate(profile, penguins.model, noise, dataset="noise-test")

    assert like_training.reached and like_training.flagged_share <= 0.05
    assert not unlike.reached and unlike.fixed_share > 0.9
    met, missed = (ood_paragraph(t, OODChoice()) for t in (like_training, unlike))
    assert "so that all checks accept at least 95% of the rows of *test*" in met
    assert "could not be set to accept 95% of the rows of *noise-test*" in missed
    assert "accept at least" not in missed
    assert f"flag {unlike.flagged_share:.1%} of those rows" in missed
