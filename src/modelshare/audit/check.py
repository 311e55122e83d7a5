"""``modelshare check``: audit a release folder or any model card against the checklist and risks.

A folder holding ``modelshare.json`` is a release: its items are read from the record (exact).
Any other folder must hold a README.md, which is read as a card, with the files beside it as
extra evidence; a file is read as a card on its own. Unusable input raises
:class:`~modelshare.errors.InvalidInputError`, a folder that is neither
:class:`~modelshare.errors.NotAReleaseError`.

Example:
    >>> report = check_path(Path("releases/penguin-species"))
    >>> report.passed, report.exit_code
    (True, 0)
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from pathlib import Path

from modelshare.audit.card import parse_card
from modelshare.audit.card_evidence import (
    assess_card,
    card_risk_inputs,
    card_waivers,
    detect_card_people,
    published_contact_removed,
)
from modelshare.audit.checklist import ITEMS, ITEMS_BY_ID, Assessment
from modelshare.audit.hub_metadata import (
    FrontMatter,
    parse_front_matter,
    shorten,
    validate_front_matter,
)
from modelshare.audit.people import PeopleEvidence
from modelshare.audit.pii import SNIFF_BYTES, PiiFinding, find_personal_data, scan_files
from modelshare.audit.record_evidence import (
    assess_record,
    detect_record_people,
    record_risk_inputs,
)
from modelshare.audit.report import CheckReport, ItemResult, People, Problem
from modelshare.audit.risks import RISK_IDS, assess_risks
from modelshare.bundle import open_release
from modelshare.errors import InvalidInputError
from modelshare.layout import CARD_FILE, RECORD_FILE
from modelshare.record import ReleaseRecord


def check_path(path: str | Path, strict: bool = False) -> CheckReport:
    """Audit a release folder, a README.md or any model-card file.

    ``strict`` makes missing recommended items fail the check too.

    Example:
        >>> check_path("README.md", strict=True).exit_code
        0

    Raises:
        NotAReleaseError: a folder that holds neither modelshare.json nor README.md.
        InvalidInputError: no such path, an invalid record, or a card that is not UTF-8 text.
    """
    target = Path(path)
    if target.is_dir():
        card_file = target / CARD_FILE
        if card_file.is_file() and not (target / RECORD_FILE).is_file():
            return audit_card(read_card_text(card_file), CARD_FILE, target, strict)
        return audit_record(open_release(target).record, target, strict)
    if not target.exists():
        raise InvalidInputError(f"{target}: no such file or folder")
    return audit_card(read_card_text(target), str(target), None, strict)


def read_card_text(path: Path) -> str:
    """The text of a card file; binary or non-UTF-8 files are invalid input.

    Example:
        >>> read_card_text(Path("releases/penguin-species/model.skops"))
        Traceback (most recent call last):
        ...
        modelshare.errors.InvalidInputError: releases/.../model.skops is a binary file, not a ...
    """
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InvalidInputError(f"cannot read {path}: {error.strerror}") from error
    if b"\0" in data[:SNIFF_BYTES]:
        raise InvalidInputError(f"{path} is a binary file, not a model card")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidInputError(
            f"{path} is not UTF-8 text (byte {error.start}): save the card as UTF-8"
        ) from error


def audit_record(record: ReleaseRecord, folder: Path, strict: bool = False) -> CheckReport:
    """Audit a release from its record and folder (its README.md's metadata and files too).

    Example:
        >>> audit_record(record, Path("releases/penguin-species")).summary.required_met
        18
    """
    card_file = folder / CARD_FILE
    card_text = read_card_text(card_file) if card_file.is_file() else None
    front = parse_front_matter(card_text) if card_text is not None else None
    people = detect_record_people(record)
    items = item_results(assess_record(record, folder, people), record.waive, record_fix=True)
    pii = _declared_contact_removed(scan_files(folder), folder, record)
    if card_text is not None:
        pii = published_contact_removed(parse_card(card_text, CARD_FILE), pii)
    inputs = record_risk_inputs(record, _statuses(items), people, pii)
    return CheckReport(
        path=str(folder),
        kind="release",
        strict=strict,
        items=items,
        risks=assess_risks(inputs, record.waive),
        problems=metadata_problems(front) + waiver_problems(record.waive),
        people=_people(people),
    )


def audit_card(
    text: str, file: str = CARD_FILE, folder: Path | None = None, strict: bool = False
) -> CheckReport:
    """Audit any model card's text.

    ``file`` names the card in the report (relative to ``folder`` when given); ``folder``,
    when given, holds the card and the files that count as evidence beside it.

    Example:
        >>> audit_card("# My model\\n\\nTODO\\n").passed
        False
    """
    card = parse_card(text, file)
    front = parse_front_matter(card.text)
    people = detect_card_people(card)
    waivers = card_waivers(card)
    items = item_results(assess_card(card, front, folder, people), waivers, record_fix=False)
    found = scan_files(folder) if folder else find_personal_data(card.text, file)
    pii = published_contact_removed(card, found)
    inputs = card_risk_inputs(card, front, folder, _statuses(items), people, pii)
    return CheckReport(
        path=str(folder) if folder else file,
        kind="card",
        strict=strict,
        items=items,
        risks=assess_risks(inputs, waivers),
        problems=metadata_problems(front) + waiver_problems(waivers),
        people=_people(people),
    )


def item_results(
    assessments: Mapping[str, Assessment], waivers: Mapping[str, str], record_fix: bool
) -> list[ItemResult]:
    """Checklist results in checklist order: waivers applied, a fix for what is not present.

    ``record_fix`` picks the fix for a modelshare release instead of the one for any card.

    Example:
        >>> people = detect_record_people(record)
        >>> assessments = assess_record(record, Path("releases/penguin-species"), people)
        >>> item_results(assessments, {"citation": "internal model"}, True)[-1].status
        'waived'
    """
    results = []
    for item in ITEMS:
        assessment = assessments[item.id]
        waiver = waivers.get(item.id)
        status = "waived" if waiver is not None else assessment.status
        fix = item.record_fix if record_fix else item.fix
        results.append(
            ItemResult(
                id=item.id,
                title=item.title,
                required=item.required,
                status=status,
                evidence=assessment.evidence,
                line=assessment.line,
                fix=fix if status in ("missing", "partial") else None,
                waiver=waiver,
            )
        )
    return results


def metadata_problems(front: FrontMatter | None) -> list[Problem]:
    """The Hub metadata problems of a card's front matter as report problems (none without a card).

    Example:
        >>> [p.key for p in metadata_problems(parse_front_matter("---\\nlicense: MIT\\n---\\n"))]
        ['license']
    """
    if front is None:
        return []
    return [
        Problem(
            source="metadata",
            key=problem.key,
            value=problem.value,
            message=problem.message,
            severity=problem.severity,
            line=problem.line,
            column=problem.column,
        )
        for problem in validate_front_matter(front)
    ]


def waiver_problems(waivers: Mapping[str, str]) -> list[Problem]:
    """One problem per waiver whose id is neither a checklist item nor a risk.

    Example:
        >>> waiver_problems({"ethic.fairness": "penguins"})[0].message
        "waive: 'ethic.fairness' is no checklist item or risk id; did you mean 'ethics.fairness'?"
    """
    known = [*ITEMS_BY_ID, *sorted(RISK_IDS)]
    problems = []
    for key, reason in waivers.items():
        if key in known:
            continue
        close = difflib.get_close_matches(key, known, n=1)
        hint = f"did you mean {close[0]!r}?" if close else "docs/checklist.md lists the ids"
        problems.append(
            Problem(
                source="waive",
                key=key,
                value=shorten(reason),
                message=f"waive: {key!r} is no checklist item or risk id; {hint}",
                severity="warning",
            )
        )
    return problems


def _statuses(items: list[ItemResult]) -> dict[str, str]:
    return {item.id: item.status for item in items}


def _people(people: PeopleEvidence) -> People:
    return People(involves_people=people.involves_people, evidence=list(people.evidence))


def _declared_contact_removed(
    findings: list[PiiFinding], folder: Path, record: ReleaseRecord
) -> list[PiiFinding]:
    """Drop findings on lines that hold the record's own contact or authors, verbatim."""
    declared = [text for text in (record.contact, *record.authors) if text and len(text) >= 5]
    lines: dict[str, list[str]] = {}

    def published(finding: PiiFinding) -> bool:
        if finding.file not in lines:
            text = (folder / finding.file).read_text(encoding="utf-8", errors="replace")
            lines[finding.file] = text.split("\n")
        line = lines[finding.file][finding.line - 1]
        return any(value in line for value in declared)

    return [finding for finding in findings if not (declared and published(finding))]
