"""Compare new data with a release's training-data profile: ``drift(reference, new_data)``.

The new data is read once, in batches, and reduced to what the tests need
(:mod:`modelshare.shift.observe`); every column is tested (:mod:`modelshare.shift.stats`), the
p-values of all tests are adjusted together (Benjamini-Hochberg), and a column drifts when a
test is significant *and* its effect reaches the threshold (:class:`DriftSettings`). Columns
absent from the new data, or whose type changed, count as drift; extra columns are listed.

Example:
    >>> report = drift(Path("releases/penguin-species"), Path("new.csv"))
    >>> report.verdict
    'drift in 2 of 6 columns: island, bill_depth_mm'
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from modelshare.errors import UsageError
from modelshare.profile import PROFILE_FILE
from modelshare.profile.model import DataProfile
from modelshare.profile.sources import open_source
from modelshare.shift.decide import decide_columns, ordered, verdict
from modelshare.shift.match import match_columns
from modelshare.shift.report import DriftReport, DriftSettings

"""Where a release keeps its training-data profile."""


def load_reference(reference: Any) -> DataProfile:
    """The reference profile: a DataProfile, a profile JSON file, or a release folder
    holding ``data_profile.json``.

    Example:
        >>> load_reference(Path("releases/penguin-species")).rows
        273
    """
    if isinstance(reference, DataProfile):
        return reference
    path = Path(reference)
    if path.is_dir():
        if not (path / PROFILE_FILE).is_file():
            raise UsageError(
                f"{path} holds no {PROFILE_FILE}; pass a release made with a data profile, "
                "or a profile written by `modelshare profile`"
            )
        path = path / PROFILE_FILE
    if not path.exists():
        raise UsageError(f"{path} not found; pass a release folder or a data profile")
    return DataProfile.load(path)


def drift(
    reference: Any,
    new_data: Any,
    *,
    target: str | None = None,
    settings: DriftSettings | None = None,
) -> DriftReport:
    """Compare ``new_data`` (CSV/Parquet path, DataFrame, Arrow table) with ``reference``
    (release folder, profile path or :class:`DataProfile`), column by column.

    ``target`` names the column of ``new_data`` holding labels or predictions, compared with
    the reference's class balance (label shift); by default the reference's target column is
    used when ``new_data`` has it.

    Example:
        >>> report = drift(profile, X_new, settings=DriftSettings(wasserstein=0.2))
        >>> report.drifted
        False
    """
    profile = load_reference(reference)
    settings = settings or DriftSettings()
    source = open_source(new_data)
    matching = match_columns(profile, source, target)
    new_rows, observations = matching.observe(source)
    tested = decide_columns(
        matching.tested,
        observations,
        settings,
        k_anonymity=profile.privacy.k_anonymity,
        notes=matching.notes,
    )
    label_shift = next((c for c in tested if c.name == matching.target), None)
    if label_shift is not None:
        label_shift.role = "target"
    features = ordered([c for c in tested if c is not label_shift] + matching.untested)
    return DriftReport(
        drifted=any(c.drifted for c in features) or bool(label_shift and label_shift.drifted),
        verdict=verdict(features, label_shift),
        reference_rows=profile.rows,
        new_rows=new_rows,
        settings=settings,
        columns=features,
        label_shift=label_shift,
    )
