"""Turn mergeable state into the privacy-safe profile: the rules of what may be published.

One rule: **every published number describes at least k rows** (k-anonymity, default 10).

- Numeric columns publish quantiles on a grid of ranks, from ``max(clip, k/n)`` to
  ``1 - max(clip, k/n)`` in steps of ``max(0.001, k/n)``: at least k rows lie at or below the
  lowest value, at or above the highest, and between neighbouring values. The extremes are
  these clipped quantiles (the 1st and 99th percentiles by default), never the minimum and
  maximum. The sketch itself is not stored: KLL sketches keep sample values.
- Categorical columns publish the categories seen at least k times (the sketch's lower bound
  on the count), at most ``max_categories`` of them; every other row is counted as ``other``.
- Columns with fewer than k values publish only their counts; fewer than 2k values, no
  quantiles. Joint moments need at least k complete rows.
- Non-finite values (±inf, or beyond ±:data:`~modelshare.data.FINITE_LIMIT`) are counted,
  never summed: moments, quantiles and correlations stay finite.

Example:
    >>> state = NumericState()
    >>> state.update(np.arange(1000.0))
    >>> column = finalise_numeric("x", state, PrivacyRules())
    >>> column.quantiles.values[0]  # the 1st percentile, not the minimum
    9.0
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from modelshare.profiling.model import (
    CategoricalColumn,
    Histogram,
    Moments,
    NumericColumn,
    QuantileGrid,
)
from modelshare.profiling.state import CategoricalState, JointMoments, NumericState

K_ANONYMITY = 10
"""Every published number describes at least this many rows."""

QUANTILE_CLIP = 0.01
"""Ranks below this and above ``1 - QUANTILE_CLIP`` are withheld (1st / 99th percentile)."""

GRID_STEP = 0.001
"""Finest rank step of the published quantile grid (up to 981 quantiles per column)."""

MAX_CATEGORIES = 1000
"""Most categories published per column (about 20 KB of JSON at most)."""

HISTOGRAM_BINS = 20
SIGNIFICANT_DIGITS = 7


@dataclass(frozen=True)
class PrivacyRules:
    """The settings of the publication rules above."""

    k_anonymity: int = K_ANONYMITY
    quantile_clip: float = QUANTILE_CLIP
    max_categories: int = MAX_CATEGORIES

    def __post_init__(self) -> None:
        if self.k_anonymity < 1:
            raise ValueError(f"k_anonymity must be at least 1, not {self.k_anonymity}")
        if not 0 <= self.quantile_clip < 0.5:
            raise ValueError(f"quantile_clip must be in [0, 0.5), not {self.quantile_clip}")


def finalise_numeric(name: str, state: NumericState, rules: PrivacyRules) -> NumericColumn:
    """A numeric column's publishable profile.

    Example:
        >>> state = NumericState()
        >>> state.update(np.arange(1000.0))
        >>> finalise_numeric("x", state, PrivacyRules()).count
        1000
    """
    column = NumericColumn(
        name=name, count=state.count, missing=state.missing, non_finite=state.non_finite
    )
    if state.count < rules.k_anonymity:
        return column
    column.mean = rounded(state.mean)
    column.std = rounded(math.sqrt(state.spread / (state.count - 1))) if state.count > 1 else 0.0
    column.quantiles = _quantile_grid(state, rules)
    if column.quantiles is not None:
        column.histogram = grid_histogram(column.quantiles, state.count)
    return column


def finalise_categorical(
    name: str, state: CategoricalState, rules: PrivacyRules
) -> CategoricalColumn:
    """A categorical column's publishable profile: frequent categories and 'other'.

    Example:
        >>> import pyarrow as pa
        >>> state = CategoricalState()
        >>> state.update(pa.array(["Biscoe"] * 133 + ["Dream"] * 96 + ["Torgersen"] * 5))
        >>> finalise_categorical("island", state, PrivacyRules()).frequencies
        {'Biscoe': 133, 'Dream': 96}
    """
    from datasketches import frequent_items_error_type

    items = state.frequent.get_frequent_items(frequent_items_error_type.NO_FALSE_NEGATIVES, 0)
    safe = sorted(
        ((label, lower) for label, _, lower, _ in items if lower >= rules.k_anonymity),
        key=lambda item: (-item[1], item[0]),
    )[: rules.max_categories]
    frequencies = dict(safe)
    distinct = max(round(state.distinct.get_estimate()), len(frequencies))
    return CategoricalColumn(
        name=name,
        count=state.count,
        missing=state.missing,
        distinct=distinct,
        frequencies=frequencies,
        other=state.count - sum(frequencies.values()),
        other_categories=distinct - len(frequencies),
        count_error=max((upper - lower for _, _, lower, upper in items), default=0),
    )


def finalise_moments(
    features: list[str], state: JointMoments, rules: PrivacyRules
) -> Moments | None:
    """Mean, spread, correlation and OAS shrinkage of the complete rows; ``None`` when
    there are fewer than k complete rows (or than 2 numeric features' worth).

    Example:
        >>> features = ["bill_length_mm", "flipper_length_mm"]
        >>> joint = JointMoments(2)
        >>> joint.update(X_train[features].to_numpy())
        >>> finalise_moments(features, joint, PrivacyRules()).correlation
        [[1.0, 0.6188058], [0.6188058, 1.0]]
    """
    if not features or state.count < max(rules.k_anonymity, 2):
        return None
    covariance = state.scatter / (state.count - 1)
    std = np.sqrt(np.clip(np.diag(covariance), 0, None))
    scale = np.where(std > 0, std, 1.0)
    correlation = np.clip(covariance / np.outer(scale, scale), -1.0, 1.0)
    np.fill_diagonal(correlation, 1.0)
    return Moments(
        features=features,
        count=state.count,
        mean=[rounded(value) for value in state.mean],
        std=[rounded(value) for value in std],
        correlation=[[rounded(value) for value in row] for row in correlation],
        shrinkage=rounded(oas_shrinkage(correlation, state.count)),
    )


def oas_shrinkage(correlation: np.ndarray, count: int) -> float:
    """Oracle Approximating Shrinkage (Chen et al., 2010) towards the identity, from the
    correlation matrix alone (as scikit-learn's ``oas`` computes it on standardised data).

    Example:
        >>> oas_shrinkage(np.eye(3), 100)
        1.0
    """
    features = len(correlation)
    mu = float(np.trace(correlation)) / features
    alpha = float(np.mean(correlation**2))
    denominator = (count + 1) * (alpha - mu**2 / features)
    return 1.0 if denominator <= 0 else min((alpha + mu**2) / denominator, 1.0)


def grid_histogram(grid: QuantileGrid, count: int, bins: int = HISTOGRAM_BINS) -> Histogram:
    """Row counts in equal-width bins between the grid's first and last quantile, computed from
    the published grid itself (so the histogram reveals nothing the grid does not).

    Example:
        >>> grid = profile.column("body_mass_g").quantiles
        >>> grid_histogram(grid, profile.rows).counts[:3]
        [11, 7, 9]
    """
    ranks = grid.ranks()
    low, high = grid.values[0], grid.values[-1]
    edges = np.linspace(low, high, bins + 1) if high > low else np.array([low, high])
    cumulative = np.concatenate([[0.0, ranks[0]], grid.cdf(edges[1:-1]), [ranks[-1], 1.0]])
    counts = np.diff(np.round(np.clip(cumulative, 0, 1) * count).astype(int))
    return Histogram(
        edges=[rounded(edge) for edge in edges],
        counts=[int(value) for value in counts[1:-1]],
        below=int(counts[0]),
        above=int(counts[-1]),
    )


def rounded(value: float) -> float:
    """``value`` to :data:`SIGNIFICANT_DIGITS` significant digits, for compact JSON.

    Example:
        >>> rounded(3.14159265358979)
        3.141593
    """
    return float(f"{float(value):.{SIGNIFICANT_DIGITS}g}")


def _quantile_grid(state: NumericState, rules: PrivacyRules) -> QuantileGrid | None:
    """Clipped quantiles on the publishable grid; ``None`` with fewer than 2k values."""
    floor = rules.k_anonymity / state.count
    start = max(rules.quantile_clip, floor)
    step = max(GRID_STEP, floor)
    points = math.floor((1 - 2 * start) / step + 1e-9) + 1
    if points < 1:
        return None
    ranks = start + step * np.arange(points)
    values = state.sketch.get_quantiles(ranks.tolist(), inclusive=True)
    exact = not state.sketch.is_estimation_mode()
    return QuantileGrid(
        rank_start=rounded(start),
        rank_step=rounded(step),
        values=[rounded(value) for value in values],
        rank_error=0.0 if exact else rounded(state.sketch.normalized_rank_error(True)),
    )
