"""One reader of tables: every command reads a CSV, Parquet file, DataFrame, Arrow table or
array the same way, gives each column the same kind, and refuses a bad table alike."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from modelshare.bundle import Bundle
from modelshare.penguins import PenguinExample
from modelshare.profiling import build_profile, plan_columns, plan_from_frame
from modelshare.tables import (
    as_frame,
    as_labels,
    feature_kind,
    open_source,
    read_table,
    split_target,
)
from tests.helpers import run_in_process

TARGET = "species"

KINDS = {
    "mass": "numeric",
    "year": "numeric",
    "ringed": "boolean",
    "island": "categorical",
    "day": "datetime",
}


@pytest.fixture
def dated_csv(penguins: PenguinExample, tmp_path: Path) -> Path:
    """The penguin training rows with their species and the day each bird was measured."""
    days = pd.date_range("2007-11-01", periods=len(penguins.X_train), freq="D")
    frame = penguins.X_train.assign(day=days.strftime("%Y-%m-%d"), **{TARGET: penguins.y_train})
    path = tmp_path / "dated.csv"
    frame.to_csv(path, index=False)
    return path


def test_a_date_column_has_the_same_kind_whichever_way_it_is_read(dated_csv: Path) -> None:
    streamed = open_source(dated_csv)  # as profile and drift read it
    whole = read_table(dated_csv)  # as release, verify --data and ood read it

    assert streamed.kinds["day"] == feature_kind(whole["day"]) == "datetime"
    assert {name: feature_kind(whole[name]) for name in whole.columns} == streamed.kinds
    assert (
        plan_columns(streamed).skipped
        == plan_from_frame(whole).skipped
        == {"day": "dates and times are not profiled"}
    )


def test_drift_of_a_release_profile_against_its_own_csv_reports_no_type_change(
    dated_csv: Path, tmp_path: Path
) -> None:
    X, y = split_target(read_table(dated_csv), TARGET, dated_csv.name)  # as `release` reads it
    profile = tmp_path / "data_profile.json"
    profile.write_text(build_profile(as_frame(X), y).to_json())  # as Release.save profiles it

    checked = run_in_process("drift", profile, dated_csv, "--json")

    report = json.loads(checked.stdout)
    assert [c for c in report["columns"] if c["status"] == "type_changed"] == []
    assert checked.returncode == 0, checked.stdout


def test_drift_of_a_release_against_its_own_csv_reports_no_type_change(
    quickstart_bundle: Bundle, dated_csv: Path, tmp_path: Path
) -> None:
    release = tmp_path / "release"
    made = run_in_process(
        *("release", "--model", quickstart_bundle.path / "model.skops", "--train", dated_csv),
        *("--target", TARGET, "--out", release, "--json"),
    )
    assert made.returncode == 0, made.stderr

    checked = run_in_process("drift", release, dated_csv, "--json")

    report = json.loads(checked.stdout)
    changed = [c for c in report["columns"] if c["status"] == "type_changed"]
    assert changed == [], changed
    assert checked.returncode == 0, checked.stdout


# the same bad table, the same refusal through every command -------------------------------


def _penguin_csv(penguins: PenguinExample) -> str:
    return penguins.X_test.assign(**{TARGET: penguins.y_test}).to_csv(index=False)


def _ragged(path: Path, penguins: PenguinExample) -> None:
    path.write_text(_penguin_csv(penguins) + "Torgersen,39.1\n")


def _latin1(path: Path, penguins: PenguinExample) -> None:
    path.write_bytes(_penguin_csv(penguins).replace("Dream", "Dréam").encode("latin-1"))


def _header_only(path: Path, penguins: PenguinExample) -> None:
    path.write_text(_penguin_csv(penguins).splitlines()[0] + "\n")


def _repeated_name(path: Path, penguins: PenguinExample) -> None:
    header, rest = _penguin_csv(penguins).split("\n", 1)
    path.write_text(header.replace("bill_depth_mm", "bill_length_mm") + "\n" + rest)


def _truncated_parquet(path: Path, penguins: PenguinExample) -> None:
    penguins.X_test.to_parquet(path)
    path.write_bytes(path.read_bytes()[:100])


def _nested_parquet(path: Path, penguins: PenguinExample) -> None:
    table = pa.Table.from_pandas(penguins.X_test.assign(**{TARGET: penguins.y_test}))
    pq.write_table(table.append_column("tags", pa.array([[1, 2]] * len(table))), path)


BAD_TABLES: dict[str, tuple[str, Callable[[Path, PenguinExample], None]]] = {
    "missing file": ("missing.csv", lambda path, penguins: None),
    "directory": ("folder.csv", lambda path, penguins: path.mkdir()),
    "empty file": ("empty.csv", lambda path, penguins: path.write_text("")),
    "header only": ("header.csv", _header_only),
    "ragged rows": ("ragged.csv", _ragged),
    "bad encoding": ("latin1.csv", _latin1),
    "unreadable Parquet": ("truncated.parquet", _truncated_parquet),
    "nested Parquet column": ("nested.parquet", _nested_parquet),
    "repeated column name": ("repeated.csv", _repeated_name),
}
"""Tables no command can use: the file name each is written to, and how."""

COMMANDS: dict[str, Callable[[Path, Path, Path], tuple[Any, ...]]] = {
    "release": lambda data, release, work: (
        *("release", "--model", release / "model.skops", "--train", data),
        *("--target", TARGET, "--out", work / "release"),
    ),
    "profile": lambda data, release, work: ("profile", data, "--out", work / "profile.json"),
    "drift": lambda data, release, work: ("drift", release, data),
    "ood": lambda data, release, work: ("ood", release, data),
    "verify --data": lambda data, release, work: (
        *("verify", release, "--data", data, "--target", TARGET),
    ),
}
"""Every command that reads a data file: its arguments, given the data, a release and a folder
for what it writes."""


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("bad", BAD_TABLES)
def test_a_bad_table_is_refused_alike_by_every_command(
    quickstart_bundle: Bundle,
    penguins: PenguinExample,
    tmp_path: Path,
    bad: str,
    command: str,
) -> None:
    name, write = BAD_TABLES[bad]
    data = tmp_path / name
    write(data, penguins)

    result = run_in_process(*COMMANDS[command](data, quickstart_bundle.path, tmp_path))

    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert name in lines[0]


# every input kind, the same columns and kinds ---------------------------------------------


@pytest.fixture
def birds() -> pd.DataFrame:
    """A small table with a column of every kind, a few values missing."""
    return pd.DataFrame(
        {
            "mass": [3750.0, None, 3800.0, 4100.0],
            "year": [2007, 2008, 2009, 2009],
            "ringed": [True, False, True, True],
            "island": ["Biscoe", "Dream", None, "Dream"],
            "day": pd.to_datetime(["2007-11-11", "2008-11-12", "2009-11-13", "2009-11-14"]),
        }
    )


INPUTS: dict[str, Callable[[pd.DataFrame, Path], Any]] = {
    "CSV": lambda frame, folder: _written(folder / "birds.csv", frame.to_csv, index=False),
    "Parquet": lambda frame, folder: _written(folder / "birds.parquet", frame.to_parquet),
    "DataFrame": lambda frame, folder: frame,
    "Arrow table": lambda frame, folder: pa.Table.from_pandas(frame),
    "numpy array": lambda frame, folder: frame.to_numpy(dtype=object),
}
"""Each kind of tabular input, made from the same rows."""


def _written(path: Path, write: Callable[..., None], **options: Any) -> Path:
    write(path, **options)
    return path


@pytest.mark.parametrize("kind", INPUTS)
def test_every_input_kind_reads_to_the_same_columns_and_kinds(
    birds: pd.DataFrame, tmp_path: Path, kind: str
) -> None:
    data = INPUTS[kind](birds, tmp_path)
    names = [f"x{i}" for i in range(birds.shape[1])] if kind == "numpy array" else list(KINDS)

    streamed = open_source(data)
    whole = read_table(data)

    assert streamed.kinds == dict(zip(names, KINDS.values(), strict=True))
    assert [feature_kind(whole[name]) for name in names] == list(KINDS.values())
    labels = next(streamed.batches({names[2]: "categorical", names[1]: "categorical"}))
    assert labels.column(0).to_pylist() == ["true", "false", "true", "true"]
    assert labels.column(1).to_pylist() == ["2007", "2008", "2009", "2009"]
    numbers = next(streamed.batches({names[0]: "numeric"})).column(0)
    assert np.isnan(numbers.to_numpy(zero_copy_only=False)).tolist() == [
        False,
        True,
        False,
        False,
    ]


def test_a_pandas_index_stored_in_parquet_is_not_a_column(
    birds: pd.DataFrame, tmp_path: Path
) -> None:
    path = tmp_path / "indexed.parquet"
    birds.set_index(pd.Index([10, 20, 30, 40], name="bird")).to_parquet(path)

    assert open_source(path).columns == read_table(path).columns.tolist() == list(KINDS)


def test_pandas_bins_and_periods_are_labels_whichever_way_they_are_read(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "bins": pd.cut(pd.Series([1, 5, 9, None]), 3),
            "month": pd.period_range("2020-01", periods=4, freq="M"),
        }
    )
    frame[["month"]].to_parquet(tmp_path / "months.parquet")  # Parquet cannot hold the bins

    for data, names in [
        (frame, ["bins", "month"]),
        (pa.Table.from_pandas(frame), ["bins", "month"]),
        (tmp_path / "months.parquet", ["month"]),
    ]:
        source = open_source(data)
        labels = next(source.batches(dict.fromkeys(names, "categorical"))).to_pydict()
        assert source.kinds == dict.fromkeys(names, "categorical")
        assert labels["month"] == ["2020-01", "2020-02", "2020-03", "2020-04"]
    assert as_labels(frame["bins"]).to_pylist()[::3] == ["(0.992, 3.667]", None]
