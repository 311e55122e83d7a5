"""Claimed metrics against measured ones: re-run a release's evaluation and compare.

The claims are the metrics ``modelshare.json`` records for one evaluation dataset. The model is
scored again on the data given, with the same code, and each claimed metric is compared with
the measured one:

- on the very rows the claim was measured on (same dataset checksum), a claim is reproduced
  when the measured value is within :data:`SAME_ROWS_TOLERANCE` of it: a saved model gives the
  same predictions on the same rows, and values are recorded to 4 decimals;
- on other rows (another sample of the same source), within the claim's confidence interval
  widened by :data:`SAME_ROWS_TOLERANCE`; a claim without an interval within
  :data:`OTHER_ROWS_TOLERANCE` or :data:`OTHER_ROWS_RELATIVE` of its value, whichever is larger.

A claimed metric the data does not define (ROC AUC on data lacking a class) is *not measured*.

Example:
    >>> folder = Path("releases/penguin-species")
    >>> report = reproduce_claims(folder, record, model, X_test, y_test, dataset="penguins-test")
    >>> [check.message() for check in report.checks][:1]
    ['reproduced: Accuracy 1 (measured 1)']
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from modelshare.data import check_finite, dataset_checksum
from modelshare.errors import InvalidInputError
from modelshare.evaluate.metrics import score_model
from modelshare.models import release_adapter
from modelshare.record import EvaluationResult, Metric, ReleaseRecord
from modelshare.reports import Report
from modelshare.tables import as_target

SAME_ROWS_TOLERANCE = 0.001
"""Largest difference between a claim and its measurement on the same rows."""

OTHER_ROWS_TOLERANCE = 0.01
OTHER_ROWS_RELATIVE = 0.02
"""Largest absolute and relative difference, on other rows, for a claim without interval."""

ClaimStatus = Literal["reproduced", "not reproduced", "not measured"]


@dataclass(frozen=True)
class ClaimCheck(Report):
    """One claimed metric, what was measured, and whether the claim stands."""

    claim: Metric
    measured: float | None
    low: float
    high: float

    @property
    def status(self) -> ClaimStatus:
        """``reproduced`` when the measurement is within ``[low, high]``."""
        if self.measured is None:
            return "not measured"
        return "reproduced" if self.low <= self.measured <= self.high else "not reproduced"

    def message(self) -> str:
        """The check in one line.

        Example:
            >>> claim = Metric(type="accuracy", name="Accuracy", value=0.95)
            >>> ClaimCheck(claim, 0.9, *accepted_range(claim, same_rows=True)).message()
            'not reproduced: Accuracy claimed 0.95, measured 0.9'
        """
        claim, name = self.claim.value, self.claim.name
        if self.measured is None:
            return f"not measured: {name} claimed {claim:.4g}; the data does not define it"
        if self.status == "reproduced":
            return f"reproduced: {name} {claim:.4g} (measured {self.measured:.4g})"
        return f"not reproduced: {name} claimed {claim:.4g}, measured {self.measured:.4g}"

    def to_dict(self) -> dict[str, Any]:
        """The check as plain data, for ``--json`` output."""
        return {
            "type": self.claim.type,
            "name": self.claim.name,
            "args": self.claim.args,
            "claimed": self.claim.value,
            "ci_low": self.claim.ci_low,
            "ci_high": self.claim.ci_high,
            "measured": self.measured,
            "accepted": [round(self.low, 6), round(self.high, 6)],
            "status": self.status,
            "message": self.message(),
        }


@dataclass(frozen=True)
class ClaimsReport(Report):
    """Every claim of one evaluation dataset, checked on the data given."""

    dataset: str
    same_rows: bool
    checks: list[ClaimCheck]

    @property
    def reproduced(self) -> bool:
        """True when no claim is contradicted by its measurement."""
        return all(check.status != "not reproduced" for check in self.checks)

    def count(self, status: ClaimStatus) -> int:
        """How many claims have ``status``."""
        return sum(check.status == status for check in self.checks)

    def to_dict(self) -> dict[str, Any]:
        """The report as plain data, for ``--json`` output."""
        return {
            "dataset": self.dataset,
            "same_rows": self.same_rows,
            "reproduced": self.reproduced,
            "checks": [check.to_dict() for check in self.checks],
        }


def metric_key(metric: Metric) -> str:
    """What identifies a metric among those of one dataset: its Hub id and arguments.

    Example:
        >>> metric_key(Metric(type="f1", name="Macro F1", value=1.0, args={"average": "macro"}))
        '["f1", {"average": "macro"}]'
    """
    return json.dumps([metric.type, metric.args or {}], sort_keys=True)


def accepted_range(claim: Metric, same_rows: bool) -> tuple[float, float]:
    """The measured values that reproduce a claim (see the module documentation).

    Example:
        >>> accepted_range(Metric(type="accuracy", name="Accuracy", value=0.9), True)
        (0.899, 0.901)
    """
    value = claim.value
    if same_rows:
        return value - SAME_ROWS_TOLERANCE, value + SAME_ROWS_TOLERANCE
    if claim.ci_low is not None and claim.ci_high is not None:
        return claim.ci_low - SAME_ROWS_TOLERANCE, claim.ci_high + SAME_ROWS_TOLERANCE
    tolerance = max(OTHER_ROWS_TOLERANCE, OTHER_ROWS_RELATIVE * abs(value))
    return value - tolerance, value + tolerance


def compare_claims(
    claimed: EvaluationResult, measured: list[Metric], same_rows: bool
) -> ClaimsReport:
    """Check every claimed metric of one dataset against the measured metrics.

    Example:
        >>> compare_claims(record.evaluation[0], scores.metrics, same_rows=True).reproduced
        True
    """
    values = {metric_key(metric): metric.value for metric in measured}
    checks = [
        ClaimCheck(claim, values.get(metric_key(claim)), *accepted_range(claim, same_rows))
        for claim in claimed.metrics
    ]
    return ClaimsReport(claimed.dataset.name, same_rows, checks)


def reproduce_claims(
    folder: Path, record: ReleaseRecord, model: Any, X: Any, y: Any, *, dataset: str | None = None
) -> ClaimsReport:
    """Score a release's model on ``X``, ``y`` and check the claims of one dataset.

    ``dataset`` names the evaluation the claims come from; without it, the evaluation whose
    checksum the data has, else the only one.

    Example:
        >>> folder = Path("releases/penguin-species")
        >>> report = reproduce_claims(folder, record, model, X_new, example.y_later)
        >>> report.dataset, report.same_rows, report.reproduced
        ('penguins-2009', True, True)

    Raises:
        InvalidInputError: the data holds non-finite numbers, or names no evaluation of the release.
    """
    adapter = release_adapter(model, record.model, folder)
    frame, target = adapter.features(X), as_target(y)
    check_finite(frame, "the data")
    same_rows_as = dataset_checksum(frame, target)
    claimed = _claimed_dataset(record, dataset, same_rows_as)
    scores = score_model(
        adapter.predictor(), frame, target, record.model.task, dataset=claimed.dataset.name
    )
    return compare_claims(claimed, scores.metrics, claimed.dataset.checksum == same_rows_as)


def _claimed_dataset(record: ReleaseRecord, dataset: str | None, checksum: str) -> EvaluationResult:
    """The evaluation whose claims are checked."""
    names = ", ".join(e.dataset.name for e in record.evaluation) or "none"
    if dataset is not None:
        for evaluation in record.evaluation:
            if evaluation.dataset.name == dataset:
                return evaluation
        raise InvalidInputError(f"the release has no evaluation named {dataset!r}; it has: {names}")
    for evaluation in record.evaluation:
        if evaluation.dataset.checksum == checksum:
            return evaluation
    if len(record.evaluation) == 1:
        return record.evaluation[0]
    if not record.evaluation:
        raise InvalidInputError("the release records no evaluation: there is no claim to check")
    raise InvalidInputError(f"name the evaluation to check with --dataset: one of {names}")
