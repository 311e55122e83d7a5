"""Evidence from any model card: YAML metadata, headings, words in sections, files beside it.

For each checklist item, the first of these that speaks decides:

1. the metadata (``license``; ``model-index`` for metrics and evaluation datasets;
   a regression ``pipeline_tag`` makes class balance not applicable);
2. a file beside the card, when the card sits in a folder (weights, requirements, examples);
3. a section titled by one of the item's headings: present, or partial when its own body
   still holds a placeholder; a titled section holding only placeholders does not count;
4. one of the item's words inside a section of its scope (present); an item without a scope
   (contact, weights, ethics…) mentioned anywhere is partial.

Nothing found: missing, naming the placeholder section when there is one.

Example:
    >>> from modelshare.audit.card import parse_card
    >>> from modelshare.audit.hub_metadata import parse_front_matter
    >>> card = parse_card(Path("README.md").read_text())
    >>> front = parse_front_matter(card.text)
    >>> assess_card(card, front, None, detect_card_people(card))["contact"].status
    'present'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from modelshare.audit.card import Excerpt, ParsedCard, Section, line_kind, normalize_heading
from modelshare.audit.checklist import (
    ITEMS,
    ITEMS_BY_ID,
    PACKAGE_NAME,
    TRAINING_DATA,
    Assessment,
    ChecklistItem,
    Topic,
)
from modelshare.audit.hub_metadata import FrontMatter, hub_license_id, hub_licenses
from modelshare.audit.licenses import LICENSE_IN_TEXT, normalize_license
from modelshare.audit.people import (
    PeopleEvidence,
    consent_statement,
    people_in_features,
    people_in_text,
)
from modelshare.audit.pii import PiiFinding
from modelshare.audit.risks import RiskInputs

NOT_PEOPLE = "no feature names or words of the card suggest the model involves people"
SEED = re.compile(r"\b(?:random[_ ]?(?:seed|state)|seed(?:s|ed)?\s*+(?:(?:=|:|of|to)\s*+)?\d+)\b")
VERSION_PIN = re.compile(PACKAGE_NAME + r"(?:\s*+(?:==|:|\|)|\s)\s*+v?\d+\.\d+(?:\.\d+)*\b")
"""A package and its version, as lists and tables write them ("numpy==2.1.3", "| numpy | 2.1.3").

