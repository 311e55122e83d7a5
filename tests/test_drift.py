"""A model user checks their own data against the training-data profile of a release."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from modelshare.penguins import load_penguins
from modelshare.profiling import DataProfile, build_profile
from modelshare.shift import DriftSettings, drift
from tests.helpers import assert_clean_failure, run_in_process

SEED = 0


@pytest.fixture(scope="module")
def islands(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A profile of 80 % of the Biscoe and Dream penguins, the other 20 % of those islands,
    and the Torgersen penguins (an island held out of training), as CSV."""
    folder = tmp_path_factory.mktemp("islands")
    data = load_penguins().drop(columns="year")
    trained_islands = data[data["island"] != "Torgersen"].sample(frac=1.0, random_state=SEED)
    cut = int(0.8 * len(trained_islands))
    paths = {
        "train": folder / "train.csv",
        "holdout": folder / "holdout.csv",
        "torgersen": folder / "torgersen.csv",
        "profile": folder / "profiles" / "data_profile.json",
    }
    trained_islands.iloc[:cut].to_csv(paths["train"], index=False)
    trained_islands.iloc[cut:].to_csv(paths["holdout"], index=False)
    data[data["island"] == "Torgersen"].to_csv(paths["torgersen"], index=False)
    result = run_in_process(
        "profile", paths["train"], "--target", "species", "--out", paths["profile"]
    )
    assert result.returncode == 0, result.stderr
    return paths


def drift_json(*args: str | Path) -> tuple[int, dict]:
    result = run_in_process("drift", *args, "--json")
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, json.loads(result.stdout)


def test_an_island_held_out_of_training_is_reported_as_drift(islands) -> None:
    code, report = drift_json(islands["profile"], islands["torgersen"])

    assert code == 1
    assert report["drifted"] is True
    statuses = {column["name"]: column["status"] for column in report["columns"]}
    assert statuses["island"] == "drift"
    assert statuses["bill_length_mm"] == "drift"
    assert report["columns"][0]["status"] == "drift"  # drifted columns come first
    island = next(c for c in report["columns"] if c["name"] == "island")
    assert island["details"]["unlisted"] == {"Torgersen": 52}
    assert report["label_shift"]["name"] == "species"
    assert report["label_shift"]["status"] == "drift"  # only Adelie live on Torgersen


def test_a_random_holdout_of_the_same_islands_is_not_drift(islands) -> None:
    code, report = drift_json(islands["profile"], islands["holdout"])

    assert code == 0
    assert report["drifted"] is False
    assert report["verdict"] == "no drift in 6 columns; label shift: none"
    assert {column["status"] for column in report["columns"]} == {"stable"}


def test_html_report_opens_offline_and_shows_drifted_columns_first(islands, tmp_path: Path) -> None:
    result = run_in_process(
        "drift", islands["profile"], islands["torgersen"], "--report", tmp_path / "drift.html"
    )

    assert result.returncode == 1
    assert "drift in 6 of 6 columns" in result.stdout
    html = (tmp_path / "drift.html").read_text()
    assert not re.search(r"https?://", html)
    assert "<script" not in html and "<link" not in html and "@import" not in html
    assert html.count("<svg") >= 6
    headings = re.findall(r"<h2>([^<]+)<", html)
    assert headings[0].strip() == "species (label shift)"
    assert headings[1].strip() == "island"


def test_a_shift_of_a_fifth_of_a_spread_is_found_and_equal_data_is_not() -> None:
    rng = np.random.default_rng(SEED)
    train = pd.DataFrame({"x": rng.normal(size=20_000), "y": rng.normal(size=20_000)})
    profile = build_profile(train)
    same = pd.DataFrame({"x": rng.normal(size=20_000), "y": rng.normal(size=20_000)})
    shifted = same.assign(x=same["x"] + 0.2)

    assert drift(profile, same).drifted is False
    report = drift(profile, shifted)
    assert [c.name for c in report.drifted_columns()] == ["x"]
    ks = next(t for t in report.columns[0].tests if t.test == "kolmogorov_smirnov")
    assert ks.statistic == pytest.approx(0.079, abs=0.015)
    assert ks.effect == pytest.approx(0.2, abs=0.03)


