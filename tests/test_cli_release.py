"""A user who did not use the API builds releases from files with the command line."""

from __future__ import annotations

import json
import pickle
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import skops.io as sio
import yaml
from huggingface_hub import ModelCard
from sklearn.datasets import load_diabetes, load_wine
from sklearn.ensemble import RandomForestRegressor
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from modelshare.penguins import (
    CATEGORICAL_FEATURES,
    NUMERIC_FEATURES,
    TARGET,
    load_penguins,
    penguin_pipeline,
)
from tests.helpers import assert_clean_failure, run_in_process


def write_files(folder: Path, frame: pd.DataFrame, target: str, model) -> dict[str, Path]:
    """Split a real dataset, fit the model, and write model.skops, train.csv and test.csv."""
    train, test = train_test_split(frame, test_size=0.25, random_state=0)
    model.fit(train.drop(columns=target), train[target])
    files = {
        "model": folder / "model.skops",
        "train": folder / "train.csv",
        "test": folder / "test.csv",
    }
    sio.dump(model, files["model"])
    train.to_csv(files["train"], index=False)
    test.to_csv(files["test"], index=False)
    return files


@pytest.fixture(scope="module")
def wine_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    frame = load_wine(as_frame=True).frame
    model = make_pipeline(
        StandardScaler(), SelectKBest(f_classif, k=5), LogisticRegression(C=3.0, max_iter=2000)
    )
    return write_files(tmp_path_factory.mktemp("wine"), frame, "target", model)


def test_init_writes_a_file_that_names_every_field(tmp_path: Path) -> None:
    result = run_in_process("init", tmp_path / "modelshare.yaml", "--name", "wine-cultivar")
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "modelshare.yaml").read_text()
    for field in [
        "license:",
        "contact:",
        "intended_use:",
        "out_of_scope:",
        "collection:",
        "consent:",
        "time_column:",
        "waive:",
    ]:
        assert field in text
    assert yaml.safe_load(text)["name"] == "wine-cultivar"


