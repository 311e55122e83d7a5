"""Which columns a profile reads, and how: a :class:`ColumnPlan` decided from the kinds
:mod:`modelshare.tables` infers.

Numeric columns are profiled as numbers; boolean and categorical columns as labels; dates and
times are skipped with a reason. The plan is decided once per dataset, then every batch is read
by it (:meth:`~modelshare.tables.TableSource.batches` with :meth:`ColumnPlan.kinds`).

Example:
    >>> plan = plan_from_frame(pd.read_csv("train.csv"), target="species")
    >>> plan.numeric, plan.target_kind
    (['bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g'], 'categorical')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import pyarrow.types as pat

from modelshare.errors import InvalidInputError
from modelshare.tables import FrameSource, ReadAs, TableSource, listing

if TYPE_CHECKING:
    import pandas as pd

    from modelshare.record import FeatureKind

Kind = ReadAs
"""How a column is profiled: numbers, or labels (strings, booleans, category dtypes)."""

TargetKind = Literal["auto", "numeric", "categorical"]
"""How to profile the target: ``auto`` makes integers, strings and booleans class labels."""

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


def plan_columns(
    source: TableSource, target: str | None = None, target_kind: TargetKind = "auto"
) -> ColumnPlan:
    """Decide how each column of ``source`` is profiled, from the kind the reader infers.

    Example:
        >>> from modelshare.tables import open_source
        >>> days = pd.DataFrame({"day": ["2009-11-09", "2009-11-10"], "eggs": [1, 2]})
        >>> days.to_csv("days.csv", index=False)
        >>> plan_columns(open_source(Path("days.csv"))).skipped
        {'day': 'dates and times are not profiled'}

    Raises:
        InvalidInputError: the target is not a column, or holds dates or times.
    """
    kinds = {name: profiled_kind(kind) for name, kind in source.kinds.items()}
    integer = target in kinds and pat.is_integer(source.schema.field(target).type)
    return _plan(kinds, target, target_kind, integer)


def plan_from_frame(
    frame: pd.DataFrame, target: str | None = None, target_kind: TargetKind = "auto"
) -> ColumnPlan:
    """Decide how each column of a DataFrame is profiled (see :func:`plan_columns`).

    Example:
        >>> plan_from_frame(pd.DataFrame({"x": [1.5], "y": ["a"]})).features
        {'x': 'numeric', 'y': 'categorical'}

    Raises:
        InvalidInputError: as :func:`plan_columns`, or a column cannot be read (see
            :class:`~modelshare.tables.FrameSource`).
    """
    return plan_columns(FrameSource(frame), target, target_kind)


def profiled_kind(kind: FeatureKind) -> Kind | None:
    """How a column of this kind is profiled: numbers, labels, or not at all (None: dates
    and times).

    Example:
        >>> profiled_kind("boolean")
        'categorical'
    """
    if kind == "datetime":
        return None
    return "numeric" if kind == "numeric" else "categorical"


def _plan(
    kinds: dict[str, Kind | None], target: str | None, target_kind: TargetKind, integer: bool
) -> ColumnPlan:
    """A plan from each column's kind (``None``: skipped) and the target's settings."""
    if target is not None and target not in kinds:
        raise InvalidInputError(
            f"target column '{target}' not found; columns: {listing(list(kinds))}"
        )
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
        raise InvalidInputError(
            f"target column '{name}' holds dates or times; pass labels or numbers"
        )
    return "categorical" if integer else detected