Like every pattern on a card's text, it runs in linear time: the name is tried only where a
token starts (see :data:`PACKAGE_NAME`) and blanks are read once (possessive ``*+``), not split
in every way between two runs of them."""
EXACT_PIN = re.compile(r"(?<![\w.-])[\w.-]++\s*==\s*\d")
DATA_VERSION = re.compile(
    r"\b(?:sha-?256|md5|checksum|doi|revision|commit [0-9a-f]{7,}|version\s*v?\d"
    r"|v\d+(?:\.\d+)+)\b"
)
PUBLISHED_CONTACT = Topic(
    (*ITEMS_BY_ID["contact"].headings.synonyms, "authors", "developed by", "citation")
)
"""Sections whose e-mail addresses and phone numbers the authors publish on purpose."""


def assess_card(
    card: ParsedCard, front: FrontMatter, folder: Path | None, people: PeopleEvidence
) -> dict[str, Assessment]:
    """The status of every checklist item in a card (and the files beside it).

    Example:
        >>> from modelshare.audit.card import parse_card
        >>> from modelshare.audit.hub_metadata import parse_front_matter
        >>> card = parse_card("---\\nlicense: mit\\n---\\n# Demo\\n")
        >>> front = parse_front_matter(card.text)
        >>> assess_card(card, front, None, detect_card_people(card))["license"]
        Assessment(status='present', evidence='metadata license: mit (line 2)', line=2)
    """
    labels = _card_labels(card)
    return {item.id: _assess_item(item, card, front, folder, people, labels) for item in ITEMS}


def _assess_item(
    item: ChecklistItem,
    card: ParsedCard,
    front: FrontMatter,
    folder: Path | None,
    people: PeopleEvidence,
    labels: list[_Label],
) -> Assessment:
    """The status of one item, from the first evidence that speaks (see the module)."""
    if item.people_only and not people.involves_people:
        return Assessment("not applicable", NOT_PEOPLE)
    metadata = METADATA_EVIDENCE.get(item.id)
    return (
        (metadata(front) if metadata else None)
        or _file_evidence(item, folder)
        or _section_evidence(item, card)
        or _label_evidence(item, labels)
        or _unless_marked_missing(item, card, _keyword_evidence(item, card))
        or _missing_evidence(item, card)
    )


def _license_metadata(front: FrontMatter) -> Assessment | None:
    value = front.metadata.get("license")
    ids = [str(item) for item in value] if isinstance(value, list) else [str(value)]
    if not value:
        return None
    line = front.key_lines.get("license")
    shown = ", ".join(ids)
    if ids == ["other"] and front.metadata.get("license_name"):
        shown = f"other ({front.metadata['license_name']})"
    unknown = [item for item in ids if item not in hub_licenses()]
    if unknown:
        known = hub_license_id(unknown[0])
        fix = f": use '{known}'" if known else ""
        evidence = f"metadata license: {shown} (line {line}), not a Hub license id{fix}"
        return Assessment("partial", evidence, line)
    return Assessment("present", f"metadata license: {shown} (line {line})", line)


def eval_results(metadata: Mapping[str, Any]) -> list[tuple[str, int]]:
    """(dataset name, number of metrics) of each model-index result, read leniently.

    Example:
        >>> eval_results({"model-index": [{"results": [{"dataset": {"name": "IMDb"},
        ...     "metrics": [{"type": "accuracy", "value": 0.9}]}]}]})
        [('IMDb', 1)]
    """
    found = []
    models = metadata.get("model-index")
    for model in models if isinstance(models, list) else []:
        results = model.get("results") if isinstance(model, dict) else None
        for result in results if isinstance(results, list) else []:
            if not isinstance(result, dict):
                continue
            dataset = result.get("dataset")
            name = (
                (dataset.get("name") or dataset.get("type")) if isinstance(dataset, dict) else None
            )
            metrics = result.get("metrics")
            found.append((str(name), len(metrics) if isinstance(metrics, list) else 0))
    return found


def _metrics_metadata(front: FrontMatter) -> Assessment | None:
    results = eval_results(front.metadata)
    count = sum(metrics for _, metrics in results)
    if not count:
        return None
    line = front.key_lines.get("model-index")
    datasets = len({name for name, _ in results})
    return Assessment(
        "present", f"metadata model-index: {count} metric values on {datasets} dataset(s)", line
    )


def _datasets_metadata(front: FrontMatter) -> Assessment | None:
    names = sorted({name for name, metrics in eval_results(front.metadata) if metrics})
    if len(names) < 2:
        return None
    line = front.key_lines.get("model-index")
    return Assessment(
        "present", f"metadata model-index: {len(names)} datasets ({', '.join(names)})", line
    )


def _balance_metadata(front: FrontMatter) -> Assessment | None:
    task = front.metadata.get("pipeline_tag")
    if not isinstance(task, str) or "regression" not in task:
        return None
    line = front.key_lines.get("pipeline_tag")
    return Assessment("not applicable", f"metadata pipeline_tag: {task} (no classes)", line)


METADATA_EVIDENCE: dict[str, Callable[[FrontMatter], Assessment | None]] = {
    "license": _license_metadata,
    "data.balance": _balance_metadata,
    "evaluation.metrics": _metrics_metadata,
    "evaluation.datasets": _datasets_metadata,
}
"""Items the YAML metadata can show, and how."""
METADATA_KEYS = {"license": "license", "evaluation.metrics": "model-index"}
"""The metadata key a missing item names."""


def _file_evidence(item: ChecklistItem, folder: Path | None) -> Assessment | None:
    """Present when the folder holds a file the item's patterns name."""
    if folder is None:
        return None
    for pattern in item.files:
        for path in sorted(folder.glob(pattern)):
            if path.is_file():
                return Assessment("present", f"{path.relative_to(folder).as_posix()} in the folder")
    return None


def _section_evidence(item: ChecklistItem, card: ParsedCard) -> Assessment | None:
    """A section titled for the item that holds content (partial if placeholders remain)."""
    filled = [
        s
        for s in card.where(item.headings.titles).sections
        if not s.placeholder and _filled_for(item, s, card)
    ]
    if not filled:
        return None
    complete = [s for s in filled if not s.unfinished]
    if complete:
        return Assessment("present", complete[0].describe(), complete[0].line)
    section = filled[0]
    return Assessment(
        "partial",
        f"{section.describe()} still holds a placeholder at line {section.marker_line}",
        section.line,
    )


