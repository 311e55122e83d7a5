"""The one reader of tabular input: CSV and Parquet files, pandas DataFrames, pyarrow Tables and
numpy arrays.

Arrow parses every file, and every input becomes a :class:`TableSource` whose columns each have
an Arrow type. One inference, :func:`kind_of`, turns a type into the column's kind (numeric,
boolean, categorical or datetime), so a column has the same kind whichever command reads it: a
date column is a date column for ``release``, ``profile``, ``drift`` and ``ood`` alike. A source
gives its rows in batches, each column read as numbers or as labels, in bounded memory (CSV in
blocks of :data:`CSV_BLOCK_BYTES`, the rest in batches of :data:`BATCH_ROWS` rows), or whole as
a DataFrame (:func:`read_table`) through the same parse. A table that cannot be read raises
:class:`~modelshare.errors.InvalidInputError` with one line that says what to do.

Example:
    >>> pd.DataFrame({"day": ["2007-11-01"], "island": ["Dream"]}).to_csv("days.csv", index=False)
    >>> open_source(Path("days.csv")).kinds
    {'day': 'datetime', 'island': 'categorical'}
    >>> read_table(Path("train.csv")).shape
    (179, 7)
"""

from __future__ import annotations

import difflib
import os
import unicodedata
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pv
import pyarrow.parquet as pq
import pyarrow.types as pat

from modelshare.errors import InvalidInputError

if TYPE_CHECKING:
    from modelshare.record import FeatureKind

ReadAs = Literal["numeric", "categorical"]
"""How :meth:`TableSource.batches` reads a column: as numbers (``float64``) or as labels
(strings, spelled as Arrow casts them: ``true``, ``3``, ``2.5``); missing values are nulls."""

CSV_BLOCK_BYTES = 16 * 1024 * 1024
"""CSV bytes parsed per batch. Column types are inferred from the first block; a later value
of another type is refused."""

BATCH_ROWS = 65_536
"""Rows per batch when a Parquet file, a DataFrame or an Arrow table is read: bounded memory."""

PARQUET_BUFFER_BYTES = 1024 * 1024
"""Parquet is read column chunk by column chunk through a buffer of this size, not a whole
row group at once (Arrow's pre-buffering would hold every column of a row group)."""

PARQUET_SUFFIXES = (".parquet", ".pq")
PARQUET_MAGIC = b"PAR1"

LISTED_COLUMNS = 10
"""How many column names an error message lists before it elides the rest."""

SHOWN_NAME = 60
"""Characters of a column name an error message shows before it elides the rest."""

LINE_BREAKING = frozenset({"Cc", "Zl", "Zp"})
"""Unicode categories of control characters and line or paragraph separators: a column name
holding one could break a one-line message, a table or a card."""

CSV_HINT = (
    "pass a comma-separated UTF-8 file with a header row, as many fields in every row as "
    "in the header and one type per column, or a Parquet file"
)
PARQUET_HINT = "check that the file is complete and was written as Parquet"
TABLE_HINT = "pass a table whose columns hold numbers, labels, booleans or dates"


# the kind of a column ---------------------------------------------------------------------


def kind_of(data_type: pa.DataType, column: str, source: str) -> FeatureKind:
    """The kind of a column of Arrow type ``data_type``: the one inference every reader uses.

    Numbers, durations and columns of nothing but missing values are numeric; dates, times and
    timestamps are datetime; strings, dictionaries (pandas' ``category``) and pandas' own types
    (periods, intervals: read as their text) are categorical.

    Example:
        >>> kind_of(pa.date32(), "day", "train.csv")
        'datetime'

    Raises:
        InvalidInputError: the column holds bytes that are not UTF-8 text, or nested values (lists,
            structs, maps) or another type no feature is made of.
    """
    if pat.is_boolean(data_type):
        return "boolean"
    if _is_number(data_type):
        return "numeric"
    if pat.is_temporal(data_type):
        return "datetime"
    labels = (pat.is_string, pat.is_large_string, pat.is_dictionary, _is_pandas_type)
    if any(check(data_type) for check in labels):
        return "categorical"
    if pat.is_binary(data_type) or pat.is_large_binary(data_type):
        raise InvalidInputError(
            f"column '{shown(column)}' of {source} holds bytes that are not UTF-8 text; "
            "save the table as UTF-8"
        )
    raise InvalidInputError(
        f"column '{shown(column)}' of {source} holds values of type {shown(str(data_type))}, "
        "which no reader of modelshare takes; flatten it into columns of numbers, labels, "
        "booleans or dates"
    )


