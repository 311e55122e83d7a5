"""Which columns are numeric or categorical, and record batches normalised to match.

A :class:`ColumnPlan` is decided once per dataset (from an Arrow schema or a DataFrame), then
every batch is normalised by it: numeric columns become ``float64`` with nulls, categorical
(and boolean) columns become strings. Dates and times are skipped with a reason.

Example:
    >>> plan = plan_from_frame(penguins_frame, target="species")
    >>> plan.numeric, plan.target_kind
    (['bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g', 'year'], 'categorical')
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from modelshare.data import feature_kind, first_line, listing, shown
from modelshare.errors import UsageError

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

Kind = Literal["numeric", "categorical"]
"""How a column is profiled: numbers, or labels (strings, booleans, category dtypes)."""

TargetKind = Literal["auto", "numeric", "categorical"]
"""How to profile the target: ``auto`` makes integers, strings and booleans class labels."""

BATCH_ROWS = 65_536
"""Rows per batch when a DataFrame or Arrow table is profiled: bounded working memory."""

SKIP_TEMPORAL = "dates and times are not profiled"


@dataclass(frozen=True)
class ColumnPlan:
    """The kind of every profiled column, the target, and the columns skipped (with why)."""

    features: dict[str, Kind]
    target: str | None = None
    target_kind: Kind | None = None
    skipped: dict[str, str] = field(default_factory=dict)

    @property
    def numeric(self) -> list[str]:
        """Numeric feature names in table order."""
        return [name for name, kind in self.features.items() if kind == "numeric"]

    @property
    def categorical(self) -> list[str]:
        """Categorical feature names in table order."""
        return [name for name, kind in self.features.items() if kind == "categorical"]

    def kinds(self) -> dict[str, Kind]:
        """Every profiled column's kind, the target's included."""
        if self.target is None or self.target_kind is None:
            return dict(self.features)
        return {**self.features, self.target: self.target_kind}


def plan_from_arrow(
    schema: pa.Schema, target: str | None = None, target_kind: TargetKind = "auto"
) -> ColumnPlan:
    """Decide each column's kind from an Arrow schema (as read from CSV or Parquet).

    Example:
        >>> plan_from_arrow(pa.schema([("x", pa.int64()), ("y", pa.string())]), target="y")
        ColumnPlan(features={'x': 'numeric'}, target='y', target_kind='categorical', skipped={})
    """
    kinds = {name: _arrow_kind(schema.field(name).type) for name in schema.names}
    integer_target = target in schema.names and _is_integer(schema.field(target).type)
    return _plan(kinds, target, target_kind, integer_target)


def plan_from_frame(
    frame: pd.DataFrame, target: str | None = None, target_kind: TargetKind = "auto"
) -> ColumnPlan:
    """Decide each column's kind from a DataFrame, as :func:`modelshare.data.feature_kind` does.

    Example:
        >>> plan_from_frame(pd.DataFrame({"x": [1.5], "y": ["a"]})).features
        {'x': 'numeric', 'y': 'categorical'}
    """
    from pandas.api import types as ptypes

    kinds: dict[str, Kind | None] = {}
    for name in frame.columns:
        kind = feature_kind(frame[name])
        kinds[str(name)] = None if kind == "datetime" else _as_kind(kind)
    integer_target = target in frame.columns and ptypes.is_integer_dtype(frame[target].dtype)
    return _plan(kinds, target, target_kind, integer_target)


def normalise_batch(batch: pa.RecordBatch, plan: ColumnPlan, source: str) -> pa.RecordBatch:
    """The batch's profiled columns, numeric as ``float64`` and categorical as strings.

    Example:
        >>> normalise_batch(batch, plan, "train.csv").schema.types
        [DataType(double), DataType(string)]
    """
    import pyarrow as pa

    kinds = plan.kinds()
    arrays = [_cast(batch.column(name), kind, name, source) for name, kind in kinds.items()]
    return pa.RecordBatch.from_arrays(arrays, names=list(kinds))


def frame_batches(frame: pd.DataFrame, plan: ColumnPlan) -> Iterator[pa.RecordBatch]:
    """A DataFrame as normalised record batches of :data:`BATCH_ROWS` rows; columns are
    found by name as the plan spells it (``"0"`` for a column labelled ``0``).

    Example:
        >>> sum(batch.num_rows for batch in frame_batches(frame, plan)) == len(frame)
        True
    """
    import pyarrow as pa

    frame = frame.rename(columns=str)
    kinds = plan.kinds()
    for start in range(0, len(frame), BATCH_ROWS):
        rows = frame.iloc[start : start + BATCH_ROWS]
        arrays = [_frame_column(rows[name], kind) for name, kind in kinds.items()]
        yield pa.RecordBatch.from_arrays(arrays, names=list(kinds))


def _plan(
    kinds: dict[str, Kind | None], target: str | None, target_kind: TargetKind, integer: bool
) -> ColumnPlan:
    """A plan from each column's kind (``None``: skipped) and the target's settings."""
    if target is not None and target not in kinds:
        raise UsageError(f"target column '{target}' not found; columns: {listing(list(kinds))}")
    resolved_target: Kind | None = None
    if target is not None:
        detected = kinds.pop(target)
        resolved_target = _target_kind(detected, target_kind, integer, target)
    features = {name: kind for name, kind in kinds.items() if kind is not None}
    skipped = {name: SKIP_TEMPORAL for name, kind in kinds.items() if kind is None}
    return ColumnPlan(features, target, resolved_target, skipped)


def _target_kind(detected: Kind | None, wanted: TargetKind, integer: bool, name: str) -> Kind:
    """The target's kind: as asked, else class labels for strings, booleans and integers."""
    if wanted != "auto":
        return wanted
    if detected is None:
        raise UsageError(f"target column '{name}' holds dates or times; pass labels or numbers")
    return "categorical" if integer else detected