_TABLE_ROW_LABEL = re.compile(r"^\|\s*(?:\*\*)?([^|*\n]{1,60}?)(?:\*\*)?\s*\|\s*([^|\n]*?)\s*\|")
_TABLE_RULE = re.compile(r"^\|?\s*:?-{3,}")
_BOLD_LABEL = re.compile(r"^(?:[-*+]\s+)?\*\*([^*\n]{1,60}?)(?::\*\*|\*\*:)[ \t]*+(\S.*)$")
"""``**Label:** value`` or ``**Label**: value``; a bold lead-in without a colon
(``**Out-of-distribution checks.** …``) is no label."""


class _Label(NamedTuple):
    """A table row or bold label of a card that gives a value."""

    line: int
    kind: str
    label: str
    key: str
    value: str


def _card_labels(card: ParsedCard) -> list[_Label]:
    """Every table row (not a header row) and bold label of the card that gives a value, in
    file order, read once per card: a ``| License | apache-2.0 |`` row, an
    ``**Intended use:** …`` line, wherever they stand."""
    labels = []
    for section in card.sections:
        for line, text in section.content:
            labelled = _TABLE_ROW_LABEL.match(text) or _BOLD_LABEL.match(text)
            following = card.lines[line] if line < len(card.lines) else ""
            if labelled is None or (text.startswith("|") and _TABLE_RULE.match(following.strip())):
                continue  # no label, or a table's header row
            label, value = labelled.group(1).strip(), labelled.group(2).strip()
            if value and _is_value(value):
                kind = "row" if text.startswith("|") else "label"
                labels.append(_Label(line, kind, label, normalize_heading(label), value))
    return labels


def _label_evidence(item: ChecklistItem, labels: list[_Label]) -> Assessment | None:
    """Present when one of the card's labels (:func:`_card_labels`) names the item."""
    for found in labels:
        if item.headings.names(found.key):
            evidence = f"{found.kind} {found.label!r} at line {found.line}: {found.value[:60]}"
            return Assessment("present", evidence, found.line)
    return None


def _is_value(text: str) -> bool:
    """Whether a label's value says something: not a placeholder, a rule or punctuation."""
    return line_kind(text) == "content" and not set(text) <= set("-: |")


def _filled_for(item: ChecklistItem, section: Section, card: ParsedCard) -> bool:
    """Whether a section titled for ``item`` holds content about it: text of its own, or a
    subsection that is not titled for another item (an empty ``## Model Card Contact`` with a
    ``### Framework versions`` under it says nothing about contact)."""
    if section.content:
        return True
    depth = len(section.path)
    below = [
        other
        for other in card.sections
        if len(other.path) > depth and other.path[:depth] == section.path and other.content
    ]
    return any(
        not any(rival.headings.titles(other.path) for rival in ITEMS if rival.id != item.id)
        for other in below
    )


def _unless_marked_missing(
    item: ChecklistItem, card: ParsedCard, found: Assessment | None
) -> Assessment | None:
    """``found`` (words that sound like the item), unless the card itself says the item's fact
    is missing: a ``> **Missing: FIELD**`` line outweighs such words elsewhere (``Measured``
    in a statistics section is no account of how the data was collected)."""
    if found is None or item.fact is None:
        return found
    line = next((line for line, fact in card.missing_facts if fact == item.fact), None)
    if line is None:
        return found
    return Assessment("missing", f"the card says {item.fact} is missing (line {line})", line)


def _keyword_evidence(item: ChecklistItem, card: ParsedCard) -> Assessment | None:
    """One of the item's words in a section of its scope (present); for an item without a
    scope, anywhere in the card (partial)."""
    pattern = item.keyword_pattern
    if pattern is None:
        return None
    if not item.scope:
        hit = card.find(pattern)
        if hit is None:
            return None
        line, word = hit
        evidence = f"only mentioned: {word!r} at line {line}, in no section on it"
        return Assessment("partial", evidence, line)
    scoped = card.where(lambda path: any(topic.covers(path) for topic in item.scope))
    if item.intro:
        sections = sorted({*scoped.sections, *card.intro}, key=lambda s: s.line)
        scoped = Excerpt(tuple(sections))
    hit = scoped.find(pattern)
    if hit is None:
        return None
    line, word = hit
    section = scoped.section_at(line)
    return Assessment("present", f"{word!r} in {section.describe()}, line {line}", line)