def feature_kind(column: pd.Series) -> FeatureKind:
    """The kind of a DataFrame column, as :func:`kind_of` infers it from the column's Arrow
    type: the kind the same column has when read from a file.

    Example:
        >>> feature_kind(pd.Series([True, False, None]))
        'boolean'

    Raises:
        InvalidInputError: the column holds values of a type no feature is made of (see
            :func:`kind_of`).
    """
    return kind_of(column_array(column).type, str(column.name), "the data")


def column_array(column: pd.Series) -> pa.Array:
    """A DataFrame column as an Arrow array, missing values as nulls; a column that mixes
    types (numbers and strings in an ``object`` column) as the text of its values.

    Example:
        >>> column_array(pd.Series(["Biscoe", 1], dtype=object)).to_pylist()
        ['Biscoe', '1']
    """
    try:
        array = pa.array(column, from_pandas=True)
    except pa.ArrowException:
        return _text(column)
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def as_labels(column: pd.Series) -> pa.Array:
    """A DataFrame column's values as Arrow strings, spelled as every reader spells labels
    (booleans as ``true``/``false``, numbers without a trailing ``.0``); missing as nulls.

    Example:
        >>> as_labels(pd.Series([True, None])).to_pylist()
        ['true', None]

    Raises:
        InvalidInputError: the column's values cannot be spelled as labels.
    """
    return read_as(column_array(column), "categorical", str(column.name), "the data")


def read_as(array: pa.Array, how: ReadAs, column: str, source: str) -> pa.Array:
    """``array`` as ``float64`` numbers or as string labels (durations as counts of their unit).

    Example:
        >>> read_as(pa.array([1, None]), "numeric", "year", "train.csv").to_pylist()
        [1.0, None]

    Raises:
        InvalidInputError: a value cannot be read so (a label where numbers are read).
    """
    wanted = pa.float64() if how == "numeric" else pa.string()
    if array.type == wanted:
        return array
    if how == "categorical" and _is_pandas_type(array.type):
        return _pandas_text(array)
    if pat.is_duration(array.type):
        array = array.cast(pa.int64())
    try:
        return pc.cast(array, wanted)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
        what = "numbers" if how == "numeric" else "labels"
        raise InvalidInputError(
            f"column '{shown(column)}' of {source} cannot be read as {what} "
            f"({first_line(error)}); make every value of the column the same type"
        ) from error


def _text(column: pd.Series) -> pa.Array:
    """The text of a column's values as Arrow strings, missing values as nulls."""
    return pa.array(column.map(str, na_action="ignore"), type=pa.string(), from_pandas=True)


def _pandas_text(array: pa.Array) -> pa.Array:
    """The text of an array of pandas' own type (see :func:`_is_pandas_type`), as pandas
    spells each value."""
    if pat.is_dictionary(array.type):
        return _pandas_text(array.dictionary).take(array.indices)
    return _text(pd.Series(array.to_pandas()))


def _is_pandas_type(data_type: pa.DataType) -> bool:
    """Whether ``data_type`` is one pandas registers in Arrow (periods, intervals), or a
    dictionary of one (``pd.cut`` bins)."""
    if pat.is_dictionary(data_type):
        data_type = data_type.value_type
    return isinstance(data_type, pa.ExtensionType) and data_type.extension_name.startswith(
        "pandas."
    )


def _is_number(data_type: pa.DataType) -> bool:
    """Integers, floats, decimals, durations, and the type of a column without any value."""
    checks = (pat.is_integer, pat.is_floating, pat.is_decimal, pat.is_duration, pat.is_null)
    return any(check(data_type) for check in checks)


# column names -----------------------------------------------------------------------------


def check_column_names(names: Sequence[Any], source: str) -> None:
    """Raise unless every column of ``source`` has a name of its own: not empty, not shared
    with another column, without a control character or line break.

    Every source calls it with the names as written, so all refuse alike.

    Example:
        >>> check_column_names(["island", "mass", "island"], "train.csv")
        Traceback (most recent call last):
        modelshare.errors.InvalidInputError: train.csv has several columns named island ...

    Raises:
        InvalidInputError: a name is empty, repeated, or holds a control character.
    """
    problem = column_name_problem([str(name) for name in names])
    if problem is not None:
        raise InvalidInputError(f"{source} {problem}")


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


