"""Dataset facts, measured never typed: size, features, types, classes, imbalance, checksums.

Inputs are normalised at the boundary (:func:`as_frame`, :func:`as_target`), files are read
with :func:`read_table`, and :func:`dataset_facts` measures what the card and the audit report.

Example:
    >>> X, y = split_target(read_table(Path("train.csv")), "species", "train.csv")
    >>> facts = dataset_facts(X, y, name="penguins-train", file=Path("train.csv"))
    >>> facts.target.class_counts
    {'Adelie': 80, 'Gentoo': 64, 'Chinstrap': 35}
"""

from __future__ import annotations

import difflib
import hashlib
import json
import sys
import unicodedata
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from modelshare.errors import ModelshareError, UsageError
from modelshare.record import DatasetFacts, FeatureFacts, FeatureKind, Provenance, TargetFacts

Task = Literal["classification", "regression"]
"""The model's task, as in :class:`~modelshare.record.ModelFacts`."""

IMBALANCE_FACTOR = 0.5
"""A classification target is *imbalanced* when its smallest class holds less than this factor
times the share every class would hold if balanced (``1 / n_classes``): under 25 % for a binary
target, under 16.7 % for three classes."""

CLASSIFICATION_TARGETS = ("binary", "multiclass")
"""Target types (scikit-learn's ``type_of_target``) for which class facts are measured."""

PARQUET_SUFFIXES = (".parquet", ".pq")
PARQUET_MAGIC = b"PAR1"
CHUNK_BYTES = 1024 * 1024
LISTED_COLUMNS = 10
"""How many column names an error message lists before it elides the rest."""

SHOWN_NAME = 60
"""Characters of a column name an error message shows before it elides the rest."""

LINE_BREAKING = frozenset({"Cc", "Zl", "Zp"})
"""Unicode categories of control characters and line or paragraph separators: a column name
holding one could break a one-line message, a table or a card."""

FINITE_LIMIT = float(np.finfo(np.float32).max)
"""Largest magnitude (about 3.4e38) of a number modelshare computes with: beyond it, as at
±inf, a value is *non-finite*. Most models compute in float32, which ends there, and sums of
float64 values near their own limit (1e308) overflow."""

_INFERRED_KINDS: dict[str, FeatureKind] = {
    "boolean": "boolean",
    "datetime": "datetime",
    "datetime64": "datetime",
    "date": "datetime",
    "integer": "numeric",
    "floating": "numeric",
    "mixed-integer-float": "numeric",
    "decimal": "numeric",
}
"""Kinds of ``object`` columns by pandas' ``infer_dtype``; anything else is categorical."""


def as_frame(X: Any, feature_names: Sequence[str] | None = None) -> pd.DataFrame:
    """The features as a DataFrame: a DataFrame as-is, a 2-D array, a list of rows, an Arrow table.

    Unnamed columns are called ``x0 … xN`` unless ``feature_names`` are given; a DataFrame or
    Arrow table keeps its own column names.

    Example:
        >>> as_frame([[1.0, "a"], [2.0, "b"]], feature_names=["size", "colour"]).columns.tolist()
        ['size', 'colour']
    """
    if isinstance(X, pd.DataFrame):
        check_column_names(X.columns, "X")
        return X
    if _is_arrow_table(X):
        check_column_names(X.column_names, "X")
        return _arrow_to_pandas(X)
    if isinstance(X, (np.ndarray, list, tuple)):
        values = _as_array(X)
        _require_2d(values.shape)
        columns = _column_names(values.shape[1], feature_names)
        return pd.DataFrame(values, columns=columns).infer_objects()
    raise ModelshareError(
        f"X is a {type(X).__name__}; pass a pandas DataFrame, a 2-D numpy array, "
        "a list of rows or a pyarrow Table"
    )


def as_target(y: Any, name: str | None = None) -> pd.Series:
    """The target as a Series: a Series, a 1-D array or list, or a single-column DataFrame.

    ``name`` names the target; without it the Series or column keeps its own name, and an
    unnamed target is called ``"target"``.

    Example:
        >>> as_target(["Adelie", "Gentoo"]).name
        'target'
    """
    if isinstance(y, pd.Series):
        series = y
    elif isinstance(y, pd.DataFrame):
        series = _only_column(y)
    elif isinstance(y, (np.ndarray, list, tuple)):
        series = _series_from_values(y)
    else:
        raise ModelshareError(
            f"y is a {type(y).__name__}; pass a pandas Series, a 1-D numpy array or list, "
            "or a single-column DataFrame"
        )
    label = name if name is not None else series.name
    return series.rename("target" if label is None else label)