def _missing_evidence(item: ChecklistItem, card: ParsedCard) -> Assessment:
    """Missing: the placeholder section that stands for the item, or the headings looked for."""
    titled = card.where(item.headings.titles).sections
    if titled:
        section = titled[0]
        facts = dict(card.missing_facts)
        fact = facts.get(section.marker_line) if section.marker_line else None
        shown = f" (Missing: {fact})" if fact else ""
        return Assessment(
            "missing", f"{section.describe()} holds only a placeholder{shown}", section.line
        )
    names = [name.lstrip("=").capitalize() for name in item.headings.synonyms[:3]]
    looked_for = "no section such as " + ", ".join(f"'{name}'" for name in names)
    if item.id in METADATA_KEYS:
        looked_for += f" and no `{METADATA_KEYS[item.id]}` in the metadata"
    return Assessment("missing", looked_for)


def detect_card_people(card: ParsedCard) -> PeopleEvidence:
    """Whether the card's words suggest the model involves people, with the lines that say so.

    Example:
        >>> from modelshare.audit.card import parse_card
        >>> detect_card_people(parse_card("# Uses\\n\\nTriage of patients.\\n")).evidence
        ("line 3: 'patients'",)
    """
    words = people_in_text(card.content_text)
    evidence = people_in_features(card_feature_names(card.text) + card_target_names(card.text))
    evidence += [f"line {card.line_of(offset)}: {word!r}" for offset, word in words]
    return PeopleEvidence(bool(evidence), tuple(evidence[:5]))


FEATURE_TABLE_ROW = re.compile(r"^\| *(?:`([^`|\n]+)`|([^|\n]+?)) *\|", re.M)


TARGET_ROW = re.compile(r"^\| *Target *\| *`([^`|\n]+)`", re.M)
"""A statistics table's ``| Target | `name` (kind) |`` row, as modelshare cards write it."""


def card_target_names(text: str) -> list[str]:
    """The target columns the card's statistics tables name (the record audit reads the
    target's name from the record).

    Example:
        >>> card_target_names("| Target | `diagnosis` (binary) |\\n")
        ['diagnosis']
    """
    return list(dict.fromkeys(TARGET_ROW.findall(text)))


def card_feature_names(text: str) -> list[str]:
    """The first column of the card's tables headed ``Feature``: the names of the features
    it lists, which the record audit reads from the record.

    Example:
        >>> card_feature_names("| Feature | Kind |\\n|---|---|\\n| sex | categorical |\\n")
        ['sex']
    """
    names: list[str] = []
    for block in re.split(r"\n(?!\|)", text):
        rows = [m.group(1) or m.group(2) for m in FEATURE_TABLE_ROW.finditer(block)]
        if rows and rows[0].strip().lower() == "feature":
            names += [row.strip() for row in rows[1:] if not set(row.strip()) <= set("-: ")]
    return list(dict.fromkeys(names))


WAIVERS_HEADING = "checklist waivers"
"""The normalised heading of the section where a modelshare card lists its waivers."""
_CELL_DIVIDER = re.compile(r"(?<!\\)\|")


def card_waivers(card: ParsedCard) -> dict[str, str]:
    """The waivers a card declares in its *Checklist waivers* table (as modelshare renders
    the record's ``waive``): checklist item or risk id -> why it does not apply.

    Example:
        >>> from modelshare.audit.card import parse_card
        >>> text = "# M\\n## Checklist waivers\\n| Checklist item | Why |\\n|---|---|\\n"
        >>> card_waivers(parse_card(text + "| ethics.fairness | penguins, not people |\\n"))
        {'ethics.fairness': 'penguins, not people'}
    """
    waivers: dict[str, str] = {}
    for section in card.sections:
        if section.key != WAIVERS_HEADING:
            continue
        for _, line in section.content:
            cells = [cell.strip() for cell in _CELL_DIVIDER.split(line.strip().strip("|"))]
            if len(cells) == 2 and cells[1] and not set(cells[0]) <= set("-: "):
                waivers[cells[0].strip("`")] = cells[1].replace("\\|", "|")
    waivers.pop("Checklist item", None)
    return waivers


