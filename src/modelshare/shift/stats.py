"""The statistical tests behind ``drift``, each with its effect size.

Numeric columns: a two-sample Kolmogorov-Smirnov test of the new values against the
reference's published quantile grid, made conservative for what the grid does not say, and
a Wasserstein distance in units of the reference's spread. Categorical columns: a chi-squared
test that accounts for the k-anonymity threshold, and the Jensen-Shannon distance. Missing
values: a two-proportion test and Cohen's h. See docs/profile-and-drift.md for the derivations.

Example:
    >>> observed = NumericObservation(profile.column("bill_length_mm").quantiles)
    >>> observed.update(X_new["bill_length_mm"].to_numpy() + 5)
    >>> outcome = numeric_shift(profile.column("bill_length_mm"), observed)
    >>> print(f"{outcome.statistic:.2f} {outcome.p_value:.1e} {outcome.effect:.2f}")
    0.37 3.3e-09 0.67
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from modelshare.profiling.model import CategoricalColumn, NumericColumn, QuantileGrid
from modelshare.shift.observe import CategoricalObservation, NumericObservation


@dataclass(frozen=True)
class Outcome:
    """A test's statistic, its p-value and the effect size that goes with it."""

    statistic: float
    p_value: float
    effect: float


def numeric_shift(reference: NumericColumn, observed: NumericObservation) -> Outcome:
    """Kolmogorov-Smirnov test of new values against the reference's quantile grid, with the
    normalised Wasserstein distance as effect.

    At each distinct grid value v the reference's CDF is only known to lie in an interval:
    F(v) in [highest rank, highest rank + step] and F(v-) in [lowest rank - step, lowest rank]
    (open to 0 below the first and to 1 above the last value, where the clipped tails hide
    it). The statistic is the largest distance from the new empirical CDF to these intervals,
    minus the sketch's rank error: never more than the exact two-sample statistic (with 99 %
    confidence), so the p-value (scipy's ``kstwo`` at the effective size n*m/(n+m), as
    ``ks_2samp`` computes it) is conservative.

    Example:
        >>> observed = NumericObservation(profile.column("bill_length_mm").quantiles)
        >>> observed.update(X_new["bill_length_mm"].to_numpy() + 5)
        >>> numeric_shift(profile.column("bill_length_mm"), observed).p_value < 0.05
        True
    """
    from scipy.stats import kstwo

    grid = reference.quantiles
    if grid is None or observed.count == 0:
        return Outcome(0.0, 1.0, 0.0)
    _, lowest, highest = grid.knots()
    right_low, right_high = highest, highest + grid.rank_step
    left_low, left_high = lowest - grid.rank_step, lowest
    right_high[-1], left_low[0] = 1.0, 0.0
    gaps = np.concatenate(
        [
            _distance_to(observed.at_or_below / observed.count, right_low, right_high),
            _distance_to(observed.below() / observed.count, left_low, left_high),
        ]
    )
    statistic = max(float(gaps.max()) - grid.rank_error, 0.0)
    effective = round(reference.count * observed.count / (reference.count + observed.count))
    p_value = float(kstwo.sf(statistic, max(effective, 1))) if statistic > 0 else 1.0
    scale = reference.robust_scale() or 1.0
    return Outcome(statistic, p_value, wasserstein_area(grid, observed) / scale)


def wasserstein_area(grid: QuantileGrid, observed: NumericObservation) -> float:
    """The area between the reference's and the new CDF over the reference's clipped range:
    the Wasserstein-1 distance restricted to that range, by the trapezoid rule between knots.

    Example:
        >>> grid = profile.column("bill_length_mm").quantiles
        >>> observed = NumericObservation(grid)
        >>> observed.update(X_new["bill_length_mm"].to_numpy() + 5)
        >>> round(wasserstein_area(grid, observed), 2)
        4.05
    """
    knots, lowest, highest = grid.knots()
    if len(knots) < 2 or observed.count == 0:
        return 0.0
    after = np.abs(observed.at_or_below / observed.count - highest)[:-1]
    before = np.abs(observed.below() / observed.count - lowest)[1:]
    return float(np.sum(np.diff(knots) * (after + before) / 2))


