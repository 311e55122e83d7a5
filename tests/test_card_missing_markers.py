"""What a modelshare card says is missing stays missing when `check` reads the card alone:
words elsewhere in the card that sound like the fact do not stand in for it."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelshare.audit.check import audit_card
from modelshare.audit.report import CheckReport
from modelshare.bundle import Bundle


@pytest.mark.parametrize(
    ("item", "fact"),
    [("preprocessing.split", "split"), ("data.collection", "training_data.collection")],
)
def test_a_fact_the_card_marks_missing_is_missing_in_check(
    undocumented_bundle: Bundle, item: str, fact: str
) -> None:
    card = (undocumented_bundle.path / "README.md").read_text(encoding="utf-8")
    assert f"> **Missing: {fact}**" in card

    statuses = {result.id: result for result in audit_card(card).items}

    assert statuses[item].status == "missing", statuses[item].evidence
    assert fact in statuses[item].evidence


def test_the_record_and_the_card_agree_on_every_item_a_person_must_give(
    undocumented_bundle: Bundle,
) -> None:
    from modelshare.audit.check import check_path
    from modelshare.audit.checklist import ITEMS

    card = audit_card((undocumented_bundle.path / "README.md").read_text(encoding="utf-8"))
    release = check_path(undocumented_bundle.path)
    asked = {item.id for item in ITEMS if item.fact is not None}

    def statuses(report: CheckReport) -> dict[str, str]:
        return {item.id: item.status for item in report.items if item.id in asked}

    assert statuses(card) == statuses(release)
    assert {"preprocessing.split", "data.collection"} <= {
        item for item, status in statuses(card).items() if status == "missing"
    }


def test_an_unmarked_card_still_counts_the_words_it_holds(tmp_path: Path) -> None:
    card = "# Model\n\n## Training data\n\nThe data was collected by the field team in 2008.\n"

    collection = next(item for item in audit_card(card).items if item.id == "data.collection")

    assert collection.status == "present"


def test_a_card_read_alone_keeps_the_waivers_it_declares(quickstart_bundle: Bundle) -> None:
    card = (quickstart_bundle.path / "README.md").read_text(encoding="utf-8")
    assert "## Checklist waivers" in card

    alone = audit_card(card)
    fairness = next(item for item in alone.items if item.id == "ethics.fairness")

    assert alone.passed
    assert fairness.status == "waived"
    assert fairness.waiver == quickstart_bundle.record.waive["ethics.fairness"]
