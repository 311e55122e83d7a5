"""A user audits releases and cards with `modelshare check`, as in CI or a pre-commit hook."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from huggingface_hub import ModelCard, ModelCardData

from modelshare.bundle import Bundle
from tests.helpers import assert_clean_failure, run_in_process

HUMAN_ITEMS = {
    "license",
    "contact",
    "uses.intended",
    "uses.out_of_scope",
    "limitations",
    "ethics.considerations",
    "data.collection",
    "data.license",
}


@pytest.fixture(scope="module")
def quickstart_dir(quickstart_bundle: Bundle) -> Path:
    return quickstart_bundle.path


def check_json(*args: str | Path) -> tuple[int, dict]:
    result = run_in_process("check", *args, "--json")
    assert "Traceback" not in result.stderr
    return result.returncode, json.loads(result.stdout)


def test_quickstart_release_passes_with_no_risk(quickstart_dir: Path) -> None:
    code, report = check_json(quickstart_dir)
    assert code == 0
    assert report["kind"] == "release"
    required = {i["id"]: i["status"] for i in report["items"] if i["required"]}
    assert set(required.values()) <= {"present", "partial", "waived", "not applicable"}
    assert required["ethics.fairness"] == "waived"
    assert not [r["id"] for r in report["risks"] if r["raised"]]


def test_quickstart_release_table_output(quickstart_dir: Path) -> None:
    result = run_in_process("check", quickstart_dir)
    assert result.returncode == 0, result.stdout
    assert "uses.out_of_scope" in result.stdout
    assert "required 18/18 met" in result.stdout


def test_release_without_human_facts_lists_each_missing_item(
    undocumented_bundle: Bundle,
) -> None:
    code, report = check_json(undocumented_bundle.path)
    assert code == 1
    missing = {i["id"]: i for i in report["items"] if i["status"] == "missing"}
    assert set(missing) >= HUMAN_ITEMS
    for item in missing.values():
        assert item["fix"], item["id"]
    assert set(report["blocking"]) >= HUMAN_ITEMS


def test_planted_personal_data_is_reported_masked(quickstart_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "leaky"
    shutil.copytree(quickstart_dir, folder)
    example = folder / "examples" / "predict.py"
    lines = example.read_text().splitlines()
    lines.insert(3, "# Questions: jane.doe@univ-lab.org or +44 20 7946 0321")
    example.write_text("\n".join(lines) + "\n")
    result = run_in_process("check", folder, "--json")
    assert result.returncode == 1
    assert "jane.doe@univ-lab.org" not in result.stdout
    assert "7946 0321" not in result.stdout
    privacy = next(r for r in json.loads(result.stdout)["risks"] if r["id"] == "risk.privacy")
    assert privacy["raised"] and privacy["level"] == "block"
    evidence = " ".join(map(str, privacy["evidence"]))
    assert "examples/predict.py line 4: e-mail address" in evidence
    assert "examples/predict.py line 4: phone number" in evidence


def test_hub_default_template_has_every_content_item_missing(tmp_path: Path) -> None:
    card = tmp_path / "README.md"
    card.write_text(str(ModelCard.from_template(ModelCardData())))
    code, report = check_json(card)
    assert code == 1
    statuses = {i["id"]: i["status"] for i in report["items"]}
    assert statuses["uses.intended"] == "missing"
    assert statuses["evaluation.metrics"] == "missing"
    assert statuses["data.collection"] == "missing"


def test_several_paths_exit_with_the_worst_code(quickstart_dir: Path, tmp_path: Path) -> None:
    bare = tmp_path / "README.md"
    bare.write_text("# A model\n\nIt predicts things.\n")
    assert run_in_process("check", quickstart_dir).returncode == 0
    assert run_in_process("check", quickstart_dir, bare).returncode == 1


def test_unusable_input_exits_2_with_one_line(tmp_path: Path) -> None:
    result = run_in_process("check", tmp_path / "nowhere")
    assert_clean_failure(result, "nowhere")
    assert result.returncode == 2
