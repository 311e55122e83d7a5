"""The drift report: settings, per-column results and the dataset-level verdict.

Example:
    >>> from modelshare.shift import drift
    >>> shifted = X_new.assign(island="Dream", bill_depth_mm=X_new["bill_depth_mm"] + 2)
    >>> report = drift(Path("releases/penguin-species"), shifted)
    >>> report.drifted, [column.name for column in report.drifted_columns()]
    (True, ['island', 'bill_depth_mm'])
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from modelshare.reports import ReportModel

ALPHA = 0.05
"""False discovery rate over all tests of a report (Benjamini-Hochberg)."""

WASSERSTEIN_THRESHOLD = 0.1
"""Smallest numeric effect that counts: Wasserstein distance of 0.1 reference spreads."""

JENSEN_SHANNON_THRESHOLD = 0.1
"""Smallest categorical effect that counts: Jensen-Shannon distance (base 2) of 0.1."""

MISSING_RATE_THRESHOLD = 0.2
"""Smallest change of the missing rate that counts: Cohen's h of 0.2 (a 'small' effect)."""

TestName = Literal["kolmogorov_smirnov", "chi_squared", "missing_rate"]
EffectName = Literal["wasserstein", "jensen_shannon", "cohens_h"]
Status = Literal["drift", "stable", "missing", "type_changed", "extra"]

DRIFT_STATUSES = ("drift", "missing", "type_changed")
"""Statuses that count as drift: a changed distribution, or a column the model cannot use."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DriftSettings(_Model):
    """The decision rule: a column drifts when a test is significant after the correction
    for multiple testing *and* its effect size reaches the threshold."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    alpha: float = Field(ALPHA, gt=0, lt=1)
    wasserstein: float = Field(WASSERSTEIN_THRESHOLD, ge=0)
    jensen_shannon: float = Field(JENSEN_SHANNON_THRESHOLD, ge=0, le=1)
    missing_rate: float = Field(MISSING_RATE_THRESHOLD, ge=0)

    def threshold(self, effect: EffectName) -> float:
        """The threshold of an effect size.

        Example:
            >>> DriftSettings().threshold("wasserstein")
            0.1
        """
        return {
            "wasserstein": self.wasserstein,
            "jensen_shannon": self.jensen_shannon,
            "cohens_h": self.missing_rate,
        }[effect]


class ColumnTest(_Model):
    """One test of one column, after the correction for multiple testing."""

    test: TestName
    statistic: float
    p_value: float
    adjusted_p_value: float
    effect_name: EffectName
    effect: float
    effect_threshold: float
    significant: bool
    drifted: bool


class ColumnDrift(_Model):
    """One column's comparison: status, a sentence, the tests and the key numbers."""

    name: str
    role: Literal["feature", "target"] = "feature"
    kind: Literal["numeric", "categorical"] | None = None
    status: Status
    message: str
    reference_missing_share: float | None = None
    new_missing_share: float | None = None
    tests: list[ColumnTest] = Field(default_factory=list)
    details: dict[str, Any] = Field(
        default_factory=dict,
        description="numeric: means and out-of-range share; categorical: unlisted labels",
    )
    view: Any = Field(None, exclude=True, description="what the HTML report draws")

    @property
    def drifted(self) -> bool:
        """Whether this column counts as drift."""
        return self.status in DRIFT_STATUSES

    def strongest_effect(self) -> float:
        """The largest effect relative to its threshold (orders the report)."""
        ratios = [t.effect / t.effect_threshold for t in self.tests if t.effect_threshold > 0]
        return max(ratios, default=0.0)


class DriftReport(_Model, ReportModel):
    """New data compared with a reference profile, column by column."""

    drifted: bool
    verdict: str
    reference_rows: int
    new_rows: int
    settings: DriftSettings
    columns: list[ColumnDrift]
    label_shift: ColumnDrift | None = None

    def drifted_columns(self) -> list[ColumnDrift]:
        """The feature columns that count as drift, strongest first.

        Example:
            >>> from modelshare.shift import drift
            >>> report = drift(profile, X_new.assign(island="Dream"))
            >>> [column.name for column in report.drifted_columns()]
            ['island']
        """
        return [column for column in self.columns if column.drifted]

    def _repr_html_(self) -> str:
        """A notebook's view: the verdict, the row counts and one row per column (label
        shift first), in a few KB; :meth:`write_html` draws the distributions.

        Example:
            >>> from modelshare.shift import drift
            >>> report = drift(profile, X_new)
            >>> "drift" in report._repr_html_()
            True
        """
        from modelshare.card.html import summary_html

        columns = ([self.label_shift] if self.label_shift else []) + self.columns
        return summary_html(
            f"Drift report: {self.verdict}",
            [("Reference rows", self.reference_rows), ("New rows", self.new_rows)],
            ["Column", "Status", "Kind", "Result"],
            [
                [
                    f"{c.name} (label shift)" if c.role == "target" else c.name,
                    c.status.replace("_", " "),
                    c.kind or "",
                    c.message,
                ]
                for c in columns
            ],
        )

    def write_html(self, path: Path) -> Path:
        """Write the self-contained HTML report (opens offline: no scripts, no links).

        Example:
            >>> from modelshare.shift import drift
            >>> report = drift(profile, X_new)
            >>> report.write_html(Path("drift.html"))
            PosixPath('drift.html')
        """
        from modelshare.shift.html import write_report

        return write_report(self, Path(path))