def test_a_significant_but_small_change_is_not_drift() -> None:
    rng = np.random.default_rng(SEED)
    profile = build_profile(pd.DataFrame({"x": rng.normal(size=200_000)}))
    nudged = pd.DataFrame({"x": rng.normal(size=200_000) + 0.05})

    stable = drift(profile, nudged).columns[0]
    flagged = drift(profile, nudged, settings=DriftSettings(wasserstein=0.02)).columns[0]

    assert stable.status == "stable" and stable.message.startswith("stable: significant but small")
    assert flagged.status == "drift"


def test_malformed_new_data_gets_a_defined_result(islands, tmp_path: Path) -> None:
    new = pd.read_csv(islands["holdout"])
    new["bill_depth_mm"] = np.nan  # all missing
    new["flipper_length_mm"] = "long"  # numbers became labels
    new["colour"] = "blue"  # not in the reference
    new = new.drop(columns="body_mass_g")  # absent
    new.to_csv(tmp_path / "new.csv", index=False)

    code, report = drift_json(islands["profile"], tmp_path / "new.csv")

    assert code == 1
    columns = {column["name"]: column for column in report["columns"]}
    assert columns["bill_depth_mm"]["status"] == "drift"
    assert columns["bill_depth_mm"]["new_missing_share"] == 1.0
    assert "missing-rate change" in columns["bill_depth_mm"]["message"]
    assert columns["flipper_length_mm"]["status"] == "type_changed"
    assert columns["flipper_length_mm"]["message"] == (
        "type changed: numeric in the reference, labels in the new data"
    )
    assert columns["body_mass_g"]["status"] == "missing"
    assert columns["colour"]["status"] == "extra"
    assert columns["island"]["status"] == "stable"
    assert report["verdict"].startswith("drift in 3 of 6 columns")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda folder: (folder / "new.csv").write_text(""), "is empty"),
        (lambda folder: (folder / "new.csv").mkdir(), "is a directory"),
    ],
)
def test_unusable_new_data_is_a_one_line_usage_error(
    islands, tmp_path: Path, make, message
) -> None:
    make(tmp_path)

    result = run_in_process("drift", islands["profile"], tmp_path / "new.csv")

    assert_clean_failure(result, message)
    assert result.returncode == 2


def test_a_reference_that_is_not_a_profile_is_a_one_line_error(islands, tmp_path: Path) -> None:
    (tmp_path / "notes.json").write_text('{"hello": "world"}')

    not_profile = run_in_process("drift", tmp_path / "notes.json", islands["holdout"])
    no_profile = run_in_process("drift", tmp_path, islands["holdout"])

    assert_clean_failure(not_profile, "is not a modelshare data profile")
    assert_clean_failure(no_profile, "is not a modelshare release: modelshare.json not found")


def test_labels_read_as_numbers_are_compared_as_labels() -> None:
    rng = np.random.default_rng(SEED)
    train = pd.DataFrame({"grade": rng.choice(["1", "2", "3"], size=3000)})
    profile = build_profile(train)
    new = pd.DataFrame({"grade": rng.choice([1, 2, 3], size=3000)})

    column = drift(profile, new).columns[0]

    assert column.status == "stable"
    assert column.message.endswith("(read as numbers in the new data, compared as labels)")


def test_predictions_can_stand_in_for_labels(islands) -> None:
    profile = DataProfile.load(islands["profile"])
    new = pd.read_csv(islands["holdout"]).drop(columns="species")
    new["predicted"] = "Adelie"

    report = drift(profile, new, target="predicted")

    assert report.label_shift.name == "predicted"
    assert report.label_shift.status == "drift"
    assert report.verdict.endswith("label shift: yes")


@pytest.mark.parametrize(("new", "verdict"), [("holdout", "no drift"), ("torgersen", "drift in")])
def test_the_text_report_states_its_verdict_once_last(islands, new: str, verdict: str) -> None:
    from tests.helpers import run_in_process

    result = run_in_process("drift", islands["profile"], islands[new])

    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith(verdict)
    assert result.stdout.count(last) == 1