def listing(names: list[str]) -> str:
    """Column names for a one-line message: joined by commas, each as :func:`shown`, elided
    after :data:`LISTED_COLUMNS`.

    Example:
        >>> listing(["island", "sex"])
        'island, sex'
    """
    listed = ", ".join(shown(name) for name in names[:LISTED_COLUMNS])
    return f"{listed}, …" if len(names) > LISTED_COLUMNS else listed


def first_line(error: BaseException) -> str:
    """The first line of an exception's message, so errors stay one line.

    Example:
        >>> first_line(ValueError("bad value\\nat row 3"))
        'bad value'
    """
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


# sources ----------------------------------------------------------------------------------


class TableSource(ABC):
    """Rows to read: a table's columns, their Arrow types and kinds, and its rows in batches
    or whole. Made by :func:`open_source`; the names and types are checked when it is made.

    Example:
        >>> source = open_source(Path("train.csv"))
        >>> source.columns[:2], source.kinds["island"]
        (['bill_length_mm', 'bill_depth_mm'], 'categorical')
    """

    FORMAT = "a table"
    HINT = TABLE_HINT

    def __init__(self, name: str, schema: pa.Schema) -> None:
        check_column_names(schema.names, name)
        if not schema.names:
            raise InvalidInputError(f"{name} has no columns; pass a table with named columns")
        self.name = name
        self.schema = schema
        self.kinds: dict[str, FeatureKind] = {
            field.name: kind_of(field.type, field.name, name) for field in schema
        }

    @property
    def columns(self) -> list[str]:
        """Column names in table order."""
        return list(self.schema.names)

    def batches(self, reading: Mapping[str, ReadAs]) -> Iterator[pa.RecordBatch]:
        """The rows of the columns ``reading`` names, each read as numbers or labels.

        Example:
            >>> source = open_source(Path("train.csv"))
            >>> batch = next(source.batches({"bill_length_mm": "numeric", "island": "categorical"}))
            >>> batch.schema.types
            [DataType(double), DataType(string)]

        Raises:
            InvalidInputError: a column is absent, a value does not parse, or a column cannot
                be read as ``reading`` says.
        """
        absent = [name for name in reading if name not in self.kinds]
        if absent:
            raise InvalidInputError(f"{self.name} lacks the columns {listing(absent)}; add them")
        for batch in self._guarded(self._parsed(list(reading))):
            arrays = [
                read_as(batch.column(name), how, name, self.name) for name, how in reading.items()
            ]
            yield pa.RecordBatch.from_arrays(arrays, names=list(reading))

    def to_frame(self) -> pd.DataFrame:
        """Every row as a DataFrame, each column converted from its type as parsed (see
        :func:`arrow_frame`).

        Example:
            >>> pd.DataFrame({"day": ["2007-11-01"]}).to_csv("days.csv", index=False)
            >>> open_source(Path("days.csv")).to_frame()["day"].iloc[0]
            datetime.date(2007, 11, 1)

        Raises:
            InvalidInputError: a value does not parse as its column's type.
        """
        batches = self._guarded(self._parsed(self.columns))
        return arrow_frame(pa.Table.from_batches(batches, schema=self.schema), self.name)

    @classmethod
    def unreadable(cls, name: str, error: BaseException) -> InvalidInputError:
        """The one-line error for a table of this format that cannot be parsed.

        Example:
            >>> CsvSource.unreadable("new.csv", pa.ArrowInvalid("CSV parse error: Expected 3"))
            InvalidInputError('cannot read new.csv as CSV (CSV parse error: Expected 3); ...')
        """
        return InvalidInputError(
            f"cannot read {name} as {cls.FORMAT} ({first_line(error)}); {cls.HINT}"
        )

    @abstractmethod
    def _parsed(self, columns: list[str]) -> Iterable[pa.RecordBatch]:
        """The rows of ``columns`` in batches, each column of its type in :attr:`schema`."""

    def _guarded(self, batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        """``batches``, a parse failure raised as this source's one-line error."""
        try:
            yield from batches
        except (pa.ArrowException, OSError) as error:
            raise self.unreadable(self.name, error) from error


class CsvSource(TableSource):
    """A CSV file with a header row, parsed by Arrow block by block."""

    FORMAT = "CSV"
    HINT = CSV_HINT

    def __init__(self, path: Path) -> None:
        self.path = path
        with self._reader(None) as reader:
            schema = reader.schema
        if not any(name.strip() for name in schema.names):
            raise InvalidInputError(f"{path} has no columns; pass a CSV with a header row")
        super().__init__(str(path), schema)

    def _parsed(self, columns: list[str]) -> Iterator[pa.RecordBatch]:
        with self._reader(columns) as reader:
            yield from reader

    def _reader(self, columns: list[str] | None) -> pv.CSVStreamingReader:
        """A streaming reader of ``columns`` typed as the first block said (None: every
        column, its type inferred)."""
        types = (
            None if columns is None else {name: self.schema.field(name).type for name in columns}
        )
        convert = pv.ConvertOptions(
            strings_can_be_null=True, column_types=types, include_columns=columns
        )
        try:
            return pv.open_csv(
                self.path,
                read_options=pv.ReadOptions(block_size=CSV_BLOCK_BYTES),
                parse_options=pv.ParseOptions(newlines_in_values=True),
                convert_options=convert,
            )
        except (pa.ArrowException, OSError) as error:
            raise self.unreadable(str(self.path), error) from error


class ParquetSource(TableSource):
    """A Parquet file, read in batches of :data:`BATCH_ROWS` rows."""

    FORMAT = "Parquet"
    HINT = PARQUET_HINT

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.file = pq.ParquetFile(path, pre_buffer=False, buffer_size=PARQUET_BUFFER_BYTES)
        except (pa.ArrowException, OSError) as error:
            raise self.unreadable(str(path), error) from error
        super().__init__(str(path), without_index(self.file.schema_arrow))

    def _parsed(self, columns: list[str]) -> Iterator[pa.RecordBatch]:
        return self.file.iter_batches(batch_size=BATCH_ROWS, columns=columns, use_threads=False)


class ArrowSource(TableSource):
    """A pyarrow Table held in memory."""

    def __init__(self, table: pa.Table, name: str = "the Arrow table") -> None:
        self.table = table
        super().__init__(name, without_index(table.schema))

    def _parsed(self, columns: list[str]) -> list[pa.RecordBatch]:
        return self.table.select(columns).to_batches(max_chunksize=BATCH_ROWS)


class FrameSource(TableSource):
    """A pandas DataFrame held in memory, converted to Arrow a slice at a time; each column's
    type is the one Arrow gives the whole column (:func:`column_array`)."""

    def __init__(self, frame: pd.DataFrame, name: str = "the DataFrame") -> None:
        self.frame = frame
        names = [str(column) for column in frame.columns]
        types = [column_array(frame.iloc[:, i]).type for i in range(frame.shape[1])]
        super().__init__(name, pa.schema(list(zip(names, types, strict=True))))

    def to_frame(self) -> pd.DataFrame:
        """The DataFrame as given."""
        return self.frame

    def _parsed(self, columns: list[str]) -> Iterator[pa.RecordBatch]:
        positions = [self.columns.index(name) for name in columns]
        for start in range(0, len(self.frame), BATCH_ROWS):
            rows = self.frame.iloc[start : start + BATCH_ROWS]
            arrays = [column_array(rows.iloc[:, position]) for position in positions]
            yield pa.RecordBatch.from_arrays(arrays, names=columns)


def open_source(data: Any, name: str | None = None) -> TableSource:
    """A source for a CSV or Parquet path, a pyarrow Table or RecordBatch, or anything
    :func:`as_frame` takes (a DataFrame, a 2-D array, a list of rows); ``name`` names an
    in-memory table in messages.

    Parquet is recognised by a ``.parquet``/``.pq`` suffix or its ``PAR1`` magic bytes; every
    other file is read as CSV with a header row.

    Example:
        >>> X_new.to_parquet("new.parquet")
        >>> open_source(Path("new.parquet")).columns
        ['bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g', 'island', 'sex']

    Raises:
        InvalidInputError: the file is missing, empty or unreadable, or a column's name or type is
            one no reader takes.
    """
    if isinstance(data, (str, os.PathLike)):
        path = Path(data)
        _require_file(path)
        return ParquetSource(path) if _is_parquet(path) else CsvSource(path)
    if isinstance(data, pa.RecordBatch):
        data = pa.Table.from_batches([data])
    if isinstance(data, pa.Table):
        return ArrowSource(data, name or "the Arrow table")
    return FrameSource(as_frame(data), name or "the DataFrame")


def read_table(data: Any) -> pd.DataFrame:
    """A whole table as a DataFrame, parsed and typed as :meth:`TableSource.batches` reads it.

    Example:
        >>> read_table(Path("train.csv")).shape
        (179, 7)

    Raises:
        InvalidInputError: the table cannot be read (see :func:`open_source`), or holds no rows.
    """
    source = open_source(data)
    frame = source.to_frame()
    require_rows(len(frame), source)
    return frame


def require_rows(rows: int, source: TableSource) -> None:
    """Raise when a source held no rows.

    Example:
        >>> pd.DataFrame(columns=["island", "sex"]).to_csv("header-only.csv", index=False)
        >>> require_rows(0, open_source(Path("header-only.csv")))
        Traceback (most recent call last):
        modelshare.errors.InvalidInputError: header-only.csv has columns but no rows; pass a ...

    Raises:
        InvalidInputError: ``rows`` is 0.
    """
    if rows == 0:
        raise InvalidInputError(f"{source.name} has columns but no rows; pass a table with data")


def without_index(schema: pa.Schema) -> pa.Schema:
    """``schema`` without the columns pandas stored its index in: they are not data.

    Example:
        >>> frame = pd.DataFrame({"id": [7], "island": ["Dream"], "bill_length_mm": [46.2]})
        >>> without_index(pa.Schema.from_pandas(frame.set_index("id"))).names
        ['island', 'bill_length_mm']
    """
    stored = (schema.pandas_metadata or {}).get("index_columns", [])
    index = {column for column in stored if isinstance(column, str)}
    return pa.schema([field for field in schema if field.name not in index], schema.metadata)


def arrow_frame(table: pa.Table, source: str) -> pd.DataFrame:
    """An Arrow table as a DataFrame: strings as pandas strings, dates as dates, a column of
    nothing but missing values as float ``NaN`` (as numbers), pandas' stored dtypes restored.

    Example:
        >>> arrow_frame(pa.table({"x": [None, None]}), "train.csv")["x"].dtype
        dtype('float64')

    Raises:
        InvalidInputError: a column does not convert (pandas metadata that names another type).
    """
    for position, field in enumerate(table.schema):
        if pat.is_null(field.type):
            numbers = table.column(position).cast(pa.float64())
            table = table.set_column(position, field.with_type(pa.float64()), numbers)
    try:
        return table.to_pandas()
    except pa.ArrowException as error:
        raise InvalidInputError(
            f"{source} cannot be read as a DataFrame ({first_line(error)}); {TABLE_HINT}"
        ) from error


def _require_file(path: Path) -> None:
    """Raise unless ``path`` is an existing, non-empty file."""
    if not path.exists():
        raise InvalidInputError(f"{path} not found; check the path")
    if path.is_dir():
        raise InvalidInputError(f"{path} is a directory; pass a CSV or Parquet file")
    if path.stat().st_size == 0:
        raise InvalidInputError(f"{path} is empty; pass a CSV or Parquet file with data")


def _is_parquet(path: Path) -> bool:
    """Whether ``path`` is Parquet, by suffix or by its first four bytes."""
    if path.suffix.lower() in PARQUET_SUFFIXES:
        return True
    try:
        with path.open("rb") as stream:
            return stream.read(len(PARQUET_MAGIC)) == PARQUET_MAGIC
    except OSError:
        return False  # reading it as CSV reports the problem


# in-memory input ----------------------------------------------------------------------------


def as_frame(X: Any, feature_names: Sequence[str] | None = None) -> pd.DataFrame:
    """The features as a DataFrame: a DataFrame as-is, a 2-D array, a list of rows, an Arrow
    table (converted as :func:`arrow_frame` converts a file's rows).

    Unnamed columns are called ``x0 … xN`` unless ``feature_names`` are given; a DataFrame or
    Arrow table keeps its own column names.

    Example:
        >>> as_frame([[1.0, "a"], [2.0, "b"]], feature_names=["size", "colour"]).columns.tolist()
        ['size', 'colour']

    Raises:
        InvalidInputError: ``X`` is of another type or shape, or its column names are unusable.
    """
    if isinstance(X, pd.DataFrame):
        check_column_names(X.columns, "X")
        return X
    if isinstance(X, pa.Table):
        return ArrowSource(X, "X").to_frame()
    if isinstance(X, (np.ndarray, list, tuple)):
        values = _as_array(X)
        _require_2d(values.shape)
        columns = _column_names(values.shape[1], feature_names)
        return pd.DataFrame(values, columns=columns).infer_objects()
    raise InvalidInputError(
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

    Raises:
        InvalidInputError: ``y`` is of another type, or holds more than one column.
    """
    if isinstance(y, pd.Series):
        series = y
    elif isinstance(y, pd.DataFrame):
        series = _only_column(y)
    elif isinstance(y, (np.ndarray, list, tuple)):
        series = _series_from_values(y)
    else:
        raise InvalidInputError(
            f"y is a {type(y).__name__}; pass a pandas Series, a 1-D numpy array or list, "
            "or a single-column DataFrame"
        )
    label = name if name is not None else series.name
    return series.rename("target" if label is None else label)


def split_target(df: pd.DataFrame, target: str, source: str) -> tuple[pd.DataFrame, pd.Series]:
    """Split a table into its feature columns and its ``target`` column.

    Example:
        >>> table = read_table(Path("train.csv"))
        >>> X, y = split_target(table, "species", "train.csv")
        >>> X.shape, y.name
        ((179, 6), 'species')
        >>> split_target(table, "spcies", "train.csv")
        Traceback (most recent call last):
        modelshare.errors.InvalidInputError: column 'spcies' not found in train.csv; ...

    Raises:
        InvalidInputError: the target is not a column, or the only one.
    """
    columns = [str(column) for column in df.columns]
    if target not in columns:
        closest = _closest(target, columns)
        hint = f"did you mean '{closest}'? " if closest else ""
        raise InvalidInputError(
            f"column '{target}' not found in {source}; {hint}columns: {listing(columns)}"
        )
    if len(columns) == 1:
        raise InvalidInputError(f"{source} has only the target column '{target}'; add features")
    position = columns.index(target)
    return df.drop(columns=df.columns[position]), df.iloc[:, position]


def _require_2d(shape: tuple[int, ...]) -> None:
    """Raise unless ``shape`` is rows x features."""
    if len(shape) != 2:
        raise InvalidInputError(
            f"X has shape {shape}; pass rows x features (a 2-D array or a list of rows), "
            "e.g. reshape(-1, 1) for a single feature"
        )


def _column_names(n_columns: int, feature_names: Sequence[str] | None) -> list[str]:
    """``feature_names`` when they fit ``n_columns``, else ``x0 … xN``."""
    if feature_names is None:
        return [f"x{i}" for i in range(n_columns)]
    if len(feature_names) != n_columns:
        raise InvalidInputError(
            f"X has {n_columns} columns but {len(feature_names)} feature names were given; "
            "pass one name per column"
        )
    return [str(name) for name in feature_names]


def _only_column(frame: pd.DataFrame) -> pd.Series:
    """The only column of a target DataFrame."""
    if frame.shape[1] != 1:
        raise InvalidInputError(
            f"y has {frame.shape[1]} columns; pass a single target column (one value per row)"
        )
    return frame.iloc[:, 0]


def _series_from_values(y: np.ndarray | list[Any] | tuple[Any, ...]) -> pd.Series:
    """A Series from a 1-D array or list, or from a one-column array."""
    values = _as_array(y)
    if values.ndim == 2 and values.shape[1] == 1:
        values = values[:, 0]
    if values.ndim != 1:
        raise InvalidInputError(
            f"y has shape {values.shape}; pass a single target column (one value per row)"
        )
    return pd.Series(values).infer_objects()


def _as_array(values: np.ndarray | list[Any] | tuple[Any, ...]) -> np.ndarray:
    """An array as given, or a list as an object array (so pandas infers each column's dtype)."""
    return values if isinstance(values, np.ndarray) else np.asarray(values, dtype=object)


def _closest(name: str, candidates: list[str]) -> str | None:
    """The candidate most like ``name`` (ignoring case), when one is close enough."""
    by_lower = {candidate.lower(): candidate for candidate in candidates}
    matches = difflib.get_close_matches(name.lower(), list(by_lower), n=1)
    return by_lower[matches[0]] if matches else None
