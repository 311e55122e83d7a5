"""A user checks a modelshare release folder: the evidence comes from its record, exactly."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from modelshare.audit.check import check_path
from modelshare.audit.report import CheckReport
from modelshare.errors import InvalidInputError
from modelshare.record import ReleaseRecord

CONTACT = "pump-models@plant-analytics.org"
CARD = f"""---
license: apache-2.0
library_name: sklearn
pipeline_tag: tabular-classification
---

# pump-failure

## Contact

{CONTACT}
"""


def feature(name: str, kind: str = "numeric", distinct: int = 1400) -> dict[str, Any]:
    dtype = "float64" if kind == "numeric" else "str"
    return {"name": name, "dtype": dtype, "kind": kind, "missing": 0, "distinct": distinct}


def dataset(name: str, n: int, checksum: str, provenance: dict | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "n_samples": n,
        "n_features": 4,
        "features": [
            feature("vibration_rms"),
            feature("bearing_temp_c"),
            feature("flow_rate_m3h"),
            feature("pump_model", "categorical", 3),
        ],
        "target": {
            "name": "fails_within_30d",
            "type": "binary",
            "class_counts": {"no": n - n // 10, "yes": n // 10},
            "imbalance_ratio": 9.0,
            "minority_share": 0.1,
            "imbalanced": True,
        },
        "checksum": f"sha256:{checksum * 64}",
        "provenance": provenance,
    }


def metric(name: str, value: float) -> dict[str, Any]:
    return {"type": name.lower().replace(" ", "_"), "name": name, "value": value}


def pump_record() -> dict[str, Any]:
    """A complete record of a pump-failure classifier, as `Release.save` writes it."""
    return {
        "modelshare_version": "0.1.0",
        "created_at": "2024-05-02T10:00:00Z",
        "name": "pump-failure",
        "version": "1.2.0",
        "license": "apache-2.0",
        "authors": ["Maintenance analytics team"],
        "contact": CONTACT,
        "description": "Flags centrifugal pumps likely to fail within 30 days.",
        "describe": {
            "intended_use": "Prioritising inspections of the plant's centrifugal pumps.",
            "out_of_scope": "Pumps of other makes; deciding to skip a legally required check.",
            "limitations": "Trained on one plant; sensors drift after recalibration.",
            "ethical_considerations": "No personal data; wrong predictions cost inspections.",
            "acknowledgments": "Thanks to the plant's maintenance crew for the labels.",
            "citation": "Maintenance analytics team (2024). pump-failure 1.2.0.",
        },
        "training_data": dataset(
            "Pump telemetry 2022",
            1500,
            "a",
            {
                "name": "Pump telemetry 2022",
                "source": "plant historian export",
                "license": "CC-BY-4.0",
                "owner": "Example Plant Ltd.",
                "collection": "Hourly sensor averages; failures taken from work orders.",
                "consent": "Not applicable: machine data only.",
            },
        ),
        "split": {"method": "time-based hold-out", "test_size": 0.2, "random_state": 7},
        "preprocessing": [
            {
                "kind": "scaler",
                "name": "features/num/scaler",
                "estimator": "StandardScaler",
                "method": "centred and scaled with the training mean and deviation",
                "columns": ["vibration_rms", "bearing_temp_c", "flow_rate_m3h"],
            }
        ],
        "model": {
            "framework": "scikit-learn",
            "estimator": "GradientBoostingClassifier",
            "estimator_path": "sklearn.ensemble.GradientBoostingClassifier",
            "task": "classification",
            "steps": ["features: ColumnTransformer", "classifier: GradientBoostingClassifier"],
            "hyperparameters": [
                {"name": "n_estimators", "value": 300, "default": 100, "non_default": True},
                {"name": "max_depth", "value": 3, "default": 3},
            ],
            "file": "model.skops",
        },
        "evaluation": [
            {
                "dataset": dataset("Pump telemetry 2022 test", 375, "b"),
                "metrics": [metric("Accuracy", 0.93), metric("Recall", 0.71)],
            },
            {
                "dataset": dataset("Pump telemetry 2023", 1400, "c"),
                "metrics": [metric("Accuracy", 0.9), metric("Recall", 0.66)],
            },
        ],
        "environment": {
            "python": "3.11.7",
            "implementation": "CPython",
            "os": "Linux",
            "machine": "x86_64",
            "packages": {"scikit-learn": "1.5.2", "numpy": "2.1.3", "skops": "0.10.0"},
        },
    }


def write_release(folder: Path, record: dict[str, Any]) -> Path:
    """A release folder as `Release.save` leaves it: record, card, weights, example."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "modelshare.json").write_text(
        ReleaseRecord.model_validate(record).model_dump_json(indent=2)
    )
    (folder / "README.md").write_text(CARD)
    (folder / "model.skops").write_bytes(b"PK\x03\x04 skops archive")
    (folder / "requirements.txt").write_text("scikit-learn==1.5.2\nskops==0.10.0\n")
    (folder / "examples").mkdir(exist_ok=True)
    (folder / "examples" / "predict.py").write_text("import skops.io as sio\n")
    return folder


