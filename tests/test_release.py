"""A user builds the quick start release and looks at what a reader of it would see."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import skops.io as sio
from huggingface_hub import ModelCard
from sklearn.linear_model import LogisticRegression

from modelshare import ModelshareError, Release
from modelshare.bundle import Bundle
from modelshare.quickstart import quickstart_release


@pytest.fixture(scope="module")
def bundle(quickstart_bundle: Bundle) -> Bundle:
    return quickstart_bundle


def test_release_folder_holds_the_documented_files(bundle: Bundle) -> None:
    names = {p.relative_to(bundle.path).as_posix() for p in bundle.path.rglob("*") if p.is_file()}
    assert {
        "README.md",
        "modelshare.json",
        "model.skops",
        "requirements.txt",
        "examples/predict.py",
        "images/confusion_matrix_penguins-test.png",
        "images/confusion_matrix_penguins-2009.png",
    } <= names
    assert not [p for p in bundle.path.parent.iterdir() if p.name.startswith(".")]


def test_card_parses_with_huggingface_hub_and_holds_every_metric(bundle: Bundle) -> None:
    card = ModelCard.load(bundle.path / "README.md")
    assert card.data.license == "mit"
    assert card.data.library_name == "sklearn"
    assert card.data.pipeline_tag == "tabular-classification"
    claimed = [
        (r.dataset_type, r.metric_type, r.metric_name, r.metric_args, r.metric_value)
        for r in card.data.eval_results
    ]
    training = bundle.record.training_data.name
    assert {r.dataset_name for r in card.data.eval_results} == {
        f"{training} (penguins-test)",
        f"{training} (penguins-2009)",
    }
    recorded = [
        (e.dataset.name, m.type, m.name, m.args, m.value)
        for e in bundle.record.evaluation
        for m in e.metrics
    ]
    assert claimed == recorded
    assert {name for name, *_ in recorded} == {"penguins-test", "penguins-2009"}
    assert {"accuracy", "f1", "precision", "recall", "roc_auc", "top_k_accuracy"} <= {
        metric_type for _, metric_type, *_ in recorded
    }


def test_skops_load_with_recorded_trust_list_predicts_like_the_original(
    bundle: Bundle, penguins
) -> None:
    trusted = json.loads((bundle.path / "modelshare.json").read_text())["model"]["trusted_types"]
    loaded = sio.load(bundle.path / "model.skops", trusted=trusted)
    assert np.array_equal(loaded.predict(penguins.X_test), penguins.model.predict(penguins.X_test))
    assert np.allclose(
        loaded.predict_proba(penguins.X_later), penguins.model.predict_proba(penguins.X_later)
    )
    assert np.array_equal(
        bundle.load_model().predict(penguins.X_later), penguins.model.predict(penguins.X_later)
    )


@pytest.mark.e2e  # the release's example, run by plain Python
def test_example_script_runs_in_a_fresh_process(bundle: Bundle, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(bundle.path / "examples" / "predict.py")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Adelie" in result.stdout or "Gentoo" in result.stdout or "Chinstrap" in result.stdout


def test_card_text_holds_the_measured_facts(bundle: Bundle) -> None:
    text = (bundle.path / "README.md").read_text()
    record = bundle.record
    assert "| Samples | 179 |" in text
    for label, count in {"Adelie": 80, "Gentoo": 64, "Chinstrap": 35}.items():
        assert f"| {label} | {count} |" in text
    for step in record.preprocessing:
        assert step.method.split(":")[0] in text
        for column in step.columns:
            assert column in text
    for column in ["bill_length_mm", "island", "sex"]:
        assert column in text
    for name in ["C", "max_iter", "random_state"]:
        assert f"| **{name}** |" in text
    assert f"| Python | {record.environment.python}" in text
    assert f"| scikit-learn | {record.environment.packages['scikit-learn']} |" in text
    for evaluation in record.evaluation:
        for metric in evaluation.metrics:
            assert metric.name in text
            assert f"{metric.value:.4g}" in text
    assert "> **Missing:" not in text


def test_requirements_pin_the_model_packages(bundle: Bundle) -> None:
    import sklearn
    import skops

    lines = (bundle.path / "requirements.txt").read_text().splitlines()
    assert f"scikit-learn=={sklearn.__version__}" in lines
    assert f"skops=={skops.__version__}" in lines


def test_missing_human_facts_render_as_named_placeholders(undocumented_bundle: Bundle) -> None:
    bundle = undocumented_bundle
    text = (bundle.path / "README.md").read_text()
    for field in bundle.record.missing_facts():
        assert f"> **Missing: {field}**" in text
    assert "describe.intended_use" in bundle.record.missing_facts()
    assert "training_data.collection" in bundle.record.missing_facts()


@pytest.mark.parametrize(
    ("make_call", "message"),
    [
        (lambda r, p: r.training_data(p.X_train, p.y_train[:-3], name="t"), "rows"),
        (lambda r, p: r.model(LogisticRegression()), "not fitted"),
        (lambda r, p: r.model({"weights": [1, 2]}), "scikit-learn"),
        (lambda r, p: r.describe(intented_use="x"), "intended_use"),
    ],
)
def test_bad_input_is_one_clear_error(make_call, message: str, penguins) -> None:
    with pytest.raises(ModelshareError, match=message):
        make_call(Release("x"), penguins)


def test_existing_folder_is_refused_and_left_untouched(tmp_path: Path, penguins) -> None:
    target = tmp_path / "taken"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    rel = Release("x").training_data(penguins.X_train, penguins.y_train, name="t")
    rel.model(penguins.model)
    with pytest.raises(ModelshareError, match="--overwrite"):
        rel.save(target)
    assert [p.name for p in tmp_path.iterdir()] == ["taken"]
    assert [p.name for p in target.iterdir()] == ["notes.txt"]


def test_failed_save_keeps_the_previous_release(
    bundle: Bundle, tmp_path: Path, monkeypatch
) -> None:
    target = tmp_path / "penguin-species"
    shutil.copytree(bundle.path, target)  # the quick start release, as saved earlier
    before = (target / "modelshare.json").read_bytes()

    def broken_example(folder: Path) -> None:
        raise ModelshareError("the release's example failed")

    monkeypatch.setattr("modelshare.release.run_example", broken_example)
    with pytest.raises(ModelshareError, match="example failed"):
        quickstart_release().save(target, overwrite=True)
    assert (target / "modelshare.json").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["penguin-species"]


@pytest.mark.parametrize("name", ["../etc", "a--b", "x" * 97, "-lead", "trail.", "org/name", ""])
def test_a_name_the_hub_refuses_is_refused(name: str) -> None:
    with pytest.raises(ModelshareError, match="invalid release name"):
        Release(name)


@pytest.mark.parametrize("version", ["1..0", "1.0-", "+1", "1 0", "v" * 65, ""])
def test_a_version_that_cannot_be_a_tag_is_refused(version: str) -> None:
    with pytest.raises(ModelshareError, match="invalid version"):
        Release("penguin-species", version=version)


def test_plain_names_and_versions_are_accepted() -> None:
    release = Release("penguin_species.v2", version="2024-06-rc1+build.7")
    assert (release.name, release.version) == ("penguin_species.v2", "2024-06-rc1+build.7")
