"""Evidence from a modelshare release: the exact fields of its record and the files it ships.

Each item is read from named record fields, and its evidence names them. Human texts are shown
by field and length only, so that no personal data from them ends up in a report.

Example:
    >>> rel = Path("releases/penguin-species")
    >>> record = ReleaseRecord.model_validate_json((rel / "modelshare.json").read_text())
    >>> people = detect_record_people(record)
    >>> assess_record(record, rel, people)["preprocessing.split"].evidence
    'split: stratified hold-out, test_size 0.2, random_state 0'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from modelshare.audit.checklist import ITEMS, ITEMS_BY_ID, Assessment
from modelshare.audit.people import PeopleEvidence, consent_statement, detect_people
from modelshare.audit.pii import PiiFinding
from modelshare.audit.risks import RiskInputs
from modelshare.layout import PROFILE_FILE
from modelshare.record import PreprocessingStep, ReleaseRecord

FAIRNESS_WORDS = ITEMS_BY_ID["ethics.fairness"].keyword_pattern or re.compile("fairness")
TEXT_FIELDS: dict[str, str] = {
    "data.collection": "training_data.provenance.collection",
    "ethics.considerations": "describe.ethical_considerations",
    "contact": "contact",
    "acknowledgments": "describe.acknowledgments",
    "uses.intended": "describe.intended_use",
    "uses.out_of_scope": "describe.out_of_scope",
    "limitations": "describe.limitations",
    "citation": "describe.citation",
}
"""Items a human text field of the record documents, by dotted field name."""
PEOPLE_TEXT_FIELDS = (
    "description",
    "describe.intended_use",
    "describe.out_of_scope",
    "describe.limitations",
    "training_data.provenance.source",
    "training_data.provenance.collection",
)
"""Record texts searched for words about people (the ethics and consent texts are not:
they discuss people by their nature)."""


@dataclass(frozen=True)
class ReleaseFolder:
    """A record and the folder it was read from."""

    record: ReleaseRecord
    folder: Path


def field_value(record: ReleaseRecord, dotted: str) -> str | None:
    """The text of a dotted record field, ``None`` when unset or blank.

    Example:
        >>> field_value(record, "describe.intended_use")
        'Teaching and demonstrating how a tabular classifier is documented and shared; ...'
    """
    value: object = record
    for part in dotted.split("."):
        value = getattr(value, part, None)
        if value is None:
            return None
    text = str(value).strip()
    return text or None


def _text_field(dotted: str) -> Callable[[ReleaseFolder], Assessment]:
    def assess(release: ReleaseFolder) -> Assessment:
        text = field_value(release.record, dotted)
        if text is None:
            return Assessment("missing", f"{dotted} is empty")
        return Assessment("present", f"{dotted} ({len(text.split())} words)")

    return assess


def _environment(release: ReleaseFolder) -> Assessment:
    env = release.record.environment
    if not env.packages:
        return Assessment("missing", "environment.packages is empty")
    return Assessment(
        "present",
        f"environment.packages: {len(env.packages)} exact versions; Python {env.python}, {env.os}",
    )


def _data_license(release: ReleaseFolder) -> Assessment:
    provenance = release.record.training_data.provenance
    license_id = provenance.license if provenance else None
    owner = provenance.owner if provenance else None
    if license_id and owner:
        return Assessment("present", f"training_data.provenance.license: {license_id}; owner given")
    if license_id or owner:
        given, empty = ("license", "owner") if license_id else ("owner", "license")
        return Assessment("partial", f"training_data.provenance.{given} given, {empty} empty")
    return Assessment("missing", "training_data.provenance.license and owner are empty")


def _statistics(release: ReleaseFolder) -> Assessment:
    data = release.record.training_data
    return Assessment(
        "present",
        f"training_data: {data.n_samples} samples, {data.n_features} features, "
        f"target {data.target.name!r} ({data.target.type})",
    )


def _balance(release: ReleaseFolder) -> Assessment:
    target = release.record.training_data.target
    if release.record.model.task == "regression":
        return Assessment("not applicable", f"target {target.name!r} is {target.type}: no classes")
    if not target.class_counts:
        return Assessment("missing", "training_data.target.class_counts is empty")
    verdict = "imbalanced" if target.imbalanced else "not imbalanced"
    return Assessment(
        "present",
        f"training_data.target.class_counts: {len(target.class_counts)} classes, imbalance "
        f"ratio {target.imbalance_ratio:.2f} ({verdict})",
    )


def _distribution(release: ReleaseFolder) -> Assessment:
    if (release.folder / PROFILE_FILE).is_file():
        return Assessment("present", f"{PROFILE_FILE} in the release")
    n = len(release.record.training_data.features)
    return Assessment(
        "partial",
        f"training_data.features: type, missing and distinct counts of {n} features; "
        f"no distribution profile ({PROFILE_FILE})",
    )


def _split(release: ReleaseFolder) -> Assessment:
    split = release.record.split
    if split is None:
        return Assessment("missing", "split is empty")
    details = [
        f"{key} {value}"
        for key in ("test_size", "random_state")
        if (value := getattr(split, key)) is not None
    ]
    return Assessment("present", ", ".join([f"split: {split.method}", *details]))


def _steps(release: ReleaseFolder, matches: Callable[[PreprocessingStep], bool]) -> list[str]:
    return [_describe_step(step) for step in release.record.preprocessing if matches(step)]


def _describe_step(step: PreprocessingStep) -> str:
    """A step by kind and origin: where it sits in the pipeline, or that it was declared."""
    if step.source == "declared":
        removed = f", {step.rows_removed} rows removed" if step.rows_removed is not None else ""
        return f"preprocessing: {step.kind} (declared{removed})"
    return f"preprocessing: {step.kind} {step.name!r} ({step.estimator})"


def _step_item(
    kind: str, absent: Callable[[ReleaseFolder], Assessment]
) -> Callable[[ReleaseFolder], Assessment]:
    def assess(release: ReleaseFolder) -> Assessment:
        steps = _steps(release, lambda step: step.kind == kind)
        return Assessment("present", "; ".join(steps)) if steps else absent(release)

    return assess


def _no_scaler(release: ReleaseFolder) -> Assessment:
    features = release.record.training_data.features
    if not any(feature.kind == "numeric" for feature in features):
        return Assessment("not applicable", "training_data.features: no numeric feature to scale")
    count = len(release.record.preprocessing)
    return Assessment("partial", f"no scaler among the {count} preprocessing steps")


def _no_selector(release: ReleaseFolder) -> Assessment:
    n = release.record.training_data.n_features
    return Assessment(
        "partial",
        f"no feature-selector step: all {n} training features reach the model; "
        "how they were chosen is not recorded",
    )


def _is_filter(step: PreprocessingStep) -> bool:
    """An outlier filter or any step that removes rows."""
    return "outlier" in step.kind or "filter" in step.kind or step.rows_removed is not None


def _outliers(release: ReleaseFolder) -> Assessment:
    steps = _steps(release, _is_filter)
    if steps:
        return Assessment("present", "; ".join(steps))
    return Assessment("partial", "no outlier filter among the preprocessing steps")


def _architecture(release: ReleaseFolder) -> Assessment:
    model = release.record.model
    outline = " → ".join(model.steps) or model.estimator
    return Assessment("present", f"model: {model.estimator} ({model.framework}); {outline}")


def _hyperparameters(release: ReleaseFolder) -> Assessment:
    params = release.record.model.hyperparameters
    if not params:
        return Assessment("missing", "model.hyperparameters is empty")
    changed = [p.name for p in params if p.non_default]
    return Assessment(
        "present",
        f"model.hyperparameters: {len(params)} values, {len(changed)} non-default"
        + (f" ({', '.join(changed)})" if changed else ""),
    )


def _training_procedure(release: ReleaseFolder) -> Assessment:
    record = release.record
    on = "the recorded split" if record.split else "the training data"
    return Assessment(
        "present",
        f"model.steps: the whole {record.model.framework} pipeline fitted on {on}, with the "
        "recorded hyperparameters",
    )


def _file_item(field: str) -> Callable[[ReleaseFolder], Assessment]:
    def assess(release: ReleaseFolder) -> Assessment:
        relative = field_value(release.record, field) or ""
        if relative and (release.folder / relative).is_file():
            return Assessment("present", f"{relative} in the release")
        return Assessment("missing", f"{field} {relative!r} not found in the release")

    return assess


def _license(release: ReleaseFolder) -> Assessment:
    license_id = release.record.license
    if not license_id:
        return Assessment("missing", "license is empty")
    return Assessment("present", f"license: {license_id}")


def _metrics(release: ReleaseFolder) -> Assessment:
    shown = [
        f"{e.metrics[0].name} {e.metrics[0].value:.3g} on {e.dataset.name}"
        for e in release.record.evaluation
        if e.metrics
    ]
    if not shown:
        return Assessment("missing", "evaluation is empty")
    return Assessment("present", "evaluation: " + "; ".join(shown))


def _datasets(release: ReleaseFolder) -> Assessment:
    record = release.record
    beyond = {
        e.dataset.checksum: e.dataset.name
        for e in record.evaluation
        if e.dataset.checksum != record.training_data.checksum
    }
    names = ", ".join(beyond.values()) or "none besides the training data"
    status = "present" if len(beyond) >= 2 else "missing"
    return Assessment(status, f"evaluation: {len(beyond)} distinct datasets ({names})")


def _fairness(release: ReleaseFolder) -> Assessment:
    evaluated = [
        f"{e.dataset.name!r} by {', '.join(e.sensitive_features)} "
        f"({len({(m.feature, m.group) for m in e.group_metrics})} groups)"
        for e in release.record.evaluation
        if e.group_metrics
    ]
    if evaluated:
        return Assessment("present", "evaluation[].group_metrics: " + "; ".join(evaluated))
    text = release.record.describe.ethical_considerations or ""
    match = FAIRNESS_WORDS.search(text)
    if match:
        return Assessment(
            "partial",
            f"describe.ethical_considerations mentions {match.group(0)!r}; "
            "no per-group metrics in the record",
        )
    return Assessment("missing", "no per-group evaluation in the record")


RECORD_EVIDENCE: dict[str, Callable[[ReleaseFolder], Assessment]] = {
    **{item: _text_field(dotted) for item, dotted in TEXT_FIELDS.items()},
    "environment": _environment,
    "data.license": _data_license,
    "data.statistics": _statistics,
    "data.balance": _balance,
    "data.distribution": _distribution,
    "preprocessing.split": _split,
    "preprocessing.standardization": _step_item("scaler", _no_scaler),
    "preprocessing.feature_selection": _step_item("feature selector", _no_selector),
    "preprocessing.outliers": _outliers,
    "model.architecture": _architecture,
    "model.hyperparameters": _hyperparameters,
    "model.training_procedure": _training_procedure,
    "model.weights": _file_item("model.file"),
    "evaluation.metrics": _metrics,
    "evaluation.datasets": _datasets,
    "ethics.fairness": _fairness,
    "examples": _file_item("example"),
    "license": _license,
}
"""How each checklist item is read from a release."""


def assess_record(
    record: ReleaseRecord, folder: Path, people: PeopleEvidence
) -> dict[str, Assessment]:
    """The status of every checklist item in a release, from its record and files.

    Example:
        >>> people = detect_record_people(record)
        >>> rel = Path("releases/penguin-species")
        >>> assess_record(record, rel, people)["model.weights"].evidence
        'model.skops in the release'
    """
    release = ReleaseFolder(record, folder)
    results = {}
    for item in ITEMS:
        if item.people_only and not people.involves_people:
            results[item.id] = Assessment(
                "not applicable", "no feature names or record texts suggest people"
            )
        else:
            results[item.id] = RECORD_EVIDENCE[item.id](release)
    return results


def detect_record_people(record: ReleaseRecord) -> PeopleEvidence:
    """Whether the record's feature names, target or texts suggest the model involves people.

    Example:
        >>> detect_record_people(record).evidence
        ("feature 'sex' (sex)",)
    """
    data = record.training_data
    names = [feature.name for feature in data.features] + [data.target.name]
    texts = [(name, field_value(record, name) or "") for name in PEOPLE_TEXT_FIELDS]
    return detect_people(names, texts)


def record_risk_inputs(
    record: ReleaseRecord,
    statuses: Mapping[str, str],
    people: PeopleEvidence,
    pii: list[PiiFinding],
) -> RiskInputs:
    """What the risk checks need, read from a release record.

    Example:
        >>> people = detect_record_people(record)
        >>> assessments = assess_record(record, Path("releases/penguin-species"), people)
        >>> statuses = {key: assessment.status for key, assessment in assessments.items()}
        >>> record_risk_inputs(record, statuses, people, []).seed
        'environment.seeds'
    """
    datasets = [record.training_data, *(e.dataset for e in record.evaluation)]
    licenses = {
        (d.provenance.license, f"dataset {d.name!r}")
        for d in datasets
        if d.provenance and d.provenance.license
    }
    consent = field_value(record, "training_data.provenance.consent")
    statement = consent_statement(consent) if consent else None
    refused = statement is not None and not statement[1]
    return RiskInputs(
        statuses=statuses,
        people=people,
        model_license=record.license,
        data_licenses=tuple(sorted(licenses)),
        consent="training_data.provenance.consent" if consent and not refused else None,
        no_consent="training_data.provenance.consent" if refused else None,
        pinned=f"environment.packages ({len(record.environment.packages)})"
        if record.environment.packages
        else None,
        seed=_seed(record),
        data_version=f"training_data.checksum {record.training_data.checksum[:12]}…",
        pii=tuple(pii),
        training_only=_training_only(record),
        leakage=tuple(finding.evidence for finding in record.leakage or []),
    )


def _seed(record: ReleaseRecord) -> str | None:
    """Where a random seed is recorded: the environment, the split or a hyperparameter."""
    if record.environment.seeds:
        return "environment.seeds"
    if record.split and record.split.random_state is not None:
        return "split.random_state"
    for param in record.model.hyperparameters:
        if param.name in ("random_state", "seed") and isinstance(param.value, int):
            return f"model.hyperparameters.{param.name}"
    return None


def _training_only(record: ReleaseRecord) -> str | None:
    """Why every evaluation saw only training data, when it did."""
    if not record.evaluation:
        return None
    on_training = [
        e
        for e in record.evaluation
        if e.split == "train" or e.dataset.checksum == record.training_data.checksum
    ]
    if len(on_training) < len(record.evaluation):
        return None
    return "every evaluation used the training data: the scores say nothing about new data"
