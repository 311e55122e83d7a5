"""What the drift report draws: reference and new shares per bin or per category.

Numeric columns are binned between the reference's clipped extremes, with one more bar each
for the values below and above; both shares come from CDFs (the reference's grid, the new
data's counts at the grid's knots), so the bars are as fine as the grid.

Example:
    >>> observed = NumericObservation(profile.column("body_mass_g").quantiles)
    >>> observed.update(X_new["body_mass_g"].to_numpy())
    >>> view = numeric_view(profile.column("body_mass_g"), observed)
    >>> view.labels[0], round(view.reference[0], 3), round(view.new[0], 3)
    ('below 3200', 0.056, 0.092)
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from modelshare.profiling.model import CategoricalColumn, NumericColumn
from modelshare.shift.observe import CategoricalObservation, NumericObservation

NUMERIC_BINS = 24
MAX_BARS = 20
"""Categories drawn per column; the rest are drawn together as 'other'."""


@dataclass(frozen=True)
class View:
    """Bars to draw: one label per bar with the reference's and the new data's share."""

    labels: list[str]
    reference: list[float]
    new: list[float]


def numeric_view(reference: NumericColumn, observed: NumericObservation) -> View | None:
    """Shares of both datasets in equal-width bins over the reference's clipped range.

    Example:
        >>> column = profile.column("body_mass_g")
        >>> observed = NumericObservation(column.quantiles)
        >>> observed.update(X_new["body_mass_g"].to_numpy())
        >>> len(numeric_view(column, observed).labels)
        26
    """
    grid = reference.quantiles
    if grid is None or observed.count == 0:
        return None
    low, high = grid.values[0], grid.values[-1]
    edges = np.linspace(low, high, NUMERIC_BINS + 1) if high > low else np.array([low])
    reference_cdf = grid.cdf(edges)
    new_cdf = np.interp(edges, observed.knots, observed.at_or_below / observed.count)
    labels = [f"below {low:.4g}"]
    labels += [f"{a:.4g} to {b:.4g}" for a, b in pairwise(edges)]
    labels.append(f"above {high:.4g}")
    return View(labels, _shares(reference_cdf), _shares(new_cdf))


def categorical_view(reference: CategoricalColumn, observed: CategoricalObservation) -> View:
    """Shares of the reference's most common categories, and of everything else together.

    Example:
        >>> import pyarrow as pa
        >>> observed = CategoricalObservation(profile.column("island"))
        >>> observed.update(pa.array(["Dream"] * 100))
        >>> categorical_view(profile.column("island"), observed).labels
        ['Dream', 'Biscoe', 'Torgersen', 'other']
    """
    reference_counts = np.array([*reference.frequencies.values(), reference.other], dtype=float)
    new_counts = np.append(observed.counts, observed.unlisted).astype(float)
    reference_share = reference_counts / max(reference_counts.sum(), 1)
    new_share = new_counts / max(new_counts.sum(), 1)
    labels = [*reference.frequencies, "other"]
    order = np.argsort(-np.maximum(reference_share[:-1], new_share[:-1]), kind="stable")
    shown = order[: MAX_BARS - 1]
    rest = np.setdiff1d(np.arange(len(labels)), shown)
    return View(
        [labels[i] for i in shown] + ["other"],
        [*reference_share[shown].tolist(), float(reference_share[rest].sum())],
        [*new_share[shown].tolist(), float(new_share[rest].sum())],
    )


def _shares(cdf: np.ndarray) -> list[float]:
    """Bar shares from a CDF at the bin edges: below the first edge, each bin, above the last."""
    return np.diff(np.concatenate([[0.0], np.clip(cdf, 0, 1), [1.0]])).clip(0, 1).tolist()