def by_id(report: CheckReport) -> dict[str, Any]:
    return {item.id: item for item in report.items}


def test_a_complete_release_meets_every_required_item_and_raises_no_risk(tmp_path: Path) -> None:
    report = check_path(write_release(tmp_path / "rel", pump_record()))
    items = by_id(report)
    assert report.kind == "release"
    assert {i.status for i in report.items if i.required} == {"present", "not applicable"}
    assert items["ethics.fairness"].status == "not applicable"  # machines, not people
    assert items["data.license"].evidence == (
        "training_data.provenance.license: CC-BY-4.0; owner given"
    )
    assert items["preprocessing.standardization"].evidence == (
        "preprocessing: scaler 'features/num/scaler' (StandardScaler)"
    )
    assert items["evaluation.datasets"].evidence == (
        "evaluation: 2 distinct datasets (Pump telemetry 2022 test, Pump telemetry 2023)"
    )
    assert items["data.distribution"].status == "partial"  # no data_profile.json yet
    assert [r.id for r in report.risks if r.raised] == []
    assert report.passed and report.exit_code == 0


def test_the_published_contact_is_not_personal_data_but_a_leak_in_the_example_is(
    tmp_path: Path,
) -> None:
    folder = write_release(tmp_path / "rel", pump_record())
    assert CONTACT in (folder / "modelshare.json").read_text()
    (folder / "examples" / "predict.py").write_text("# ask jan.kowalski@pumps-mail.de\n")
    privacy = next(r for r in check_path(folder).risks if r.id == "risk.privacy")
    assert privacy.evidence == ["examples/predict.py line 1: e-mail address j***@p***.de"]


HUMAN_FIELDS_MISSING = {
    "data.collection": True,
    "data.license": True,
    "ethics.considerations": True,
    "contact": True,
    "license": True,
    "uses.intended": True,
    "uses.out_of_scope": True,
    "limitations": True,
    "acknowledgments": False,
    "citation": False,
}


def test_without_the_human_fields_each_missing_item_is_listed_with_its_fix(
    tmp_path: Path,
) -> None:
    record = pump_record()
    for key in ("license", "contact", "description"):
        record[key] = None
    record["authors"] = []
    record["describe"] = {}
    record["training_data"]["provenance"] = None
    report = check_path(write_release(tmp_path / "rel", record))
    missing = {i.id: i.required for i in report.items if i.status == "missing"}
    assert missing == HUMAN_FIELDS_MISSING
    items = by_id(report)
    assert items["uses.intended"].fix == (
        "Add it under `describe:` in modelshare.yaml or with `Release.describe(intended_use=...)`."
    )
    assert items["data.collection"].evidence == "training_data.provenance.collection is empty"
    assert "Release(..., contact=...)" in items["contact"].fix
    assert report.exit_code == 1
    assert set(report.blocking) >= {item for item, required in missing.items() if required}


