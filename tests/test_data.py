"""Dataset facts measured from the penguins, scikit-learn's bundled datasets and real files."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine

from modelshare.data import (
    IMBALANCE_FACTOR,
    check_same_length,
    dataset_checksum,
    dataset_facts,
    file_sha256,
)
from modelshare.errors import InvalidInputError, ModelshareError
from modelshare.penguins import PenguinExample, load_penguins
from modelshare.record import DatasetFacts, Provenance
from modelshare.tables import as_frame, as_target, feature_kind, read_table, split_target

STRING_DTYPES = ("str", "object")  # pandas 3 and pandas 2


@pytest.fixture(scope="module")
def penguin_table() -> pd.DataFrame:
    """All 344 penguins, as the palmerpenguins package ships them."""
    return load_penguins()


@pytest.fixture
def penguin_csv(tmp_path: Path, penguin_table: pd.DataFrame) -> Path:
    """The penguin table written as ``train.csv``."""
    path = tmp_path / "train.csv"
    penguin_table.to_csv(path, index=False)
    return path


# dataset_facts: size, features, target


def test_penguin_training_data_is_measured(penguins: PenguinExample) -> None:
    facts = dataset_facts(penguins.X_train, penguins.y_train, name="penguins-train")

    assert (facts.name, facts.n_samples, facts.n_features) == ("penguins-train", 179, 6)
    measured = {f.name: (f.kind, f.missing, f.distinct) for f in facts.features}
    assert measured == {
        "bill_length_mm": ("numeric", 1, 116),
        "bill_depth_mm": ("numeric", 1, 70),
        "flipper_length_mm": ("numeric", 1, 48),
        "body_mass_g": ("numeric", 1, 66),
        "island": ("categorical", 0, 3),
        "sex": ("categorical", 4, 2),
    }
    dtypes = {f.name: f.dtype for f in facts.features}
    assert dtypes["body_mass_g"] == "float64"
    assert dtypes["sex"] in STRING_DTYPES
    assert facts.file is None and facts.file_sha256 is None and facts.provenance is None


def test_penguin_classes_are_counted_largest_first(penguins: PenguinExample) -> None:
    target = dataset_facts(penguins.X_train, penguins.y_train, name="penguins-train").target

    assert (target.name, target.type, target.missing) == ("species", "multiclass", 0)
    assert list(target.class_counts.items()) == [("Adelie", 80), ("Gentoo", 64), ("Chinstrap", 35)]
    assert target.imbalance_ratio == pytest.approx(80 / 35)
    assert target.minority_share == pytest.approx(35 / 179)
    assert target.imbalanced is False  # 19.6 % >= 0.5 * 1/3


def test_a_rare_class_is_flagged_imbalanced(penguins: PenguinExample) -> None:
    rare = penguins.y_train[penguins.y_train == "Chinstrap"].index[10:]
    X, y = penguins.X_train.drop(index=rare), penguins.y_train.drop(index=rare)

    target = dataset_facts(X, y, name="few-chinstraps").target

    assert target.class_counts == {"Adelie": 80, "Gentoo": 64, "Chinstrap": 10}
    assert target.minority_share == pytest.approx(10 / 154)
    assert target.minority_share < IMBALANCE_FACTOR / 3
    assert target.imbalanced is True
    assert target.imbalance_ratio == pytest.approx(8.0)


def test_binary_and_integer_labels_from_sklearn_datasets() -> None:
    cancer = load_breast_cancer(as_frame=True)
    wine = load_wine(as_frame=True)

    binary = dataset_facts(cancer.data, cancer.target, name="breast-cancer").target
    multiclass = dataset_facts(wine.data, wine.target, name="wine")

    assert binary.type == "binary"
    assert binary.class_counts == {"1": 357, "0": 212}
    assert binary.imbalanced is False  # 37 % >= 0.5 * 1/2
    assert multiclass.n_samples == 178 and multiclass.n_features == 13
    assert list(multiclass.target.class_counts.items()) == [("1", 71), ("0", 59), ("2", 48)]
    assert all(f.kind == "numeric" and f.missing == 0 for f in multiclass.features)


def test_regression_targets_have_no_class_facts() -> None:
    diabetes = load_diabetes(as_frame=True)
    bmi = diabetes.data.pop("bmi")

    as_regression = dataset_facts(diabetes.data, diabetes.target, "diabetes", task="regression")
    measured_bmi = dataset_facts(diabetes.data, bmi, name="diabetes-bmi").target
    # scikit-learn reads integer-valued floats such as the progression score as classes
    as_measured = dataset_facts(diabetes.data, diabetes.target, name="diabetes").target

    assert as_regression.target.type == "continuous"
    assert as_regression.target.class_counts is None
    assert as_regression.target.imbalance_ratio is None
    assert as_regression.target.imbalanced is False
    assert as_regression.n_features == 9
    assert (measured_bmi.type, measured_bmi.class_counts) == ("continuous", None)
    assert as_measured.type == "multiclass"


def test_missing_target_values_are_counted_and_left_out_of_classes(
    penguin_table: pd.DataFrame,
) -> None:
    X, y = split_target(penguin_table, "sex", "penguins.csv")

    target = dataset_facts(X, y, name="penguins-sex").target

    assert (target.type, target.missing) == ("binary", 11)
    assert target.class_counts == {"male": 168, "female": 165}
    assert target.minority_share == pytest.approx(165 / 333)


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        (pd.Series([1.5, None, 3.0]), "numeric"),
        (pd.Series([2007, 2008, 2009]), "numeric"),
        (pd.Series([1, None, 3], dtype="Int64"), "numeric"),
        (pd.Series(pd.to_timedelta([1, 2], unit="D")), "numeric"),
        (pd.Series([True, False]), "boolean"),
        (pd.Series([True, None], dtype="boolean"), "boolean"),
        (pd.Series([True, False, None], dtype=object), "boolean"),
        (pd.Series(pd.to_datetime(["2007-11-11", "2009-11-21"])), "datetime"),
        (pd.Series(pd.to_datetime(["2007-11-11"]).tz_localize("UTC")), "datetime"),
        (pd.Series(["Biscoe", "Dream"]), "categorical"),
        (pd.Series(["Biscoe", None], dtype=object), "categorical"),
        (pd.Series([1.0, 2.0], dtype=object), "numeric"),
        (pd.Series([2007, 2008]).astype("category"), "categorical"),
        (pd.Series(["Biscoe", 1], dtype=object), "categorical"),
    ],
)
def test_feature_kind(values: pd.Series, kind: str) -> None:
    assert feature_kind(values) == kind


def test_penguin_columns_of_every_kind(penguin_table: pd.DataFrame) -> None:
    table = penguin_table.assign(
        male=penguin_table["sex"] == "male",
        season=pd.to_datetime(penguin_table["year"].astype(str), format="%Y"),
        island=penguin_table["island"].astype("category"),
        sex=penguin_table["sex"].astype(object),
    )
    X, y = split_target(table, "species", "penguins")

    facts = {f.name: f for f in dataset_facts(X, y, name="penguins").features}

    assert (facts["male"].kind, facts["male"].dtype, facts["male"].distinct) == (
        "boolean",
        "bool",
        2,
    )
    assert (facts["season"].kind, facts["season"].distinct) == ("datetime", 3)
    assert (facts["island"].kind, facts["island"].dtype) == ("categorical", "category")
    assert (facts["sex"].kind, facts["sex"].dtype, facts["sex"].missing) == (
        "categorical",
        "object",
        11,
    )
    assert facts["year"].kind == "numeric"


def test_file_name_and_hash_are_recorded_without_the_directory(
    penguins: PenguinExample, penguin_csv: Path
) -> None:
    provenance = Provenance(name="Palmer penguins", license="CC0-1.0")

    facts = dataset_facts(
        penguins.X_train, penguins.y_train, "penguins-train", provenance, file=penguin_csv
    )

    assert facts.file == "train.csv"
    assert facts.file_sha256 == hashlib.sha256(penguin_csv.read_bytes()).hexdigest()
    assert facts.provenance == provenance
    assert str(penguin_csv.parent) not in facts.model_dump_json()
    assert DatasetFacts.model_validate_json(facts.model_dump_json()) == facts


def test_file_hash_spans_several_chunks(tmp_path: Path, penguin_table: pd.DataFrame) -> None:
    path = tmp_path / "many-penguins.csv"
    pd.concat([penguin_table] * 200).to_csv(path, index=False)
    assert path.stat().st_size > 3 * 1024 * 1024

    assert file_sha256(path) == hashlib.sha256(path.read_bytes()).hexdigest()


def test_file_hash_of_a_missing_file_is_explained(tmp_path: Path) -> None:
    with pytest.raises(ModelshareError, match=r"cannot read .*gone\.csv"):
        file_sha256(tmp_path / "gone.csv")


def test_mismatched_lengths_are_refused(penguins: PenguinExample) -> None:
    expected = (
        "X has 179 rows but y has 176 in dataset 'penguins-train'; "
        "pass features and target of the same rows"
    )
    with pytest.raises(ModelshareError) as caught:
        dataset_facts(penguins.X_train, penguins.y_train[:-3], name="penguins-train")
    assert str(caught.value) == expected
    with pytest.raises(ModelshareError, match="X has 3 rows but y has 2 in dataset 'tiny'"):
        check_same_length([[1], [2], [3]], [0, 1], "tiny")
    check_same_length(penguins.X_test, penguins.y_test, "penguins-test")


def test_datasets_without_rows_or_target_values_are_refused(penguins: PenguinExample) -> None:
    with pytest.raises(ModelshareError, match="dataset 'nothing' has no rows"):
        dataset_facts(penguins.X_train.iloc[:0], penguins.y_train.iloc[:0], name="nothing")
    unlabelled = pd.Series([None] * len(penguins.y_train), name="species", dtype=object)
    with pytest.raises(ModelshareError, match="target 'species' of dataset 'unlabelled'"):
        dataset_facts(penguins.X_train, unlabelled, name="unlabelled")


@pytest.mark.parametrize(
    "first_labels",
    [["Adelie", 1, 2.5], [("Adelie", "Dream"), ("Gentoo", "Biscoe")]],
    ids=["mixed types", "tuples"],
)
def test_labels_scikit_learn_cannot_read_are_refused(
    penguins: PenguinExample, first_labels: list[object]
) -> None:
    labels = penguins.y_train.astype(object).copy()
    labels.iloc[: len(first_labels)] = pd.Series(first_labels, dtype=object).to_numpy()

    with pytest.raises(ModelshareError, match="cannot tell the type of target 'species'"):
        dataset_facts(penguins.X_train, labels, name="mixed")


def test_labels_of_unknown_type_have_no_class_facts(penguins: PenguinExample) -> None:
    labels = pd.Series(([1, "Adelie", 2.5] * 60)[:179], dtype=object, name="species")

    target = dataset_facts(penguins.X_train, labels, name="mixed").target

    assert (target.type, target.class_counts, target.imbalanced) == ("unknown", None, False)


# dataset_checksum


def test_checksum_ignores_the_index(penguins: PenguinExample) -> None:
    X, y = penguins.X_train, penguins.y_train
    checksum = dataset_checksum(X, y)

    assert checksum.startswith("sha256:") and len(checksum) == len("sha256:") + 64
    assert dataset_checksum(X.reset_index(drop=True), y.reset_index(drop=True)) == checksum
    assert dataset_checksum(X.copy(), y.copy()) == checksum
    assert dataset_facts(X, y, name="again").checksum == checksum


def test_checksum_changes_with_values_names_types_and_order(penguins: PenguinExample) -> None:
    X, y = penguins.X_train, penguins.y_train
    one_value = X.copy()
    one_value.iloc[0, X.columns.get_loc("body_mass_g")] += 1
    one_label = y.copy()
    one_label.iloc[0] = "Gentoo" if y.iloc[0] != "Gentoo" else "Adelie"

    variants = {
        "original": dataset_checksum(X, y),
        "one value": dataset_checksum(one_value, y),
        "one label": dataset_checksum(X, one_label),
        "column name": dataset_checksum(X.rename(columns={"sex": "gender"}), y),
        "target name": dataset_checksum(X, y.rename("label")),
        "dtype": dataset_checksum(X.astype({"body_mass_g": "float32"}), y),
        "row order": dataset_checksum(X.iloc[::-1], y.iloc[::-1]),
        "fewer rows": dataset_checksum(X.iloc[1:], y.iloc[1:]),
    }

    assert len(set(variants.values())) == len(variants)


# as_frame, as_target


def test_dataframes_pass_through_unchanged(penguins: PenguinExample) -> None:
    assert as_frame(penguins.X_train) is penguins.X_train


def test_arrays_and_lists_get_named_columns(penguins: PenguinExample) -> None:
    numbers = penguins.X_train[["bill_length_mm", "body_mass_g"]]

    from_array = as_frame(numbers.to_numpy())
    named = as_frame(numbers.to_numpy(), feature_names=["bill", "mass"])
    from_rows = as_frame([[39.1, "Torgersen"], [46.5, "Dream"]])

    assert from_array.columns.tolist() == ["x0", "x1"]
    np.testing.assert_array_equal(from_array.to_numpy(), numbers.to_numpy())
    assert named.columns.tolist() == ["bill", "mass"]
    assert from_rows["x0"].dtype == "float64"
    assert str(from_rows["x1"].dtype) in STRING_DTYPES
    assert from_rows["x1"].tolist() == ["Torgersen", "Dream"]


def test_arrow_tables_are_read_with_their_column_names(penguins: PenguinExample) -> None:
    table = pa.Table.from_pandas(penguins.X_train, preserve_index=False)

    frame = as_frame(table)

    pd.testing.assert_frame_equal(frame, penguins.X_train.reset_index(drop=True))


@pytest.mark.parametrize(
    ("X", "message"),
    [
        (np.arange(5.0), r"X has shape \(5,\); pass rows x features"),
        (np.zeros((2, 3, 4)), r"X has shape \(2, 3, 4\)"),
        ([[1, 2], [3]], r"X has shape \(2,\)"),
        ({"bill_length_mm": [39.1]}, "X is a dict; pass a pandas DataFrame"),
        (pd.Series([39.1]), "X is a Series"),
    ],
)
def test_features_of_the_wrong_shape_or_type_are_refused(X: object, message: str) -> None:
    with pytest.raises(ModelshareError, match=message) as caught:
        as_frame(X)
    assert "\n" not in str(caught.value)


def test_feature_names_must_fit_the_columns() -> None:
    with pytest.raises(ModelshareError, match="X has 2 columns but 3 feature names were given"):
        as_frame(np.zeros((4, 2)), feature_names=["a", "b", "c"])


def test_targets_of_every_accepted_form(penguins: PenguinExample) -> None:
    labels = penguins.y_train.to_numpy()

    assert as_target(penguins.y_train).name == "species"
    assert as_target(penguins.y_train, name="label").name == "label"
    assert as_target(list(labels)).name == "target"
    assert as_target(labels, name="species").tolist() == labels.tolist()
    assert as_target(labels.reshape(-1, 1)).tolist() == labels.tolist()
    assert as_target(penguins.y_train.to_frame()).name == "species"
    assert as_target([0, 1, 1]).dtype == "int64"
    assert as_target(pd.Series([0, 1]).rename(None)).name == "target"


@pytest.mark.parametrize(
    ("y", "message"),
    [
        (np.zeros((3, 2)), r"y has shape \(3, 2\); pass a single target column"),
        (pd.DataFrame({"a": [1], "b": [2]}), "y has 2 columns"),
        ({"species": ["Adelie"]}, "y is a dict; pass a pandas Series"),
    ],
)
def test_targets_of_the_wrong_shape_or_type_are_refused(y: object, message: str) -> None:
    with pytest.raises(ModelshareError, match=message):
        as_target(y)


# read_table, split_target


def test_csv_round_trip(penguin_csv: Path, penguin_table: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(read_table(penguin_csv), penguin_table)


@pytest.mark.parametrize("name", ["train.parquet", "train.pq", "train.data"])
def test_parquet_by_suffix_or_content(
    tmp_path: Path, penguin_table: pd.DataFrame, name: str
) -> None:
    path = tmp_path / name
    penguin_table.to_parquet(path, index=False)

    pd.testing.assert_frame_equal(read_table(path), penguin_table)


def test_csv_index_column_is_not_guessed(tmp_path: Path) -> None:
    path = tmp_path / "trailing-commas.csv"
    path.write_text("species,island\nAdelie,Torgersen,\nGentoo,Biscoe,\n")

    with pytest.raises(InvalidInputError) as caught:  # neither an index nor a shifted column
        read_table(path)

    assert "Expected 2 columns, got 3" in str(caught.value)
    assert "as many fields in every row as in the header" in str(caught.value)


def _write_truncated_parquet(path: Path) -> None:
    pd.DataFrame({"species": ["Adelie"]}).to_parquet(path)
    path.write_bytes(path.read_bytes()[:40])


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.csv", None, "missing.csv not found; check the path"),
        ("folder", "dir", "folder is a directory; pass a CSV or Parquet file"),
        ("empty.csv", "", "empty.csv is empty"),
        ("blank.csv", "\n\n  \n", "blank.csv has no columns"),
        ("header.csv", "species,island\n", "header.csv has columns but no rows"),
        ("quote.csv", 'species,island\n"Adelie,Dream\nGentoo,Dream\n', "cannot read .*quote.csv"),
        ("binary.csv", b"\xe5\xff\x00\x81" * 100, "cannot read .*binary.csv as CSV"),
        ("broken.parquet", "truncated", "cannot read .*broken.parquet as Parquet"),
    ],
)
def test_unreadable_files_are_explained_in_one_line(
    tmp_path: Path, name: str, content: str | bytes | None, message: str
) -> None:
    path = tmp_path / name
    if content == "dir":
        path.mkdir()
    elif content == "truncated":
        _write_truncated_parquet(path)
    elif isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)

    with pytest.raises(ModelshareError, match=message) as caught:
        read_table(path)

    assert "\n" not in str(caught.value)
    assert name in str(caught.value)


def test_parquet_without_rows_is_refused(tmp_path: Path, penguin_table: pd.DataFrame) -> None:
    path = tmp_path / "no-rows.parquet"
    penguin_table.iloc[:0].to_parquet(path)

    with pytest.raises(ModelshareError, match=r"no-rows\.parquet has columns but no rows"):
        read_table(path)


def test_split_target_from_a_file(penguin_csv: Path) -> None:
    X, y = split_target(read_table(penguin_csv), "species", penguin_csv.name)

    assert "species" not in X.columns
    assert X.shape == (344, 7)
    assert (y.name, len(y)) == ("species", 344)
    assert y.value_counts().to_dict() == {"Adelie": 152, "Gentoo": 124, "Chinstrap": 68}


def test_a_misspelt_target_suggests_the_closest_column(penguin_table: pd.DataFrame) -> None:
    with pytest.raises(ModelshareError) as caught:
        split_target(penguin_table, "spcies", "train.csv")

    assert str(caught.value) == (
        "column 'spcies' not found in train.csv; did you mean 'species'? columns: species, "
        "island, bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g, sex, year"
    )
    with pytest.raises(ModelshareError, match="did you mean 'species'"):
        split_target(penguin_table, "Species", "train.csv")


def test_an_unknown_target_lists_the_columns_and_elides_long_lists() -> None:
    wine = load_wine(as_frame=True).frame

    with pytest.raises(ModelshareError) as caught:
        split_target(wine, "zzz", "wine.csv")

    message = str(caught.value)
    assert message.startswith("column 'zzz' not found in wine.csv; columns: alcohol, malic_acid")
    assert "did you mean" not in message
    assert message.endswith(", …")
    assert message.count(",") == 10


def test_a_table_of_only_the_target_has_no_features(penguin_table: pd.DataFrame) -> None:
    with pytest.raises(ModelshareError, match="only the target column 'species'"):
        split_target(penguin_table[["species"]], "species", "labels.csv")
