"""What a user reads from `modelshare check`: the table, the summary line, the JSON, the errors."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from huggingface_hub import ModelCard, ModelCardData
from rich.console import Console

from modelshare.audit.check import audit_card, check_path
from modelshare.audit.checklist import ITEMS, STATUSES, Topic
from modelshare.audit.report import CheckReport, render_report, summary_line
from modelshare.audit.risks import RISKS
from modelshare.errors import InvalidInputError, NotAReleaseError

DOCS = Path(__file__).parent.parent / "docs"
CARDS = Path(__file__).parent / "cards"
TEMPLATE = ModelCard.from_template(ModelCardData(), template_path=None).content
RISKY_CARD = """---
license: mit
language: english
---

# Credit scoring model

Scores loan applicants.

## Training data

Applications from 2023, released under CC BY-NC 4.0. Leaked row: ann.lee@mailbox-example.co.uk.
"""


def rendered(report: CheckReport) -> str:
    console = Console(file=io.StringIO(), width=200, color_system=None)
    render_report(report, console)
    return console.file.getvalue()


def json_paths(value: Any, prefix: str = "") -> Iterator[str]:
    """Every field path of a JSON value, lists written as ``name[]``."""
    if isinstance(value, dict):
        for key, child in value.items():
            path = f"{prefix}.{key}" if prefix else key
            yield path
            yield from json_paths(child, path)
    elif isinstance(value, list):
        for child in value:
            if isinstance(child, dict):
                yield from json_paths(child, prefix + "[]")


def documented_rows(doc: str) -> dict[str, list[str]]:
    """Table rows of a doc whose first cell is a backticked name: name -> other cells."""
    rows = {}
    for line in doc.splitlines():
        match = re.match(r"^\| `([^`]+)` \|(.*)\|$", line)
        if match:
            rows[match.group(1)] = [cell.strip() for cell in match.group(2).split("|")]
    return rows


def test_the_table_shows_status_evidence_and_fix_then_the_summary() -> None:
    output = rendered(audit_card(TEMPLATE))
    assert "uses.out_of_scope" in output
    assert "'### Out-of-Scope Use' (line 51) holds only a placeholder" in output
    assert "Add an 'Out-of-scope uses' section" in output
    assert "Risks raised" in output and "risk.misuse" in output
    assert output.rstrip().splitlines()[-1] == (
        "failed: required 1/18 met, recommended 0/8 met, risks raised: 5 (0 blocking)"
    )


def test_the_summary_counts_partial_items_and_problems() -> None:
    report = check_path(CARDS / "mitchell_et_al.md")
    assert summary_line(report) == (
        "required 16/18 met (2 partial), recommended 2/8 met, risks raised: 3 (1 blocking)"
    )
    risky = audit_card(RISKY_CARD)
    assert summary_line(risky).endswith("problems: 1 (1 blocking)")


def test_the_json_holds_exactly_the_documented_fields() -> None:
    report = audit_card(RISKY_CARD)
    data = json.loads(report.to_json())
    assert data["risks"] and data["problems"] and data["people"]["evidence"]
    documented = set(documented_rows((DOCS / "check-json.md").read_text()))
    assert set(json_paths(data)) == documented


def test_the_json_values_come_from_the_documented_sets() -> None:
    data = json.loads(audit_card(RISKY_CARD).to_json())
    assert data["schema_version"] == "1.0" and data["kind"] == "card"
    assert [item["id"] for item in data["items"]] == [item.id for item in ITEMS]
    assert {item["status"] for item in data["items"]} <= set(STATUSES)
    assert [risk["id"] for risk in data["risks"]] == [risk.id for risk in RISKS]
    assert {risk["level"] for risk in data["risks"]} <= {"block", "warn"}
    assert {p["severity"] for p in data["problems"]} <= {"error", "warning"}
    assert all(item["line"] is None or item["line"] >= 1 for item in data["items"])
    assert all(
        (item["fix"] is not None) == (item["status"] in ("missing", "partial"))
        for item in data["items"]
    )
    assert data["passed"] is False and data["exit_code"] == 1
    assert data["blocking"] == [
        item["id"] for item in data["items"] if item["status"] == "missing" and item["required"]
    ] + ["risk.privacy", "risk.intellectual_property", "metadata:language"]


def test_the_documented_example_is_valid_json_with_the_same_top_level_fields() -> None:
    doc = (DOCS / "check-json.md").read_text()
    example = json.loads(doc.split("```json\n", 1)[1].split("```", 1)[0])
    assert list(example) == list(json.loads(audit_card(TEMPLATE).to_json()))


def test_the_checklist_doc_lists_every_item_with_its_synonyms_and_requirement() -> None:
    doc = (DOCS / "checklist.md").read_text()
    rows = documented_rows(doc)
    for item in ITEMS:
        synonyms = rows[item.id][0].split(" (")[0].split(", ")
        assert synonyms == list(item.headings.synonyms), item.id
        requirement = "required" if item.required else "recommended"
        assert f"### `{item.id}` — {requirement}" in doc
    for risk in RISKS:
        assert rows[risk.id][0].startswith(risk.level), risk.id


def test_the_checklist_doc_lists_every_topic() -> None:
    from modelshare.audit import checklist

    doc = (DOCS / "checklist.md").read_text()
    for name, topic in vars(checklist).items():
        if isinstance(topic, Topic) and name != "ARCHITECTURE":
            row = f"| {name.lower().replace('_', ' ')} | {', '.join(topic.synonyms)} |"
            assert row in doc, name


@pytest.mark.parametrize(
    ("make", "message", "kind"),
    [
        (lambda tmp: tmp / "nowhere.md", "no such file or folder", InvalidInputError),
        (lambda tmp: tmp, "is not a modelshare release", NotAReleaseError),
        (
            lambda tmp: _write(tmp / "model.skops", b"PK\x03\x04\x00\x00binary"),
            "binary file",
            InvalidInputError,
        ),
        (
            lambda tmp: _write(tmp / "card.md", "# Modèle\n".encode("latin-1")),
            "not UTF-8",
            InvalidInputError,
        ),
    ],
)
def test_unusable_input_is_one_line_error(
    tmp_path: Path, make, message: str, kind: type[Exception]
) -> None:
    with pytest.raises(kind) as error:
        check_path(make(tmp_path))
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_a_folder_with_only_a_readme_is_checked_as_a_card_with_its_files(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text(
        "---\nlicense: apache-2.0\n---\n\n# Tiny model\n\nSee model.safetensors.\n"
    )
    (tmp_path / "model.safetensors").write_bytes(b"\x00" * 16)
    (tmp_path / "requirements.txt").write_text("torch==2.3.1\n")
    report = check_path(tmp_path)
    items = {item.id: item for item in report.items}
    assert report.kind == "card"
    assert items["model.weights"].evidence == "model.safetensors in the folder"
    assert items["environment"].evidence == "requirements.txt in the folder"
    reproducibility = next(r for r in report.risks if r.id == "risk.reproducibility")
    assert "environment not pinned (no exact package versions)" not in reproducibility.evidence


def test_a_one_megabyte_card_is_read_in_one_pass() -> None:
    body = (CARDS / "hub_template_partial.md").read_text().split("---\n", 2)[2]
    big = TEMPLATE + body * (1_000_000 // len(body) + 1)
    report = audit_card(big)
    assert len(big) > 1_000_000
    assert {item.id for item in report.items} == {item.id for item in ITEMS}


def test_a_narrow_or_logged_report_gives_each_finding_a_block_of_whole_lines() -> None:
    report = audit_card("# Model\n\n## License\n\nmit\n\nTODO: describe the training data.\n")
    narrow = Console(file=io.StringIO(), width=80, soft_wrap=True)
    wide = Console(file=io.StringIO(), width=160, force_terminal=True)

    render_report(report, narrow)
    render_report(report, wide)

    lines = narrow.file.getvalue().splitlines()
    missing = next(item for item in report.items if item.status == "missing")
    heading = next(i for i, line in enumerate(lines) if line.endswith(f" {missing.id} (required)"))
    assert lines[heading].startswith("missing ")
    assert lines[heading + 1] == f"    {missing.evidence}"
    assert lines[heading + 2] == f"    fix: {missing.fix}"
    assert "│" not in narrow.file.getvalue()
    assert "│" in wide.file.getvalue()