def categorical_shift(
    reference: CategoricalColumn, observed: CategoricalObservation, k_anonymity: int
) -> Outcome:
    """Chi-squared test of the published categories' counts, conditional on each category's
    total and on its publication, with the Jensen-Shannon distance (base 2) as effect.

    A category is published only when the reference saw it at least k times, which biases its
    reference count upwards (and the 'other' count downwards): an ordinary test of homogeneity
    then flags unchanged columns with many rare categories far above its nominal rate. So each
    published category's reference count C, given its total t = C + new count, is compared with
    its distribution under no change: Binomial(t, n/(n+m)) truncated to C >= k (n, m the
    non-missing counts). The statistic is the sum of the squared standardised differences,
    compared with a chi-squared distribution with one degree of freedom per category; 'other'
    takes no cell of its own (mass moving to or from it moves the published cells' counts).

    Example:
        >>> import pyarrow as pa
        >>> observed = CategoricalObservation(profile.column("island"))
        >>> observed.update(pa.array(["Dream"] * 100))
        >>> f"{categorical_shift(profile.column('island'), observed, 10).p_value:.1e}"
        '3.0e-24'
    """
    from scipy.stats import binom, chi2

    reference_counts = np.array(list(reference.frequencies.values()), dtype=float)
    effect = jensen_shannon(
        np.append(reference_counts, reference.other),
        np.append(observed.counts, observed.unlisted).astype(float),
    )
    if not len(reference_counts) or observed.count == 0:
        return Outcome(0.0, 1.0, effect)
    totals = reference_counts + observed.counts
    share = reference.count / (reference.count + observed.count)
    published = binom.sf(k_anonymity - 1, totals, share)
    mean = totals * share * binom.sf(k_anonymity - 2, totals - 1, share) / published
    pairs = np.where(totals >= 2, totals * (totals - 1), 0.0)
    second = pairs * share**2 * binom.sf(k_anonymity - 3, np.maximum(totals - 2, 0), share)
    variance = np.maximum(second / published + mean - mean**2, 1e-12)
    statistic = float(np.sum((reference_counts - mean) ** 2 / variance))
    return Outcome(statistic, float(chi2.sf(statistic, len(reference_counts))), effect)


def jensen_shannon(reference: np.ndarray, new: np.ndarray) -> float:
    """Jensen-Shannon distance (base 2, from 0 to 1) between two count vectors.

    Example:
        >>> jensen_shannon(np.array([1, 0]), np.array([0, 1]))
        1.0
    """
    from scipy.spatial.distance import jensenshannon

    if reference.sum() == 0 or new.sum() == 0:
        return 0.0
    return float(jensenshannon(reference, new, base=2))


def missing_rate_test(
    reference_missing: int, reference_rows: int, new_missing: int, new_rows: int
) -> Outcome:
    """Two-proportion test of the missing rate (chi-squared on the 2 x 2 table), with
    Cohen's h = |2 asin sqrt(p1) - 2 asin sqrt(p2)| as effect.

    Example:
        >>> round(missing_rate_test(0, 1000, 300, 1000).effect, 2)
        1.16
    """
    from scipy.stats import chi2_contingency

    rates = [reference_missing / max(reference_rows, 1), new_missing / max(new_rows, 1)]
    effect = abs(2 * math.asin(math.sqrt(rates[0])) - 2 * math.asin(math.sqrt(rates[1])))
    table = np.array(
        [
            [reference_missing, reference_rows - reference_missing],
            [new_missing, new_rows - new_missing],
        ]
    )
    if (table.sum(axis=0) == 0).any() or (table.sum(axis=1) == 0).any():
        return Outcome(0.0, 1.0, effect)
    result = chi2_contingency(table, correction=False)
    return Outcome(float(result.statistic), float(result.pvalue), effect)


def benjamini_hochberg(p_values: list[float]) -> list[float]:
    """P-values adjusted for the false discovery rate (Benjamini-Hochberg).

    Example:
        >>> benjamini_hochberg([0.01, 0.04, 0.03])
        [0.03, 0.04, 0.04]
    """
    from scipy.stats import false_discovery_control

    if not p_values:
        return []
    return [float(value) for value in false_discovery_control(p_values, method="bh")]


def _distance_to(values: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """How far each value lies outside its interval [low, high] (0 inside)."""
    return np.maximum(np.maximum(low - values, values - high), 0.0)
