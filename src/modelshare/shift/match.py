"""Match the reference profile's columns with the new data's: by name, then by kind.

A reference column absent from the new data is *missing*; one whose type cannot be compared
(numbers became labels, or dates) has *type changed*; both count as drift. Labels read as
numbers in the new data (``1, 2, 3``) are compared as labels. New columns are *extra*.

Example:
    >>> from modelshare.tables import open_source
    >>> source = open_source(X_new.assign(colour="blue").drop(columns="sex"))
    >>> matching = match_columns(profile, source, target=None)
    >>> list(matching.tested)[-2:], [(c.name, c.status) for c in matching.untested]
    (['body_mass_g', 'island'], [('sex', 'missing'), ('colour', 'extra')])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from modelshare.errors import InvalidInputError
from modelshare.profiling.columns import ColumnPlan, Kind, profiled_kind
from modelshare.profiling.model import CategoricalColumn, DataProfile, NumericColumn
from modelshare.shift.observe import CategoricalObservation, NumericObservation
from modelshare.shift.report import ColumnDrift
from modelshare.tables import TableSource, listing, require_rows

Observation = NumericObservation | CategoricalObservation
ReferenceColumn = NumericColumn | CategoricalColumn


@dataclass
class Matching:
    """The columns to test (under their name in the new data) and those that cannot be."""

    tested: dict[str, ReferenceColumn]
    untested: list[ColumnDrift]
    notes: dict[str, str]
    target: str | None

    def read_plan(self) -> ColumnPlan:
        """How to read the new data: every tested column as the reference's kind."""
        features = {name: c.kind for name, c in self.tested.items() if name != self.target}
        if self.target in self.tested:
            return ColumnPlan(features, self.target, self.tested[self.target].kind)
        return ColumnPlan(features)

    def observe(self, source: TableSource) -> tuple[int, dict[str, Observation]]:
        """Read the new data once: its row count, and each tested column's observation.

        Example:
            >>> from modelshare.tables import open_source
            >>> source = open_source(X_new.assign(island="Anvers"))
            >>> matching = match_columns(profile, source, target=None)
            >>> rows, observations = matching.observe(source)
            >>> rows, observations["island"].unlisted
            (120, 120)
        """
        observations = {name: _observation(ref) for name, ref in self.tested.items()}
        rows = 0
        for batch in source.batches(self.read_plan().kinds()):
            rows += batch.num_rows
            for name, observation in observations.items():
                array = batch.column(name)
                if isinstance(observation, NumericObservation):
                    observation.update(array.to_numpy(zero_copy_only=False))
                else:
                    observation.update(array)
        require_rows(rows, source)
        return rows, observations


def match_columns(profile: DataProfile, source: TableSource, target: str | None) -> Matching:
    """Pair each reference column (and the target) with the new data's column of that name.

    Example:
        >>> from modelshare.tables import open_source
        >>> source = open_source(X_new.assign(predicted_species=model.predict(X_new)))
        >>> match_columns(profile, source, target="predicted_species").target
        'predicted_species'
    """
    new_kinds = {name: profiled_kind(kind) for name, kind in source.kinds.items()}
    target = _resolve_target(profile, source, target)
    pairs: list[tuple[ReferenceColumn, str]] = [(c, c.name) for c in profile.columns]
    if target is not None and profile.target is not None:
        pairs.append((profile.target, target))
    tested: dict[str, ReferenceColumn] = {}
    untested: list[ColumnDrift] = []
    notes: dict[str, str] = {}
    for reference, name in pairs:
        problem = _kind_problem(reference, name, new_kinds)
        if problem is not None:
            untested.append(problem)
            continue
        tested[name] = reference.model_copy(update={"name": name})
        if reference.kind == "categorical" and new_kinds[name] == "numeric":
            notes[name] = "read as numbers in the new data, compared as labels"
    known = {column.name for column in profile.columns} | set(profile.skipped) | {target}
    untested += [_extra(name) for name in source.columns if name not in known]
    return Matching(tested, untested, notes, target)


def _resolve_target(profile: DataProfile, source: TableSource, target: str | None) -> str | None:
    """The new data's label column: as given, else the reference target's name if present."""
    reference = profile.target
    if target is None:
        present = reference is not None and reference.name in source.columns
        return reference.name if present and reference is not None else None
    if reference is None:
        raise InvalidInputError(
            "the reference profile has no target to compare labels with; "
            "profile the training data with its target (--target)"
        )
    if target not in source.columns:
        raise InvalidInputError(
            f"column '{target}' not found in {source.name}; columns: {listing(source.columns)}"
        )
    return target


def _kind_problem(
    reference: ReferenceColumn, name: str, new_kinds: dict[str, Kind | None]
) -> ColumnDrift | None:
    """The result of a column that cannot be tested: absent, or of an incompatible type."""
    if name not in new_kinds:
        return ColumnDrift(
            name=name, kind=reference.kind, status="missing", message="absent from the new data"
        )
    new_kind = new_kinds[name]
    if new_kind is None or (reference.kind == "numeric" and new_kind == "categorical"):
        seen = "dates or times" if new_kind is None else "labels"
        return ColumnDrift(
            name=name,
            kind=reference.kind,
            status="type_changed",
            message=f"type changed: {reference.kind} in the reference, {seen} in the new data",
        )
    return None


def _extra(name: str) -> ColumnDrift:
    return ColumnDrift(
        name=name, status="extra", message="not in the reference profile; not compared"
    )


def _observation(reference: Any) -> Observation:
    if isinstance(reference, NumericColumn):
        return NumericObservation(reference.quantiles)
    return CategoricalObservation(reference)
