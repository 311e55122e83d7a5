"""What the drift tests need from the new data, gathered batch by batch in bounded memory.

A numeric column is reduced to counts at the reference's quantile knots (how many new values
lie below and at each knot); a categorical column to counts of the reference's published
categories, the rest counted together. Nothing else of the new data is kept.

Example:
    >>> observed = NumericObservation(profile.column("bill_length_mm").quantiles)
    >>> observed.update(X_new["bill_length_mm"].to_numpy())
    >>> observed.count, observed.missing
    (119, 1)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from modelshare.data import is_finite
from modelshare.profiling.model import CategoricalColumn, QuantileGrid

if TYPE_CHECKING:
    import pyarrow as pa

UNLISTED_LG_MAP = 8
"""Frequent-items map for new labels absent from the reference's list (the report names the
most common of them)."""


class NumericObservation:
    """New values of a numeric column, counted against the reference's distinct knots."""

    def __init__(self, grid: QuantileGrid | None) -> None:
        self.knots = grid.knots()[0] if grid is not None else np.empty(0)
        self.at_or_below = np.zeros(len(self.knots), dtype=np.int64)
        self.equal = np.zeros(len(self.knots), dtype=np.int64)
        self.above_all = 0
        self.count = 0
        self.missing = 0
        self.finite = 0
        self.total = 0.0

    def update(self, values: np.ndarray) -> None:
        """Count a batch of values (``NaN`` for missing); the mean is of the finite ones.

        Example:
            >>> observed = NumericObservation(profile.column("bill_length_mm").quantiles)
            >>> observed.update(np.array([41.0, np.nan, 52.3]))
            >>> observed.count, observed.missing, observed.mean()
            (2, 1, 46.65)
        """
        present = values[~np.isnan(values)]
        self.missing += values.size - present.size
        self.count += int(present.size)
        finite = present[is_finite(present)]
        self.finite += int(finite.size)
        self.total += float(finite.sum())
        if not len(self.knots):
            return
        slot = np.searchsorted(self.knots, present, side="left")  # knot[slot-1] < v <= knot[slot]
        inside = slot < len(self.knots)
        hits = slot[inside][present[inside] == self.knots[slot[inside]]]
        per_slot = np.bincount(slot, minlength=len(self.knots) + 1)
        self.at_or_below += np.cumsum(per_slot[:-1])
        self.equal += np.bincount(hits, minlength=len(self.knots))
        self.above_all += int(per_slot[-1])

    def below(self) -> np.ndarray:
        """How many new values lie strictly below each knot."""
        return self.at_or_below - self.equal

    def mean(self) -> float | None:
        """The mean of the new finite values, ``None`` without any."""
        return self.total / self.finite if self.finite else None


class CategoricalObservation:
    """New labels of a categorical column, counted per published reference category."""

    def __init__(self, reference: CategoricalColumn | None) -> None:
        from datasketches import frequent_strings_sketch

        categories = list(reference.frequencies) if reference is not None else []
        self.index = {category: i for i, category in enumerate(categories)}
        self.counts = np.zeros(len(categories), dtype=np.int64)
        self.unlisted = 0
        self.unlisted_labels = frequent_strings_sketch(UNLISTED_LG_MAP)
        self.count = 0
        self.missing = 0

    def update(self, values: pa.Array) -> None:
        """Count a batch of labels (an Arrow string array; nulls are missing).

        Example:
            >>> import pyarrow as pa
            >>> observed = CategoricalObservation(profile.column("island"))
            >>> observed.update(pa.array(["Dream", "Anvers", None]))
            >>> observed.count, observed.unlisted, observed.missing
            (2, 1, 1)
        """
        import pyarrow.compute as pc

        self.missing += values.null_count
        self.count += len(values) - values.null_count
        counted = pc.value_counts(pc.drop_null(values))
        labels = counted.field("values").to_pylist()
        for label, count in zip(labels, counted.field("counts").to_pylist(), strict=True):
            position = self.index.get(label)
            if position is None:
                self.unlisted += count
                self.unlisted_labels.update(label, count)
            else:
                self.counts[position] += count

    def top_unlisted(self, limit: int = 10) -> dict[str, int]:
        """The most common new labels that the reference does not list, with their counts.

        Example:
            >>> import pyarrow as pa
            >>> observed = CategoricalObservation(profile.column("island"))
            >>> observed.update(pa.array(["Anvers", "Dream", "Anvers"]))
            >>> observed.top_unlisted()
            {'Anvers': 2}
        """
        from datasketches import frequent_items_error_type

        items = self.unlisted_labels.get_frequent_items(
            frequent_items_error_type.NO_FALSE_NEGATIVES, 0
        )
        return {label: int(estimate) for label, estimate, _, _ in items[:limit]}
