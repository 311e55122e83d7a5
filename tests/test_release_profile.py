"""Every release carries its training data's profile, and a receiver checks new data against it."""

from __future__ import annotations

import json
from pathlib import Path

from modelshare.bundle import Bundle
from modelshare.penguins import CATEGORICAL_FEATURES, NUMERIC_FEATURES, load_penguins
from tests.helpers import run_in_process


def test_release_carries_a_profile_and_the_card_shows_it(quickstart_bundle: Bundle) -> None:
    profile = json.loads((quickstart_bundle.path / "data_profile.json").read_text())
    assert profile["rows"] == 179
    text = (quickstart_bundle.path / "README.md").read_text()
    assert "### Distribution" in text
    assert "Withheld for privacy:" in text
    assert "images/distribution-01-bill_length_mm.png" in text
    for column in ["bill_length_mm", "island", "sex"]:
        assert column in text


def test_drift_flags_penguins_from_one_island_only(
    quickstart_bundle: Bundle, tmp_path: Path
) -> None:
    penguins = load_penguins()
    one_island = penguins[penguins["island"] == "Torgersen"]
    new = tmp_path / "torgersen.csv"
    one_island[NUMERIC_FEATURES + CATEGORICAL_FEATURES].to_csv(new, index=False)
    result = run_in_process("drift", quickstart_bundle.path, new, "--json")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["drifted"]
    drifted = {c["name"] for c in report["columns"] if c["status"] == "drift"}
    assert "island" in drifted


def test_no_drift_on_a_random_hold_out_of_the_same_islands(
    quickstart_bundle: Bundle, penguins, tmp_path: Path
) -> None:
    new = tmp_path / "hold-out.csv"
    penguins.X_test.to_csv(new, index=False)
    result = run_in_process("drift", quickstart_bundle.path, new, "--json")
    assert result.returncode == 0, result.stdout
    report = json.loads(result.stdout)
    assert not report["drifted"]
    assert not [c["name"] for c in report["columns"] if c["status"] == "drift"]
