"""A data owner profiles training data: compact, mergeable, and without any raw row."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from modelshare.penguins import load_penguins
from modelshare.profiling import (
    DataProfile,
    ProfileBuilder,
    build_profile,
    merge_builders,
    plan_from_frame,
    profile_file,
)
from modelshare.profiling.card import render_distribution_section
from tests.helpers import assert_clean_failure, run_in_process

PLANTED_NUMBERS = [987654.3219, -123456.7891, 31337.4242]
PLANTED_LABELS = ["Dr. Jane Q. Secret", "patient-000173", "Z9-unique"]


@pytest.fixture(scope="module")
def penguins_table() -> pd.DataFrame:
    return load_penguins()


def synthetic(rows: int, seed: int) -> pd.DataFrame:
    """Two numeric columns (one skewed, one discrete) and a label column with a long tail."""
    rng = np.random.default_rng(seed)
    colours = rng.choice(["red", "green", "blue", "violet"], size=rows, p=[0.5, 0.3, 0.15, 0.05])
    return pd.DataFrame(
        {
            "size": rng.lognormal(1.0, 0.6, rows),
            "count": rng.poisson(3, rows).astype(float),
            "colour": colours,
        }
    )


def test_penguin_profile_describes_every_column_and_the_class_balance(penguins_table) -> None:
    X, y = penguins_table.drop(columns="species"), penguins_table["species"]

    profile = build_profile(X, y)

    assert profile.rows == 344
    assert [c.name for c in profile.columns] == list(X.columns)
    mass = profile.column("body_mass_g")
    assert (mass.count, mass.missing) == (342, 2)
    assert mass.mean == pytest.approx(X["body_mass_g"].mean(), rel=1e-6)
    assert mass.std == pytest.approx(X["body_mass_g"].std(), rel=1e-6)
    assert mass.quantiles.median() == pytest.approx(X["body_mass_g"].median(), abs=100)
    assert sum(mass.histogram.counts) + mass.histogram.below + mass.histogram.above == 342
    assert profile.column("island").frequencies == {"Biscoe": 168, "Dream": 124, "Torgersen": 52}
    assert profile.target.frequencies == {"Adelie": 152, "Gentoo": 124, "Chinstrap": 68}
    assert profile.moments.features == [
        "bill_length_mm",
        "bill_depth_mm",
        "flipper_length_mm",
        "body_mass_g",
        "year",
    ]
    assert profile.moments.count == 342
    assert DataProfile.from_json(profile.to_json()) == profile


def test_extremes_are_clipped_quantiles_never_the_minimum_or_maximum(penguins_table) -> None:
    profile = build_profile(penguins_table.drop(columns="species"))

    flipper = penguins_table["flipper_length_mm"].dropna()
    grid = profile.column("flipper_length_mm").quantiles
    assert grid.values[0] == flipper.nsmallest(10).iloc[-1]  # 10 rows at or below it
    assert (flipper >= grid.values[-1]).sum() >= 10
    assert flipper.min() < grid.values[0] and grid.values[-1] < flipper.max()
    assert grid.rank_step == pytest.approx(10 / 342, rel=1e-6)  # 10 rows between quantiles
    assert "never the minimum and maximum" in profile.privacy.withheld[1]


def test_planted_unique_values_never_reach_the_json(tmp_path: Path) -> None:
    data = synthetic(5000, seed=1)
    data.loc[[10, 20, 30], "size"] = PLANTED_NUMBERS
    data.loc[[11, 21, 31], "colour"] = PLANTED_LABELS
    data.loc[[12, 22, 32], "count"] = [1e6 + 0.5, -77.25, 4096.125]
    data.to_csv(tmp_path / "train.csv", index=False)

    text = profile_file(tmp_path / "train.csv").to_json()

    for planted in [*PLANTED_NUMBERS, 1e6 + 0.5, -77.25, 4096.125]:
        assert f"{planted:.7g}" not in text and str(planted) not in text
    for label in PLANTED_LABELS:
        assert label not in text
    for extreme in (data["size"].min(), data["size"].max(), data["count"].max()):
        assert f"{extreme:.7g}" not in text
    profile = DataProfile.from_json(text)
    colour = profile.column("colour")
    assert colour.other == 3 and colour.other_categories == 3
    assert any("3 categories seen fewer than 10 times" in note for note in profile.privacy.withheld)


def test_a_profile_stays_under_20_kb_per_feature() -> None:
    rng = np.random.default_rng(3)
    rows = 200_000
    data = pd.DataFrame(
        {
            "x": rng.normal(size=rows),
            "levels": rng.integers(0, 1000, rows).astype(str),
        }
    )

    profile = build_profile(data)

    assert len(profile.to_json()) < 2 * 20_000
    assert len(profile.column("x").quantiles.values) == 981
    assert len(profile.column("levels").frequencies) == 1000


def test_four_merged_chunks_match_one_pass_within_the_sketch_error() -> None:
    data = synthetic(60_000, seed=7)
    plan = plan_from_frame(data)

    whole = ProfileBuilder(plan).add(data).build()
    chunks = [data.iloc[start : start + 15_000] for start in range(0, 60_000, 15_000)]
    parts = [ProfileBuilder(plan).add(chunk) for chunk in chunks]
    merged = merge_builders(pickle.loads(pickle.dumps(part)) for part in parts).build()

    assert merged.rows == whole.rows == 60_000
    for name in ("size", "count"):
        one, four = whole.column(name), merged.column(name)
        assert four.mean == pytest.approx(one.mean, rel=1e-9)
        assert four.std == pytest.approx(one.std, rel=1e-6)
        exact = np.sort(data[name].to_numpy())
        ranks = np.searchsorted(exact, four.quantiles.values, side="right") / len(exact)
        below = np.searchsorted(exact, four.quantiles.values, side="left") / len(exact)
        grid_ranks = four.quantiles.ranks()
        error = np.maximum(below - grid_ranks, grid_ranks - ranks).clip(0)
        assert error.max() <= four.quantiles.rank_error
    assert merged.column("colour") == whole.column("colour")
    np.testing.assert_allclose(merged.moments.correlation, whole.moments.correlation, atol=1e-6)


def test_parquet_and_csv_give_the_same_profile(tmp_path: Path, penguins_table) -> None:
    penguins_table.to_csv(tmp_path / "penguins.csv", index=False)
    penguins_table.to_parquet(tmp_path / "penguins.parquet", row_group_size=100)

    from_csv = profile_file(tmp_path / "penguins.csv", target="species")
    from_parquet = profile_file(tmp_path / "penguins.parquet", target="species")
    read_back = pd.read_parquet(tmp_path / "penguins.parquet")  # chunked columns
    in_memory = build_profile(read_back.drop(columns="species"), read_back["species"])

    assert from_csv == from_parquet == in_memory


def test_card_section_shows_distributions_and_what_was_withheld(
    tmp_path: Path, penguins_table
) -> None:
    profile = build_profile(penguins_table.drop(columns="species"), penguins_table["species"])

    markdown = render_distribution_section(profile, tmp_path / "images")

    assert markdown.startswith("## Training data distribution")
    assert "| body_mass_g | 342 | 2 |" in markdown
    assert "Biscoe 49%" in markdown
    assert "| Adelie | 152 | 44.2% |" in markdown
    assert "Withheld for privacy:" in markdown and "never the minimum and maximum" in markdown
    images = sorted(path.name for path in (tmp_path / "images").iterdir())
    assert images[0] == "distribution-01-island.png" and len(images) == 7
    for name in images:
        assert f"(images/{name})" in markdown
        assert (tmp_path / "images" / name).read_bytes().startswith(b"\x89PNG")


def test_cli_writes_the_profile_and_says_what_was_withheld(tmp_path: Path, penguins_table) -> None:
    penguins_table.to_csv(tmp_path / "penguins.csv", index=False)

    out_file = tmp_path / "out" / "profile.json"
    result = run_in_process(
        "profile", tmp_path / "penguins.csv", "--target", "species", "--out", out_file, "--json"
    )

    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["rows"] == 344 and summary["target"] == "species"
    assert "species" not in summary["columns"]
    profile = DataProfile.load(out_file)
    assert profile.target.frequencies["Adelie"] == 152


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "is empty"),
        ("a,b\n", "has columns but no rows"),
        ("a,b\n1,2\n3\n", "cannot read"),
    ],
)
def test_unusable_files_are_one_line_errors(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "data.csv").write_text(content)

    assert_clean_failure(run_in_process("profile", tmp_path / "data.csv"), message)


def test_a_value_of_another_type_deep_in_a_csv_names_the_column(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from modelshare import tables
    from modelshare.errors import InvalidInputError

    monkeypatch.setattr(tables, "CSV_BLOCK_BYTES", 64)
    rows = [f"{i},{i % 3}" for i in range(200)] + ["abc,1"]
    (tmp_path / "data.csv").write_text("size,group\n" + "\n".join(rows) + "\n")

    with pytest.raises(InvalidInputError, match=r"cannot read .*data\.csv as CSV"):
        profile_file(tmp_path / "data.csv")


def test_all_missing_and_tiny_columns_publish_counts_only() -> None:
    data = pd.DataFrame(
        {"empty": [np.nan] * 40, "rare": [1.0] * 5 + [np.nan] * 35, "x": np.arange(40.0)}
    )

    profile = build_profile(data)

    assert profile.column("empty").model_dump(include={"count", "missing", "mean"}) == {
        "count": 0,
        "missing": 40,
        "mean": None,
    }
    assert profile.column("rare").quantiles is None
    assert profile.moments is None  # no row has every numeric feature
    notes = " ".join(profile.privacy.withheld)
    assert "rare: fewer than 10 values" in notes and "Joint moments withheld" in notes


def test_a_profile_without_numeric_features_withholds_no_joint_moments(penguins) -> None:
    profile = build_profile(penguins.X_train[["island", "sex"]], penguins.y_train)

    assert profile.moments is None
    assert not any("Joint moments" in note for note in profile.privacy.withheld)