def _arrow_kind(data_type: pa.DataType) -> Kind | None:
    """Numbers (and all-null columns) are numeric, dates and times skipped, the rest labels."""
    import pyarrow.types as pat

    if pat.is_temporal(data_type):
        return None
    numeric = pat.is_integer(data_type) or pat.is_floating(data_type)
    if numeric or pat.is_decimal(data_type) or pat.is_null(data_type):
        return "numeric"
    return "categorical"


def _is_integer(data_type: pa.DataType) -> bool:
    import pyarrow.types as pat

    return pat.is_integer(data_type)


def _as_kind(feature: str) -> Kind:
    """modelshare.data's feature kinds folded into the two profiled kinds."""
    return "numeric" if feature == "numeric" else "categorical"


def _cast(array: pa.Array, kind: Kind, name: str, source: str) -> pa.Array:
    """``array`` as float64 or string, or a one-line error naming the column."""
    import pyarrow as pa
    import pyarrow.compute as pc

    target = pa.float64() if kind == "numeric" else pa.string()
    if array.type == target:
        return array
    try:
        return pc.cast(array, target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
        what = "numbers" if kind == "numeric" else "labels"
        raise UsageError(
            f"column '{shown(name)}' of {source} cannot be read as {what} ({first_line(error)}); "
            "make every value of the column the same type"
        ) from error


def as_labels(column: pd.Series) -> pa.Array:
    """A column's values as Arrow strings, spelled as when profiled (booleans as
    ``true``/``false``, numbers without a trailing ``.0``); missing values as nulls.

    Example:
        >>> as_labels(pd.Series([True, None])).to_pylist()
        ['true', None]
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        labels = pc.cast(pa.array(column, from_pandas=True), pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return pa.array(column.map(str, na_action="ignore"), type=pa.string(), from_pandas=True)
    return labels.combine_chunks() if isinstance(labels, pa.ChunkedArray) else labels


def _frame_column(column: pd.Series, kind: Kind) -> pa.Array:
    """One DataFrame column as a float64 (missing as NaN) or string (missing as null) array."""
    import numpy as np
    import pyarrow as pa

    if kind == "numeric":
        return pa.array(column.to_numpy(dtype=np.float64, na_value=np.nan))
    return as_labels(column)