def card_model_license(card: ParsedCard, front: FrontMatter) -> str | None:
    """The model license: ``license`` in the metadata, else what a License section names.

    Example:
        >>> from modelshare.audit.card import parse_card
        >>> card_model_license(parse_card("# M\\n## License\\n* Apache-2.0\\n"), FrontMatter({}))
        'apache-2.0'
        >>> card_model_license(parse_card("# M\\n## License\\nCC BY 4.0\\n"), FrontMatter({}))
        'cc-by-4.0'
    """
    value = front.metadata.get("license")
    if isinstance(value, str):
        return value
    for section in card.where(ITEMS_BY_ID["license"].headings.titles).sections:
        if section.content:
            named = section.find(LICENSE_IN_TEXT)
            if named:
                return normalize_license(named[1])
            text = section.content_text
            words = (normalize_license(w) for w in re.findall(r"[\w.+-]+", text))
            return next((w for w in words if w in hub_licenses()), normalize_license(text[:40]))
    return None


def _data_licenses(card: ParsedCard) -> tuple[tuple[str, str], ...]:
    """License ids written in the card's training data sections, with where they are."""
    training = card.where(TRAINING_DATA.covers)
    found: dict[str, str] = {}
    for match in LICENSE_IN_TEXT.finditer(training.lowered_text):
        line = training.line_of(match.start())
        found.setdefault(normalize_license(match.group(0)), f"training data (line {line})")
    return tuple(found.items())


def _first(pattern: re.Pattern[str], place: Excerpt | ParsedCard) -> str | None:
    """Where ``pattern`` first matches in a card or some of its sections."""
    hit = place.find(pattern)
    return f"line {hit[0]}: {hit[1]!r}" if hit else None


def _pinned(card: ParsedCard, folder: Path | None) -> str | None:
    """Exact versions in the environment sections or the card, or a pinned requirements file."""
    environment = ITEMS_BY_ID["environment"].headings
    stated = _first(VERSION_PIN, card.where(environment.covers))
    if stated:
        return stated
    for path in sorted(folder.glob("requirements*.txt")) if folder else []:
        if "==" in path.read_text(encoding="utf-8", errors="replace"):
            return f"{path.name} pins versions"
    return _first(EXACT_PIN, card)


def card_risk_inputs(
    card: ParsedCard,
    front: FrontMatter,
    folder: Path | None,
    statuses: Mapping[str, str],
    people: PeopleEvidence,
    pii: list[PiiFinding],
) -> RiskInputs:
    """What the risk checks need, read from a card (and the files beside it).

    Example:
        >>> from modelshare.audit.card import parse_card
        >>> from modelshare.audit.hub_metadata import parse_front_matter
        >>> card = parse_card("---\\nlicense: mit\\n---\\n# Demo\\n")
        >>> front = parse_front_matter(card.text)
        >>> people = detect_card_people(card)
        >>> statuses = {k: a.status for k, a in assess_card(card, front, None, people).items()}
        >>> card_risk_inputs(card, front, None, statuses, people, []).model_license
        'mit'
    """
    consent = consent_statement(card.content_text)
    where = f"line {card.line_of(consent[0])}" if consent else None
    return RiskInputs(
        statuses=statuses,
        people=people,
        model_license=card_model_license(card, front),
        data_licenses=_data_licenses(card),
        consent=where if consent and consent[1] else None,
        no_consent=where if consent and not consent[1] else None,
        pinned=_pinned(card, folder),
        seed=_first(SEED, card),
        data_version=_first(DATA_VERSION, card.where(TRAINING_DATA.covers)),
        pii=tuple(pii),
    )


def published_contact_removed(card: ParsedCard, pii: list[PiiFinding]) -> list[PiiFinding]:
    """Drop e-mail addresses and phone numbers the card's contact or author sections publish.

    Example:
        >>> from modelshare.audit.card import parse_card
        >>> from modelshare.audit.pii import find_personal_data
        >>> card = parse_card("# M\\n## Contact\\nann@uni-research.org\\n")
        >>> published_contact_removed(card, find_personal_data(card.text, card.file))
        []
    """
    published = {line for line, _ in card.where(PUBLISHED_CONTACT.covers).numbered_lines()}
    return [
        f
        for f in pii
        if not (f.file == card.file and f.kind in ("email", "phone") and f.line in published)
    ]
