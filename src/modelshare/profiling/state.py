"""The mergeable state of a profile being built: sketches and running moments per column.

This state is *not* privacy-safe (KLL sketches keep sample values); it stays in memory, moves
between Dask workers pickled, and is finalised into a
:class:`~modelshare.profiling.model.DataProfile` by :mod:`modelshare.profiling.finalise`. Every
state has ``update`` and ``merge``; merging the states of any split of the rows gives the state
of all rows, within the sketches' error bounds.

Non-finite values (±inf, or beyond ±:data:`~modelshare.data.FINITE_LIMIT`, where sums
overflow) are counted apart and left out of the sketches and moments, so every published
number stays finite.

Example:
    >>> state = NumericState()
    >>> state.update(np.array([1.0, np.nan, 3.0, np.inf]))
    >>> state.count, state.missing, state.non_finite, state.mean
    (2, 1, 1, 2.0)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from modelshare.data import is_finite

if TYPE_CHECKING:
    import pyarrow as pa

SKETCH_K = 4000
"""KLL accuracy parameter: normalized rank error about 0.001 (99 % confidence), about 90 KB
of memory per numeric column whatever the number of rows."""

FREQUENCY_LG_MAP = 12
"""Frequent-items map of 2^12 slots: up to 3072 categories are counted exactly."""

DISTINCT_LG_K = 12
"""HyperLogLog precision: distinct counts within about 1.6 % (exact for small counts)."""

MAX_JOINT_FEATURES = 500
"""Most numeric features whose joint moments are kept: their correlation matrix grows with the
square of their number (500 features: about 2.5 MB of JSON; 10,000 would need gigabytes)."""


def pooled(
    count_a: int,
    mean_a: Any,
    spread_a: Any,
    count_b: int,
    mean_b: Any,
    spread_b: Any,
    product: Callable[[Any, Any], Any] = np.multiply,
) -> tuple[int, Any, Any]:
    """Count, mean and sum of squared deviations of two parts together (Chan et al., 1979).

    Means are scalars or vectors; ``product`` is ``np.multiply`` for a column's spread and
    ``np.outer`` for a scatter matrix.

    Example:
        >>> pooled(2, 1.0, 2.0, 2, 3.0, 2.0)
        (4, 2.0, np.float64(8.0))
    """
    count = count_a + count_b
    weight = count_b / count if count else 0.0
    delta = mean_b - mean_a
    mean = mean_a + delta * weight
    spread = spread_a + spread_b + product(delta, delta) * (count_a * weight)
    return count, mean, spread


class NumericState:
    """One numeric column: a KLL quantile sketch, the missing and non-finite counts and
    running moments of the finite values."""

    def __init__(self, sketch_k: int = SKETCH_K) -> None:
        from datasketches import kll_doubles_sketch

        self.sketch = kll_doubles_sketch(sketch_k)
        self.missing = 0
        self.non_finite = 0
        self.count = 0
        self.mean = 0.0
        self.spread = 0.0

    def update(self, values: np.ndarray) -> None:
        """Add a batch of values (``NaN`` for missing); non-finite ones are only counted.

        Values are sorted before they reach the sketch: KLL's guarantees hold for any order,
        and sorted input makes its compactions several times cheaper.

        Example:
            >>> state = NumericState()
            >>> state.update(np.array([2.5, np.nan, -np.inf]))
            >>> state.count, state.missing, state.non_finite
            (1, 1, 1)
        """
        missing = int(np.isnan(values).sum())
        present = values[is_finite(values)]
        self.missing += missing
        self.non_finite += values.size - present.size - missing
        if present.size == 0:
            return
        present.sort()
        self.sketch.update(present)
        mean = float(present.mean())
        spread = float(np.square(present - mean).sum())
        self._pool(int(present.size), mean, spread)

    def merge(self, other: NumericState) -> None:
        """Add another part's state.

        Example:
            >>> left, right = NumericState(), NumericState()
            >>> left.update(np.array([1.0, 2.0]))
            >>> right.update(np.array([3.0, np.nan]))
            >>> left.merge(right)
            >>> left.count, left.missing, left.mean
            (3, 1, 2.0)
        """
        self.sketch.merge(other.sketch)
        self.missing += other.missing
        self.non_finite += other.non_finite
        self._pool(other.count, other.mean, other.spread)

    def _pool(self, count: int, mean: float, spread: float) -> None:
        self.count, self.mean, self.spread = pooled(
            self.count, self.mean, self.spread, count, mean, spread
        )

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "sketch": self.sketch.serialize()}

    def __setstate__(self, state: dict[str, Any]) -> None:
        from datasketches import kll_doubles_sketch

        self.__dict__.update(state, sketch=kll_doubles_sketch.deserialize(state["sketch"]))


class CategoricalState:
    """One categorical column: a frequent-items sketch, a HyperLogLog sketch and counts."""

    def __init__(self) -> None:
        from datasketches import frequent_strings_sketch, hll_sketch

        self.frequent = frequent_strings_sketch(FREQUENCY_LG_MAP)
        self.distinct = hll_sketch(DISTINCT_LG_K)
        self.missing = 0
        self.count = 0

    def update(self, values: pa.Array) -> None:
        """Add a batch of labels (an Arrow string array; nulls are missing).

        Values are counted by Arrow first, so the sketches see each distinct label once per
        batch, with its count as weight.

        Example:
            >>> import pyarrow as pa
            >>> state = CategoricalState()
            >>> state.update(pa.array(["Biscoe", "Dream", None]))
            >>> state.count, state.missing
            (2, 1)
        """
        import pyarrow.compute as pc

        self.missing += values.null_count
        self.count += len(values) - values.null_count
        counted = pc.value_counts(pc.drop_null(values))
        labels = counted.field("values").to_pylist()
        for label, count in zip(labels, counted.field("counts").to_pylist(), strict=True):
            self.frequent.update(label, count)
            self.distinct.update(label)

    def merge(self, other: CategoricalState) -> None:
        """Add another part's state.

        Example:
            >>> import pyarrow as pa
            >>> left, right = CategoricalState(), CategoricalState()
            >>> left.update(pa.array(["Biscoe", "Dream"]))
            >>> right.update(pa.array(["Dream", "Torgersen", None]))
            >>> left.merge(right)
            >>> left.count, left.missing, round(left.distinct.get_estimate())
            (4, 1, 3)
        """
        from datasketches import hll_union

        self.frequent.merge(other.frequent)
        union = hll_union(DISTINCT_LG_K)
        union.update(self.distinct)
        union.update(other.distinct)
        self.distinct = union.get_result()
        self.missing += other.missing
        self.count += other.count

    def __getstate__(self) -> dict[str, Any]:
        return {
            **self.__dict__,
            "frequent": self.frequent.serialize(),
            "distinct": self.distinct.serialize_compact(),
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        from datasketches import frequent_strings_sketch, hll_sketch

        self.__dict__.update(
            state,
            frequent=frequent_strings_sketch.deserialize(state["frequent"]),
            distinct=hll_sketch.deserialize(state["distinct"]),
        )


class JointMoments:
    """Mean vector and scatter matrix of the numeric features over rows with all of them
    present and finite."""

    def __init__(self, width: int) -> None:
        self.count = 0
        self.mean = np.zeros(width)
        self.scatter = np.zeros((width, width))

    def update(self, matrix: np.ndarray) -> None:
        """Add a batch (rows x numeric features, ``NaN`` for missing); rows with a missing
        or non-finite value are left out.

        Example:
            >>> moments = JointMoments(2)
            >>> moments.update(np.array([[1.0, 2.0], [3.0, np.nan], [np.inf, 1.0]]))
            >>> moments.count, moments.mean
            (1, array([1., 2.]))
        """
        from threadpoolctl import threadpool_limits

        rows = matrix[is_finite(matrix).all(axis=1)]
        if len(rows) == 0:
            return
        mean = rows.mean(axis=0)
        centred = rows - mean
        with threadpool_limits(1, user_api="blas"):  # BLAS threads thrash beside Arrow's
            scatter = centred.T @ centred
        self._pool(len(rows), mean, scatter)

    def merge(self, other: JointMoments) -> None:
        """Add another part's moments.

        Example:
            >>> left, right = JointMoments(2), JointMoments(2)
            >>> left.update(np.array([[1.0, 2.0]]))
            >>> right.update(np.array([[3.0, 4.0]]))
            >>> left.merge(right)
            >>> left.count, left.mean
            (2, array([2., 3.]))
        """
        self._pool(other.count, other.mean, other.scatter)

    def _pool(self, count: int, mean: np.ndarray, scatter: np.ndarray) -> None:
        self.count, self.mean, self.scatter = pooled(
            self.count, self.mean, self.scatter, count, mean, scatter, np.outer
        )
