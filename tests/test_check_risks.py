"""A user checks cards whose sharing carries a risk: licenses, personal data, consent."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from modelshare.audit.check import audit_card, check_path
from modelshare.audit.licenses import license_conflicts
from modelshare.audit.report import CheckReport, render_report

CARDS = Path(__file__).parent / "cards"


def risk(report: CheckReport, risk_id: str):
    return next(r for r in report.risks if r.id == risk_id)


def rendered(report: CheckReport) -> str:
    console = Console(file=io.StringIO(), width=160, color_system=None)
    render_report(report, console)
    return console.file.getvalue()


NC_DATA_CARD = """---
license: mit
---

# Sentiment classifier

## Training data

Reviews from the Example Corpus, released under CC BY-NC 4.0 by Example Labs.
"""


def test_non_commercial_data_under_a_permissive_model_license_blocks() -> None:
    report = audit_card(NC_DATA_CARD)
    ip = risk(report, "risk.intellectual_property")
    assert ip.raised and ip.level == "block"
    assert ip.evidence == [
        "training data (line 9): 'cc-by-nc-4.0' forbids commercial use; "
        "the model license 'mit' allows it"
    ]
    assert "risk.intellectual_property" in report.blocking


def test_matching_licenses_raise_nothing_and_share_alike_only_warns() -> None:
    same = audit_card(NC_DATA_CARD.replace("license: mit", "license: cc-by-nc-4.0"))
    assert not risk(same, "risk.intellectual_property").raised
    share_alike = audit_card(NC_DATA_CARD.replace("CC BY-NC 4.0", "CC BY-SA 4.0"))
    assert risk(share_alike, "risk.intellectual_property").level == "warn"
    assert [c.level for c in license_conflicts("apache-2.0", [("cc-by-nd-4.0", "data")])] == [
        "block"
    ]


def test_prose_that_restricts_the_data_to_non_commercial_use_blocks_too() -> None:
    ip = risk(check_path(CARDS / "mitchell_et_al.md"), "risk.intellectual_property")
    assert ip.raised and ip.level == "block"
    assert "'non-commercial' forbids commercial use" in ip.evidence[0]


def test_metadata_problems_name_key_value_and_line_never_a_traceback() -> None:
    card = "---\nlicense: not-a-license\nlanguage: english\n---\n\n# Model\n"
    report = audit_card(card)
    problems = {p.key: p for p in report.problems}
    assert problems["license"].value == "not-a-license" and problems["license"].line == 2
    assert problems["language"].value == "english" and problems["language"].line == 3
    assert "use 'en'" in problems["language"].message
    assert {p.source for p in report.problems} == {"metadata"}
    assert report.exit_code == 1
    assert "not-a-license" in rendered(report)


def test_broken_yaml_is_reported_with_its_position() -> None:
    report = audit_card("---\nlicense: mit\ntags: [a, b\n---\n\n# Model\n")
    (problem,) = report.problems
    assert (problem.key, problem.line, problem.column) == ("metadata", 3, 12)
    assert problem.value == "tags: [a, b" and problem.severity == "error"
    assert "metadata:metadata" in report.blocking


PII_CARD = """# Loan default model

## Training data

Applications received in 2023. Example row kept by mistake:
applicant jane.roe@bankmail.net, phone +44 20 7946 0321, card 4539 1488 0343 6467.

## Contact

Questions: credit-models@lender-analytics.com
"""
PLANTED = ["jane.roe@bankmail.net", "+44 20 7946 0321", "4539 1488 0343 6467"]


def test_planted_personal_data_blocks_with_file_and_line_but_is_never_echoed() -> None:
    report = audit_card(PII_CARD, file="README.md")
    privacy = risk(report, "risk.privacy")
    assert privacy.raised and privacy.level == "block"
    assert privacy.evidence == [
        "README.md line 6: e-mail address j***@b***.net",
        "README.md line 6: phone number +** ** **** 0321",
        "README.md line 6: payment card number **** **** **** 6467",
    ]
    outputs = report.to_json() + rendered(report)
    for value in PLANTED:
        assert value not in outputs
        assert value.replace(" ", "") not in outputs
    assert "6467" in outputs  # the masked hint keeps the last digits only


def test_the_published_contact_address_is_not_a_privacy_risk() -> None:
    card = PII_CARD.split("Example row")[0] + "\n\n## Contact\n\nann@uni-research.org\n"
    report = audit_card(card)
    assert not risk(report, "risk.privacy").raised


def test_people_detection_reads_negations_and_records_its_evidence() -> None:
    people = audit_card("# Model\n\nNo personal data; trained on sensor readings.\n").people
    assert not people.involves_people
    people = audit_card("# Model\n\nTriage of emergency patients.\n").people
    assert people.involves_people and people.evidence == ["line 3: 'patients'"]


def test_consent_refused_in_the_text_raises_the_consent_risk() -> None:
    consent = risk(check_path(CARDS / "mitchell_et_al.md"), "risk.consent")
    assert consent.raised and consent.level == "warn"
    assert consent.evidence[-1] == "consent was not obtained (line 58)"
    stated = audit_card(
        "# Model\n\nTriage of patients.\n\n## Ethics\n\nApproved by the hospital IRB; "
        "patients consented to research use.\n"
    )
    assert not risk(stated, "risk.consent").raised


def test_json_of_a_risky_card_is_valid_and_lists_what_blocks() -> None:
    data = json.loads(audit_card(NC_DATA_CARD).to_json())
    assert data["passed"] is False and data["exit_code"] == 1
    assert "risk.intellectual_property" in data["blocking"]


@pytest.mark.parametrize(
    ("features", "texts"),
    [
        (["gender", "SeniorCitizen", "Partner", "tenure", "MonthlyCharges"], []),
        (["workclass", "education", "occupation", "relationship", "hours-per-week"], []),
        (["x0"], [("card", "The model summarises medical reports written by radiologists.")]),
        (["x0"], [("card", "Predicts the yearly income of individuals from census answers.")]),
    ],
    ids=["telco-churn", "adult-census", "medical-reports", "income-of-individuals"],
)
def test_common_data_about_people_is_recognised(features: list[str], texts: list) -> None:
    from modelshare.audit.people import detect_people

    assert detect_people(features, texts).involves_people


def test_individual_trees_and_penguins_are_no_people() -> None:
    from modelshare.audit.people import detect_people

    texts = [("card", "Each individual tree of the forest votes on the species of a penguin.")]
    assert not detect_people(["bill_length_mm", "island"], texts).involves_people
