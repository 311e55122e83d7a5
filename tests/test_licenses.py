"""Licences as people write them become the Hub's ids; an unknown one is refused with the
closest ids, and `check` says a card's licence is not an id instead of calling it present."""

from __future__ import annotations

import pytest

from modelshare.audit.check import audit_card
from modelshare.audit.hub_metadata import closest_hub_licenses, hub_license_id
from modelshare.errors import InvalidInputError
from modelshare.release import Release

SPELLINGS = {
    "MIT License": "mit",
    "mit": "mit",
    "Apache 2.0": "apache-2.0",
    "Apache License, Version 2.0": "apache-2.0",
    "Apache-2.0": "apache-2.0",
    "CC BY 4.0": "cc-by-4.0",
    "CC-BY-NC-SA-4.0": "cc-by-nc-sa-4.0",
    "Creative Commons Attribution-NonCommercial 4.0 International": "cc-by-nc-4.0",
    "CC0": "cc0-1.0",
    "CC0 1.0 Universal": "cc0-1.0",
    "GPLv3": "gpl-3.0",
    "GPL-3.0-or-later": "gpl-3.0",
    "GNU General Public License v3.0": "gpl-3.0",
    "LGPL-2.1-only": "lgpl-2.1",
    "BSD 3-Clause": "bsd-3-clause",
    "Mozilla Public License 2.0": "mpl-2.0",
    "The Unlicense": "unlicense",
    "openrail++": "openrail++",
}


@pytest.mark.parametrize(("written", "hub_id"), SPELLINGS.items())
def test_a_common_spelling_is_the_hub_id(written: str, hub_id: str) -> None:
    assert hub_license_id(written) == hub_id


@pytest.mark.parametrize("written", ["Acme Research License", "apache", "cc-by", "proprietary"])
def test_a_name_that_is_no_one_licence_is_not_guessed(written: str) -> None:
    assert hub_license_id(written) is None


def test_a_release_records_the_hub_id_of_the_licence_it_is_given() -> None:
    assert Release("penguins", license="MIT License").license == "mit"
    assert Release("penguins", license="CC BY 4.0").license == "cc-by-4.0"
    assert Release("penguins").license is None


def test_an_unknown_licence_is_refused_with_the_closest_ids() -> None:
    with pytest.raises(InvalidInputError, match=r"'Apache 3'.*did you mean 'apache-2.0'"):
        Release("penguins", license="Apache 3")
    assert closest_hub_licenses("cc-by") == ["cc-by-4.0", "cc-by-3.0", "cc-by-2.0"]


def test_check_calls_a_licence_that_is_no_hub_id_partial_and_names_the_id() -> None:
    report = audit_card("---\nlicense: MIT License\n---\n\n# Model\n")
    item = next(item for item in report.items if item.id == "license")

    assert item.status == "partial"
    assert item.evidence == (
        "metadata license: MIT License (line 2), not a Hub license id: use 'mit'"
    )
    assert any("use 'mit'" in problem.message for problem in report.problems)
