"""Profile a CSV or Parquet file on a Dask cluster: one partial profile per partition, merged.

Each worker reads its partitions (parsed by Arrow into the column types the local reader
infers, :mod:`modelshare.tables`), builds a :class:`~modelshare.profiling.builder.ProfileBuilder`
and sends back its mergeable state (sketches serialise compactly); partial states are merged
pairwise on the cluster and the result is finalised locally. Needs the ``dask`` extra
(``pip install modelshare[dask]``); workers need modelshare installed.

Example:
    >>> from modelshare.profiling import plan_columns
    >>> from modelshare.tables import open_source
    >>> source = open_source(Path("train.csv"))
    >>> plan = plan_columns(source, target="species")
    >>> build_on_dask(source, plan, "tcp://10.0.0.5:8786").build().rows  # doctest: +SKIP
    179
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pandas as pd
import pyarrow as pa

from modelshare.errors import InvalidInputError, ModelshareError
from modelshare.profiling.builder import ProfileBuilder
from modelshare.profiling.columns import ColumnPlan
from modelshare.tables import CsvSource, ParquetSource, TableSource

PARTITION_BYTES = 64 * 1024 * 1024
"""CSV bytes per Dask partition."""


def build_on_dask(source: TableSource, plan: ColumnPlan, scheduler: Any) -> ProfileBuilder:
    """The merged profile state of a file, computed on a Dask cluster.

    ``scheduler`` is ``"local"`` (a cluster of this machine's cores), a scheduler address
    such as ``"tcp://10.0.0.5:8786"``, or a ``distributed.Client``.

    Example:
        >>> from modelshare.profiling import plan_columns
        >>> from modelshare.tables import open_source
        >>> source = open_source(Path("train.csv"))
        >>> plan = plan_columns(source, target="species")
        >>> build_on_dask(source, plan, "local").build().target.frequencies  # doctest: +SKIP
        {'Adelie': 80, 'Gentoo': 64, 'Chinstrap': 35}

    Raises:
        InvalidInputError: the scheduler cannot be reached, or a partition does not parse as
            the file's first block did.
        ModelshareError: dask is not installed.
    """
    try:
        import dask
        import distributed  # noqa: F401
    except ImportError as error:
        raise ModelshareError(
            "profiling on Dask needs dask and distributed; pip install 'modelshare[dask]'"
        ) from error
    frame = _dask_frame(source, plan)
    parts = [dask.delayed(_partition_state)(part, plan) for part in frame.to_delayed()]
    while len(parts) > 1:
        pairs = zip(parts[::2], parts[1::2], strict=False)
        merged = [dask.delayed(_merged)(left, right) for left, right in pairs]
        parts = merged + ([parts[-1]] if len(parts) % 2 else [])
    with _client(scheduler) as client:
        try:
            return client.compute(parts[0]).result()
        except (pd.errors.ParserError, pa.ArrowException, OSError) as error:
            raise source.unreadable(source.name, error) from error


def _partition_state(frame: pd.DataFrame, plan: ColumnPlan) -> ProfileBuilder:
    """One partition's profile state (runs on a worker)."""
    return ProfileBuilder(plan).add(frame)


def _merged(left: ProfileBuilder, right: ProfileBuilder) -> ProfileBuilder:
    """Two partial states merged (runs on a worker)."""
    return left.merge(right)


def _dask_frame(source: TableSource, plan: ColumnPlan) -> Any:
    """The file as a Dask DataFrame of the plan's columns, each parsed by Arrow as the
    source's type, so that a partition reads as the same rows read locally would."""
    import dask.dataframe as dd

    columns = list(plan.kinds())
    if isinstance(source, CsvSource):
        dtypes = {name: pd.ArrowDtype(source.schema.field(name).type) for name in columns}
        return dd.read_csv(
            source.path, engine="pyarrow", dtype=dtypes, usecols=columns, blocksize=PARTITION_BYTES
        )
    if isinstance(source, ParquetSource):
        return dd.read_parquet(source.path, columns=columns, dtype_backend="pyarrow")
    raise InvalidInputError("Dask profiles CSV and Parquet files; pass a path")


@contextmanager
def _client(scheduler: Any) -> Iterator[Any]:
    """A Dask client for ``scheduler``, closed afterwards unless the caller passed one."""
    from distributed import Client, LocalCluster

    if isinstance(scheduler, Client):
        yield scheduler
        return
    if scheduler == "local":
        with LocalCluster(dashboard_address=None) as cluster, Client(cluster) as client:
            yield client
        return
    try:
        client = Client(scheduler, timeout="10s")
    except (OSError, TimeoutError, ValueError) as error:
        raise InvalidInputError(
            f"cannot reach the Dask scheduler at {scheduler} ({error}); "
            "pass --dask local or the address of a running scheduler"
        ) from error
    with client:
        yield client
