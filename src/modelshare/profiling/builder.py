"""Build a profile: feed record batches into mergeable state, merge parts, finalise once.

Example:
    >>> from modelshare.profiling import plan_from_frame
    >>> frame = pd.read_csv("train.csv")
    >>> chunks = [frame[:100], frame[100:]]
    >>> plan = plan_from_frame(chunks[0], target="species")
    >>> parts = [ProfileBuilder(plan).add(chunk) for chunk in chunks]
    >>> profile = merge_builders(parts).build(k_anonymity=10)
    >>> profile.rows, profile.target.frequencies
    (179, {'Adelie': 80, 'Gentoo': 64, 'Chinstrap': 35})
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import reduce
from typing import TYPE_CHECKING, Any

import numpy as np

from modelshare.errors import InvalidInputError
from modelshare.profiling.columns import ColumnPlan, Kind
from modelshare.profiling.finalise import (
    K_ANONYMITY,
    MAX_CATEGORIES,
    QUANTILE_CLIP,
    PrivacyRules,
    finalise_categorical,
    finalise_moments,
    finalise_numeric,
)
from modelshare.profiling.model import (
    CategoricalColumn,
    ColumnProfile,
    DataProfile,
    NumericColumn,
    Privacy,
)
from modelshare.profiling.state import (
    MAX_JOINT_FEATURES,
    SKETCH_K,
    CategoricalState,
    JointMoments,
    NumericState,
)
from modelshare.tables import open_source

if TYPE_CHECKING:
    import pyarrow as pa

ColumnState = NumericState | CategoricalState


class ProfileBuilder:
    """The mergeable state of a profile under construction (not privacy-safe: keep it in
    memory or between your own workers, publish only what :meth:`build` returns).

    Example:
        >>> from modelshare.profiling import plan_from_frame
        >>> frame = pd.read_csv("train.csv")
        >>> builder = ProfileBuilder(plan_from_frame(frame)).add(frame)
        >>> builder.build().rows
        179
    """

    def __init__(self, plan: ColumnPlan, *, sketch_k: int = SKETCH_K) -> None:
        self.plan = plan
        self.rows = 0
        self.features = {name: _new_state(kind, sketch_k) for name, kind in plan.features.items()}
        self.target = _new_state(plan.target_kind, sketch_k) if plan.target_kind else None
        width = len(plan.numeric)
        self.joint = JointMoments(width) if width <= MAX_JOINT_FEATURES else None

    def add(self, data: Any, source: str | None = None) -> ProfileBuilder:
        """Add rows with the plan's columns: anything :func:`modelshare.tables.open_source`
        reads (a DataFrame, a pyarrow Table or RecordBatch, a CSV or Parquet path); ``source``
        names in-memory rows in messages.

        Example:
            >>> from modelshare.profiling import plan_from_frame
            >>> frame = pd.read_csv("train.csv")
            >>> frame[100:].to_csv("part-2.csv", index=False)
            >>> builder = ProfileBuilder(plan_from_frame(frame))
            >>> builder.add(frame[:100]).add(Path("part-2.csv")).rows
            179

        Raises:
            InvalidInputError: the rows cannot be read, or lack a column of the plan.
        """
        for batch in open_source(data, source).batches(self.plan.kinds()):
            self.update(batch)
        return self

    def update(self, batch: pa.RecordBatch) -> None:
        """Add one batch read by the plan (see :meth:`modelshare.tables.TableSource.batches`).

        Example:
            >>> from modelshare.profiling import plan_columns
            >>> source = open_source(Path("train.csv"))
            >>> builder = ProfileBuilder(plan_columns(source))
            >>> builder.update(next(source.batches(builder.plan.kinds())))
            >>> builder.rows
            179
        """
        self.rows += batch.num_rows
        numeric = []
        for name, state in self.features.items():
            values = _column_values(batch.column(name), state)
            state.update(values)
            if isinstance(state, NumericState):
                numeric.append(values)
        if self.target is not None and self.plan.target is not None:
            self.target.update(_column_values(batch.column(self.plan.target), self.target))
        if numeric and self.joint is not None:
            self.joint.update(np.column_stack(numeric))

    def merge(self, other: ProfileBuilder) -> ProfileBuilder:
        """Add the state of another part of the same dataset (same columns and kinds).

        Example:
            >>> from modelshare.profiling import plan_from_frame
            >>> frame = pd.read_csv("train.csv")
            >>> plan = plan_from_frame(frame, target="species")
            >>> first = ProfileBuilder(plan).add(frame[:100])
            >>> second = ProfileBuilder(plan).add(frame[100:])
            >>> first.merge(second).build().target.frequencies
            {'Adelie': 80, 'Gentoo': 64, 'Chinstrap': 35}
        """
        if other.plan != self.plan:
            raise InvalidInputError(
                "cannot merge profiles of tables with different columns or kinds"
            )
        self.rows += other.rows
        for name, state in self.features.items():
            state.merge(other.features[name])  # type: ignore[arg-type]
        if self.target is not None and other.target is not None:
            self.target.merge(other.target)  # type: ignore[arg-type]
        if self.joint is not None and other.joint is not None:
            self.joint.merge(other.joint)
        return self

    def build(
        self,
        *,
        k_anonymity: int = K_ANONYMITY,
        quantile_clip: float = QUANTILE_CLIP,
        max_categories: int = MAX_CATEGORIES,
    ) -> DataProfile:
        """The privacy-safe profile of everything added (see :mod:`modelshare.profiling.finalise`).

        Example:
            >>> from modelshare.profiling import plan_columns
            >>> builder = ProfileBuilder(plan_columns(open_source(Path("train.csv"))))
            >>> builder = builder.add(Path("train.csv"))
            >>> builder.build(k_anonymity=20).privacy.withheld[0]
            'The profile stores no rows: every number it publishes describes at least 20 rows.'
        """
        rules = PrivacyRules(k_anonymity, quantile_clip, max_categories)
        columns = [_finalise(name, state, rules) for name, state in self.features.items()]
        target = None
        if self.target is not None and self.plan.target is not None:
            target = _finalise(self.plan.target, self.target, rules)
        moments = None
        if self.joint is not None:
            moments = finalise_moments(self.plan.numeric, self.joint, rules)
        withheld = (
            None if moments is not None or not self.plan.numeric else self._moments_withheld(rules)
        )
        privacy = Privacy(
            k_anonymity=rules.k_anonymity,
            quantile_clip=rules.quantile_clip,
            withheld=withheld_notes(columns, target, rules, moments_withheld=withheld),
        )
        return DataProfile(
            rows=self.rows,
            columns=columns,
            target=target,
            moments=moments,
            skipped=dict(self.plan.skipped),
            privacy=privacy,
        )

    def _moments_withheld(self, rules: PrivacyRules) -> str:
        """Why the joint moments are withheld: too many numeric features, or too few rows."""
        if self.joint is None:
            return (
                f"{len(self.plan.numeric)} numeric features, more than {MAX_JOINT_FEATURES}; "
                "out-of-distribution distances are not computed"
            )
        return f"fewer than {rules.k_anonymity} rows have every numeric feature present and finite"


def merge_builders(builders: Iterable[ProfileBuilder]) -> ProfileBuilder:
    """All parts' states merged into the first.

    Example:
        >>> from modelshare.profiling import plan_from_frame
        >>> frame = pd.read_csv("train.csv")
        >>> plan = plan_from_frame(frame)
        >>> chunks = [frame[:60], frame[60:120], frame[120:]]
        >>> merge_builders(ProfileBuilder(plan).add(chunk) for chunk in chunks).build().rows
        179
    """
    return reduce(ProfileBuilder.merge, builders)


def withheld_notes(
    columns: list[ColumnProfile],
    target: ColumnProfile | None,
    rules: PrivacyRules,
    *,
    moments_withheld: str | None,
) -> list[str]:
    """What the rules withheld, one sentence each, for the card and the JSON;
    ``moments_withheld`` says why the joint moments were (None: they were kept).

    Example:
        >>> rules = PrivacyRules(k_anonymity=10)
        >>> withheld_notes(profile.columns, profile.target, rules, moments_withheld=None)[1]
        'Numeric columns show the 1st and 99th percentiles (or the values with 10 rows ...'
        >>> withheld_notes([], None, rules, moments_withheld="too few rows")[-1]
        'Joint moments withheld: too few rows.'
    """
    k = rules.k_anonymity
    low, high = (f"{100 * rank:g}" for rank in (rules.quantile_clip, 1 - rules.quantile_clip))
    notes = [
        f"The profile stores no rows: every number it publishes describes at least {k} rows.",
        f"Numeric columns show the {_ordinal(low)} and {_ordinal(high)} percentiles (or the "
        f"values with {k} rows beyond them) as their extremes, never the minimum and maximum; "
        f"quantiles are published at least {k} rows apart.",
    ]
    every = [*columns, *([target] if target is not None else [])]
    notes.extend(note for column in every if (note := _column_note(column, k)))
    if moments_withheld is not None:
        notes.append(f"Joint moments withheld: {moments_withheld}.")
    return notes


def _column_note(column: ColumnProfile, k: int) -> str:
    """What was withheld from one column, or an empty string."""
    if isinstance(column, NumericColumn):
        if column.count < k:
            return f"{column.name}: fewer than {k} values; only counts are published."
        if column.quantiles is None:
            return f"{column.name}: fewer than {2 * k} values; quantiles are withheld."
        return ""
    if isinstance(column, CategoricalColumn) and column.other_categories:
        return (
            f"{column.name}: {column.other_categories} categories seen fewer than {k} times "
            f"(or beyond the most frequent ones) are counted together as 'other' "
            f"({column.other} rows)."
        )
    return ""


def _ordinal(number: str) -> str:
    """``1`` → ``1st``, ``99`` → ``99th``, ``2.5`` → ``2.5th``."""
    suffix = {"1": "st", "2": "nd", "3": "rd"}.get(number[-1], "th")
    return f"{number}{'th' if number[-2:] in ('11', '12', '13') else suffix}"


def _new_state(kind: Kind, sketch_k: int) -> ColumnState:
    return NumericState(sketch_k) if kind == "numeric" else CategoricalState()


def _column_values(array: pa.Array, state: ColumnState) -> Any:
    """What a state's ``update`` takes: float64 values with NaN, or the Arrow labels."""
    if isinstance(state, NumericState):
        return array.to_numpy(zero_copy_only=False)
    return array


def _finalise(name: str, state: ColumnState, rules: PrivacyRules) -> ColumnProfile:
    if isinstance(state, NumericState):
        return finalise_numeric(name, state, rules)
    return finalise_categorical(name, state, rules)