def test_wine_classifier_release_from_files(wine_files: dict[str, Path], tmp_path: Path) -> None:
    meta = tmp_path / "modelshare.yaml"
    meta.write_text(
        yaml.safe_dump(
            {
                "name": "wine-cultivar",
                "version": "2.1.0",
                "license": "apache-2.0",
                "authors": ["Jane Doe"],
                "describe": {"intended_use": "Teaching."},
                "training_data": {"name": "UCI wine", "license": "CC-BY-4.0"},
            }
        )
    )
    out = tmp_path / "wine-release"
    result = run_in_process(
        "release",
        "--model",
        wine_files["model"],
        "--train",
        wine_files["train"],
        "--target",
        "target",
        "--test",
        f"wine-test={wine_files['test']}",
        "--meta",
        meta,
        "--out",
        out,
        "--json",
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["name"] == "wine-cultivar" and summary["version"] == "2.1.0"
    assert "describe.out_of_scope" in summary["missing_facts"]
    card = ModelCard.load(out / "README.md")
    assert card.data.license == "apache-2.0"
    assert {r.dataset_name for r in card.data.eval_results} == {"UCI wine (wine-test)"}
    assert {r.dataset_type for r in card.data.eval_results} == {"wine-test"}
    record = json.loads((out / "modelshare.json").read_text())
    selector = [s for s in record["preprocessing"] if s["kind"] == "feature selector"]
    assert len(selector) == 1 and len(selector[0]["kept"]) == 5
    assert record["training_data"]["file"] == "train.csv"
    assert record["training_data"]["n_samples"] == 133
    text = (out / "README.md").read_text()
    assert "> **Missing: describe.out_of_scope**" in text
    assert "| **C** |" in text


def test_regression_release_from_files(tmp_path: Path) -> None:
    frame = load_diabetes(as_frame=True, scaled=False).frame
    files = write_files(
        tmp_path,
        frame,
        "target",
        RandomForestRegressor(n_estimators=20, max_depth=4, random_state=0),
    )
    out = tmp_path / "diabetes-release"
    result = run_in_process(
        "release",
        "--model",
        files["model"],
        "--train",
        files["train"],
        "--target",
        "target",
        "--test",
        files["test"],
        "--out",
        out,
    )
    assert_clean_failure(result, "sklearn.tree._tree.Tree (holds node indices")
    assert not out.exists()

    result = run_in_process(
        *("release", "--model", files["model"], "--train", files["train"]),
        *("--target", "target", "--test", files["test"], "--out", out),
        *("--trust", "sklearn.tree._tree.Tree"),
    )
    assert result.returncode == 0, result.stderr
    card = ModelCard.load(out / "README.md")
    assert card.data.pipeline_tag == "tabular-regression"
    assert "`sklearn.tree._tree.Tree`, **not** trusted by default: holds node" in card.text
    assert {r.metric_type for r in card.data.eval_results} == {"mae", "mse", "r_squared", "mape"}
    record = json.loads((out / "modelshare.json").read_text())
    assert record["model"]["task"] == "regression"
    assert record["training_data"]["target"]["class_counts"] is None
    assert record["model"]["trusted_types"], "tree models need an explicit trust list"


def test_meta_split_time_column_is_recorded_and_checked(tmp_path: Path) -> None:
    data = load_penguins()
    earlier, later = data[data["year"] < 2009], data[data["year"] == 2009]
    columns = [*NUMERIC_FEATURES, *CATEGORICAL_FEATURES, "year"]
    sio.dump(penguin_pipeline().fit(later[columns], later[TARGET]), tmp_path / "model.skops")
    later[[*columns, TARGET]].to_csv(tmp_path / "train.csv", index=False)
    earlier[[*columns, TARGET]].to_csv(tmp_path / "test.csv", index=False)
    meta = tmp_path / "modelshare.yaml"
    meta.write_text(yaml.safe_dump({"split": {"method": "by season", "time_column": "year"}}))

    result = run_in_process(
        "release",
        "--model",
        tmp_path / "model.skops",
        "--train",
        tmp_path / "train.csv",
        "--target",
        TARGET,
        "--test",
        tmp_path / "test.csv",
        "--meta",
        meta,
        "--out",
        tmp_path / "out",
        "--json",
    )

    assert result.returncode == 0, result.stderr
    record = json.loads((tmp_path / "out" / "modelshare.json").read_text())
    assert record["split"]["time_column"] == "year"
    assert [f["count"] for f in record["leakage"] if f["check"] == "temporal"] == [len(earlier)]


def release_from(
    files: dict[str, Path], out: Path, *extra: str | Path, **overrides: str | Path
) -> subprocess.CompletedProcess[str]:
    """Run `modelshare release` on the wine files, with some options replaced."""
    options = {"model": files["model"], "train": files["train"], "target": "target", **overrides}
    flags = [part for name, value in options.items() for part in (f"--{name}", value)]
    return run_in_process("release", *flags, *extra, "--out", out)


def test_unknown_target_column(wine_files: dict[str, Path], tmp_path: Path) -> None:
    result = release_from(wine_files, tmp_path / "out", target="cultivar")
    assert_clean_failure(result, "cultivar", "train.csv")
    assert not (tmp_path / "out").exists()


def test_unreadable_csv(wine_files: dict[str, Path], tmp_path: Path) -> None:
    broken = tmp_path / "broken.csv"
    broken.write_bytes(b"\x00\x01\x02garbage\xff\xfe")
    result = release_from(wine_files, tmp_path / "out", train=broken)
    assert_clean_failure(result, "broken.csv")
    assert not (tmp_path / "out").exists()


def test_pickled_model_is_refused(wine_files: dict[str, Path], tmp_path: Path) -> None:
    model = sio.load(wine_files["model"], trusted=sio.get_untrusted_types(file=wine_files["model"]))
    pickled = tmp_path / "model.pkl"
    pickled.write_bytes(pickle.dumps(model))
    result = release_from(wine_files, tmp_path / "out", model=pickled)
    assert_clean_failure(result, "pickle", "skops")
    assert not (tmp_path / "out").exists()


def test_existing_output_folder(wine_files: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("keep")
    result = release_from(wine_files, out)
    assert_clean_failure(result, "--overwrite")
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


def test_invalid_meta_field_is_named(wine_files: dict[str, Path], tmp_path: Path) -> None:
    meta = tmp_path / "modelshare.yaml"
    meta.write_text("describe:\n  intented_use: teaching\n")
    result = release_from(wine_files, tmp_path / "out", "--meta", meta)
    assert_clean_failure(result, "describe.intented_use")


def test_schema_prints_the_record_json_schema() -> None:
    result = run_in_process("schema")
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    assert schema["title"] == "ReleaseRecord"
    assert "training_data" in schema["properties"]