def test_a_waiver_shows_as_waived_with_its_reason(tmp_path: Path) -> None:
    record = pump_record()
    record["evaluation"] = record["evaluation"][:1]
    record["waive"] = {
        "evaluation.datasets": "one plant only: no second site exists yet",
        "risk.robustness": "the limitations say so",
    }
    report = check_path(write_release(tmp_path / "rel", record))
    item = by_id(report)["evaluation.datasets"]
    assert (item.status, item.waiver, item.fix) == (
        "waived",
        "one plant only: no second site exists yet",
        None,
    )
    robustness = next(r for r in report.risks if r.id == "risk.robustness")
    assert not robustness.raised and robustness.waiver == "the limitations say so"


def test_an_unknown_waiver_id_is_a_problem_that_suggests_the_right_id(tmp_path: Path) -> None:
    record = pump_record()
    record["waive"] = {"ethic.fairness": "machines only"}
    report = check_path(write_release(tmp_path / "rel", record))
    (problem,) = report.problems
    assert (problem.source, problem.key, problem.severity) == ("waive", "ethic.fairness", "warning")
    assert "did you mean 'ethics.fairness'?" in problem.message


def test_people_in_the_features_make_fairness_required_and_raise_consent(tmp_path: Path) -> None:
    record = pump_record()
    record["training_data"]["features"] += [feature("applicantAge"), feature("zip_code")]
    record["training_data"]["provenance"]["consent"] = None
    report = check_path(write_release(tmp_path / "rel", record))
    assert report.people.evidence == [
        "feature 'applicantAge' (applicant, age)",
        "feature 'zip_code' (zip)",
    ]
    assert by_id(report)["ethics.fairness"].status == "missing"
    raised = {r.id: r.level for r in report.risks if r.raised}
    assert raised == {"risk.consent": "warn", "risk.bias": "warn"}
    assert report.exit_code == 1


def test_non_commercial_training_data_under_mit_blocks_the_release(tmp_path: Path) -> None:
    record = pump_record()
    record["license"] = "mit"
    record["training_data"]["provenance"]["license"] = "CC-BY-NC-4.0"
    report = check_path(write_release(tmp_path / "rel", record))
    ip = next(r for r in report.risks if r.id == "risk.intellectual_property")
    assert (ip.raised, ip.level) == (True, "block")
    assert ip.evidence == [
        "dataset 'Pump telemetry 2022': 'cc-by-nc-4.0' forbids commercial use; "
        "the model license 'mit' allows it"
    ]


def test_evaluating_only_on_training_data_is_a_robustness_risk(tmp_path: Path) -> None:
    record = pump_record()
    record["evaluation"] = [copy.deepcopy(record["evaluation"][0])]
    record["evaluation"][0]["dataset"]["checksum"] = record["training_data"]["checksum"]
    report = check_path(write_release(tmp_path / "rel", record))
    robustness = next(r for r in report.risks if r.id == "risk.robustness")
    assert robustness.raised
    assert robustness.evidence[0].startswith("every evaluation used the training data")


def test_strict_mode_makes_missing_recommended_items_blocking(tmp_path: Path) -> None:
    record = pump_record()
    record["describe"]["citation"] = None
    folder = write_release(tmp_path / "rel", record)
    assert check_path(folder).exit_code == 0
    strict = check_path(folder, strict=True)
    assert (strict.exit_code, strict.blocking) == (1, ["citation"])


def test_missing_weights_and_example_files_are_missing_items(tmp_path: Path) -> None:
    folder = write_release(tmp_path / "rel", pump_record())
    (folder / "model.skops").unlink()
    (folder / "examples" / "predict.py").unlink()
    items = by_id(check_path(folder))
    assert items["model.weights"].evidence == "model.file 'model.skops' not found in the release"
    assert items["examples"].status == "missing"


def test_an_invalid_record_is_unusable_input(tmp_path: Path) -> None:
    folder = write_release(tmp_path / "rel", pump_record())
    data = json.loads((folder / "modelshare.json").read_text())
    data["describe"]["favourite_colour"] = "blue"
    (folder / "modelshare.json").write_text(json.dumps(data))
    with pytest.raises(
        InvalidInputError, match=r"not a valid release record: describe\.favourite_colour"
    ):
        check_path(folder)