def check_same_length(X: Any, y: Any, dataset: str) -> None:
    """Raise when features and target do not have the same number of rows.

    Example:
        >>> check_same_length(X_train, y_train[:-3], "penguins-train")
        Traceback (most recent call last):
        modelshare.errors.ModelshareError: X has 179 rows but y has 176 in dataset ...
    """
    if len(X) != len(y):
        raise ModelshareError(
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
        raise ModelshareError(f"dataset '{name}' has no rows; pass the rows the model saw")
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


def feature_kind(column: pd.Series) -> FeatureKind:
    """Whether a column is numeric, boolean, categorical or datetime.

    Strings (pandas 3's ``str``, pandas 2's ``object``) and ``category`` columns are
    categorical; ``object`` columns holding only booleans, numbers or dates count as such.

    Example:
        >>> feature_kind(pd.Series([True, False, None]))
        'boolean'
    """
    dtype = column.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return "categorical"
    if ptypes.is_object_dtype(dtype):
        return _INFERRED_KINDS.get(ptypes.infer_dtype(column, skipna=True), "categorical")
    if ptypes.is_bool_dtype(dtype):
        return "boolean"
    if ptypes.is_datetime64_any_dtype(dtype):
        return "datetime"
    if ptypes.is_numeric_dtype(dtype) or ptypes.is_timedelta64_dtype(dtype):
        return "numeric"
    return "categorical"


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
        raise ModelshareError(
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
        >>> file_sha256(Path("train.csv"))
        '9f2c4b…'
    """
    digest = hashlib.sha256()
    try:
        with path.open("rb") as stream:
            while chunk := stream.read(CHUNK_BYTES):
                digest.update(chunk)
    except OSError as error:
        message = f"cannot read {path} ({first_line(error)}); check the path"
        raise ModelshareError(message) from error
    return digest.hexdigest()


def check_column_names(names: Sequence[Any], source: str) -> None:
    """Raise unless every column of ``source`` has a name of its own: not empty, not shared
    with another column, without a control character or line break.

    Every reader calls it with the names as written (pandas renames a repeated ``a`` to
    ``a.1`` and an empty name to ``Unnamed: 1``, Arrow keeps them), so all refuse alike.

    Example:
        >>> check_column_names(["island", "mass", "island"], "train.csv")
        Traceback (most recent call last):
        modelshare.errors.UsageError: train.csv has several columns named island (columns 1, 3) ...

    Raises:
        UsageError: a name is empty, repeated, or holds a control character.
    """
    problem = column_name_problem([str(name) for name in names])
    if problem is not None:
        raise UsageError(f"{source} {problem}")


def column_name_problem(names: Sequence[str]) -> str | None:
    """What is wrong with a table's column names, in words that follow the table's name,
    or None when every column has a name of its own.

    Example:
        >>> column_name_problem(["a", ""])
        'has a column without a name (column 2); name every column in the header row ...'
    """
    for position, name in enumerate(names, start=1):
        if not name.strip():
            return (
                f"has a column without a name (column {position}); name every column in the "
                "header row (pandas writes its index as an unnamed first column unless "
                "to_csv is given index=False)"
            )
        if any(unicodedata.category(char) in LINE_BREAKING for char in name):
            return (
                f"has a control character or line break in the name of column {position} "
                f"({shown(name)}); rename it"
            )
    repeated = [name for name, count in Counter(names).items() if count > 1]
    if not repeated:
        return None
    positions = [str(i) for i, name in enumerate(names, start=1) if name == repeated[0]]
    return (
        f"has several columns named {shown(repeated[0])} (columns {', '.join(positions)}); "
        "give every column a name of its own"
    )


def shown(name: str) -> str:
    """A column name as an error message shows it: control characters escaped, long names
    elided, so that the message stays one readable line.

    Example:
        >>> shown("bill\\nlength")
        'bill\\\\nlength'
    """
    head = "".join(map(_escaped, name[:SHOWN_NAME]))
    return head if len(name) <= SHOWN_NAME else f"{head}… ({len(name)} characters)"


def _escaped(char: str) -> str:
    """A control character or line break as its escape sequence; any other as itself."""
    if unicodedata.category(char) in LINE_BREAKING:
        return char.encode("unicode_escape").decode("ascii")
    return char


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
        modelshare.errors.UsageError: test.csv holds non-finite values (inf, or beyond ...

    Raises:
        UsageError: a value is ±inf or beyond ±:data:`FINITE_LIMIT`.
    """
    cells = non_finite_cells(frame)
    rows = int(cells.any(axis=1).sum())
    if rows:
        names = [str(name) for name in cells.columns[cells.any(axis=0)]]
        raise UsageError(
            f"{source} holds non-finite values (inf, or beyond ±{FINITE_LIMIT:.2g}) in {rows} "
            f"row{'s' * (rows != 1)}, in columns {listing(names)}; a model cannot score them: "
            "drop or fix those rows"
        )


def read_table(path: Path) -> pd.DataFrame:
    """Read a CSV or Parquet file into a DataFrame, or explain in one line why not.

    Parquet is recognised by a ``.parquet``/``.pq`` suffix or its ``PAR1`` magic bytes; every
    other file is read as CSV with a header row and no index column. Column names are checked
    as written (:func:`check_column_names`).

    Example:
        >>> read_table(Path("train.csv")).shape
        (179, 7)

    Raises:
        ModelshareError: the file cannot be read, or holds no columns or no rows.
        UsageError: a column has no name, a name of another column, or a control character.
    """
    path = Path(path)
    require_readable_file(path)
    table = _read_parquet(path) if is_parquet(path) else _read_csv(path)
    if table.shape[1] == 0:
        raise ModelshareError(f"{path} has no columns; pass a table with named columns")
    if len(table) == 0:
        raise ModelshareError(f"{path} has columns but no rows; pass a file with data")
    return table


def split_target(df: pd.DataFrame, target: str, source: str) -> tuple[pd.DataFrame, pd.Series]:
    """Split a table into its feature columns and its ``target`` column.

    Example:
        >>> X, y = split_target(read_table(Path("train.csv")), "species", "train.csv")
        >>> split_target(table, "spcies", "train.csv")
        Traceback (most recent call last):
        modelshare.errors.ModelshareError: column 'spcies' not found in train.csv; did you mean ...
    """
    columns = [str(column) for column in df.columns]
    if target not in columns:
        closest = _closest(target, columns)
        hint = f"did you mean '{closest}'? " if closest else ""
        raise ModelshareError(
            f"column '{target}' not found in {source}; {hint}columns: {listing(columns)}"
        )
    if len(columns) == 1:
        raise ModelshareError(f"{source} has only the target column '{target}'; add features")
    position = columns.index(target)
    return df.drop(columns=df.columns[position]), df.iloc[:, position]


def _is_arrow_table(X: Any) -> bool:
    """Whether ``X`` is a pyarrow Table (pyarrow is only consulted when already imported)."""
    pyarrow = sys.modules.get("pyarrow")
    return pyarrow is not None and isinstance(X, pyarrow.Table)


def _arrow_to_pandas(table: Any) -> pd.DataFrame:
    """An Arrow table as a DataFrame, or a one-line error when its columns do not convert
    (say, pandas metadata that names another type than the column holds)."""
    import pyarrow as pa

    try:
        return table.to_pandas()
    except pa.ArrowException as error:
        raise ModelshareError(
            f"X cannot be read as a DataFrame ({first_line(error)}); "
            "pass a table whose columns hold numbers, labels or dates"
        ) from error


def _require_2d(shape: tuple[int, ...]) -> None:
    """Raise unless ``shape`` is rows x features."""
    if len(shape) != 2:
        raise ModelshareError(
            f"X has shape {shape}; pass rows x features (a 2-D array or a list of rows), "
            "e.g. reshape(-1, 1) for a single feature"
        )


def _column_names(n_columns: int, feature_names: Sequence[str] | None) -> list[str]:
    """``feature_names`` when they fit ``n_columns``, else ``x0 … xN``."""
    if feature_names is None:
        return [f"x{i}" for i in range(n_columns)]
    if len(feature_names) != n_columns:
        raise ModelshareError(
            f"X has {n_columns} columns but {len(feature_names)} feature names were given; "
            "pass one name per column"
        )
    return [str(name) for name in feature_names]


def _only_column(frame: pd.DataFrame) -> pd.Series:
    """The only column of a target DataFrame."""
    if frame.shape[1] != 1:
        raise ModelshareError(
            f"y has {frame.shape[1]} columns; pass a single target column (one value per row)"
        )
    return frame.iloc[:, 0]


def _series_from_values(y: np.ndarray | list[Any] | tuple[Any, ...]) -> pd.Series:
    """A Series from a 1-D array or list, or from a one-column array."""
    values = _as_array(y)
    if values.ndim == 2 and values.shape[1] == 1:
        values = values[:, 0]
    if values.ndim != 1:
        raise ModelshareError(
            f"y has shape {values.shape}; pass a single target column (one value per row)"
        )
    return pd.Series(values).infer_objects()


def _as_array(values: np.ndarray | list[Any] | tuple[Any, ...]) -> np.ndarray:
    """An array as given, or a list as an object array (so pandas infers each column's dtype)."""
    return values if isinstance(values, np.ndarray) else np.asarray(values, dtype=object)


def _target_type(present: pd.Series, dataset: str) -> str:
    """scikit-learn's ``type_of_target`` of the non-missing target values."""
    from sklearn.utils.multiclass import type_of_target

    try:
        return str(type_of_target(present.to_numpy()))
    except (TypeError, ValueError) as error:
        raise ModelshareError(
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


def require_readable_file(path: Path) -> None:
    """Raise unless ``path`` is an existing, non-empty file."""
    if not path.exists():
        raise ModelshareError(f"{path} not found; check the path")
    if path.is_dir():
        raise ModelshareError(f"{path} is a directory; pass a CSV or Parquet file")
    if path.stat().st_size == 0:
        raise ModelshareError(f"{path} is empty; pass a CSV or Parquet file with data")


def is_parquet(path: Path) -> bool:
    """Whether ``path`` is Parquet, by suffix or by its first four bytes."""
    if path.suffix.lower() in PARQUET_SUFFIXES:
        return True
    try:
        with path.open("rb") as stream:
            return stream.read(len(PARQUET_MAGIC)) == PARQUET_MAGIC
    except OSError:
        return False  # reading it as CSV reports the problem


def _read_parquet(path: Path) -> pd.DataFrame:
    """Read a Parquet file, its column names checked as its schema holds them, turning any
    failure into a one-line error."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        check_column_names(pq.read_schema(path).names, path.name)
        return pd.read_parquet(path)
    except (OSError, ValueError, pa.ArrowException) as error:
        raise ModelshareError(
            f"cannot read {path} as Parquet ({first_line(error)}); "
            "check that the file is complete and was written as Parquet"
        ) from error


def _read_csv(path: Path) -> pd.DataFrame:
    """Read a CSV file with a header row and no index column, turning failures into one line."""
    try:
        check_column_names(_csv_header(path), path.name)
        return pd.read_csv(path, index_col=False)
    except pd.errors.EmptyDataError as error:
        raise ModelshareError(f"{path} has no columns; pass a CSV with a header row") from error
    except (OSError, ValueError) as error:
        raise ModelshareError(
            f"cannot read {path} as CSV ({first_line(error)}); "
            "pass a comma-separated UTF-8 file with a header row, or a Parquet file"
        ) from error


def _csv_header(path: Path) -> list[str]:
    """The names of a CSV file's header row as written, before pandas renames repeated and
    empty ones."""
    first = pd.read_csv(path, header=None, nrows=1, dtype=str, keep_default_na=False)
    return first.iloc[0].tolist() if len(first) else []


def listing(names: list[str]) -> str:
    """Column names for a one-line message: joined by commas, each as :func:`shown`, elided
    after :data:`LISTED_COLUMNS`.

    Example:
        >>> listing(["island", "sex"])
        'island, sex'
    """
    listed = ", ".join(shown(name) for name in names[:LISTED_COLUMNS])
    return f"{listed}, …" if len(names) > LISTED_COLUMNS else listed


def _closest(name: str, candidates: list[str]) -> str | None:
    """The candidate most like ``name`` (ignoring case), when one is close enough."""
    by_lower = {candidate.lower(): candidate for candidate in candidates}
    matches = difflib.get_close_matches(name.lower(), list(by_lower), n=1)
    return by_lower[matches[0]] if matches else None


def first_line(error: BaseException) -> str:
    """The first line of an exception's message, so errors stay one line."""
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__
