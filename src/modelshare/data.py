"""Dataset facts, measured never typed: size, features, types, classes, imbalance, checksums.

Inputs are read by :mod:`modelshare.tables` (files with :func:`~modelshare.tables.read_table`,
in-memory data with :func:`~modelshare.tables.as_frame` and :func:`~modelshare.tables.as_target`,
each column's kind by :func:`~modelshare.tables.feature_kind`); :func:`dataset_facts` measures
what the card and the audit report, and :func:`check_finite` refuses numbers no model computes
with.

Example:
    >>> from modelshare.tables import read_table, split_target
    >>> X, y = split_target(read_table(Path("train.csv")), "species", "train.csv")
    >>> facts = dataset_facts(X, y, name="penguins-train", file=Path("train.csv"))
    >>> facts.target.class_counts
    {'Adelie': 80, 'Gentoo': 64, 'Chinstrap': 35}
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from modelshare.errors import InvalidInputError
from modelshare.record import DatasetFacts, FeatureFacts, Provenance, TargetFacts
from modelshare.tables import as_frame, as_target, feature_kind, first_line, listing

Task = Literal["classification", "regression"]
"""The model's task, as in :class:`~modelshare.record.ModelFacts`."""

IMBALANCE_FACTOR = 0.5
"""A classification target is *imbalanced* when its smallest class holds less than this factor
times the share every class would hold if balanced (``1 / n_classes``): under 25 % for a binary
target, under 16.7 % for three classes."""

CLASSIFICATION_TARGETS = ("binary", "multiclass")
"""Target types (scikit-learn's ``type_of_target``) for which class facts are measured."""

CHUNK_BYTES = 1024 * 1024
"""Bytes read at a time when a file's sha256 is computed."""

FINITE_LIMIT = float(np.finfo(np.float32).max)
"""Largest magnitude (about 3.4e38) of a number modelshare computes with: beyond it, as at
±inf, a value is *non-finite*. Most models compute in float32, which ends there, and sums of
float64 values near their own limit (1e308) overflow."""


def check_same_length(X: Any, y: Any, dataset: str) -> None:
    """Raise when features and target do not have the same number of rows.

    Example:
        >>> check_same_length(X_train, y_train[:-3], "penguins-train")
        Traceback (most recent call last):
        modelshare.errors.InvalidInputError: X has 179 rows but y has 176 in dataset ...
    """
    if len(X) != len(y):
        raise InvalidInputError(
            f"X has {len(X)} rows but y has {len(y)} in dataset '{dataset}'; "
            "pass features and target of the same rows"
        )


def dataset_facts(
    X: Any,
    y: Any,
    name: str,
    provenance: Provenance | None = None,
    file: Path | None = None,
    *,
    task: Task | None = None,
) -> DatasetFacts:
    """Measure a dataset: size, per-feature facts, target facts, checksum and source file.

    ``X`` and ``y`` take any form :func:`as_frame` and :func:`as_target` accept. Only the file's
    name is recorded, never its directory. ``task`` is the model's task when known (see
    :func:`target_facts`).

    Example:
        >>> facts = dataset_facts(X_train, y_train, name="penguins-train")
        >>> facts.n_samples, facts.n_features, facts.target.type
        (179, 6, 'multiclass')
    """
    features, target = as_frame(X), as_target(y)
    check_same_length(features, target, name)
    if len(features) == 0:
        raise InvalidInputError(f"dataset '{name}' has no rows; pass the rows the model saw")
    return DatasetFacts(
        name=name,
        n_samples=len(features),
        n_features=features.shape[1],
        features=[feature_facts(features[column]) for column in features.columns],
        target=target_facts(target, name, task),
        checksum=dataset_checksum(features, target),
        file=file.name if file is not None else None,
        file_sha256=file_sha256(file) if file is not None else None,
        provenance=provenance,
    )


def feature_facts(column: pd.Series) -> FeatureFacts:
    """One column as measured: dtype, kind, missing values and distinct non-missing values.

    Example:
        >>> feature_facts(X_train["sex"])
        FeatureFacts(name='sex', dtype='str', kind='categorical', missing=4, distinct=2)
    """
    return FeatureFacts(
        name=str(column.name),
        dtype=str(column.dtype),
        kind=feature_kind(column),
        missing=int(column.isna().sum()),
        distinct=int(column.nunique(dropna=True)),
    )


def target_facts(y: pd.Series, dataset: str, task: Task | None = None) -> TargetFacts:
    """The target as measured; class counts and balance for binary and multiclass targets.

    The type is scikit-learn's ``type_of_target``, which calls integer-valued floats (such as
    the diabetes progression scores) ``multiclass``; pass ``task="regression"`` when the model
    is a regressor to record the target as ``continuous``, without class facts.

    Example:
        >>> target_facts(y_train, "penguins-train").class_counts
        {'Adelie': 80, 'Gentoo': 64, 'Chinstrap': 35}
    """
    present = y.dropna()
    if present.empty:
        raise InvalidInputError(
            f"target '{y.name}' of dataset '{dataset}' has no values; pass the labels"
        )
    target_type = "continuous" if task == "regression" else _target_type(present, dataset)
    return TargetFacts(
        name=str(y.name),
        type=target_type,
        missing=len(y) - len(present),
        **(_class_facts(present) if target_type in CLASSIFICATION_TARGETS else {}),
    )


