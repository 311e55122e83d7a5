"""Where rows come from: CSV and Parquet files read in bounded memory, DataFrames, Arrow tables.

Every source decides a :class:`~modelshare.profile.columns.ColumnPlan` and yields record
batches normalised by a plan, so profiling and drift read every input the same way. Files are
streamed: CSV in blocks of :data:`CSV_BLOCK_BYTES`, Parquet in batches of
:data:`~modelshare.profile.columns.BATCH_ROWS` rows.

Example:
    >>> source = open_source(Path("train.csv"))
    >>> plan = source.plan(target="species")
    >>> rows = sum(batch.num_rows for batch in source.batches(plan))
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from modelshare.data import (
    as_frame,
    check_column_names,
    first_line,
    is_parquet,
    require_readable_file,
)
from modelshare.errors import ModelshareError, UsageError
from modelshare.profile.columns import (
    BATCH_ROWS,
    ColumnPlan,
    TargetKind,
    frame_batches,
    normalise_batch,
    plan_from_arrow,
    plan_from_frame,
)

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

CSV_BLOCK_BYTES = 16 * 1024 * 1024
"""CSV bytes parsed per batch; column types are inferred from the first block."""

PARQUET_BUFFER_BYTES = 1024 * 1024
"""Parquet is read column chunk by column chunk through a buffer of this size, not a whole
row group at once (Arrow's pre-buffering would hold every column of a row group)."""


class TableSource(Protocol):
    """Anything rows can be profiled or checked from."""

    name: str

    @property
    def columns(self) -> list[str]:
        """Column names in table order."""
        ...

    def plan(self, target: str | None = None, target_kind: TargetKind = "auto") -> ColumnPlan:
        """Each column's kind as this source's types say."""
        ...

    def batches(self, plan: ColumnPlan) -> Iterator[pa.RecordBatch]:
        """The rows as batches normalised by ``plan``."""
        ...


def open_source(data: Any) -> TableSource:
    """A source for a CSV/Parquet path, a DataFrame, a pyarrow Table, or a 2-D array.

    Example:
        >>> open_source(Path("new.parquet")).columns
        ['bill_length_mm', 'bill_depth_mm', 'island']
    """
    import pyarrow as pa

    if isinstance(data, (str, Path)):
        path = Path(data)
        try:
            require_readable_file(path)
        except ModelshareError as error:
            raise UsageError(str(error)) from error
        return ParquetSource(path) if is_parquet(path) else CsvSource(path)
    if isinstance(data, pa.Table):
        return ArrowSource(data)
    return FrameSource(as_frame(data))


def require_rows(rows: int, source: TableSource) -> None:
    """Raise when a source held no rows.

    Example:
        >>> require_rows(0, open_source(Path("header-only.csv")))
        Traceback (most recent call last):
        modelshare.errors.UsageError: header-only.csv has columns but no rows; pass data
    """
    if rows == 0:
        raise UsageError(f"{source.name} has columns but no rows; pass a file with data")


class ArrowSchemaSource:
    """A source whose columns and their kinds are read from an Arrow schema."""

    name: str
    schema: pa.Schema

    @property
    def columns(self) -> list[str]:
        return list(self.schema.names)

    def plan(self, target: str | None = None, target_kind: TargetKind = "auto") -> ColumnPlan:
        return plan_from_arrow(self.schema, target, target_kind)


class CsvSource(ArrowSchemaSource):
    """A CSV file with a header row, parsed by Arrow block by block."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = path.name
        with self._reader() as reader:
            self.schema = reader.schema
        if not self.schema.names:
            raise UsageError(f"{path} has no columns; pass a CSV with a header row")
        check_column_names(self.schema.names, self.name)

    def batches(self, plan: ColumnPlan) -> Iterator[pa.RecordBatch]:
        import pyarrow as pa

        types = {
            name: pa.float64() if kind == "numeric" else pa.string()
            for name, kind in plan.kinds().items()
        }
        with self._reader(types) as reader:
            while True:
                try:
                    batch = reader.read_next_batch()
                except StopIteration:
                    return
                except pa.ArrowInvalid as error:
                    raise self._error(error) from error
                yield normalise_batch(batch, plan, self.name)

    def _reader(self, types: dict[str, pa.DataType] | None = None) -> Any:
        import pyarrow as pa
        import pyarrow.csv as pv

        convert = pv.ConvertOptions(
            strings_can_be_null=True,
            column_types=types,
            include_columns=list(types) if types is not None else None,
        )
        try:
            return pv.open_csv(
                self.path,
                read_options=pv.ReadOptions(block_size=CSV_BLOCK_BYTES),
                convert_options=convert,
            )
        except (pa.ArrowInvalid, OSError) as error:
            raise self._error(error) from error

    def _error(self, error: Exception) -> UsageError:
        return UsageError(
            f"cannot read {self.path} as CSV ({first_line(error)}); pass a comma-separated "
            "UTF-8 file with a header row and one type per column, or a Parquet file"
        )


class ParquetSource(ArrowSchemaSource):
    """A Parquet file, read in batches of row groups."""

    def __init__(self, path: Path) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.path = path
        self.name = path.name
        try:
            self.file = pq.ParquetFile(path, pre_buffer=False, buffer_size=PARQUET_BUFFER_BYTES)
        except (pa.ArrowInvalid, OSError) as error:
            raise UsageError(
                f"cannot read {path} as Parquet ({first_line(error)}); "
                "check that the file is complete and was written as Parquet"
            ) from error
        self.schema = self.file.schema_arrow
        check_column_names(self.schema.names, self.name)

    def batches(self, plan: ColumnPlan) -> Iterator[pa.RecordBatch]:
        columns = list(plan.kinds())
        batches = self.file.iter_batches(batch_size=BATCH_ROWS, columns=columns, use_threads=False)
        for batch in batches:
            yield normalise_batch(batch, plan, self.name)


class FrameSource:
    """A pandas DataFrame held in memory, converted a slice at a time."""

    def __init__(self, frame: pd.DataFrame, name: str = "the DataFrame") -> None:
        check_column_names(frame.columns, name)
        self.frame = frame
        self.name = name

    @property
    def columns(self) -> list[str]:
        return [str(column) for column in self.frame.columns]

    def plan(self, target: str | None = None, target_kind: TargetKind = "auto") -> ColumnPlan:
        return plan_from_frame(self.frame, target, target_kind)

    def batches(self, plan: ColumnPlan) -> Iterator[pa.RecordBatch]:
        return frame_batches(self.frame, plan)


class ArrowSource(ArrowSchemaSource):
    """A pyarrow Table held in memory."""

    def __init__(self, table: pa.Table, name: str = "the Arrow table") -> None:
        check_column_names(table.column_names, name)
        self.table = table
        self.name = name
        self.schema = table.schema

    def batches(self, plan: ColumnPlan) -> Iterator[pa.RecordBatch]:
        for batch in self.table.to_batches(max_chunksize=BATCH_ROWS):
            yield normalise_batch(batch, plan, self.name)
