"""The risks of sharing a model, each a check that states its evidence.

The risks are the lesson's "challenges and risks". A risk is ``block`` when its evidence is
concrete and publishing would do harm that cannot be undone (personal data in the files; a data
license that forbids what the model license allows); the others ``warn``, because the checklist
item behind them already fails the check when missing and their detection reads prose.
A waiver ``risk.<name>`` in the release record silences a risk and shows its reason.

Example:
    >>> [risk.id for risk in RISKS][:3]
    ['risk.privacy', 'risk.consent', 'risk.bias']
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from modelshare.audit.licenses import license_conflicts
from modelshare.audit.people import PeopleEvidence
from modelshare.audit.pii import PiiFinding
from modelshare.audit.report import Level, RiskResult

PII_LABELS = {
    "email": "e-mail address",
    "phone": "phone number",
    "national_id": "national id number",
    "payment_card": "payment card number",
    "ip_address": "IP address",
}


@dataclass(frozen=True)
class RiskInputs:
    """What the risks look at, gathered from a release record or from a card.

    ``consent``, ``pinned``, ``seed`` and ``data_version`` say where each is stated (``None``:
    nowhere); ``no_consent`` where the text says consent was not obtained; ``training_only``
    says why the evaluation saw only training data, when it did; ``leakage`` holds the
    evidence of each leakage finding recorded at save time.
    """

    statuses: Mapping[str, str]
    people: PeopleEvidence
    model_license: str | None
    data_licenses: tuple[tuple[str, str], ...]
    consent: str | None
    pinned: str | None
    seed: str | None
    data_version: str | None
    pii: tuple[PiiFinding, ...]
    no_consent: str | None = None
    training_only: str | None = None
    leakage: tuple[str, ...] = ()


@dataclass(frozen=True)
class Finding:
    """One piece of evidence that raises a risk, at a level."""

    level: Level
    text: str


@dataclass(frozen=True)
class Risk:
    """A risk: its stable id, title, highest level, fix and check."""

    id: str
    title: str
    level: Level
    fix: str
    check: Callable[[RiskInputs], list[Finding]]


def _privacy(inputs: RiskInputs) -> list[Finding]:
    return [
        Finding("block", f"{f.file} line {f.line}: {PII_LABELS.get(f.kind, f.kind)} {f.masked}")
        for f in inputs.pii
    ]


def _people(inputs: RiskInputs) -> str:
    return "involves people: " + "; ".join(inputs.people.evidence)


def _consent(inputs: RiskInputs) -> list[Finding]:
    if not inputs.people.involves_people or inputs.consent:
        return []
    gap = (
        f"consent was not obtained ({inputs.no_consent})"
        if inputs.no_consent
        else "no consent statement found"
    )
    return [Finding("warn", _people(inputs)), Finding("warn", gap)]


def _bias(inputs: RiskInputs) -> list[Finding]:
    status = inputs.statuses.get("ethics.fairness")
    if not inputs.people.involves_people or status in ("present", "waived"):
        return []
    return [
        Finding("warn", _people(inputs)),
        Finding("warn", f"no per-group evaluation reported (ethics.fairness: {status})"),
    ]


def _intellectual_property(inputs: RiskInputs) -> list[Finding]:
    findings = [
        Finding(conflict.level, conflict.message)
        for conflict in license_conflicts(inputs.model_license, inputs.data_licenses)
    ]
    if inputs.statuses.get("data.license") == "missing":
        findings.append(Finding("warn", "no license or terms stated for the training data"))
    return findings


def _robustness(inputs: RiskInputs) -> list[Finding]:
    findings = [Finding("warn", inputs.training_only)] if inputs.training_only else []
    statuses = inputs.statuses
    if (
        statuses.get("limitations") == "missing"
        and statuses.get("evaluation.datasets") == "missing"
    ):
        findings.append(
            Finding("warn", "no limitations stated and no evaluation beyond one dataset")
        )
    return findings


def _leakage(inputs: RiskInputs) -> list[Finding]:
    return [Finding("warn", evidence) for evidence in inputs.leakage]


def _reproducibility(inputs: RiskInputs) -> list[Finding]:
    gaps = {
        "environment not pinned (no exact package versions)": inputs.pinned,
        "no random seed recorded": inputs.seed,
        "no dataset checksum or version": inputs.data_version,
    }
    return [Finding("warn", gap) for gap, stated in gaps.items() if not stated]


def _missing_item(item_id: str, what: str) -> Callable[[RiskInputs], list[Finding]]:
    def check(inputs: RiskInputs) -> list[Finding]:
        if inputs.statuses.get(item_id) != "missing":
            return []
        return [Finding("warn", f"{what} ({item_id} missing)")]

    return check


RISKS: tuple[Risk, ...] = (
    Risk(
        "risk.privacy",
        "Privacy: personal data in the published files",
        "block",
        "Remove the personal data from the lines listed, or replace it with fictitious values "
        "(name@example.org), before publishing.",
        _privacy,
    ),
    Risk(
        "risk.consent",
        "Informed consent",
        "warn",
        "State how consent was obtained from the people in the data, or why none was needed "
        "(training_data consent / a consent paragraph in the card).",
        _consent,
    ),
    Risk(
        "risk.bias",
        "Data bias and fairness",
        "warn",
        "Evaluate the model per group of people (e.g. with fairlearn's MetricFrame) and report "
        "the results, or waive ethics.fairness with the reason.",
        _bias,
    ),
    Risk(
        "risk.intellectual_property",
        "Intellectual property: model and data licenses",
        "block",
        "State both licenses and choose a model license the data license allows "
        "(e.g. cc-by-nc-4.0 for a model trained on non-commercial data).",
        _intellectual_property,
    ),
    Risk(
        "risk.robustness",
        "Model robustness and generalization",
        "warn",
        "State the limitations and evaluate on data beyond the training distribution "
        "(another period, site or population).",
        _robustness,
    ),
    Risk(
        "risk.leakage",
        "Data leakage: evaluation results that overstate the model",
        "warn",
        "Evaluate on rows the model never saw: remove training rows from the evaluation data, "
        "drop features that encode the target, and keep evaluation rows later than training "
        "rows when time matters; then save the release again.",
        _leakage,
    ),
    Risk(
        "risk.reproducibility",
        "Lack of reproducibility",
        "warn",
        "Pin the environment (exact versions in requirements.txt), record the random seeds and "
        "identify the data by version or checksum.",
        _reproducibility,
    ),
    Risk(
        "risk.misuse",
        "Unintended use and misuse",
        "warn",
        "Say what the model must not be used for (out-of-scope uses).",
        _missing_item("uses.out_of_scope", "no out-of-scope uses stated"),
    ),
    Risk(
        "risk.responsible_ai",
        "Responsible AI considerations",
        "warn",
        "Add ethical considerations: who is affected, fairness, accountability, transparency.",
        _missing_item("ethics.considerations", "no ethical considerations stated"),
    ),
)

RISK_IDS = frozenset(risk.id for risk in RISKS)


def assess_risks(inputs: RiskInputs, waivers: Mapping[str, str]) -> list[RiskResult]:
    """Run every risk check; a waived risk is not raised and shows its reason.

    Example:
        >>> from modelshare.audit import record_evidence as evidence
        >>> people = evidence.detect_record_people(record)
        >>> inputs = evidence.record_risk_inputs(record, {}, people, [])
        >>> [r.id for r in assess_risks(inputs, {}) if r.raised]  # a `sex` feature, no fairness
        ['risk.bias']
        >>> [r.id for r in assess_risks(inputs, {"risk.bias": "penguins"}) if r.raised]
        []
    """
    results = []
    for risk in RISKS:
        findings = risk.check(inputs)
        waiver = waivers.get(risk.id)
        raised = bool(findings) and waiver is None
        level = risk.level
        if findings and all(finding.level == "warn" for finding in findings):
            level = "warn"
        results.append(
            RiskResult(
                id=risk.id,
                title=risk.title,
                level=level,
                raised=raised,
                evidence=[finding.text for finding in findings],
                fix=risk.fix,
                waiver=waiver,
            )
        )
    return results