def dataset_checksum(X: pd.DataFrame, y: pd.Series) -> str:
    """``sha256:<hex>`` over column names, dtypes and row hashes of ``X`` and ``y``.

    The index is ignored, so the same rows give the same checksum after ``reset_index``; any
    changed value, column name, dtype or row order gives another.

    Example:
        >>> dataset_checksum(X_train, y_train)
        'sha256:1abfa2fddcbd42e27cbab11bbd7910edc71924e0eb3a5403ee4685a1d21dc5d3'
    """
    digest = hashlib.sha256()
    for frame in (X, y.to_frame()):
        header = {
            "rows": len(frame),
            "columns": [[str(column), str(dtype)] for column, dtype in frame.dtypes.items()],
        }
        digest.update(json.dumps(header).encode())
        digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return f"sha256:{digest.hexdigest()}"


def file_sha256(path: Path) -> str:
    """The sha256 hex digest of a file, read in 1 MiB chunks.

    Example:
        >>> file_sha256(Path("releases/penguin-species/requirements.txt"))[:7]
        '97d0536'
    """
    digest = hashlib.sha256()
    try:
        with path.open("rb") as stream:
            while chunk := stream.read(CHUNK_BYTES):
                digest.update(chunk)
    except OSError as error:
        message = f"cannot read {path} ({first_line(error)}); check the path"
        raise InvalidInputError(message) from error
    return digest.hexdigest()


def is_finite(values: np.ndarray) -> np.ndarray:
    """Which values are numbers modelshare computes with: within ±:data:`FINITE_LIMIT`
    (NaN, ±inf and larger magnitudes are not).

    Example:
        >>> is_finite(np.array([1.0, np.nan, np.inf, 1e308]))
        array([ True, False, False, False])
    """
    return np.abs(values) <= FINITE_LIMIT


def non_finite_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """For each numeric column of ``frame``, which values are not missing but not finite
    (±inf, or beyond ±:data:`FINITE_LIMIT`).

    Example:
        >>> non_finite_cells(pd.DataFrame({"x": [1.0, np.inf, np.nan], "s": ["a", "b", "c"]}))
               x
        0  False
        1   True
        2  False
    """
    numbers = frame.select_dtypes("number")
    values = numbers.to_numpy(dtype=float, na_value=np.nan)
    cells = ~np.isnan(values) & ~is_finite(values)
    return pd.DataFrame(cells, index=frame.index, columns=numbers.columns)


def check_finite(frame: pd.DataFrame, source: str) -> None:
    """Raise when a numeric column of ``frame`` holds a non-finite value: a model cannot
    score such rows.

    Example:
        >>> check_finite(pd.DataFrame({"mass": [3650.0, np.inf]}), "test.csv")
        Traceback (most recent call last):
        modelshare.errors.InvalidInputError: test.csv holds non-finite values (inf, or beyond ...

    Raises:
        InvalidInputError: a value is ±inf or beyond ±:data:`FINITE_LIMIT`.
    """
    cells = non_finite_cells(frame)
    rows = int(cells.any(axis=1).sum())
    if rows:
        names = [str(name) for name in cells.columns[cells.any(axis=0)]]
        raise InvalidInputError(
            f"{source} holds non-finite values (inf, or beyond ±{FINITE_LIMIT:.2g}) in {rows} "
            f"row{'s' * (rows != 1)}, in columns {listing(names)}; a model cannot score them: "
            "drop or fix those rows"
        )


def _target_type(present: pd.Series, dataset: str) -> str:
    """scikit-learn's ``type_of_target`` of the non-missing target values."""
    from sklearn.utils.multiclass import type_of_target

    try:
        return str(type_of_target(present.to_numpy()))
    except (TypeError, ValueError) as error:
        raise InvalidInputError(
            f"cannot tell the type of target '{present.name}' in dataset '{dataset}' "
            f"({first_line(error)}); pass labels of one type"
        ) from error


def _class_facts(present: pd.Series) -> dict[str, Any]:
    """Class counts (largest first), imbalance ratio, minority share and the imbalance flag."""
    counts = ((str(label), int(count)) for label, count in present.value_counts().items())
    class_counts = dict(sorted(counts, key=_by_count))
    largest, smallest = max(class_counts.values()), min(class_counts.values())
    minority_share = smallest / len(present)
    return {
        "class_counts": class_counts,
        "imbalance_ratio": largest / smallest,
        "minority_share": minority_share,
        "imbalanced": minority_share < IMBALANCE_FACTOR / len(class_counts),
    }


def _by_count(item: tuple[str, int]) -> tuple[int, str]:
    """Sort key for class counts: largest class first, ties by label."""
    label, count = item
    return -count, label
