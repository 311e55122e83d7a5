"""A user runs `modelshare check` on model cards written in different styles.

Each card in tests/cards is realistic; the expected status of every checklist item is written
down, so a change in how cards are read shows up as a changed line here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from huggingface_hub import ModelCard, ModelCardData

from modelshare.audit.card import parse_card
from modelshare.audit.check import audit_card, check_path
from modelshare.audit.checklist import ITEMS

CARDS = Path(__file__).parent / "cards"

EXPECTED: dict[str, dict[str, str]] = {
    # The Hub's default template, partly filled in by the authors of a review classifier.
    "hub_template_partial.md": {
        "environment": "missing",  # "Compute Infrastructure" left as a placeholder
        "data.collection": "present",  # "scraped from Amazon"
        "data.license": "missing",
        "data.statistics": "present",  # "3,600,000 reviews"
        "data.balance": "missing",
        "data.distribution": "missing",
        "preprocessing.split": "present",  # "test split"
        "preprocessing.standardization": "missing",
        "preprocessing.feature_selection": "missing",
        "preprocessing.outliers": "missing",
        "model.architecture": "present",  # "Model type: DistilBERT encoder…"
        "model.hyperparameters": "present",
        "model.training_procedure": "present",
        "model.weights": "missing",
        "evaluation.metrics": "present",  # from model-index
        "evaluation.datasets": "missing",
        "ethics.considerations": "present",  # "Bias, Risks, and Limitations"
        "ethics.fairness": "missing",  # reviews by customers; "Factors" left empty
        "contact": "missing",
        "acknowledgments": "missing",
        "examples": "present",
        "license": "present",
        "uses.intended": "present",
        "uses.out_of_scope": "present",
        "limitations": "present",
        "citation": "partial",  # BibTeX given, APA still "[More Information Needed]"
    },
    # Google's Model Card Toolkit layout: Model Details / Model Parameters / Considerations.
    "model_card_toolkit.md": {
        "environment": "missing",
        "data.collection": "present",  # "Extracted … from the 1994 US Census database"
        "data.license": "present",  # "Licensed CC BY 4.0"
        "data.statistics": "present",  # "32,561 rows"
        "data.balance": "missing",
        "data.distribution": "missing",
        "preprocessing.split": "present",
        "preprocessing.standardization": "present",  # "unscaled numeric features"
        "preprocessing.feature_selection": "present",  # "Input Format"
        "preprocessing.outliers": "missing",
        "model.architecture": "present",
        "model.hyperparameters": "present",  # "200 trees of depth 3"
        "model.training_procedure": "missing",
        "model.weights": "missing",
        "evaluation.metrics": "present",
        "evaluation.datasets": "missing",
        "ethics.considerations": "present",
        "ethics.fairness": "present",  # metrics sliced by sex and race
        "contact": "present",  # "Owners"
        "acknowledgments": "missing",
        "examples": "missing",
        "license": "present",  # "Licenses"
        "uses.intended": "present",  # "Intended Users"
        "uses.out_of_scope": "present",  # "must not be used for decisions about individuals"
        "limitations": "present",
        "citation": "present",  # "References"
    },
    # The sections of Mitchell et al., "Model Cards for Model Reporting" (2019).
    "mitchell_et_al.md": {
        "environment": "missing",
        "data.collection": "present",
        "data.license": "present",  # "non-commercial research purposes only"
        "data.statistics": "present",
        "data.balance": "missing",
        "data.distribution": "missing",
        "preprocessing.split": "present",
        "preprocessing.standardization": "present",  # "normalized with the ImageNet mean"
        "preprocessing.feature_selection": "missing",
        "preprocessing.outliers": "missing",
        "model.architecture": "present",
        "model.hyperparameters": "present",
        "model.training_procedure": "present",
        "model.weights": "partial",  # only "ImageNet weights" in passing
        "evaluation.metrics": "present",
        "evaluation.datasets": "present",  # FairFace as an independent test set
        "ethics.considerations": "present",
        "ethics.fairness": "present",  # "Factors"
        "contact": "partial",  # "open an issue" inside Model Details
        "acknowledgments": "missing",
        "examples": "missing",
        "license": "present",
        "uses.intended": "present",
        "uses.out_of_scope": "present",  # "Not suitable for emotion detection"
        "limitations": "present",  # "Caveats and Recommendations"
        "citation": "missing",
    },
    # A bare README: a few headings, one of them a setext heading, no metadata.
    "bare_readme.md": {
        "environment": "missing",
        "data.collection": "missing",
        "data.license": "missing",
        "data.statistics": "present",  # "1.2 million subscribers" under "Training"
        "data.balance": "missing",
        "data.distribution": "missing",
        "preprocessing.split": "present",  # "80/20 train/test split"
        "preprocessing.standardization": "missing",
        "preprocessing.feature_selection": "missing",
        "preprocessing.outliers": "missing",
        "model.architecture": "present",  # "A random forest" in the introduction
        "model.hyperparameters": "present",
        "model.training_procedure": "present",
        "model.weights": "partial",  # "churn.skops" in the example only
        "evaluation.metrics": "present",
        "evaluation.datasets": "missing",
        "ethics.considerations": "missing",
        "ethics.fairness": "missing",  # predicts about subscribers
        "contact": "missing",
        "acknowledgments": "missing",
        "examples": "present",
        "license": "present",
        "uses.intended": "missing",
        "uses.out_of_scope": "missing",
        "limitations": "missing",
        "citation": "missing",
    },
    # A card saved on Windows: UTF-8 with a byte-order mark and CRLF line endings.
    "windows_bom.md": {
        "environment": "present",
        "data.collection": "present",
        "data.license": "present",  # "public domain"
        "data.statistics": "present",
        "data.balance": "not applicable",  # pipeline_tag: tabular-regression
        "data.distribution": "missing",
        "preprocessing.split": "present",
        "preprocessing.standardization": "missing",
        "preprocessing.feature_selection": "missing",
        "preprocessing.outliers": "missing",
        "model.architecture": "present",
        "model.hyperparameters": "present",
        "model.training_procedure": "present",
        "model.weights": "missing",
        "evaluation.metrics": "present",
        "evaluation.datasets": "missing",
        "ethics.considerations": "missing",
        "ethics.fairness": "not applicable",  # house sales: nothing about people
        "contact": "present",
        "acknowledgments": "missing",
        "examples": "missing",
        "license": "present",
        "uses.intended": "present",
        "uses.out_of_scope": "missing",
        "limitations": "present",
        "citation": "missing",
    },
}


def statuses(path: Path) -> dict[str, str]:
    return {item.id: item.status for item in check_path(path).items}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_item_of_a_realistic_card_has_its_expected_status(name: str) -> None:
    assert statuses(CARDS / name) == EXPECTED[name]


def test_the_expectations_cover_every_checklist_item() -> None:
    for expected in EXPECTED.values():
        assert list(expected) == [item.id for item in ITEMS]


def test_an_untouched_hub_template_has_every_content_item_missing() -> None:
    text = ModelCard.from_template(ModelCardData(), template_path=None).content
    report = audit_card(text)
    by_id = {item.id: item for item in report.items}
    assert by_id.pop("ethics.fairness").status == "not applicable"  # nothing says who is involved
    assert {item.status for item in by_id.values()} == {"missing"}
    assert report.exit_code == 1
    placeholders = {i.id for i in by_id.values() if "holds only a placeholder" in i.evidence}
    assert {"uses.intended", "uses.out_of_scope", "limitations", "contact"} <= placeholders
    assert all(item.fix for item in by_id.values())


def test_a_missing_item_points_at_its_placeholder_section_and_line() -> None:
    lines = (CARDS / "hub_template_partial.md").read_text().split("\n")
    report = check_path(CARDS / "hub_template_partial.md")
    contact = next(item for item in report.items if item.id == "contact")
    assert contact.line == lines.index("## Model Card Contact") + 1 == 229
    assert contact.evidence == "'## Model Card Contact' (line 229) holds only a placeholder"
    assert contact.fix.startswith("Add a 'Contact' section")
    citation = next(item for item in report.items if item.id == "citation")
    apa_placeholder = lines.index("**APA:**") + 3
    assert f"still holds a placeholder at line {apa_placeholder}" in citation.evidence


def test_windows_line_endings_and_bom_keep_the_editor_line_numbers() -> None:
    raw = (CARDS / "windows_bom.md").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    editor_lines = raw.decode("utf-8-sig").split("\r\n")
    report = check_path(CARDS / "windows_bom.md")
    for item_id, heading in [("environment", "## Environment"), ("contact", "## Contact")]:
        item = next(item for item in report.items if item.id == item_id)
        assert item.line == editor_lines.index(heading) + 1
    license_item = next(item for item in report.items if item.id == "license")
    assert license_item.evidence == "metadata license: mit (line 2)"


def test_code_blocks_and_comments_never_become_headings() -> None:
    card = parse_card(
        "# Model\n\n```python\n# not a heading\n```\n\n<!--\n## Hidden\n-->\n\n"
        "~~~~\n## Also code\n~~~~\n\nSetext heading\n==============\n\nText.\n"
    )
    assert [(section.heading, section.line) for section in card.sections] == [
        ("Model", 1),
        ("Setext heading", 15),
    ]
    assert card.sections[0].content == ((4, "# not a heading"), (12, "## Also code"))


@pytest.mark.parametrize(
    "body",
    [
        "",
        "<!-- Provide a longer summary of what this model is. -->",
        "[More Information Needed]",
        "More info needed",
        "TODO",
        "TBD",
        "N/A",
        "- **Developed by:** [More Information Needed]\n- **License:** TBD",
        "> **Missing: describe.intended_use** — what the model is for and who should use it. "
        "Add it under `describe:` in modelshare.yaml or with `Release.describe(intended_use=...)`;"
        " `modelshare check` lists every missing fact.",
    ],
)
def test_placeholder_bodies_count_as_nothing_written(body: str) -> None:
    card = parse_card(f"# Model\n\n## Intended uses\n\n{body}\n")
    section = card.sections[-1]
    assert section.placeholder
    report = audit_card(card.text)
    intended = next(item for item in report.items if item.id == "uses.intended")
    assert intended.status == "missing"


def test_modelshare_placeholder_lines_name_the_missing_fact() -> None:
    text = (
        "# Model\n\n## Intended use\n\n> **Missing: describe.intended_use** — what the model is "
        "for and who should use it.\n"
    )
    intended = next(item for item in audit_card(text).items if item.id == "uses.intended")
    assert intended.evidence == (
        "'## Intended use' (line 3) holds only a placeholder (Missing: describe.intended_use)"
    )


def test_written_text_beside_a_placeholder_is_partial() -> None:
    text = "# Model\n\n## Limitations\n\nFails on night images.\n\nMore cases: TODO\n"
    limitations = next(item for item in audit_card(text).items if item.id == "limitations")
    assert limitations.status == "partial"
    assert limitations.evidence == "'## Limitations' (line 3) still holds a placeholder at line 7"


def test_headings_match_through_synonyms() -> None:
    text = (
        "# Model\n\n## 2. Training data and preprocessing\n\nCollected by survey in 2021.\n\n"
        "## Caveats\n\nOnly daytime images.\n\n## Licence\n\nMIT\n"
    )
    by_id = {item.id: item for item in audit_card(text).items}
    assert by_id["data.collection"].status == "present"
    assert by_id["limitations"].evidence == "'## Caveats' (line 7)"
    assert by_id["license"].evidence == "'## Licence' (line 11)"


def test_a_heading_written_with_a_no_break_space_is_a_heading() -> None:
    card = "# Model\n\n##\u00a0Intended uses & limitations\n\nTeaching how models are shared.\n"

    parsed = parse_card(card)
    intended = next(item for item in audit_card(card).items if item.id == "uses.intended")

    assert [(s.heading, s.level) for s in parsed.sections][1] == ("Intended uses & limitations", 2)
    assert intended.status == "present", intended.evidence


def test_an_empty_section_is_not_filled_by_a_subsection_on_another_topic() -> None:
    card = (
        "# Model\n\n## Model Card Contact\n\n### Framework versions\n\n"
        "- Transformers 4.40.0\n- Pytorch 2.2.0\n"
    )
    filled = card.replace("## Model Card Contact\n\n", "## Model Card Contact\n\nml@lab.org\n\n")

    statuses = {item.id: item.status for item in audit_card(card).items}

    assert statuses["contact"] == "missing"
    assert statuses["environment"] == "present"
    assert {i.id: i.status for i in audit_card(filled).items}["contact"] == "present"


def test_an_untouched_skops_card_documents_no_contact_citation_or_authors(tmp_path: Path) -> None:
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression
    from skops import card

    X, y = load_iris(return_X_y=True)
    card.Card(LogisticRegression(max_iter=500).fit(X, y)).save(tmp_path / "README.md")
    text = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert "You can contact the model card authors through following channels:" in text

    statuses = {item.id: item.status for item in audit_card(text).items}

    assert statuses["contact"] == "missing"
    assert statuses["citation"] == "missing"
    assert statuses["model.hyperparameters"] == "present"  # skops writes the real table


def test_a_table_row_or_a_bold_label_with_a_value_is_evidence() -> None:
    card = (
        "# Model\n\n## Model details\n\n| Field | Value |\n|---|---|\n| License | apache-2.0 |\n"
        "| Weights | `model.safetensors` |\n\n"
        "**Intended use:** triage of support tickets for the help desk team.\n\n"
        "**Contact:** [More Information Needed]\n\n"
        "| Limitations | Notes |\n|---|---|\n| none known | - |\n\n"
        "**Out-of-distribution checks.** Inputs unlike the training data are flagged.\n"
    )

    items = {item.id: item for item in audit_card(card).items}

    assert items["license"].evidence == "row 'License' at line 7: apache-2.0"
    assert items["model.weights"].status == "present"
    assert items["uses.intended"].evidence.startswith("label 'Intended use' at line 10: triage")
    assert items["contact"].status == "missing"  # a label whose value is a placeholder
    assert items["limitations"].status != "present"  # a header row is no label
    assert items["evaluation.datasets"].status == "missing"  # a bold lead-in is no label
