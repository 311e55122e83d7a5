"""Run each column's tests, correct for multiple testing, decide, and explain in a sentence.

Example:
    >>> from modelshare.shift.match import match_columns
    >>> from modelshare.tables import open_source
    >>> source = open_source(X_new.assign(bill_depth_mm=X_new["bill_depth_mm"] + 2))
    >>> matching = match_columns(profile, source, target=None)
    >>> rows, observations = matching.observe(source)
    >>> results = decide_columns(matching.tested, observations, DriftSettings(), k_anonymity=10)
    >>> results[1].name, results[1].message
    ('bill_depth_mm', 'drift: Kolmogorov-Smirnov distance 0.383 (adjusted p 8.3e-09), ...')
"""

from __future__ import annotations

from dataclasses import dataclass

from modelshare.profiling.model import CategoricalColumn, NumericColumn
from modelshare.shift.match import Observation, ReferenceColumn
from modelshare.shift.observe import CategoricalObservation, NumericObservation
from modelshare.shift.report import ColumnDrift, ColumnTest, DriftSettings, EffectName, TestName
from modelshare.shift.stats import (
    Outcome,
    benjamini_hochberg,
    categorical_shift,
    missing_rate_test,
    numeric_shift,
)
from modelshare.shift.views import categorical_view, numeric_view

TEST_WORDS = {
    "kolmogorov_smirnov": "Kolmogorov-Smirnov distance",
    "chi_squared": "chi-squared",
    "missing_rate": "missing-rate change",
}
EFFECT_WORDS = {
    "wasserstein": "Wasserstein distance {:.3g} spreads",
    "jensen_shannon": "Jensen-Shannon distance {:.3g}",
    "cohens_h": "Cohen's h {:.3g}",
}


@dataclass(frozen=True)
class _Raw:
    """A test before the correction: its name, its effect's name and its outcome."""

    test: TestName
    effect_name: EffectName
    outcome: Outcome


def decide_columns(
    tested: dict[str, ReferenceColumn],
    observations: dict[str, Observation],
    settings: DriftSettings,
    *,
    k_anonymity: int,
    notes: dict[str, str] | None = None,
) -> list[ColumnDrift]:
    """Every tested column's result, with p-values adjusted over all tests together.
    ``k_anonymity`` is the reference profile's (categories seen fewer times are unpublished).

    Example:
        >>> from modelshare.shift.match import match_columns
        >>> from modelshare.tables import open_source
        >>> source = open_source(X_new.assign(bill_depth_mm=X_new["bill_depth_mm"] + 2))
        >>> matching = match_columns(profile, source, target=None)
        >>> rows, observations = matching.observe(source)
        >>> results = decide_columns(matching.tested, observations, DriftSettings(), k_anonymity=10)
        >>> [c.status for c in results]
        ['stable', 'drift', 'stable', 'stable', 'stable', 'stable']
    """
    raw = {name: _run_tests(ref, observations[name], k_anonymity) for name, ref in tested.items()}
    flat = [(name, test) for name, tests in raw.items() for test in tests]
    adjusted = benjamini_hochberg([test.outcome.p_value for _, test in flat])
    decided: dict[str, list[ColumnTest]] = {name: [] for name in raw}
    for (name, test), p_adjusted in zip(flat, adjusted, strict=True):
        decided[name].append(_decision(test, p_adjusted, settings))
    return [
        _column_result(ref, observations[name], decided[name], (notes or {}).get(name))
        for name, ref in tested.items()
    ]


def ordered(columns: list[ColumnDrift]) -> list[ColumnDrift]:
    """Drifted columns first, then by the largest effect relative to its threshold.

    Example:
        >>> columns = [
        ...     ColumnDrift(name="sex", status="stable", message="stable"),
        ...     ColumnDrift(name="island", status="missing", message="absent from the new data"),
        ... ]
        >>> [c.name for c in ordered(columns)]
        ['island', 'sex']
    """
    return sorted(columns, key=lambda c: (not c.drifted, -c.strongest_effect(), c.name))


def verdict(features: list[ColumnDrift], label_shift: ColumnDrift | None) -> str:
    """One line for the whole dataset.

    Example:
        >>> from modelshare.shift import drift
        >>> report = drift(profile, pd.read_csv("new.csv").assign(island="Dream"))
        >>> verdict(report.columns, report.label_shift)
        'drift in 1 of 6 columns: island; label shift: none'
    """
    compared = [c for c in features if c.status != "extra"]
    drifted = [c.name for c in compared if c.drifted]
    summary = (
        f"drift in {len(drifted)} of {len(compared)} columns: {', '.join(drifted)}"
        if drifted
        else f"no drift in {len(compared)} columns"
    )
    if label_shift is None:
        return summary
    return f"{summary}; label shift: {'yes' if label_shift.drifted else 'none'}"


