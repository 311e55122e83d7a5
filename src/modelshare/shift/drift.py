"""Compare new data with a release's training-data profile: ``drift(reference, new_data)``.

The new data is read once, in batches, and reduced to what the tests need
(:mod:`modelshare.shift.observe`); every column is tested (:mod:`modelshare.shift.stats`), the
p-values of all tests are adjusted together (Benjamini-Hochberg), and a column drifts when a
test is significant *and* its effect reaches the threshold (:class:`DriftSettings`). Columns
absent from the new data, or whose type changed, count as drift; extra columns are listed.

Example:
    >>> report = drift(Path("releases/penguin-species"), X_new.assign(island="Dream"))
    >>> report.verdict
    'drift in 1 of 6 columns: island'
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from modelshare.bundle import open_release
from modelshare.errors import InvalidInputError
from modelshare.layout import PROFILE_FILE, PROFILES_FOLDER, evaluation_profile_path
from modelshare.manifest import refuse_unverified
from modelshare.profiling.model import DataProfile
from modelshare.shift.decide import decide_columns, ordered, verdict
from modelshare.shift.match import match_columns
from modelshare.shift.report import DriftReport, DriftSettings
from modelshare.tables import open_source


def load_reference(reference: Any, dataset: str | None = None) -> DataProfile:
    """The reference profile: a DataProfile, a profile JSON file, or a release folder holding
    ``data_profile.json`` (the training data) and, for ``dataset``, the profile of that
    evaluation dataset.

    Example:
        >>> load_reference(Path("releases/penguin-species")).rows
        179
        >>> load_reference(Path("releases/penguin-species"), "penguins-test").rows
        45

    Raises:
        NotAReleaseError: a folder that holds no release.
        IntegrityError: the release's profile differs from its manifest, or it has none.
        InvalidInputError: no such file, a file that is no profile, or no such dataset.
    """
    if isinstance(reference, DataProfile) and dataset is None:
        return reference
    path = reference_path(reference)
    if path is None or (dataset is not None and not path.is_dir()):
        raise InvalidInputError(
            f"reference dataset {dataset!r} needs a release folder, which holds the profiles "
            "of its evaluation datasets"
        )
    if path.is_dir():
        folder = open_release(path).path
        path = _release_profile(folder, dataset)
        refuse_unverified(folder, [path.relative_to(folder).as_posix()])
    if not path.exists():
        raise InvalidInputError(f"{path} not found; pass a release folder or a data profile")
    return DataProfile.load(path)


def reference_path(reference: Any) -> Path | None:
    """The path a reference names: a path, or an opened release's folder; None for a
    :class:`DataProfile`; a one-line error for anything else.

    Example:
        >>> reference_path(bundle)
        PosixPath('releases/penguin-species')
    """
    if isinstance(reference, DataProfile):
        return None
    if isinstance(reference, (str, os.PathLike)):
        return Path(reference)
    if isinstance(getattr(reference, "path", None), Path):  # an opened release (Bundle)
        return reference.path
    raise InvalidInputError(
        f"a reference is a release folder, a profile file or a DataProfile, not a "
        f"{type(reference).__name__}"
    )


def _release_profile(folder: Path, dataset: str | None) -> Path:
    """The path of a release's training profile, or of one evaluation dataset's profile."""
    if dataset is None:
        if not (folder / PROFILE_FILE).is_file():
            raise InvalidInputError(
                f"{folder} holds no {PROFILE_FILE}; pass a release made with a data profile, "
                "or a profile written by `modelshare profile`"
            )
        return folder / PROFILE_FILE
    path = folder / evaluation_profile_path(dataset)
    if not path.is_file():
        profiled = sorted(p.stem for p in (folder / PROFILES_FOLDER).glob("*.json"))
        raise InvalidInputError(
            f"{folder} has no profile of an evaluation dataset {dataset!r}; it has: "
            f"{', '.join(profiled) or 'none'}"
        )
    return path


def drift(
    reference: Any,
    new_data: Any,
    *,
    target: str | None = None,
    settings: DriftSettings | None = None,
    reference_dataset: str | None = None,
) -> DriftReport:
    """Compare ``new_data`` (CSV/Parquet path, DataFrame, Arrow table) with ``reference``
    (release folder, profile path or :class:`DataProfile`), column by column.

    ``target`` names the column of ``new_data`` holding labels or predictions, compared with
    the reference's class balance (label shift); by default the reference's target column is
    used when ``new_data`` has it. ``reference_dataset`` compares with the profile of one of
    a release's evaluation datasets instead of its training data.

    Example:
        >>> report = drift(profile, X_new, settings=DriftSettings(wasserstein=0.2))
        >>> report.drifted
        False

    Raises:
        NotAReleaseError: ``reference`` is a folder that holds no release.
        IntegrityError: the release's profile differs from its manifest, or it has none.
        InvalidInputError: a missing or unreadable file, a file that is no profile, or a
            ``target`` or ``reference_dataset`` that is not there.
    """
    profile = load_reference(reference, reference_dataset)
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
