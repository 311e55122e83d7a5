"""A receiver re-runs a release's evaluation with `modelshare verify --data` and learns which
claims hold."""

from __future__ import annotations

import json
import shutil
from importlib import metadata
from pathlib import Path

import pytest
from huggingface_hub import ModelCard

from modelshare.bundle import Bundle
from modelshare.evaluate.claims import reproduce_claims
from modelshare.loading import load
from modelshare.manifest import write_manifest
from modelshare.penguins import PenguinExample, train_penguin_classifier
from modelshare.verification import requirement_differences, verify_release
from tests.helpers import assert_clean_failure, run_in_process


@pytest.fixture
def release(quickstart_bundle: Bundle, tmp_path: Path) -> Path:
    """A copy of the quick start release that the test may edit."""
    return Path(shutil.copytree(quickstart_bundle.path, tmp_path / "penguin-species"))


@pytest.fixture(scope="module")
def test_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The quick start's test split, rebuilt the way the quick start builds it."""
    example = train_penguin_classifier()
    path = tmp_path_factory.mktemp("data") / "penguins-test.csv"
    example.X_test.assign(species=example.y_test).to_csv(path, index=False)
    return path


def claim_accuracy_higher(release: Path, dataset: str, by: float) -> float:
    """Edit the card's and the record's accuracy for one dataset, then re-write the manifest
    so that the folder is intact again: a claim nobody measured."""
    card = ModelCard.load(release / "README.md")
    for result in card.data.eval_results:
        if (result.dataset_name, result.metric_type) == (dataset, "accuracy"):
            result.metric_value = round(result.metric_value + by, 4)
    card.save(release / "README.md")
    record = json.loads((release / "modelshare.json").read_text())
    evaluation = next(e for e in record["evaluation"] if e["dataset"]["name"] == dataset)
    accuracy = next(m for m in evaluation["metrics"] if m["type"] == "accuracy")
    accuracy["value"] = round(accuracy["value"] + by, 4)
    (release / "modelshare.json").write_text(json.dumps(record, indent=2))
    write_manifest(release)
    return accuracy["value"]


def test_verify_reproduces_the_quick_start_claims_on_its_test_split(
    release: Path, test_csv: Path
) -> None:
    result = run_in_process(
        "verify",
        release,
        "--data",
        test_csv,
        "--target",
        "species",
        "--dataset",
        "penguins-test",
        "--run-example",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"verified: {release}: ")
    assert lines[0].endswith("match manifest.json")
    assert "model: LogisticRegression loaded with modelshare.load (model.skops)" in lines
    assert any(
        line.startswith("example: examples/predict.py ran in an isolated copy") for line in lines
    )
    assert "environment: every pinned package is installed at its version" in lines
    claimed = json.loads((release / "modelshare.json").read_text())["evaluation"][0]["metrics"]
    assert (
        f"claims on penguins-test (the rows the claims were measured on): reproduced, "
        f"{len(claimed)} of {len(claimed)} reproduced"
    ) in lines
    assert "  reproduced: Accuracy 1 (measured 1)" in lines


def test_an_accuracy_edited_upwards_is_not_reproduced(release: Path, test_csv: Path) -> None:
    claimed = claim_accuracy_higher(release, "penguins-test", by=0.05)

    result = run_in_process("verify", release, "--data", test_csv, "--target", "species", "--json")

    assert result.returncode == 1, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["modified"] == [] and report["ok"] is False
    claims = report["claims"]
    assert (claims["dataset"], claims["same_rows"], claims["reproduced"]) == (
        "penguins-test",
        True,
        False,
    )
    [refuted] = [check for check in claims["checks"] if check["status"] != "reproduced"]
    assert (refuted["type"], refuted["claimed"], refuted["measured"]) == ("accuracy", claimed, 1.0)
    assert refuted["message"] == "not reproduced: Accuracy claimed 1.05, measured 1"


def test_claims_checked_on_other_rows_must_fall_in_their_intervals(
    quickstart_bundle: Bundle, penguins: PenguinExample
) -> None:
    X, y = penguins.X_later, penguins.y_later
    folder, record = quickstart_bundle.path, quickstart_bundle.record
    model = load(folder)
    later = next(e for e in record.evaluation if e.dataset.name == "penguins-2009")

    same_source = reproduce_claims(
        folder, record, model, X.iloc[10:], y.iloc[10:], dataset="penguins-2009"
    )
    perfect_claims = reproduce_claims(folder, record, model, X, y, dataset="penguins-test")

    assert not same_source.same_rows and same_source.reproduced
    accuracy = same_source.checks[0]
    assert (accuracy.low, accuracy.high) == pytest.approx(
        (later.metrics[0].ci_low - 0.001, later.metrics[0].ci_high + 0.001)
    )
    assert not perfect_claims.reproduced
    assert (
        perfect_claims.checks[0].message() == "not reproduced: Accuracy claimed 1, measured 0.9917"
    )


def test_differences_with_the_pinned_environment_are_listed(release: Path) -> None:
    requirements = release / "requirements.txt"
    requirements.write_text(requirements.read_text() + "not-a-real-package==1.0\n")

    differences = requirement_differences(requirements)

    assert [d.describe() for d in differences] == ["not-a-real-package 1.0 pinned, not installed"]


def test_a_pin_met_by_a_local_build_is_no_difference_but_another_build_is_said(
    tmp_path: Path,
) -> None:
    installed = metadata.version("torch")
    public, _, label = installed.partition("+")
    if not label:
        pytest.skip(f"torch {installed} has no local version label to compare")
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(f"torch=={public}\n")

    same = requirement_differences(requirements, {"torch": installed})
    unknown = requirement_differences(requirements)
    other = requirement_differences(requirements, {"Torch": f"{public}+cu121"})

    assert same == unknown == []
    assert [d.describe() for d in other] == [
        f"torch {public}: same version, different build ({public}+cu121 recorded, "
        f"{installed} installed)"
    ]


def test_a_broken_example_fails_verification(release: Path) -> None:
    example = release / "examples" / "predict.py"
    example.write_text(example.read_text().replace("expected = [", "expected = ['Emperor', "))
    write_manifest(release)

    result = verify_release(release, run_example=True)

    assert not result.ok
    [step] = [step for step in result.steps if step.name == "example"]
    assert step.status == "failed"
    assert step.detail.startswith("the release's example failed (AssertionError")


def test_data_without_its_target_is_a_usage_error(release: Path, test_csv: Path) -> None:
    result = run_in_process("verify", release, "--data", test_csv)

    assert result.returncode == 2
    assert_clean_failure(result, "--data and --target go together")