def _run_tests(
    reference: ReferenceColumn, observation: Observation, k_anonymity: int
) -> list[_Raw]:
    """A column's tests before any correction: the missing rate, then its distribution."""
    missing = missing_rate_test(
        reference.missing,
        reference.count + reference.missing,
        observation.missing,
        observation.count + observation.missing,
    )
    tests = [_Raw("missing_rate", "cohens_h", missing)]
    if isinstance(reference, NumericColumn) and isinstance(observation, NumericObservation):
        tests.append(
            _Raw("kolmogorov_smirnov", "wasserstein", numeric_shift(reference, observation))
        )
    if isinstance(reference, CategoricalColumn) and isinstance(observation, CategoricalObservation):
        outcome = categorical_shift(reference, observation, k_anonymity)
        tests.append(_Raw("chi_squared", "jensen_shannon", outcome))
    return tests


def _decision(test: _Raw, p_adjusted: float, settings: DriftSettings) -> ColumnTest:
    """A test decided: significant after the correction, and drifted if also large enough."""
    threshold = settings.threshold(test.effect_name)
    significant = p_adjusted <= settings.alpha
    return ColumnTest(
        test=test.test,
        statistic=test.outcome.statistic,
        p_value=test.outcome.p_value,
        adjusted_p_value=p_adjusted,
        effect_name=test.effect_name,
        effect=test.outcome.effect,
        effect_threshold=threshold,
        significant=significant,
        drifted=significant and test.outcome.effect >= threshold,
    )


def _column_result(
    reference: ReferenceColumn, observation: Observation, tests: list[ColumnTest], note: str | None
) -> ColumnDrift:
    """A tested column's result: status, sentence, missing shares, details and plot data."""
    drifted = any(test.drifted for test in tests)
    message = _message(tests, drifted)
    if isinstance(reference, NumericColumn) and isinstance(observation, NumericObservation):
        details, view = (
            _numeric_details(reference, observation),
            numeric_view(reference, observation),
        )
    elif isinstance(reference, CategoricalColumn) and isinstance(
        observation, CategoricalObservation
    ):
        details = {"unlisted": observation.top_unlisted()}
        view = categorical_view(reference, observation)
    return ColumnDrift(
        name=reference.name,
        kind=reference.kind,
        status="drift" if drifted else "stable",
        message=f"{message} ({note})" if note else message,
        reference_missing_share=_share(reference.missing, reference.count),
        new_missing_share=_share(observation.missing, observation.count),
        tests=tests,
        details=details,
        view=view,
    )


def _message(tests: list[ColumnTest], drifted: bool) -> str:
    """'drift: ...' naming each drifted test, or 'stable' with the largest effect seen."""
    if drifted:
        reasons = [_phrase(test) for test in tests if test.drifted]
        return "drift: " + "; ".join(reasons)
    significant = [test for test in tests if test.significant]
    if significant:
        return "stable: significant but small (" + "; ".join(map(_phrase, significant)) + ")"
    return "stable: no significant difference"


def _phrase(test: ColumnTest) -> str:
    effect = EFFECT_WORDS[test.effect_name].format(test.effect)
    comparison = ">=" if test.effect >= test.effect_threshold else "<"
    return (
        f"{TEST_WORDS[test.test]} {test.statistic:.3g} (adjusted p {test.adjusted_p_value:.2g}), "
        f"{effect} {comparison} {test.effect_threshold:g}"
    )


def _numeric_details(
    reference: NumericColumn, observation: NumericObservation
) -> dict[str, float | None]:
    """Means, and the share of values outside the reference's clipped range."""
    details: dict[str, float | None] = {
        "reference_mean": reference.mean,
        "new_mean": observation.mean(),
    }
    grid = reference.quantiles
    if grid is not None and observation.count:
        outside = observation.below()[0] + observation.above_all
        details["reference_outside_share"] = grid.rank_start + 1 - float(grid.ranks()[-1])
        details["new_outside_share"] = outside / observation.count
    return details


def _share(missing: int, present: int) -> float | None:
    total = missing + present
    return missing / total if total else None
